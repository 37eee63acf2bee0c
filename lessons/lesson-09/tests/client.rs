//! Lesson 09's client binary: `put` and `get` from its arguments and from piped
//! commands, a clear message on every refusal, nothing half-written when a download
//! breaks off, and no progress bar when nobody watches.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::fs;
use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::Path;
use std::process::{Command, Output};
use std::thread;

use classroom::{ServerProcess, run_with_timeout};
use common::{TempDir, assert_file_is, content, listing, start_server};

/// The client, in `dir`, talking to `server`, with `args`.
fn client(dir: &Path, port: u16, args: &[&str]) -> Command {
    let mut client = Command::new(env!("CARGO_BIN_EXE_lesson-09-client"));
    client.current_dir(dir);
    client.args(["--port", &port.to_string()]).args(args);
    client
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// What the client printed, stdout then stderr, with `dir` written `[dir]`.
fn printed(output: &Output, dir: &Path) -> String {
    let dir = dir.display().to_string();
    format!(
        "--- stdout ---\n{}--- stderr ---\n{}--- exit: {} ---\n",
        text(&output.stdout),
        text(&output.stderr),
        output.status.code().unwrap_or(-1)
    )
    .replace(&dir, "[dir]")
}

fn served(what: &str) -> (TempDir, TempDir, ServerProcess) {
    let root = TempDir::new(what);
    fs::create_dir_all(root.join("download")).unwrap();
    fs::write(
        root.join("download/greeting.txt"),
        "hello from the server\n",
    )
    .unwrap();
    let work = TempDir::new(&format!("{what}-client"));
    let server = start_server(root.path(), &["--max-upload", "1M"]);
    (root, work, server)
}

#[test]
fn the_client_puts_and_gets_from_its_arguments() {
    let (root, work, server) = served("client-args");
    let port = server.addr().port();
    let data = content(2 << 20, 7);
    let root_upload = root.join("upload");
    fs::write(work.join("notes.bin"), &data[..1 << 20]).unwrap();
    let output = run_with_timeout(client(work.path(), port, &["put", "notes.bin"]), "");
    assert!(output.status.success(), "{output:?}");
    assert_eq!(text(&output.stdout), "put notes.bin: 1048576 bytes sent\n");
    // When `put` returns, the server has stored the file: it closes only after.
    assert_file_is(&root_upload.join("notes.bin"), &data[..1 << 20]);

    let saved = TempDir::new("client-args-saved");
    let mut get = client(work.path(), port, &["--dir"]);
    get.arg(saved.path()).args(["get", "greeting.txt"]);
    let output = run_with_timeout(get, "");
    assert!(output.status.success(), "{output:?}");
    let expected = format!(
        "get greeting.txt: 22 bytes saved to {}\n",
        saved.join("greeting.txt").display()
    );
    assert_eq!(text(&output.stdout), expected);
    assert_file_is(&saved.join("greeting.txt"), b"hello from the server\n");
    // No progress bar: stdout is a pipe here, so nothing but the summary lines (the
    // first transfer was a megabyte, long enough for a bar in a terminal).
    assert!(output.stderr.is_empty(), "{output:?}");
}

#[test]
fn piped_commands_run_in_order_and_every_refusal_is_explained() {
    let (root, work, server) = served("client-script");
    fs::write(work.join("small.txt"), "a small file\n").unwrap();
    fs::write(work.join("big.bin"), content((1 << 20) + 1, 8)).unwrap();
    let script = "put small.txt\n\
                  get missing.txt\n\
                  get ../secret.txt\n\
                  put big.bin\n\
                  put no-such-local-file.txt\n\
                  get greeting.txt\n\
                  frobnicate now\n\
                  put\n\
                  \n\
                  put small.txt\n\
                  close\n\
                  get greeting.txt\n";
    let output = run_with_timeout(client(work.path(), server.addr().port(), &[]), script);
    let printed = printed(&output, work.path());
    assert_eq!(output.status.code(), Some(1), "{printed}");
    assert_file_is(&root.join("upload/small.txt"), b"a small file\n");
    assert_eq!(listing(&root.join("upload")), ["small.txt"]);
    assert_file_is(&work.join("greeting.txt"), b"hello from the server\n");
    // The command after `close` never ran: greeting.txt was fetched once.
    assert_eq!(
        server
            .stdout()
            .iter()
            .filter(|l| l.contains("sent \"greeting.txt\""))
            .count(),
        1
    );
    insta::assert_snapshot!(printed);
}

#[test]
fn a_download_that_breaks_off_leaves_nothing_behind() {
    // A server that promises 100 bytes, sends 10, and hangs up.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let broken_server = thread::spawn(move || {
        let (mut conn, _) = listener.accept().unwrap();
        let mut buffer = [0; 1024];
        let _ = conn.read(&mut buffer).unwrap();
        conn.write_all(b"YES|100").unwrap();
        let _ = conn.read(&mut buffer).unwrap(); // second_active
        conn.write_all(b"0123456789").unwrap();
    });
    let work = TempDir::new("client-broken");
    let output = run_with_timeout(client(work.path(), port, &["get", "file.bin"]), "");
    broken_server.join().unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(
        text(&output.stderr),
        "error: get file.bin: the server closed after 10 of 100 bytes\n"
    );
    assert!(
        listing(work.path()).is_empty(),
        "{:?}",
        listing(work.path())
    );
}

#[test]
fn the_client_saves_nothing_outside_its_directory_whatever_a_server_says() {
    // A server that says YES to anything.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let lying_server = thread::spawn(move || {
        let (mut conn, _) = listener.accept().unwrap();
        let mut buffer = [0; 1024];
        let _ = conn.read(&mut buffer).unwrap();
        conn.write_all(b"YES|3").unwrap();
        let _ = conn.read(&mut buffer); // the client hangs up instead of second_active
    });
    let work = TempDir::new("client-lied-to");
    fs::create_dir_all(work.join("inside")).unwrap();
    let mut get = client(
        work.path(),
        port,
        &["--dir", "inside", "get", "../outside.txt"],
    );
    get.current_dir(work.path());
    let output = run_with_timeout(get, "");
    lying_server.join().unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = text(&output.stderr);
    assert!(stderr.contains("contains a path separator"), "{stderr}");
    assert_eq!(listing(work.path()), ["inside"]);
    assert!(listing(&work.join("inside")).is_empty());
}

#[test]
fn the_client_explains_when_no_server_listens() {
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .unwrap()
        .port();
    let work = TempDir::new("client-no-server");
    let output = run_with_timeout(client(work.path(), port, &["get", "x"]), "");
    assert!(!output.status.success());
    let stderr = text(&output.stderr);
    assert!(stderr.contains("cannot connect"), "{stderr}");
    assert!(stderr.contains("is the server running?"), "{stderr}");
}
