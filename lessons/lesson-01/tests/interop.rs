//! CPython against our server: the tutorial's own kind of client, in Python, talks to
//! the Rust single-shot server. python3 is a test requirement (see README).

use std::process::Command;

use classroom::{ServerProcess, python3, run_with_timeout};

#[test]
fn a_python_client_gets_its_reply() {
    let mut server = Command::new(env!("CARGO_BIN_EXE_lesson-01"));
    server.args(["--port", "0"]);
    let mut server = ServerProcess::start(server);

    let mut client = python3();
    client
        .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/python/client.py"))
        .arg(server.addr().port().to_string())
        .arg("hello from python");
    let output = run_with_timeout(client, "");
    assert!(output.status.success(), "{output:?}");
    assert_eq!(
        String::from_utf8_lossy(&output.stdout),
        "HELLO FROM PYTHON\n"
    );
    assert!(server.wait_for_exit().success());
}
