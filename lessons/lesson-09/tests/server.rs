//! Lesson 09's file server, through its real binary: the tutorial's conversations,
//! every fix (a header and its file in one read, names that would escape, uploads over
//! the limit, interrupted transfers, re-uploads), fifty transfers at once on one
//! thread, and after every bad client, a good one that is still served.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::fs;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::Command;
use std::thread;

use classroom::{Client, ServerProcess, TIMEOUT, Transcript, help_of, run_with_timeout};
use common::{TempDir, assert_file_is, content, listing, push_log, start_server};
use lesson_09::{Outcome, get, put};

const GREETING: &[u8] = "grüße from the server!\n".as_bytes();

/// A served directory with `download/greeting.txt` in it.
fn served_root(what: &str) -> TempDir {
    let root = TempDir::new(what);
    fs::create_dir_all(root.join("download")).unwrap();
    fs::write(root.join("download/greeting.txt"), GREETING).unwrap();
    root
}

/// Proof that the server still serves: a fresh client gets greeting.txt.
fn still_serves(server: &ServerProcess, transcript: &Transcript) {
    let mut next = Client::connect_as(transcript, "next", server.addr());
    next.send("get|greeting.txt|0");
    let yes = format!("YES|{}", GREETING.len());
    assert_eq!(next.recv_exact(yes.len()), yes.as_bytes());
    next.send("second_active");
    assert_eq!(next.recv_exact(GREETING.len()), GREETING);
    let address = next.local_addr();
    next.close();
    server.wait_for_line(&format!("{address} closed"));
}

/// Expects `client` to be answered `NO|reason`, then closed by the server.
fn expect_refused_and_closed(client: &mut Client, reason: &str) {
    let reply = format!("NO|{reason}");
    assert_eq!(
        String::from_utf8_lossy(&client.recv_exact(reply.len())),
        reply
    );
    client.expect_closed();
}

#[test]
fn a_put_and_a_get_in_the_tutorial_s_own_words() {
    let root = served_root("tutorial");
    let server = start_server(root.path(), &[]);
    let transcript = Transcript::new(&server);
    // put: the header alone, no newline, as the tutorial's client sends it.
    let mut up = Client::connect_as(&transcript, "up", server.addr());
    up.send("put|notes.txt|11");
    assert_eq!(up.recv_exact(2), b"OK");
    up.send("hello world");
    up.shutdown_write();
    up.expect_closed();
    assert_file_is(&root.join("upload/notes.txt"), b"hello world");
    // get, then a file that is not there, on one connection.
    let mut down = Client::connect_as(&transcript, "down", server.addr());
    down.send("get|greeting.txt|0");
    assert_eq!(
        down.recv_exact(6),
        format!("YES|{}", GREETING.len()).as_bytes()
    );
    down.send("second_active");
    assert_eq!(down.recv_exact(GREETING.len()), GREETING);
    down.send("get|missing.txt|0");
    assert_eq!(down.recv_exact(4), b"NO|0");
    let address = down.local_addr();
    down.close();
    server.wait_for_line(&format!("{address} closed"));
    push_log(&transcript, &server, root.path());
    insta::assert_snapshot!(transcript.render());
}

#[test]
fn a_header_and_its_file_in_one_read_and_the_next_header_behind_them() {
    let root = served_root("one-read");
    let server = start_server(root.path(), &[]);
    let transcript = Transcript::new(&server);
    let mut client = Client::connect(&transcript, server.addr());
    // One write: two headers, each ended by a newline, each with its file behind it.
    // The tutorial would store all of it, headers included, as one file.
    client.send("put|a.txt|5\nhelloput|b.txt|9\nb's bytes");
    assert_eq!(client.recv_exact(4), b"OKOK");
    client.shutdown_write();
    client.expect_closed();
    assert_file_is(&root.join("upload/a.txt"), b"hello");
    assert_file_is(&root.join("upload/b.txt"), b"b's bytes");
    assert_eq!(listing(&root.join("upload")), ["a.txt", "b.txt"]);
    push_log(&transcript, &server, root.path());
    insta::assert_snapshot!(transcript.render());
}

