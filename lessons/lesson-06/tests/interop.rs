//! CPython on both sides: a Python client against the Rust server in every mode, and
//! the Rust client against CPython's own `ThreadingTCPServer` with a
//! `StreamRequestHandler`. python3 is a test requirement (README).

use std::process::Command;

use classroom::{ServerProcess, python3, run_with_timeout};

fn python_file(name: &str) -> String {
    format!("{}/python/{name}", env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn a_python_client_talks_to_every_mode() {
    for mode in ["serial", "threading", "forking", "pool"] {
        let mut server = Command::new(env!("CARGO_BIN_EXE_lesson-06"));
        server.args(["--port", "0", "--mode", mode]);
        let server = ServerProcess::start(server);
        let mut client = python3();
        client
            .arg(python_file("client.py"))
            .arg(server.addr().port().to_string());
        let output = run_with_timeout(client, "hello\nfrom python\n");
        assert!(output.status.success(), "{output:?}");
        assert_eq!(
            String::from_utf8_lossy(&output.stdout),
            ">>: HELLO\n>>: FROM PYTHON\n>>: ",
            "--mode {mode}"
        );
    }
}

#[test]
fn the_rust_client_talks_to_cpython_stream_request_handler() {
    let mut server = python3();
    server
        .arg(python_file("stream_server.py"))
        .args(["--port", "0"]);
    let server = ServerProcess::start(server);
    let mut client = Command::new(env!("CARGO_BIN_EXE_lesson-06-client"));
    client
        .args(["--port", &server.addr().port().to_string()])
        .args(["-m", "hello", "-m", "grüße from rust"]);
    let output = run_with_timeout(client, "");
    assert!(output.status.success(), "{output:?}");
    assert_eq!(
        String::from_utf8_lossy(&output.stdout),
        "HELLO\nGRüßE FROM RUST\n"
    );
}
