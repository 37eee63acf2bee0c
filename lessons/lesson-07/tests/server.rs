//! Lesson 07's UDP server: every datagram gets its answer, whatever its bytes or size
//! (none, 60,000), several clients at once get their own, and Ctrl-C stops it
//! cleanly. And the client: what it says when nobody answers.

use std::net::UdpSocket;
use std::process::{Command, Output};
use std::thread;
use std::time::Duration;

use classroom::{ServerProcess, Transcript, UdpClient, help_of, run_with_timeout};

fn start_server() -> ServerProcess {
    let mut server = Command::new(env!("CARGO_BIN_EXE_lesson-07"));
    server.args(["--port", "0"]);
    ServerProcess::start(server)
}

/// Proof that the server is still serving: a fresh client gets its answer.
fn still_serves(server: &ServerProcess, transcript: &Transcript) {
    let mut next = UdpClient::bind_as(transcript, "next", server.addr());
    assert_eq!(next.say("anyone there?"), "ANYONE THERE?");
}

fn run_client(port: u16, args: &[&str], stdin: &str) -> Output {
    let mut client = Command::new(env!("CARGO_BIN_EXE_lesson-07-client"));
    client.args(["--port", &port.to_string()]).args(args);
    run_with_timeout(client, stdin)
}

#[test]
fn answers_each_datagram() {
    let server = start_server();
    let transcript = Transcript::new(&server);
    let mut client = UdpClient::bind(&transcript, server.addr());
    assert_eq!(client.say("hello"), "HELLO");
    assert_eq!(client.say("grüße, 世界"), "GRüßE, 世界");
    // The handler logs before its reply is sent: both lines are printed by now.
    server.wait_for_lines(" wrote: ", 2);
    transcript.push_server_log(&server);
    insta::assert_snapshot!(transcript.render());
}

#[test]
fn several_clients_at_once_each_get_their_own_answer() {
    let server = start_server();
    let transcript = Transcript::new(&server);
    let mut clients: Vec<UdpClient> = ["ann", "bob", "cid"]
        .into_iter()
        .map(|name| UdpClient::bind_as(&transcript, name, server.addr()))
        .collect();
    // Every client sends before any reads: three datagrams wait at the server at
    // once, and each reply must go back to the address its datagram came from.
    for round in 1..=2 {
        for (client, name) in clients.iter_mut().zip(["ann", "bob", "cid"]) {
            client.send(format!("{name} says {round}"));
        }
        for (client, name) in clients.iter_mut().zip(["ANN", "BOB", "CID"]) {
            assert_eq!(client.recv(), format!("{name} SAYS {round}").as_bytes());
        }
    }
    insta::assert_snapshot!(transcript.render());
}

#[test]
fn many_clients_on_many_threads_all_get_their_own_answers() {
    let server = start_server();
    let transcript = Transcript::new(&server);
    thread::scope(|scope| {
        for i in 0..20 {
            let transcript = &transcript;
            let server = &server;
            scope.spawn(move || {
                let mut client = UdpClient::bind_as(transcript, &format!("c{i}"), server.addr());
                for round in 0..10 {
                    let message = format!("client {i} round {round}");
                    assert_eq!(client.say(&message), message.to_uppercase());
                }
            });
        }
    });
    server.wait_for_lines(" wrote: ", 200);
}

#[test]
fn invalid_utf8_is_answered_byte_for_byte() {
    let server = start_server();
    let transcript = Transcript::new(&server);
    let mut client = UdpClient::bind(&transcript, server.addr());
    client.send(b"\xff\xfeabc");
    assert_eq!(client.recv(), b"\xff\xfeABC");
    still_serves(&server, &transcript);
    server.wait_for_lines(" wrote: ", 2);
    transcript.push_server_log(&server);
    insta::assert_snapshot!(transcript.render());
}

#[test]
fn an_empty_datagram_gets_an_empty_answer() {
    // In TCP, reading nothing means the client has gone. In UDP, an empty datagram
    // is a datagram like any other, and Python's DatagramRequestHandler answers it
    // with an empty one. So does ours.
    let server = start_server();
    let transcript = Transcript::new(&server);
    let mut client = UdpClient::bind(&transcript, server.addr());
    client.send(b"");
    assert_eq!(client.recv(), b"");
    assert_eq!(client.say("and now?"), "AND NOW?");
    still_serves(&server, &transcript);
    server.wait_for_lines(" wrote: ", 3);
    transcript.push_server_log(&server);
    insta::assert_snapshot!(transcript.render());
}