#[test]
fn names_that_would_leave_the_directory_are_refused_and_nothing_is_stored() {
    let root = served_root("names");
    // A file beside the served directories, that the tutorial would hand out for
    // `get|../secret.txt|0` (and overwrite for `put|../secret.txt|6`).
    fs::write(root.join("secret.txt"), "secret").unwrap();
    let server = start_server(root.path(), &[]);
    let transcript = Transcript::new(&server);
    let too_long = "x".repeat(201);
    let names = [
        ("", "the name is empty".to_string()),
        (".", "\".\" names a directory, not a file".to_string()),
        ("..", "\"..\" names a directory, not a file".to_string()),
        (
            "../secret.txt",
            "\"../secret.txt\" contains a path separator (/ or \\)".to_string(),
        ),
        (
            "/etc/passwd",
            "\"/etc/passwd\" contains a path separator (/ or \\)".to_string(),
        ),
        (
            "a/b",
            "\"a/b\" contains a path separator (/ or \\)".to_string(),
        ),
        (
            "a\\b",
            "\"a\\\\b\" contains a path separator (/ or \\)".to_string(),
        ),
        (
            "nul\0byte",
            "\"nul\\0byte\" contains a NUL byte".to_string(),
        ),
        (
            "tab\there",
            "\"tab\\there\" contains a control character".to_string(),
        ),
        (
            ".hidden",
            "\".hidden\" starts with a dot (hidden files, and the server's temporary files, do)"
                .to_string(),
        ),
        (&too_long, "the name is longer than 200 bytes".to_string()),
    ];
    // get: refused, and the connection stays open for the next one.
    let mut getter = Client::connect_as(&transcript, "get", server.addr());
    for (name, why) in &names {
        getter.send(format!("get|{name}|0\n"));
        let reply = format!("NO|bad name: {why}");
        let got = getter.recv_exact(reply.len());
        assert_eq!(String::from_utf8_lossy(&got), reply);
    }
    getter.close();
    // put: refused before anything is stored, and the connection closes.
    for (name, why) in &names {
        let mut putter = Client::connect_as(&transcript, "put", server.addr());
        putter.send(format!("put|{name}|6\n"));
        expect_refused_and_closed(&mut putter, &format!("bad name: {why}"));
    }
    assert_eq!(listing(root.path()), ["download", "secret.txt", "upload"]);
    assert!(listing(&root.join("upload")).is_empty());
    assert_eq!(fs::read(root.join("secret.txt")).unwrap(), b"secret");
    still_serves(&server, &transcript);
    insta::assert_snapshot!(transcript.render());
}

#[test]
fn an_upload_over_the_limit_is_refused_before_a_byte_is_stored() {
    let root = served_root("limit");
    let server = start_server(root.path(), &["--max-upload", "1K"]);
    let transcript = Transcript::new(&server);
    let mut big = Client::connect_as(&transcript, "big", server.addr());
    big.send("put|big.bin|1025");
    expect_refused_and_closed(&mut big, "too big: 1025 bytes, the limit is 1024 bytes");
    assert!(listing(&root.join("upload")).is_empty());
    // A size no file has is no number of bytes at all.
    let mut huge = Client::connect_as(&transcript, "huge", server.addr());
    huge.send("put|huge.bin|99999999999999999999999\n");
    expect_refused_and_closed(
        &mut huge,
        "bad request: the size \"99999999999999999999999\" is not a number of bytes",
    );
    // Exactly the limit is fine.
    let mut fits = Client::connect_as(&transcript, "fits", server.addr());
    let data: Vec<u8> = (0..1024).map(|i| b"0123456789abcdef"[i % 16]).collect();
    fits.send("put|fits.bin|1024\n");
    assert_eq!(fits.recv_exact(2), b"OK");
    fits.send(&data);
    fits.shutdown_write();
    fits.expect_closed();
    assert_file_is(&root.join("upload/fits.bin"), &data);
    assert_eq!(listing(&root.join("upload")), ["fits.bin"]);
    push_log(&transcript, &server, root.path());
    insta::assert_snapshot!(transcript.render());
}

#[test]
fn bad_requests_get_a_clear_answer_and_the_server_goes_on() {
    let root = served_root("bad-requests");
    let server = start_server(root.path(), &[]);
    let transcript = Transcript::new(&server);
    for (request, reason) in [
        (
            &b"hello"[..],
            "bad request: expected cmd|filename|filesize, got \"hello\"",
        ),
        (
            b"delete|greeting.txt|0",
            "bad request: unknown command \"delete\": expected put or get",
        ),
        (b"put|\xff.txt|1\n", "bad request: the header is not UTF-8"),
        (
            b"put|a.txt|ten\n",
            "bad request: the size \"ten\" is not a number of bytes",
        ),
    ] {
        let mut client = Client::connect(&transcript, server.addr());
        client.send(request);
        expect_refused_and_closed(&mut client, reason);
    }
    // A header that never ends.
    let mut endless = Client::connect_as(&transcript, "endless", server.addr());
    endless.send(vec![b'p'; 1025]);
    expect_refused_and_closed(&mut endless, "bad request: no header within 1024 bytes");
    // Anything but `second_active` after YES.
    let mut rude = Client::connect_as(&transcript, "rude", server.addr());
    rude.send("get|greeting.txt|0");
    assert_eq!(
        rude.recv_exact(6),
        format!("YES|{}", GREETING.len()).as_bytes()
    );
    rude.send("third_active!");
    rude.expect_closed();
    server.wait_for_line("error: expected \"second_active\" after YES, got \"third_active!\"");
    still_serves(&server, &transcript);
    assert!(listing(&root.join("upload")).is_empty());
    push_log(&transcript, &server, root.path());
    insta::assert_snapshot!(transcript.render());
}

