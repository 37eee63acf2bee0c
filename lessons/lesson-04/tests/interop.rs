//! The real thing on both sides: a Python client against the Rust threaded server, and
//! the Rust client against CPython's own `socketserver.ThreadingTCPServer`. python3 is
//! a test requirement (README).

use std::process::Command;

use classroom::{ServerProcess, python3, run_with_timeout};

fn python_file(name: &str) -> String {
    format!("{}/python/{name}", env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn python_clients_talk_to_the_rust_server_at_the_same_time() {
    let mut server = Command::new(env!("CARGO_BIN_EXE_lesson-04"));
    server.args(["--port", "0"]);
    let server = ServerProcess::start(server);
    let port = server.addr().port().to_string();
    // Two Python clients at once, each on its own thread of ours.
    let conversations: Vec<_> = ["first\nsecond\n", "third\n"]
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
    assert_eq!(
        String::from_utf8_lossy(&outputs[0].stdout),
        ">>: FIRST\n>>: SECOND\n>>: "
    );
    assert_eq!(
        String::from_utf8_lossy(&outputs[1].stdout),
        ">>: THIRD\n>>: "
    );
    server.wait_for_lines(" closed", 2);
}

#[test]
fn the_rust_client_talks_to_cpython_threading_tcp_server() {
    let mut server = python3();
    server
        .arg(python_file("threading_server.py"))
        .args(["--port", "0"]);
    let server = ServerProcess::start(server);

    let mut client = Command::new(env!("CARGO_BIN_EXE_lesson-04-client"));
    client
        .args(["--port", &server.addr().port().to_string()])
        .args(["-m", "hello", "-m", "grüße from rust"]);
    let output = run_with_timeout(client, "");
    assert!(output.status.success(), "{output:?}");
    assert_eq!(
        String::from_utf8_lossy(&output.stdout),
        "HELLO\nGRüßE FROM RUST\n"
    );
    server.wait_for_line(" closed");
}
