//! CPython on both sides: the Python client (tutorial style, stdlib only) against the
//! Rust server, the Rust client against the Python server, and both servers sending
//! the same bytes for the same requests, good and bad. python3 is a test requirement.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::process::Command;

use classroom::{Transcript, python3, run_with_timeout};
use common::{Framed, python_file, start_python_server, start_server, text};
use lesson_08::{HELP, big_body};

/// What a client prints for `help`, `echo hello`, `upper grüße` and `big 3000`.
fn expected_replies() -> Vec<u8> {
    let mut expected = Vec::new();
    for reply in [
        HELP.as_bytes(),
        b"hello",
        "GRüßE".as_bytes(),
        &big_body(3000),
    ] {
        expected.extend_from_slice(reply);
        expected.push(b'\n');
    }
    expected
}

const LS_ERROR: &str = "error from the server: unknown command \"ls\": this server runs no \
                        shell commands; try \"help\"\n";

#[test]
fn the_python_client_talks_to_the_rust_server() {
    for protocol in ["tutorial", "framed"] {
        let server = start_server(protocol);
        let mut client = python3();
        client
            .arg(python_file("client.py"))
            .args(["--port", &server.addr().port().to_string()])
            .args(["--protocol", protocol]);
        let input = "help\necho hello\nupper grüße\nbig 3000\nls\nclose\n";
        let output = run_with_timeout(client, input);
        assert!(output.status.success(), "{output:?}");
        let prompts_removed = String::from_utf8_lossy(&output.stdout).replace(">>: ", "");
        assert!(
            prompts_removed.as_bytes() == expected_replies(),
            "--protocol {protocol}: {prompts_removed}"
        );
        assert_eq!(String::from_utf8_lossy(&output.stderr), LS_ERROR);
    }
}

#[test]
fn the_rust_client_talks_to_the_python_server() {
    for protocol in ["tutorial", "framed"] {
        let server = start_python_server(protocol);
        let mut client = Command::new(env!("CARGO_BIN_EXE_lesson-08-client"));
        client
            .args(["--port", &server.addr().port().to_string()])
            .args(["--protocol", protocol])
            .args(["-m", "help", "-m", "echo hello", "-m", "upper grüße"])
            .args(["-m", "big 3000", "-m", "ls"]);
        let output = run_with_timeout(client, "");
        assert_eq!(
            output.status.code(),
            Some(1),
            "the error reply sets the status"
        );
        assert!(output.stdout == expected_replies(), "--protocol {protocol}");
        assert_eq!(String::from_utf8_lossy(&output.stderr), LS_ERROR);
    }
}

#[test]
fn both_servers_send_the_same_bytes_for_every_command() {
    let commands = [
        "help",
        "echo hello",
        "echo",
        "upper grüße, world",
        "big 0",
        "big 5000",
        "big 8388609",
        "big lots",
        "ls -l",
    ];
    for protocol in ["tutorial", "framed"] {
        let rust = start_server(protocol);
        let python = start_python_server(protocol);
        let transcript = Transcript::new(&rust);
        let mut to_rust = Framed::connect_as(&transcript, "rust", rust.addr());
        let mut to_python = Framed::connect_as(&transcript, "python", python.addr());
        for command in commands {
            for client in [&mut to_rust, &mut to_python] {
                if protocol == "framed" {
                    client.send_frame(command);
                } else {
                    client.client.send(command);
                }
            }
            let (_, from_rust) = to_rust.recv_frame_bytes();
            let (_, from_python) = to_python.recv_frame_bytes();
            assert!(
                from_rust == from_python,
                "--protocol {protocol}, {command:?}:\n{}",
                transcript.render()
            );
        }
        // The clock has a format; its value changes every second.
        for client in [&mut to_rust, &mut to_python] {
            let time = text(&client.ask_in(protocol, "time"));
            assert!(time.len() == 23 && time.ends_with(" UTC"), "{time}");
        }
    }
}

#[test]
fn both_servers_refuse_bad_frames_with_the_same_error_reply() {
    let with_header = |header: &str, body: &[u8]| {
        let mut bytes = (header.len() as i32).to_le_bytes().to_vec();
        bytes.extend_from_slice(header.as_bytes());
        bytes.extend_from_slice(body);
        bytes
    };
    let cases: Vec<(Vec<u8>, bool)> = vec![
        ((-1i32).to_le_bytes().to_vec(), false),
        (0i32.to_le_bytes().to_vec(), false),
        (5000i32.to_le_bytes().to_vec(), false),
        (b"echo hi".to_vec(), false),
        (with_header(r#"{"length": 5}"#, b""), false),
        (with_header(r#"{"dataBodyLength": -5}"#, b""), false),
        (with_header(r#"{"dataBodyLength": 2.5}"#, b""), false),
        (with_header(r#"{"dataBodyLength": true}"#, b""), false),
        (with_header(r#"{"dataBodyLength": 70000}"#, b""), false),
        (with_header(r#"{"dataBodyLength": 10}"#, b"echo"), true),
        (
            with_header(r#"{"dataBodyLength": 10}"#, b"")[..9].to_vec(),
            true,
        ),
        (vec![1, 0], true),
    ];
    for (bytes, then_close) in cases {
        let mut replies = Vec::new();
        for server in [start_server("framed"), start_python_server("framed")] {
            let transcript = Transcript::new(&server);
            let mut client = Framed::connect(&transcript, server.addr());
            client.client.send(&bytes);
            if then_close {
                client.client.shutdown_write();
            }
            let (message, frame) = client.recv_frame_bytes();
            assert!(message.is_error, "{}", text(&message));
            client.expect_closed();
            replies.push(frame);
        }
        assert!(
            replies[0] == replies[1],
            "{bytes:?}: Rust {:?}, Python {:?}",
            String::from_utf8_lossy(&replies[0]),
            String::from_utf8_lossy(&replies[1])
        );
    }
}
