//! The real thing on both sides: Python clients against the Rust UDP server, and the
//! Rust client against CPython's own `socketserver.ThreadingUDPServer`. python3 is a
//! test requirement (README).

use std::process::Command;

use classroom::{ServerProcess, python3, run_with_timeout};

fn python_file(name: &str) -> String {
    format!("{}/python/{name}", env!("CARGO_MANIFEST_DIR"))
}

fn start_python_server() -> ServerProcess {
    let mut server = python3();
    server
        .arg(python_file("threading_udp_server.py"))
        .args(["--port", "0"]);
    ServerProcess::start(server)
}

#[test]
fn python_clients_talk_to_the_rust_server_at_the_same_time() {
    let mut server = Command::new(env!("CARGO_BIN_EXE_lesson-07"));
    server.args(["--port", "0"]);
    let server = ServerProcess::start(server);
    let port = server.addr().port().to_string();
    let conversations: Vec<_> = ["first\nsecond\n", "third\nclose\nnot sent\n"]
        .into_iter()
        .map(|input| {
            let mut client = python3();
            client.arg(python_file("client.py")).arg(&port);
            std::thread::spawn(move || run_with_timeout(client, input))
        })
        .collect();
    let outputs: Vec<_> = conversations
        .into_iter()
        .map(|c| c.join().unwrap())
        .collect();
    assert!(outputs.iter().all(|o| o.status.success()), "{outputs:?}");
    assert_eq!(
        String::from_utf8_lossy(&outputs[0].stdout),
        ">>: FIRST\n>>: SECOND\n>>: "
    );
    assert_eq!(
        String::from_utf8_lossy(&outputs[1].stdout),
        ">>: THIRD\n>>: "
    );
    server.wait_for_lines(" wrote: ", 3);
}

#[test]
fn the_rust_client_talks_to_cpython_threading_udp_server() {
    let server = start_python_server();
    let mut client = Command::new(env!("CARGO_BIN_EXE_lesson-07-client"));
    client
        .args(["--port", &server.addr().port().to_string()])
        .args(["-m", "hello", "-m", "grüße from rust"]);
    let output = run_with_timeout(client, "");
    assert!(output.status.success(), "{output:?}");
    assert_eq!(
        String::from_utf8_lossy(&output.stdout),
        "HELLO\nGRüßE FROM RUST\n"
    );
    server.wait_for_lines(" wrote: ", 2);
}

#[test]
fn cpython_cuts_a_long_datagram_at_max_packet_size_and_ours_does_not() {
    // 10,000 bytes in one datagram. CPython's UDPServer reads max_packet_size = 8192
    // bytes of it: the rest is thrown away, and the reply is the first 8192 upper-cased.
    let message = "abcdefghij".repeat(1000);
    let python = start_python_server();
    let mut rust = Command::new(env!("CARGO_BIN_EXE_lesson-07"));
    rust.args(["--port", "0"]);
    let rust = ServerProcess::start(rust);
    for (server, reply_len) in [(&python, 8192), (&rust, 10_000)] {
        let mut client = Command::new(env!("CARGO_BIN_EXE_lesson-07-client"));
        client
            .args(["--port", &server.addr().port().to_string()])
            .args(["-m", &message]);
        let output = run_with_timeout(client, "");
        assert!(output.status.success(), "{output:?}");
        let expected = format!("{}\n", message[..reply_len].to_uppercase());
        assert!(
            output.stdout == expected.as_bytes(),
            "expected a reply of {reply_len} bytes, got {}",
            output.stdout.len().saturating_sub(1)
        );
    }
}
