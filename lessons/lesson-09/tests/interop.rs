//! CPython and Rust, both ways: a client in the tutorial's style (`python/ftp_client.py`,
//! headers without a newline) uploads and downloads against the Rust server, and the
//! Rust client does the same against the tutorial's server fixed the same way
//! (`python/select_ftp_server.py`). python3 is a test requirement (README).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::fs;
use std::path::Path;
use std::process::Command;

use classroom::{ServerProcess, python3, run_with_timeout};
use common::{TempDir, assert_file_is, content, listing, start_server};

fn python_file(name: &str) -> String {
    format!("{}/python/{name}", env!("CARGO_MANIFEST_DIR"))
}

/// `root` with a file to download, and the client's directory with files to upload;
/// `download/link.txt` is a link out of the root, to one of the client's files.
fn prepare(what: &str) -> (TempDir, TempDir) {
    let root = TempDir::new(what);
    fs::create_dir_all(root.join("download")).unwrap();
    fs::write(root.join("download/big.bin"), content(3_000_000, 20)).unwrap();
    let work = TempDir::new(&format!("{what}-client"));
    fs::write(work.join("upload.bin"), content(2_500_000, 21)).unwrap();
    fs::write(work.join("empty.txt"), "").unwrap();
    fs::write(work.join("too-big.bin"), content(5 << 20, 22)).unwrap();
    std::os::unix::fs::symlink(work.join("upload.bin"), root.join("download/link.txt")).unwrap();
    (root, work)
}

/// Every byte went both ways, and nothing else was stored.
fn check_transfers(root: &Path, work: &Path) {
    assert_file_is(&root.join("upload/upload.bin"), &content(2_500_000, 21));
    assert_file_is(&root.join("upload/empty.txt"), b"");
    assert_file_is(&work.join("big.bin"), &content(3_000_000, 20));
    assert_eq!(listing(&root.join("upload")), ["empty.txt", "upload.bin"]);
}

const SCRIPT: &str = "put upload.bin\n\
                      get big.bin\n\
                      get missing.txt\n\
                      put too-big.bin\n\
                      put empty.txt\n\
                      close\n";

#[test]
fn a_python_client_in_the_tutorial_s_style_against_the_rust_server() {
    let (root, work) = prepare("py-client");
    let server = start_server(root.path(), &["--max-upload", "4M"]);
    let mut client = python3();
    client
        .arg(python_file("ftp_client.py"))
        .arg(server.addr().port().to_string())
        .current_dir(work.path());
    let output = run_with_timeout(client, SCRIPT);
    assert!(output.status.success(), "{output:?}");
    // `input(">>: ")` prints its prompt even when the input is piped.
    assert_eq!(
        String::from_utf8_lossy(&output.stdout),
        ">>: put upload.bin: 2500000 bytes sent\n\
         >>: get big.bin: 3000000 bytes saved\n\
         >>: no such file\n\
         >>: refused: NO|too big: 5242880 bytes, the limit is 4194304 bytes\n\
         >>: put empty.txt: 0 bytes sent\n\
         >>: "
    );
    check_transfers(root.path(), work.path());
    // The Python client's headers have no newline: the server took each one whole.
    server.wait_for_line("put \"upload.bin\" (2500000 bytes)");
}

fn start_python_server(root: &Path) -> ServerProcess {
    let mut server = python3();
    server
        .arg(python_file("select_ftp_server.py"))
        .args([
            "--port",
            "0",
            "--max-upload",
            &(4 << 20).to_string(),
            "--root",
        ])
        .arg(root);
    ServerProcess::start(server)
}

/// The Rust client, run in `work`, talking to `server`, with `SCRIPT` and more piped in.
fn run_rust_client(server: &ServerProcess, work: &Path) -> (String, String, Option<i32>) {
    let mut client = Command::new(env!("CARGO_BIN_EXE_lesson-09-client"));
    client
        .args(["--port", &server.addr().port().to_string()])
        .current_dir(work);
    let script = format!("get ../secret.txt\nget .hidden\nget link.txt\n{SCRIPT}");
    let output = run_with_timeout(client, &script);
    (
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
        output.status.code(),
    )
}

#[test]
fn the_rust_client_against_the_tutorial_s_server_fixed_in_python() {
    let (root, work) = prepare("py-server");
    let server = start_python_server(root.path());
    let (stdout, stderr, code) = run_rust_client(&server, work.path());
    assert_eq!(code, Some(1), "{stdout}{stderr}");
    assert_eq!(
        stdout,
        "put upload.bin: 2500000 bytes sent\n\
         get big.bin: 3000000 bytes saved to ./big.bin\n\
         put empty.txt: 0 bytes sent\n"
    );
    assert_eq!(
        stderr,
        "error: the server refused get ../secret.txt: bad name: \"../secret.txt\" contains a path separator (/ or \\)\n\
         error: the server refused get .hidden: bad name: \".hidden\" starts with a dot (hidden files, and the server's temporary files, do)\n\
         error: the server refused get link.txt: not served: \"link.txt\" is a symbolic link (links are never followed)\n\
         error: the server has no file named \"missing.txt\" to get\n\
         error: the server refused put too-big.bin: too big: 5242880 bytes, the limit is 4194304 bytes\n"
    );
    check_transfers(root.path(), work.path());
}

#[test]
fn the_rust_client_sees_the_same_from_both_servers() {
    let (python_root, python_work) = prepare("same-py");
    let python_server = start_python_server(python_root.path());
    let from_python = run_rust_client(&python_server, python_work.path());
    let (rust_root, rust_work) = prepare("same-rust");
    let rust_server = start_server(rust_root.path(), &["--max-upload", "4M"]);
    let from_rust = run_rust_client(&rust_server, rust_work.path());
    assert_eq!(from_python, from_rust);
    check_transfers(rust_root.path(), rust_work.path());
}

#[test]
fn a_python_client_against_the_python_server_as_a_baseline() {
    let (root, work) = prepare("py-py");
    let server = start_python_server(root.path());
    let mut client = python3();
    client
        .arg(python_file("ftp_client.py"))
        .arg(server.addr().port().to_string())
        .current_dir(work.path());
    let output = run_with_timeout(client, SCRIPT);
    assert!(output.status.success(), "{output:?}");
    check_transfers(root.path(), work.path());
}
