//! Lesson 06: the same conversations as lesson 04, now served by the socketserver
//! crate in each of its modes, plus `--explain`.

use std::process::Command;
use std::time::Duration;

use classroom::{Client, ServerProcess, Transcript, help_of, run_with_timeout};

fn start_server(mode: &str) -> ServerProcess {
    let mut server = Command::new(env!("CARGO_BIN_EXE_lesson-06"));
    server.args(["--port", "0", "--mode", mode]);
    ServerProcess::start(server)
}

/// Proof that the server is still serving: a fresh client gets its answer.
fn still_serves(server: &ServerProcess, transcript: &Transcript) {
    let mut next = Client::connect_as(transcript, "next", server.addr());
    assert_eq!(next.say("anyone there?\n"), "ANYONE THERE?\n");
    next.close();
}

#[test]
fn every_mode_answers_line_by_line() {
    for mode in ["serial", "threading", "forking", "pool"] {
        let server = start_server(mode);
        let transcript = Transcript::new(&server);
        let mut client = Client::connect(&transcript, server.addr());
        assert_eq!(client.say("hello\n"), "HELLO\n", "--mode {mode}");
        assert_eq!(
            client.say("grüße, 世界\n"),
            "GRüßE, 世界\n",
            "--mode {mode}"
        );
        client.close();
        server.wait_for_line(" closed");
        if mode == "threading" {
            transcript.push_server_log(&server);
            insta::assert_snapshot!(transcript.render());
        }
    }
}

#[test]
fn threading_forking_and_pool_serve_two_clients_at_once() {
    for mode in ["threading", "forking", "pool"] {
        let server = start_server(mode);
        let transcript = Transcript::new(&server);
        let mut a = Client::connect_as(&transcript, "A", server.addr());
        assert_eq!(a.say("a\n"), "A\n");
        let mut b = Client::connect_as(&transcript, "B", server.addr());
        assert_eq!(b.say("b\n"), "B\n", "--mode {mode}: B waited for A");
        assert_eq!(a.say("a again\n"), "A AGAIN\n");
    }
}

#[test]
fn serial_mode_makes_the_second_client_wait_like_lesson_03() {
    let server = start_server("serial");
    let transcript = Transcript::new(&server);
    let mut a = Client::connect_as(&transcript, "A", server.addr());
    assert_eq!(a.say("first\n"), "FIRST\n");
    let mut b = Client::connect_as(&transcript, "B", server.addr());
    b.send("me too\n");
    b.expect_no_reply_for(Duration::from_millis(300));
    a.close();
    assert_eq!(b.recv_exact(7), b"ME TOO\n");
    b.close();
    insta::assert_snapshot!(transcript.render());
}

#[test]
fn explain_shows_each_composition() {
    for mode in ["serial", "threading", "forking", "pool"] {
        let mut explain = Command::new(env!("CARGO_BIN_EXE_lesson-06"));
        explain.args(["--explain", "--mode", mode]);
        let output = run_with_timeout(explain, "");
        assert!(output.status.success());
        insta::assert_snapshot!(
            format!("explain-{mode}"),
            String::from_utf8_lossy(&output.stdout)
        );
    }
}

#[test]
fn close_ends_only_that_conversation() {
    let server = start_server("threading");
    let transcript = Transcript::new(&server);
    let mut client = Client::connect(&transcript, server.addr());
    client.send("close\n");
    client.expect_closed();
    still_serves(&server, &transcript);
    insta::assert_snapshot!(transcript.render());
}

#[test]
fn a_client_that_resets_is_reported_and_the_server_goes_on() {
    let server = start_server("threading");
    let transcript = Transcript::new(&server);
    let mut client = Client::connect(&transcript, server.addr());
    assert_eq!(client.say("hello\n"), "HELLO\n");
    client.send("half a li");
    client.reset();
    // Nothing silently lost: the crate's handle_error reports it, as Python's does.
    server.wait_for_stderr("Exception occurred during processing of request");
    still_serves(&server, &transcript);
    insta::assert_snapshot!(transcript.render());
}

#[test]
fn a_half_closed_client_gets_its_reply() {
    let server = start_server("threading");
    let transcript = Transcript::new(&server);
    let mut client = Client::connect(&transcript, server.addr());
    client.send("last words\n");
    client.shutdown_write();
    assert_eq!(client.recv_exact(11), b"LAST WORDS\n");
    client.expect_closed();
    still_serves(&server, &transcript);
    insta::assert_snapshot!(transcript.render());
}

#[test]
fn invalid_utf8_is_answered_byte_for_byte() {
    let server = start_server("threading");
    let transcript = Transcript::new(&server);
    let mut client = Client::connect(&transcript, server.addr());
    client.send(b"\xff\xfeabc\n");
    assert_eq!(client.recv_exact(6), b"\xff\xfeABC\n");
    client.close();
    server.wait_for_line(" closed");
    transcript.push_server_log(&server);
    insta::assert_snapshot!(transcript.render());
}

