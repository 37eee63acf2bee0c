//! CPython and Rust, both ways: a Python client in the tutorial's style against the
//! Rust selector server, and the Rust client against the same selector server written
//! in Python (`python/selector_server.py`). python3 is a test requirement (README).

use std::process::Command;

use classroom::{Client, ServerProcess, Transcript, python3, run_with_timeout};

#[test]
fn a_python_client_talks_to_the_rust_server_beside_another_client() {
    let mut server = Command::new(env!("CARGO_BIN_EXE_lesson-05"));
    server.args(["--port", "0"]);
    let server = ServerProcess::start(server);
    let transcript = Transcript::new(&server);
    // A client that stays connected the whole time: the Python client must not wait
    // for it to leave.
    let mut waiting = Client::connect_as(&transcript, "waiting", server.addr());
    assert_eq!(waiting.say("I'll stay"), "I'LL STAY");

    let mut client = python3();
    client
        .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/python/client.py"))
        .arg(server.addr().port().to_string());
    let output = run_with_timeout(client, "hello\nworld\nclose\nnever sent\n");
    assert!(output.status.success(), "{output:?}");
    // `input(">>: ")` prints its prompt even when the input is piped.
    assert_eq!(
        String::from_utf8_lossy(&output.stdout),
        ">>: HELLO\n>>: WORLD\n>>: "
    );

    assert_eq!(waiting.say("still here"), "STILL HERE");
}

#[test]
fn the_rust_client_talks_to_the_python_selector_server() {
    let mut server = python3();
    server
        .arg(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/python/selector_server.py"
        ))
        .args(["--port", "0"]);
    let server = ServerProcess::start(server);
    let transcript = Transcript::new(&server);
    let mut waiting = Client::connect_as(&transcript, "waiting", server.addr());
    assert_eq!(waiting.say("I'll stay"), "I'LL STAY");

    let mut client = Command::new(env!("CARGO_BIN_EXE_lesson-05-client"));
    client.args(["--port", &server.addr().port().to_string()]);
    client.args(["-m", "hello", "-m", "grüße from rust"]);
    let output = run_with_timeout(client, "");
    assert!(output.status.success(), "{output:?}");
    assert_eq!(
        String::from_utf8_lossy(&output.stdout),
        "HELLO\nGRüßE FROM RUST\n"
    );

    // The Python server has the same outbox as the Rust one: a megabyte comes back.
    let message: Vec<u8> = (0..1 << 20).map(|i| b"abcdefghij"[i % 10]).collect();
    let reply = waiting.exchange(&message, message.len());
    assert!(reply == message.to_ascii_uppercase(), "the reply differs");
    waiting.send("close");
    waiting.expect_closed();
    server.wait_for_line("asked to close");
}
