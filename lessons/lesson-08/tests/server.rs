//! Lesson 08: the sticky-packet problem shown, the tutorial's framing fixing it, the
//! built-in commands, and every bad frame refused while the server keeps serving.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::io::{Read, Write};
use std::net::TcpListener;
use std::process::Command;
use std::thread;

use classroom::{Client, ServerProcess, Transcript, help_of, run_with_timeout};
use common::{Framed, recv_once, start_server, text};
use lesson_08::{HELP, MAX_COMMAND, RECV_SIZE, big_body};

/// Proof that the server is still serving: a new client gets its answer.
fn still_serves(server: &ServerProcess, transcript: &Transcript, protocol: &str) {
    let mut next = Framed::connect_as(transcript, "next", server.addr());
    let reply = next.ask_in(protocol, "echo still here");
    assert_eq!(text(&reply), "still here");
    let addr = next.client.local_addr();
    next.close();
    server.wait_for_line(&format!("{addr} closed"));
}

// ---- The problem: bare replies, read with one recv(1024). ----

#[test]
fn raw_replies_stick_together() {
    let server = start_server("raw");
    let transcript = Transcript::new(&server);
    let mut client = Client::connect(&transcript, server.addr());
    let big = big_body(1500);

    client.send("big 1500");
    // The server has written all 1500 bytes: they wait in our socket, whole.
    server.wait_for_line("replied: 1500 bytes");
    let first = recv_once(&client, &transcript);
    assert_eq!(
        first,
        big[..RECV_SIZE],
        "one read takes the first 1024 bytes"
    );

    client.send("echo hello");
    server.wait_for_line("replied: 5 bytes");
    let second = recv_once(&client, &transcript);
    // The "reply" to `echo hello` is the tail of the big reply, and then "hello".
    assert_eq!(second, [&big[RECV_SIZE..], b"hello"].concat());

    client.send("echo again");
    server.wait_for_lines("replied: 5 bytes", 2);
    assert_eq!(recv_once(&client, &transcript), b"again");

    client.close();
    server.wait_for_line(" closed");
    transcript.push_server_log(&server);
    insta::assert_snapshot!(transcript.render());
}

// ---- The fix: framed replies. ----

#[test]
fn framed_replies_come_whole_whatever_their_length() {
    let server = start_server("tutorial");
    let transcript = Transcript::new(&server);
    let mut client = Framed::connect(&transcript, server.addr());
    assert_eq!(client.ask("big 1500").body, big_body(1500));
    assert_eq!(text(&client.ask("echo hello")), "hello");
    assert_eq!(text(&client.ask("echo again")), "again");
    client.close();
    server.wait_for_line(" closed");
    transcript.push_server_log(&server);
    insta::assert_snapshot!(transcript.render());
}

#[test]
fn every_built_in_command() {
    for protocol in ["tutorial", "framed"] {
        let server = start_server(protocol);
        let transcript = Transcript::new(&server);
        let mut client = Framed::connect(&transcript, server.addr());
        let mut ask = |command: &str| client.ask_in(protocol, command);
        let mut ask_text = |command: &str| {
            let reply = ask(command);
            (text(&reply), reply.is_error)
        };
        assert_eq!(ask_text("help"), (HELP.to_string(), false));
        assert_eq!(ask_text("echo grüße, 世界"), ("grüße, 世界".into(), false));
        assert_eq!(
            ask_text("upper grüße, world"),
            ("GRüßE, WORLD".into(), false)
        );
        let (time, is_error) = ask_text("time");
        assert!(
            !is_error && time.ends_with(" UTC") && time.len() == 23,
            "{time}"
        );
        assert_eq!(ask_text("big 0"), (String::new(), false));
        assert_eq!(ask_text("echo"), (String::new(), false));
        let reply = ask("big 100000");
        assert!(reply.body == big_body(100_000), "--protocol {protocol}");
        if protocol == "framed" {
            // The clock's reply changes every second: its body is redacted.
            let redact_time = |line: &str| match line.split_once("{\"dataBodyLength\": 23} | ") {
                Some((frame, _)) => format!("{frame}{{\"dataBodyLength\": 23}} | [the time]"),
                None => line.to_string(),
            };
            let lines: Vec<String> = transcript.render().lines().map(redact_time).collect();
            insta::assert_snapshot!(lines.join("\n"));
        }
    }
}