#[test]
fn a_re_upload_replaces_the_file_instead_of_appending() {
    let root = served_root("replace");
    let server = start_server(root.path(), &[]);
    let transcript = Transcript::new(&server);
    for (name, data) in [("first", "a long first version\n"), ("second", "short\n")] {
        let mut client = Client::connect_as(&transcript, name, server.addr());
        client.send(format!("put|notes.txt|{}", data.len()));
        assert_eq!(client.recv_exact(2), b"OK");
        client.send(data);
        client.shutdown_write();
        client.expect_closed();
    }
    // The tutorial opens the file with 'ab': it would hold both versions.
    assert_file_is(&root.join("upload/notes.txt"), b"short\n");
    assert_eq!(listing(&root.join("upload")), ["notes.txt"]);
}

#[test]
fn an_interrupted_upload_leaves_no_file_and_an_old_one_untouched() {
    let root = served_root("interrupted");
    let server = start_server(root.path(), &[]);
    let transcript = Transcript::new(&server);
    fs::write(root.join("upload/kept.txt"), "the old version").unwrap();
    // One client vanishes with a reset, the other closes politely, both halfway.
    for (name, vanish) in [("reset", true), ("closed", false)] {
        let mut client = Client::connect_as(&transcript, name, server.addr());
        let target = if vanish { "kept.txt" } else { "new.txt" };
        client.send(format!("put|{target}|1000000\n"));
        assert_eq!(client.recv_exact(2), b"OK");
        client.send(content(400_000, 2));
        // While it is under way, the file exists only under a hidden temporary name.
        let address = client.local_addr();
        server.wait_for_line(&format!("{address} put"));
        let during = listing(&root.join("upload"));
        assert_eq!(during.len(), 2, "{during:?}");
        assert!(
            during[0].ends_with(".part") && during[1] == "kept.txt",
            "{during:?}"
        );
        if vanish {
            client.reset();
        } else {
            client.shutdown_write();
            client.expect_closed();
        }
        server.wait_for_line(&format!("{address} abandoned {target:?} after"));
        assert_eq!(listing(&root.join("upload")), ["kept.txt"], "after {name}");
        assert_eq!(
            fs::read(root.join("upload/kept.txt")).unwrap(),
            b"the old version"
        );
    }
    still_serves(&server, &transcript);
}

#[test]
fn a_client_that_vanishes_mid_download_does_not_stop_the_server() {
    let root = served_root("vanish-download");
    // Far more than the kernel's buffers hold, so the server is still sending when
    // the client vanishes.
    let size = 32 << 20;
    fs::write(root.join("download/big.bin"), content(size, 3)).unwrap();
    let server = start_server(root.path(), &[]);
    let transcript = Transcript::new(&server);
    let mut client = Client::connect(&transcript, server.addr());
    client.send("get|big.bin|0\n");
    let yes = format!("YES|{size}");
    assert_eq!(client.recv_exact(yes.len()), yes.as_bytes());
    client.send("second_active");
    let _ = client.recv_exact(100_000);
    let address = client.local_addr();
    client.reset();
    // `connected`, `get`, and then the error (or, on a machine with huge buffers,
    // `sent`): either way the server goes on.
    server.wait_for_lines(&address.to_string(), 3);
    still_serves(&server, &transcript);
}