#[test]
fn a_60000_byte_datagram_comes_back_whole() {
    // Python's UDPServer would read the first 8192 bytes of it and answer those.
    let server = start_server();
    let transcript = Transcript::new(&server);
    let mut client = UdpClient::bind(&transcript, server.addr());
    let message: Vec<u8> = (0..60_000).map(|i| b"abcdefghij"[i % 10]).collect();
    client.send(&message);
    let reply = client.recv();
    assert_eq!(reply.len(), message.len(), "the reply was cut");
    assert!(
        reply == message.to_ascii_uppercase(),
        "the reply differs from the message"
    );
    still_serves(&server, &transcript);
    server.wait_for_lines(" wrote: ", 2);
    transcript.push_server_log(&server);
    insta::assert_snapshot!(transcript.render());
}

#[test]
fn ctrl_c_stops_the_server_and_nobody_tells_the_client() {
    let mut server = start_server();
    let transcript = Transcript::new(&server);
    let mut client = UdpClient::bind(&transcript, server.addr());
    assert_eq!(client.say("before"), "BEFORE");
    transcript.push("== Ctrl-C");
    server.interrupt();
    let status = server.wait_for_exit();
    assert!(status.success(), "exit status {status}");
    // The server is gone, yet sending still works: UDP has no connection to break.
    // The only sign is the silence.
    client.send("after");
    client.expect_no_reply_for(Duration::from_millis(300));
    transcript.push_server_log(&server);
    insta::assert_snapshot!(transcript.render());
}

#[test]
fn ctrl_c_with_nothing_received_exits_at_once() {
    let mut server = start_server();
    server.interrupt();
    assert!(server.wait_for_exit().success());
    assert_eq!(server.stdout().last().map(String::as_str), Some("bye"));
}

#[test]
fn the_client_sends_its_messages_and_prints_the_replies() {
    let server = start_server();
    let port = server.addr().port();
    let output = run_client(port, &["-m", "hello", "-m", "how are you"], "");
    assert!(output.status.success(), "{output:?}");
    assert_eq!(
        String::from_utf8_lossy(&output.stdout),
        "HELLO\nHOW ARE YOU\n"
    );
    let output = run_client(port, &[], "piped\n\n  trimmed  \nclose\nnot sent\n");
    assert!(output.status.success(), "{output:?}");
    assert_eq!(String::from_utf8_lossy(&output.stdout), "PIPED\nTRIMMED\n");
    server.wait_for_lines(" wrote: ", 4);
    assert!(!server.stdout().iter().any(|line| line.contains("not sent")));
}

#[test]
fn the_client_without_a_server_says_so_and_fails() {
    // A port where nobody listens: bind one, note its number, close it again.
    let port = {
        let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
        socket.local_addr().unwrap().port()
    };
    let output = run_client(port, &["--timeout", "1", "-m", "hello", "-m", "never"], "");
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    assert_eq!(String::from_utf8_lossy(&output.stdout), "");
    assert_eq!(
        String::from_utf8_lossy(&output.stderr),
        format!(
            "no reply within 1s: UDP does not retransmit lost datagrams; \
             is the server running on 127.0.0.1:{port}?\n"
        )
    );
}

#[test]
fn the_client_refuses_a_timeout_of_zero() {
    let output = run_client(8888, &["--timeout", "0", "-m", "hello"], "");
    assert_eq!(output.status.code(), Some(2), "{output:?}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("must be more than 0 seconds"), "{stderr}");
}

#[test]
fn explain_shows_the_composition() {
    let mut explain = Command::new(env!("CARGO_BIN_EXE_lesson-07"));
    explain.arg("--explain");
    let output = run_with_timeout(explain, "");
    assert!(output.status.success());
    insta::assert_snapshot!("explain", String::from_utf8_lossy(&output.stdout));
}

#[test]
fn help_is_written_for_students() {
    for binary in [
        env!("CARGO_BIN_EXE_lesson-07"),
        env!("CARGO_BIN_EXE_lesson-07-client"),
    ] {
        let (name, help) = help_of(binary);
        insta::assert_snapshot!(name, help);
    }
}
