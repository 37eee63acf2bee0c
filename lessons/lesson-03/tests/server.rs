//! Lesson 03's serial server: clients are served one after another, forever. Its
//! limitation is its lesson, so a test proves it: a second client waits until the
//! first one leaves. Every kind of bad client is followed by a good one, to prove the
//! server outlives them.

use std::process::Command;
use std::time::Duration;

use classroom::{Client, ServerProcess, Transcript, help_of, run_with_timeout};

fn start_server() -> ServerProcess {
    let mut server = Command::new(env!("CARGO_BIN_EXE_lesson-03"));
    server.args(["--port", "0"]);
    ServerProcess::start(server)
}

/// Proof that the server is still serving: a fresh client gets its answer.
fn still_serves(server: &ServerProcess, transcript: &Transcript) {
    let mut next = Client::connect_as(transcript, "next", server.addr());
    assert_eq!(next.say("anyone there?"), "ANYONE THERE?");
    next.close();
}

#[test]
fn serves_clients_one_after_another() {
    let server = start_server();
    let transcript = Transcript::new(&server);
    let mut a = Client::connect_as(&transcript, "A", server.addr());
    assert_eq!(a.say("hello from A"), "HELLO FROM A");
    a.close();
    let mut b = Client::connect_as(&transcript, "B", server.addr());
    assert_eq!(b.say("hello from B"), "HELLO FROM B");
    b.close();
    server.wait_for_lines(" closed", 2);
    transcript.push_server_log(&server);
    insta::assert_snapshot!(transcript.render());
}

#[test]
fn a_second_client_waits_until_the_first_leaves() {
    let server = start_server();
    let transcript = Transcript::new(&server);
    let mut a = Client::connect_as(&transcript, "A", server.addr());
    assert_eq!(a.say("first"), "FIRST");

    // B's connection succeeds (the kernel parks it in the backlog) and it can send...
    let mut b = Client::connect_as(&transcript, "B", server.addr());
    b.send("me too");
    // ...but nobody reads it while A is being served. A correct serial server never
    // answers here, however long we wait; a concurrent one answers at once.
    b.expect_no_reply_for(Duration::from_millis(500));
    assert_eq!(a.say("still me"), "STILL ME");
    let b_address = transcript.redact(&b.local_addr().to_string());
    assert!(
        !server
            .stdout()
            .iter()
            .any(|line| line.contains(&b.local_addr().to_string())),
        "B ({b_address}) was accepted while A was still being served"
    );

    // The moment A leaves, the server accepts B and reads what B sent long ago.
    a.close();
    assert_eq!(b.recv_exact(6), b"ME TOO");
    b.close();
    server.wait_for_lines(" closed", 2);
    transcript.push_server_log(&server);
    insta::assert_snapshot!(transcript.render());
}

#[test]
fn close_ends_only_that_conversation() {
    let server = start_server();
    let transcript = Transcript::new(&server);
    let mut client = Client::connect(&transcript, server.addr());
    assert_eq!(client.say("one"), "ONE");
    client.send("close");
    client.expect_closed();
    still_serves(&server, &transcript);
    server.wait_for_lines(" closed", 2);
    transcript.push_server_log(&server);
    insta::assert_snapshot!(transcript.render());
}

#[test]
fn a_client_that_resets_does_not_stop_the_server() {
    let server = start_server();
    let transcript = Transcript::new(&server);
    let mut client = Client::connect(&transcript, server.addr());
    assert_eq!(client.say("hello"), "HELLO");
    client.reset();
    server.wait_for_line("error: Connection reset");
    still_serves(&server, &transcript);
    insta::assert_snapshot!(transcript.render());
}

#[test]
fn a_half_closed_client_gets_its_reply_and_the_server_goes_on() {
    let server = start_server();
    let transcript = Transcript::new(&server);
    let mut client = Client::connect(&transcript, server.addr());
    client.send("last words");
    client.shutdown_write();
    assert_eq!(client.recv_exact(10), b"LAST WORDS");
    client.expect_closed();
    still_serves(&server, &transcript);
    insta::assert_snapshot!(transcript.render());
}

#[test]
fn invalid_utf8_is_answered_byte_for_byte() {
    let server = start_server();
    let transcript = Transcript::new(&server);
    let mut client = Client::connect(&transcript, server.addr());
    client.send(b"\xff\xfeabc");
    assert_eq!(client.recv_exact(5), b"\xff\xfeABC");
    client.close();
    still_serves(&server, &transcript);
    server.wait_for_lines(" closed", 2);
    transcript.push_server_log(&server);
    insta::assert_snapshot!(transcript.render());
}

#[test]
fn a_megabyte_without_a_newline_comes_back_whole() {
    let server = start_server();
    let transcript = Transcript::new(&server);
    let mut client = Client::connect(&transcript, server.addr());
    let message: Vec<u8> = (0..1 << 20).map(|i| b"abcdefghij"[i % 10]).collect();
    let reply = client.exchange(&message, message.len());
    assert!(
        reply == message.to_ascii_uppercase(),
        "the reply differs from the message"
    );
    client.close();
    still_serves(&server, &transcript);
}

#[test]
fn a_client_that_says_nothing_then_leaves_frees_the_server() {
    let server = start_server();
    let transcript = Transcript::new(&server);
    let silent = Client::connect_as(&transcript, "silent", server.addr());
    server.wait_for_line("connected:");
    silent.close();
    server.wait_for_line(" closed");
    still_serves(&server, &transcript);
    insta::assert_snapshot!(transcript.render());
}

#[test]
fn the_client_reads_piped_lines_and_stops_at_close() {
    let server = start_server();
    let mut client = Command::new(env!("CARGO_BIN_EXE_lesson-03-client"));
    client.args(["--port", &server.addr().port().to_string()]);
    let output = run_with_timeout(client, "hello\n\nworld\nclose\nnever sent\n");
    assert!(output.status.success(), "{output:?}");
    assert_eq!(String::from_utf8_lossy(&output.stdout), "HELLO\nWORLD\n");
    let mut client = Command::new(env!("CARGO_BIN_EXE_lesson-03-client"));
    client.args(["--port", &server.addr().port().to_string(), "-m", "again"]);
    let output = run_with_timeout(client, "");
    assert_eq!(String::from_utf8_lossy(&output.stdout), "AGAIN\n");
}

#[test]
fn help_is_written_for_students() {
    for binary in [
        env!("CARGO_BIN_EXE_lesson-03"),
        env!("CARGO_BIN_EXE_lesson-03-client"),
    ] {
        let (name, help) = help_of(binary);
        insta::assert_snapshot!(name, help);
    }
}