#[test]
fn a_megabyte_without_a_newline_comes_back_whole_in_pieces() {
    let server = start_server("threading");
    let transcript = Transcript::new(&server);
    let mut client = Client::connect(&transcript, server.addr());
    let message: Vec<u8> = (0..1 << 20).map(|i| b"abcdefghij"[i % 10]).collect();
    let reply = client.exchange(&message, message.len());
    assert!(
        reply == message.to_ascii_uppercase(),
        "the reply differs from the message"
    );
    still_serves(&server, &transcript);
    // Read in pieces of at most 64 KiB: memory stays bounded without a newline.
    let pieces = server
        .stdout()
        .iter()
        .filter(|l| l.contains("… (65536 bytes)"))
        .count();
    assert_eq!(pieces, 16, "1 MiB in 64 KiB pieces");
}

#[test]
fn a_silent_client_does_not_hold_up_anyone() {
    let server = start_server("threading");
    let transcript = Transcript::new(&server);
    let silent = Client::connect_as(&transcript, "silent", server.addr());
    server.wait_for_line("connected:");
    still_serves(&server, &transcript);
    silent.close();
    insta::assert_snapshot!(transcript.render());
}

/// Ctrl-C with a client connected: serve_forever returns, and server_close gives
/// the client its half second (the shutdown deadline), then shuts its connection
/// down, so the server exits instead of waiting for ever (Python's block_on_close).
#[test]
fn ctrl_c_with_a_client_connected_ends_its_connection_and_exits() {
    for mode in ["threading", "pool", "serial"] {
        let mut server = start_server(mode);
        let transcript = Transcript::new(&server);
        let mut client = Client::connect(&transcript, server.addr());
        assert_eq!(client.say("before\n"), "BEFORE\n", "--mode {mode}");
        server.interrupt();
        client.expect_closed();
        assert!(server.wait_for_exit().success(), "--mode {mode}");
        let log = server.stdout();
        assert_eq!(log.last().map(String::as_str), Some("bye"), "--mode {mode}");
        assert!(
            log.iter().any(|line| line.ends_with(" closed")),
            "--mode {mode}: the handler did not end its loop: {log:?}"
        );
    }
}

/// The same in forking mode, where a child process serves the client: Ctrl-C (a
/// signal flag, no thread, so forking stays safe) ends `serve_forever`, and
/// `server_close` gives the child the deadline, then ends it: the client's connection
/// closes, and no child is left holding the port.
#[test]
fn ctrl_c_in_forking_mode_ends_the_child_and_exits() {
    let mut server = start_server("forking");
    let transcript = Transcript::new(&server);
    let mut client = Client::connect(&transcript, server.addr());
    assert_eq!(client.say("before\n"), "BEFORE\n");
    server.interrupt();
    client.expect_closed();
    assert!(server.wait_for_exit().success());
    assert_eq!(server.stdout().last().map(String::as_str), Some("bye"));
    assert!(
        std::net::TcpStream::connect(server.addr()).is_err(),
        "something still listens on the port"
    );
}

#[test]
fn ctrl_c_with_no_clients_exits_at_once() {
    for mode in ["serial", "pool"] {
        let mut server = start_server(mode);
        server.interrupt();
        assert!(server.wait_for_exit().success(), "--mode {mode}");
        assert_eq!(server.stdout().last().map(String::as_str), Some("bye"));
    }
}

#[test]
fn the_client_sends_lines_and_prints_the_replies() {
    let server = start_server("threading");
    let port = server.addr().port().to_string();
    let mut client = Command::new(env!("CARGO_BIN_EXE_lesson-06-client"));
    client.args(["--port", &port, "-m", "hello", "-m", "how are you"]);
    let output = run_with_timeout(client, "");
    assert!(output.status.success(), "{output:?}");
    assert_eq!(
        String::from_utf8_lossy(&output.stdout),
        "HELLO\nHOW ARE YOU\n"
    );
    let mut client = Command::new(env!("CARGO_BIN_EXE_lesson-06-client"));
    client.args(["--port", &port]);
    let output = run_with_timeout(client, "piped\n\nclose\nnot sent\n");
    assert_eq!(String::from_utf8_lossy(&output.stdout), "PIPED\n");
}

#[test]
fn help_is_written_for_students() {
    for binary in [
        env!("CARGO_BIN_EXE_lesson-06"),
        env!("CARGO_BIN_EXE_lesson-06-client"),
    ] {
        let (name, help) = help_of(binary);
        insta::assert_snapshot!(name, help);
    }
}
