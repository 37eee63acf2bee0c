//! CPython against our server: a Python client in the tutorial's style holds a whole
//! conversation with the Rust looped server. python3 is a test requirement (README).

use std::process::Command;

use classroom::{ServerProcess, python3, run_with_timeout};

#[test]
fn a_python_client_holds_a_conversation() {
    let mut server = Command::new(env!("CARGO_BIN_EXE_lesson-02"));
    server.args(["--port", "0"]);
    let mut server = ServerProcess::start(server);

    let mut client = python3();
    client
        .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/python/client.py"))
        .arg(server.addr().port().to_string());
    let output = run_with_timeout(client, "hello\nfrom python\n");
    assert!(output.status.success(), "{output:?}");
    // input() prints its prompt even when the input is piped.
    assert_eq!(
        String::from_utf8_lossy(&output.stdout),
        ">>: HELLO\n>>: FROM PYTHON\n>>: "
    );
    assert!(server.wait_for_exit().success());
}
