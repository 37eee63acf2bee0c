//! CPython on both sides of the single-shot conversation: the tutorial's own kind of
//! client, in Python, talks to the Rust server; the Rust client talks to the
//! tutorial's server, in Python (`python/server.py`); and the same conversations held
//! with both servers go byte for byte the same. python3 is a test requirement (README).

use std::net::SocketAddr;
use std::process::Command;

use classroom::{Client, ServerProcess, Transcript, python3, run_with_timeout};

fn python_file(name: &str) -> String {
    format!("{}/python/{name}", env!("CARGO_MANIFEST_DIR"))
}

fn rust_server() -> ServerProcess {
    let mut server = Command::new(env!("CARGO_BIN_EXE_lesson-01"));
    server.args(["--port", "0"]);
    ServerProcess::start(server)
}

fn python_server() -> ServerProcess {
    let mut server = python3();
    server.arg(python_file("server.py")).args(["--port", "0"]);
    ServerProcess::start(server)
}

#[test]
fn a_python_client_gets_its_reply() {
    let mut server = rust_server();
    let mut client = python3();
    client
        .arg(python_file("client.py"))
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

#[test]
fn the_rust_client_gets_its_reply_from_the_python_server() {
    let mut server = python_server();
    let mut client = Command::new(env!("CARGO_BIN_EXE_lesson-01-client"));
    client
        .args(["--port", &server.addr().port().to_string()])
        .arg("grüße from rust");
    let output = run_with_timeout(client, "");
    assert!(output.status.success(), "{output:?}");
    assert_eq!(String::from_utf8_lossy(&output.stdout), "GRüßE FROM RUST\n");
    server.wait_for_line(" closed");
    assert!(server.wait_for_exit().success());
}

/// One client's whole conversation with a single-shot server, recorded.
type Conversation = fn(&Transcript, SocketAddr);

/// Each conversation, held once with the Rust server and once with the Python one:
/// the transcripts (every byte sent and received, and how the connection ended) must
/// be the same, and both servers must exit successfully after their one client.
#[test]
fn both_servers_hold_the_same_conversations() {
    let conversations: [(&str, Conversation); 5] = [
        ("one message", |transcript, addr| {
            let mut client = Client::connect(transcript, addr);
            assert_eq!(client.say("hello, wörld"), "HELLO, WöRLD");
            client.expect_closed();
        }),
        ("invalid UTF-8", |transcript, addr| {
            let mut client = Client::connect(transcript, addr);
            let reply = client.exchange(b"\xff\xfeabc", 5);
            assert_eq!(reply, b"\xff\xfeABC");
            client.expect_closed();
        }),
        ("a half-close", |transcript, addr| {
            let mut client = Client::connect(transcript, addr);
            client.send("bye");
            client.shutdown_write();
            assert_eq!(client.recv_exact(3), b"BYE");
            client.expect_closed();
        }),
        ("nothing said", |transcript, addr| {
            Client::connect(transcript, addr).close();
        }),
        ("a reset", |transcript, addr| {
            Client::connect(transcript, addr).reset();
        }),
    ];
    for (name, conversation) in conversations {
        let [rust, python] = [rust_server(), python_server()].map(|mut server| {
            let transcript = Transcript::new(&server);
            conversation(&transcript, server.addr());
            let status = server.wait_for_exit();
            assert!(status.success(), "{name}: {status}\n{:?}", server.stdout());
            transcript.render()
        });
        assert_eq!(rust, python, "{name}: Rust's transcript, then Python's");
    }
}
