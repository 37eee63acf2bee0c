//! Lesson 04's threaded server: clients are served at the same time, a bad client
//! harms nobody else, and Ctrl-C stops the server cleanly.

use std::process::Command;

use classroom::{Client, ServerProcess, Transcript, help_of, run_with_timeout};

fn start_server() -> ServerProcess {
    let mut server = Command::new(env!("CARGO_BIN_EXE_lesson-04"));
    server.args(["--port", "0"]);
    ServerProcess::start(server)
}

/// Proof that the server is still serving: a fresh client gets its answer.
fn still_serves(server: &ServerProcess, transcript: &Transcript) {
    let mut next = Client::connect_as(transcript, "next", server.addr());
    assert_eq!(next.say("anyone there?"), "ANYONE THERE?");
    next.close();
}

fn run_client(server: &ServerProcess, args: &[&str], stdin: &str) -> std::process::Output {
    let mut client = Command::new(env!("CARGO_BIN_EXE_lesson-04-client"));
    client
        .args(["--port", &server.addr().port().to_string()])
        .args(args);
    run_with_timeout(client, stdin)
}

#[test]
fn greets_a_newcomer_and_answers() {
    let server = start_server();
    let transcript = Transcript::new(&server);
    let mut client = Client::connect(&transcript, server.addr());
    assert_eq!(client.say("hello"), "HELLO");
    assert_eq!(client.say("grüße, 世界"), "GRüßE, 世界");
    client.close();
    server.wait_for_line(" closed");
    transcript.push_server_log(&server);
    insta::assert_snapshot!(transcript.render());
}

#[test]
fn two_clients_are_served_at_the_same_time() {
    let server = start_server();
    let transcript = Transcript::new(&server);
    let mut a = Client::connect_as(&transcript, "A", server.addr());
    assert_eq!(a.say("A is here"), "A IS HERE");
    // A stays connected and idle. In lesson 03, B would now wait until A left; here B
    // is answered at once, then A carries on. A serial server fails this test.
    let mut b = Client::connect_as(&transcript, "B", server.addr());
    assert_eq!(b.say("B too"), "B TOO");
    assert_eq!(a.say("A again"), "A AGAIN");
    assert_eq!(b.say("B again"), "B AGAIN");
    a.close();
    b.close();
    insta::assert_snapshot!(transcript.render());
}

#[test]
fn ctrl_c_closes_open_connections_and_exits_cleanly() {
    let mut server = start_server();
    let transcript = Transcript::new(&server);
    let mut client = Client::connect(&transcript, server.addr());
    assert_eq!(client.say("before"), "BEFORE");
    transcript.push("== Ctrl-C");
    server.interrupt();
    client.expect_closed();
    let status = server.wait_for_exit();
    assert!(status.success(), "exit status {status}");
    transcript.push_server_log(&server);
    insta::assert_snapshot!(transcript.render());
}

#[test]
fn ctrl_c_with_no_clients_exits_at_once() {
    let mut server = start_server();
    server.interrupt();
    assert!(server.wait_for_exit().success());
    assert_eq!(server.stdout().last().map(String::as_str), Some("bye"));
}

#[test]
fn a_silent_client_does_not_hold_up_anyone() {
    let server = start_server();
    let transcript = Transcript::new(&server);
    let silent = Client::connect_as(&transcript, "silent", server.addr());
    server.wait_for_line("connected:");
    still_serves(&server, &transcript);
    silent.close();
    insta::assert_snapshot!(transcript.render());
}

#[test]
fn close_ends_only_that_conversation() {
    let server = start_server();
    let transcript = Transcript::new(&server);
    let mut client = Client::connect(&transcript, server.addr());
    let mut other = Client::connect_as(&transcript, "other", server.addr());
    client.send("close");
    client.expect_closed();
    assert_eq!(other.say("still open"), "STILL OPEN");
    other.close();
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
fn a_half_closed_client_gets_its_reply() {
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
    server.wait_for_line(" closed");
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
    still_serves(&server, &transcript);
    client.close();
}

#[test]
fn many_clients_at_once_all_get_their_own_answers() {
    let server = start_server();
    let transcript = Transcript::new(&server);
    // 50 clients connected together, each talking in turn: every one has its thread.
    let mut clients: Vec<Client> = (0..50)
        .map(|i| Client::connect_as(&transcript, &format!("c{i}"), server.addr()))
        .collect();
    for round in 0..3 {
        for (i, client) in clients.iter_mut().enumerate() {
            let message = format!("client {i} round {round}");
            assert_eq!(client.say(&message), message.to_uppercase());
        }
    }
    for client in clients {
        client.close();
    }
    server.wait_for_lines(" closed", 50);
}

#[test]
fn the_client_sends_its_messages_and_prints_the_replies() {
    let server = start_server();
    let output = run_client(&server, &["-m", "hello", "-m", "how are you"], "");
    assert!(output.status.success(), "{output:?}");
    assert_eq!(
        String::from_utf8_lossy(&output.stdout),
        "HELLO\nHOW ARE YOU\n"
    );
    let output = run_client(&server, &[], "piped\n\nclose\nnot sent\n");
    assert!(output.status.success(), "{output:?}");
    assert_eq!(String::from_utf8_lossy(&output.stdout), "PIPED\n");
}

#[test]
fn help_is_written_for_students() {
    for binary in [
        env!("CARGO_BIN_EXE_lesson-04"),
        env!("CARGO_BIN_EXE_lesson-04-client"),
    ] {
        let (name, help) = help_of(binary);
        insta::assert_snapshot!(name, help);
    }
}