#[test]
fn the_largest_big_is_served_and_one_byte_more_is_refused() {
    let server = start_server("tutorial");
    let transcript = Transcript::new(&server);
    let mut client = Framed::connect(&transcript, server.addr());
    let largest = client.ask(&format!("big {}", lesson_08::MAX_BIG));
    assert_eq!(largest.body.len(), lesson_08::MAX_BIG);
    assert!(!largest.is_error);
    let refused = client.ask(&format!("big {}", lesson_08::MAX_BIG + 1));
    assert!(refused.is_error);
    assert_eq!(text(&refused), "big 8388609: at most 8388608 bytes");
}

#[test]
fn no_shell_runs_and_an_unknown_command_gets_an_error_reply() {
    let server = start_server("tutorial");
    let transcript = Transcript::new(&server);
    let mut client = Framed::connect(&transcript, server.addr());
    for command in ["ls -l", "rm -rf /tmp/x; echo owned", "big lots", "ECHO hi"] {
        let reply = client.ask(command);
        assert!(reply.is_error, "{command}: {}", text(&reply));
    }
    // The connection goes on after an error reply.
    assert_eq!(text(&client.ask("echo still talking")), "still talking");
    client.close();
    server.wait_for_line(" closed");
    transcript.push_server_log(&server);
    insta::assert_snapshot!(transcript.render());
}

// ---- The tutorial's requests are not framed: still fragile. ----

#[test]
fn two_requests_in_one_write_are_one_command_to_the_tutorial_server() {
    let server = start_server("tutorial");
    let transcript = Transcript::new(&server);
    let mut client = Framed::connect(&transcript, server.addr());
    // Two commands sent back to back arrive together, and one read takes both.
    let reply = client.ask("echo oneecho two");
    assert_eq!(text(&reply), "oneecho two");
    client.close();

    // Framed requests keep their edges, however they arrive.
    let server = start_server("framed");
    let transcript_framed = Transcript::new(&server);
    let mut client = Framed::connect(&transcript_framed, server.addr());
    client.send_frames(&[b"echo one", b"echo two"]);
    assert_eq!(text(&client.recv_frame()), "one");
    assert_eq!(text(&client.recv_frame()), "two");
    client.close();

    transcript.push("--- the same, with --protocol framed ---");
    for line in transcript_framed.render().lines() {
        transcript.push(line);
    }
    insta::assert_snapshot!(transcript.render());
}

#[test]
fn a_request_longer_than_one_read_is_cut_in_two_by_the_tutorial_server() {
    let server = start_server("tutorial");
    let transcript = Transcript::new(&server);
    let mut client = Framed::connect(&transcript, server.addr());
    let long = format!("echo {}", "a".repeat(1200));
    client.client.send(&long);
    // The first read takes 1024 bytes: `echo` and 1019 letters...
    assert_eq!(client.recv_frame().body, [b'a'; RECV_SIZE - 5]);
    // ...and the next read takes the rest as a command of its own.
    let rest = client.recv_frame();
    assert!(rest.is_error);
    assert!(text(&rest).starts_with("unknown command \"aaaa"));

    let server = start_server("framed");
    let transcript = Transcript::new(&server);
    let mut client = Framed::connect(&transcript, server.addr());
    let longest = format!("echo {}", "a".repeat(MAX_COMMAND - 5));
    assert_eq!(client.ask_framed(&longest).body, [b'a'; MAX_COMMAND - 5]);
}

// ---- Bad frames to --protocol framed: an error reply, the connection closes, the
// ---- server goes on. ----

/// Sends `bytes` to a framed server (then half-closes, if `then_close`), and expects
/// the error reply `error`, the connection closed, the error logged, and a new client
/// served.
fn refused(name: &str, bytes: &[u8], then_close: bool, error: &str) {
    let server = start_server("framed");
    let transcript = Transcript::new(&server);
    let mut client = Framed::connect(&transcript, server.addr());
    let addr = client.client.local_addr();
    client.client.send(bytes);
    if then_close {
        client.client.shutdown_write();
    }
    let reply = client.recv_frame();
    assert!(reply.is_error, "{name}");
    assert_eq!(text(&reply), error, "{name}");
    client.expect_closed();
    server.wait_for_line(&format!("{addr} error: {error}"));
    server.wait_for_line(&format!("{addr} closed"));
    still_serves(&server, &transcript, "framed");
    transcript.push_server_log(&server);
    insta::assert_snapshot!(name, transcript.render());
}