/// Fifty clients at once, each uploading one file and downloading another, from
/// empty to 5 MiB, through the server's one thread; every byte is checked.
#[test]
fn fifty_transfers_each_way_at_once_on_one_thread() {
    const CLIENTS: usize = 50;
    let size = |i: usize| match i % 10 {
        0 => 0,
        1 => 1,
        2 => 1023,
        3 => 65_536,
        4 => 65_537,
        5 => 1 << 20,
        6 => (3 << 20) + 5,
        7 => 5 << 20,
        8 => 100_000 + i,
        _ => 2_500_001,
    };
    let root = TempDir::new("fifty");
    let server = start_server(root.path(), &[]);
    for i in 0..CLIENTS {
        let file = root.join(&format!("download/down-{i}.bin"));
        fs::write(file, content(size(CLIENTS - 1 - i), 1000 + i as u64)).unwrap();
    }
    let saved = TempDir::new("fifty-saved");
    let address = server.addr();
    thread::scope(|scope| {
        let clients: Vec<_> = (0..CLIENTS)
            .map(|i| {
                let saved = saved.path();
                scope.spawn(move || {
                    let connect = || {
                        let conn = TcpStream::connect_timeout(&address, TIMEOUT).unwrap();
                        conn.set_read_timeout(Some(TIMEOUT)).unwrap();
                        conn.set_write_timeout(Some(TIMEOUT)).unwrap();
                        conn
                    };
                    let up = content(size(i), i as u64);
                    let name = format!("up-{i}.bin");
                    let sent = put(
                        &mut connect(),
                        &name,
                        &mut &up[..],
                        up.len() as u64,
                        &mut |_| {},
                    );
                    assert_eq!(sent.unwrap(), Outcome::Done(up.len() as u64), "client {i}");
                    let name = format!("down-{i}.bin");
                    let got = get(&mut connect(), &name, saved, &mut |_, _| {});
                    let expected = size(CLIENTS - 1 - i) as u64;
                    assert_eq!(got.unwrap(), Outcome::Done(expected), "client {i}");
                })
            })
            .collect();
        for (i, client) in clients.into_iter().enumerate() {
            if client.join().is_err() {
                server.fail(&format!("client {i} failed"));
            }
        }
    });
    // A `put` returns once the server has closed, which it does after storing.
    for i in 0..CLIENTS {
        let up = root.join(&format!("upload/up-{i}.bin"));
        assert_file_is(&up, &content(size(i), i as u64));
        let down = saved.join(&format!("down-{i}.bin"));
        assert_file_is(&down, &content(size(CLIENTS - 1 - i), 1000 + i as u64));
    }
    assert_eq!(
        listing(&root.join("upload")).len(),
        CLIENTS,
        "no temporary files left"
    );
    assert_eq!(
        listing(saved.path()).len(),
        CLIENTS,
        "no temporary files left"
    );
    #[cfg(target_os = "linux")]
    {
        let threads = fs::read_dir(format!("/proc/{}/task", server.pid()))
            .unwrap()
            .count();
        assert_eq!(threads, 1, "the file server should have one thread");
    }
}

#[test]
fn a_client_that_does_not_read_its_download_holds_up_only_itself() {
    let root = served_root("slow-reader");
    let data = content(16 << 20, 4);
    fs::write(root.join("download/big.bin"), &data).unwrap();
    let server = start_server(root.path(), &[]);
    let transcript = Transcript::new(&server);
    let mut slow = TcpStream::connect(server.addr()).unwrap();
    slow.set_read_timeout(Some(TIMEOUT)).unwrap();
    slow.write_all(b"get|big.bin|0\n").unwrap();
    let mut yes = [0; 12];
    slow.read_exact(&mut yes).unwrap();
    assert_eq!(&yes, format!("YES|{}", 16 << 20).as_bytes());
    slow.write_all(b"second_active").unwrap();
    // `slow` reads nothing now: the kernel's buffers fill, then the server's outbox;
    // the server stops reading the file for it, and serves everyone else.
    for _ in 0..3 {
        still_serves(&server, &transcript);
    }
    let mut received = Vec::new();
    (&mut slow)
        .take(16 << 20)
        .read_to_end(&mut received)
        .unwrap();
    assert_eq!(received.len(), data.len());
    assert!(received == data, "the slow download differs");
}

#[test]
fn the_server_creates_its_directories_and_says_where_they_are() {
    let root = TempDir::new("creates");
    let nested = root.join("files/here");
    let server = start_server(&nested, &["--max-upload", "64K"]);
    let transcript = Transcript::new(&server);
    server.wait_for_line("send me a file");
    assert_eq!(listing(&nested), ["download", "upload"]);
    push_log(&transcript, &server, &nested);
    insta::assert_snapshot!(transcript.render());
}

#[test]
fn the_server_explains_a_bad_max_upload_and_a_root_it_cannot_create() {
    let root = TempDir::new("bad-options");
    let mut server = Command::new(env!("CARGO_BIN_EXE_lesson-09"));
    server.args(["--port", "0", "--max-upload", "lots", "--root"]);
    server.arg(root.path());
    let output = run_with_timeout(server, "");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("\"lots\" is not a size: try 5000, 64K, 100M or 2G"),
        "{stderr}"
    );

    let file = root.join("a-file");
    fs::write(&file, "not a directory").unwrap();
    let mut server = Command::new(env!("CARGO_BIN_EXE_lesson-09"));
    server.args(["--port", "0", "--root"]).arg(&file);
    let output = run_with_timeout(server, "");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("cannot prepare the directories under"),
        "{stderr}"
    );
}

#[test]
fn help_is_written_for_students() {
    for binary in [
        env!("CARGO_BIN_EXE_lesson-09"),
        env!("CARGO_BIN_EXE_lesson-09-client"),
    ] {
        let (name, help) = help_of(binary);
        insta::assert_snapshot!(name, help);
    }
}
