//! CPython against our server: two Python clients in the tutorial's style, one after
//! the other, against the Rust serial server. python3 is a test requirement (README).

use std::process::Command;

use classroom::{ServerProcess, python3, run_with_timeout};

#[test]
fn python_clients_are_served_one_after_another() {
    let mut server = Command::new(env!("CARGO_BIN_EXE_lesson-03"));
    server.args(["--port", "0"]);
    let server = ServerProcess::start(server);
    for (input, expected) in [
        ("one\n", ">>: ONE\n>>: "),
        ("two\nthree\n", ">>: TWO\n>>: THREE\n>>: "),
    ] {
        let mut client = python3();
        client
            .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/python/client.py"))
            .arg(server.addr().port().to_string());
        let output = run_with_timeout(client, input);
        assert!(output.status.success(), "{output:?}");
        assert_eq!(String::from_utf8_lossy(&output.stdout), expected);
    }
    server.wait_for_lines(" closed", 2);
}