fn with_header(header: &str) -> Vec<u8> {
    let mut bytes = (header.len() as i32).to_le_bytes().to_vec();
    bytes.extend_from_slice(header.as_bytes());
    bytes
}

#[test]
fn a_negative_header_length_is_refused() {
    let bytes = (-1i32).to_le_bytes();
    refused("negative", &bytes, false, "header length -1 is negative");
}

#[test]
fn a_zero_header_length_is_refused() {
    let bytes = 0i32.to_le_bytes();
    let error = "header length is 0; a header cannot be empty";
    refused("zero", &bytes, false, error);
}

#[test]
fn a_header_length_over_the_limit_is_refused() {
    let bytes = 5000i32.to_le_bytes();
    let error = "header length 5000 is over the limit of 1024 bytes";
    refused("header-too-long", &bytes, false, error);
}

#[test]
fn an_unframed_request_to_the_framed_server_is_refused() {
    // A tutorial client's `echo hi`: its first four bytes, read as a length, are huge.
    let error = "header length 1869112165 is over the limit of 1024 bytes";
    refused("unframed", b"echo hi", false, error);
}

#[test]
fn a_header_that_is_not_json_is_refused() {
    let error = "the header is not JSON: expected value at line 1 column 1";
    refused("not-json", &with_header("hello"), false, error);
}

