//! Lesson 02's server and client: one client, many messages, then the server exits,
//! whichever way the conversation ends.

use std::process::Command;

use classroom::{Client, ServerProcess, Transcript, help_of, run_with_timeout};

fn start_server() -> ServerProcess {
    let mut server = Command::new(env!("CARGO_BIN_EXE_lesson-02"));
    server.args(["--port", "0"]);
    ServerProcess::start(server)
}

/// Waits for the server to exit (it must exit cleanly) and appends its log.
fn finish(mut server: ServerProcess, transcript: &Transcript) {
    let status = server.wait_for_exit();
    if !status.success() {
        server.fail(&format!("expected a clean exit, got {status}"));
    }
    transcript.push_server_log(&server);
}

fn run_client(server: &ServerProcess, args: &[&str], stdin: &str) -> std::process::Output {
    let mut client = Command::new(env!("CARGO_BIN_EXE_lesson-02-client"));
    client
        .args(["--port", &server.addr().port().to_string()])
        .args(args);
    run_with_timeout(client, stdin)
}

#[test]
fn answers_every_message_until_the_client_closes() {
    let server = start_server();
    let transcript = Transcript::new(&server);
    let mut client = Client::connect(&transcript, server.addr());
    assert_eq!(client.say("hello"), "HELLO");
    assert_eq!(client.say("how are you?"), "HOW ARE YOU?");
    assert_eq!(client.say("grüße"), "GRüßE");
    client.close();
    finish(server, &transcript);
    insta::assert_snapshot!(transcript.render());
}

#[test]
fn close_ends_the_conversation_and_the_server() {
    let server = start_server();
    let transcript = Transcript::new(&server);
    let mut client = Client::connect(&transcript, server.addr());
    assert_eq!(client.say("one"), "ONE");
    client.send("Close\n");
    client.expect_closed();
    finish(server, &transcript);
    insta::assert_snapshot!(transcript.render());
}

#[test]
fn invalid_utf8_is_answered_byte_for_byte() {
    let server = start_server();
    let transcript = Transcript::new(&server);
    let mut client = Client::connect(&transcript, server.addr());
    client.send(b"\xff\xfeabc");
    assert_eq!(client.recv_exact(5), b"\xff\xfeABC");
    assert_eq!(client.say("still here"), "STILL HERE");
    client.close();
    finish(server, &transcript);
    insta::assert_snapshot!(transcript.render());
}

#[test]
fn a_half_closed_client_still_gets_its_reply() {
    let server = start_server();
    let transcript = Transcript::new(&server);
    let mut client = Client::connect(&transcript, server.addr());
    client.send("last words");
    client.shutdown_write();
    assert_eq!(client.recv_exact(10), b"LAST WORDS");
    client.expect_closed();
    finish(server, &transcript);
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
    let mut server = server;
    assert!(server.wait_for_exit().success());
    // 1 MiB arrives in reads of at most 1024 bytes: at least 1024 of them.
    let reads = server
        .stdout()
        .iter()
        .filter(|l| l.contains(" wrote: "))
        .count();
    assert!(reads >= 1024, "only {reads} reads for 1 MiB");
}

#[test]
fn a_client_that_says_nothing_ends_the_show_cleanly() {
    let server = start_server();
    let transcript = Transcript::new(&server);
    let client = Client::connect(&transcript, server.addr());
    server.wait_for_line("connected:");
    client.close();
    finish(server, &transcript);
    insta::assert_snapshot!(transcript.render());
}

#[test]
fn a_client_that_resets_is_logged_and_the_server_exits_cleanly() {
    let server = start_server();
    let transcript = Transcript::new(&server);
    let mut client = Client::connect(&transcript, server.addr());
    assert_eq!(client.say("hello"), "HELLO");
    client.reset();
    let mut server = server;
    assert!(server.wait_for_exit().success());
    let log = server.stdout().join("\n");
    assert!(log.contains("error: Connection reset"), "{log}");
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
}

#[test]
fn the_client_reads_piped_lines_and_stops_at_close() {
    let server = start_server();
    let output = run_client(&server, &[], "hello\n\n  spaced  \nclose\nnever sent\n");
    assert!(output.status.success(), "{output:?}");
    // No prompt when the input is not a terminal; empty lines are skipped.
    assert_eq!(String::from_utf8_lossy(&output.stdout), "HELLO\nSPACED\n");
    let mut server = server;
    assert!(server.wait_for_exit().success());
    assert!(!server.stdout().join("\n").contains("never"));
}

#[test]
fn the_client_explains_when_no_server_listens() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .unwrap()
        .port();
    let mut client = Command::new(env!("CARGO_BIN_EXE_lesson-02-client"));
    client.args(["--port", &port.to_string(), "-m", "hi"]);
    let output = run_with_timeout(client, "");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("cannot connect") && stderr.contains("cargo run -p lesson-02"));
}

#[test]
fn help_is_written_for_students() {
    for binary in [
        env!("CARGO_BIN_EXE_lesson-02"),
        env!("CARGO_BIN_EXE_lesson-02-client"),
    ] {
        let (name, help) = help_of(binary);
        insta::assert_snapshot!(name, help);
    }
}