#[test]
fn a_header_without_data_body_length_is_refused() {
    let error = r#"the header has no "dataBodyLength": {"length": 5}"#;
    refused("no-field", &with_header(r#"{"length": 5}"#), false, error);
}

#[test]
fn a_negative_body_length_is_refused() {
    let error = r#""dataBodyLength" is -5, not a whole number of bytes"#;
    let bytes = with_header(r#"{"dataBodyLength": -5}"#);
    refused("negative-body", &bytes, false, error);
}

#[test]
fn a_fractional_body_length_is_refused() {
    let error = r#""dataBodyLength" is 2.5, not a whole number of bytes"#;
    let bytes = with_header(r#"{"dataBodyLength": 2.5}"#);
    refused("fractional-body", &bytes, false, error);
}

#[test]
fn a_body_length_over_the_limit_is_refused() {
    let error = "body length 70000 is over the limit of 65536 bytes";
    let bytes = with_header(r#"{"dataBodyLength": 70000}"#);
    refused("body-too-long", &bytes, false, error);
}

#[test]
fn a_body_shorter_than_announced_is_refused() {
    let mut bytes = with_header(r#"{"dataBodyLength": 10}"#);
    bytes.extend_from_slice(b"echo");
    let error = "the connection closed 4 bytes into the 10-byte body";
    refused("short-body", &bytes, true, error);
}

#[test]
fn a_header_cut_short_is_refused() {
    let bytes = &with_header(r#"{"dataBodyLength": 10}"#)[..9];
    let error = "the connection closed 5 bytes into the 22-byte header";
    refused("short-header", bytes, true, error);
}

#[test]
fn a_client_that_resets_mid_frame_is_logged_and_the_server_goes_on() {
    let server = start_server("framed");
    let transcript = Transcript::new(&server);
    let mut client = Framed::connect(&transcript, server.addr());
    assert_eq!(text(&client.ask_framed("echo hi")), "hi");
    client.client.send(with_header(r#"{"dataBodyLength": 10}"#));
    client.reset();
    server.wait_for_line(" error: ");
    still_serves(&server, &transcript, "framed");
}

// ---- The client. ----

fn client_command(server: &ServerProcess, protocol: &str) -> Command {
    let mut client = Command::new(env!("CARGO_BIN_EXE_lesson-08-client"));
    client.args(["--port", &server.addr().port().to_string()]);
    client.args(["--protocol", protocol]);
    client
}

#[test]
fn the_client_speaks_each_protocol() {
    for protocol in ["tutorial", "framed", "raw"] {
        let server = start_server(protocol);
        let mut client = client_command(&server, protocol);
        client.args(["-m", "echo hello", "-m", "upper grüße", "-m", "big 40"]);
        let output = run_with_timeout(client, "");
        assert!(output.status.success(), "{output:?}");
        assert_eq!(
            String::from_utf8_lossy(&output.stdout),
            "hello\nGRüßE\nline 0000000000\nline 0000000001\nline 000\n",
            "--protocol {protocol}"
        );
    }
}

#[test]
fn the_client_reads_piped_commands_until_close() {
    let server = start_server("tutorial");
    let client = client_command(&server, "tutorial");
    let output = run_with_timeout(client, "echo piped\n\nbig 2000\nclose\necho not sent\n");
    assert!(output.status.success(), "{output:?}");
    let mut expected = b"piped\n".to_vec();
    expected.extend(big_body(2000));
    expected.push(b'\n');
    assert!(output.stdout == expected, "{output:?}");
}

#[test]
fn the_client_shows_an_error_reply_and_exits_with_1() {
    let server = start_server("framed");
    let mut client = client_command(&server, "framed");
    client.args(["-m", "ls", "-m", "echo after"]);
    let output = run_with_timeout(client, "");
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(String::from_utf8_lossy(&output.stdout), "after\n");
    assert_eq!(
        String::from_utf8_lossy(&output.stderr),
        "error from the server: unknown command \"ls\": this server runs no shell \
         commands; try \"help\"\n"
    );
}

#[test]
fn the_client_refuses_a_bad_reply() {
    let negative = (-7i32).to_le_bytes().to_vec();
    let mut short = with_header(r#"{"dataBodyLength": 10}"#);
    short.extend_from_slice(b"abc");
    let huge = with_header(r#"{"dataBodyLength": 999999999}"#);
    let cases = [
        (negative, "header length -7 is negative"),
        (short, "the connection closed 3 bytes into the 10-byte body"),
        (
            huge,
            "body length 999999999 is over the limit of 16777216 bytes",
        ),
    ];
    for (reply, error) in cases {
        // A fake server: read the request, send `reply`, close.
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let fake = thread::spawn(move || {
            let (mut conn, _) = listener.accept().unwrap();
            conn.set_read_timeout(Some(classroom::TIMEOUT)).unwrap();
            let mut request = [0; 64];
            let _ = conn.read(&mut request).unwrap();
            conn.write_all(&reply).unwrap();
        });
        let mut client = Command::new(env!("CARGO_BIN_EXE_lesson-08-client"));
        client.args(["--port", &port.to_string(), "-m", "echo hi"]);
        let output = run_with_timeout(client, "");
        fake.join().unwrap();
        assert_eq!(output.status.code(), Some(1), "{output:?}");
        assert_eq!(
            String::from_utf8_lossy(&output.stderr),
            format!("error: the server sent a bad reply: {error}\n")
        );
    }
}

#[test]
fn the_client_says_when_no_server_is_there() {
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port(); // bound, then closed: nobody listens there now
    let mut client = Command::new(env!("CARGO_BIN_EXE_lesson-08-client"));
    client.args(["--port", &port.to_string(), "-m", "help"]);
    let output = run_with_timeout(client, "");
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("is the server running?"), "{stderr}");
}

/// Ctrl-C with a client connected: the client gets the shutdown deadline (half a
/// second), then its connection is shut down and the server exits.
#[test]
fn ctrl_c_with_a_client_connected_ends_its_connection_and_exits() {
    let mut server = start_server("tutorial");
    let transcript = Transcript::new(&server);
    let mut client = Framed::connect(&transcript, server.addr());
    assert_eq!(text(&client.ask("echo before")), "before");
    server.interrupt();
    server.wait_for_line("shutting down");
    assert!(server.wait_for_exit().success());
    assert_eq!(server.stdout().last().map(String::as_str), Some("bye"));
    client.close();
}

#[test]
fn help_is_written_for_students() {
    for binary in [
        env!("CARGO_BIN_EXE_lesson-08"),
        env!("CARGO_BIN_EXE_lesson-08-client"),
    ] {
        let (name, help) = help_of(binary);
        insta::assert_snapshot!(name, help);
    }
}
