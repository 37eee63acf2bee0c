//! CPython on both sides of the looped conversation: a Python client in the tutorial's
//! style talks to the Rust server; the Rust client talks to the tutorial's looped
//! server, in Python (`python/server.py`); and the same conversations held with both
//! servers go byte for byte the same. python3 is a test requirement (README).

use std::net::SocketAddr;
use std::process::Command;

use classroom::{Client, ServerProcess, Transcript, python3, run_with_timeout};

fn python_file(name: &str) -> String {
    format!("{}/python/{name}", env!("CARGO_MANIFEST_DIR"))
}

fn rust_server() -> ServerProcess {
    let mut server = Command::new(env!("CARGO_BIN_EXE_lesson-02"));
    server.args(["--port", "0"]);
    ServerProcess::start(server)
}

fn python_server() -> ServerProcess {
    let mut server = python3();
    server.arg(python_file("server.py")).args(["--port", "0"]);
    ServerProcess::start(server)
}

#[test]
fn a_python_client_holds_a_conversation() {
    let mut server = rust_server();
    let mut client = python3();
    client
        .arg(python_file("client.py"))
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

#[test]
fn the_rust_client_holds_a_conversation_with_the_python_server() {
    let mut server = python_server();
    let mut client = Command::new(env!("CARGO_BIN_EXE_lesson-02-client"));
    client
        .args(["--port", &server.addr().port().to_string()])
        .args(["-m", "hello", "-m", "grüße from rust", "-m", "close"]);
    let output = run_with_timeout(client, "");
    assert!(output.status.success(), "{output:?}");
    assert_eq!(
        String::from_utf8_lossy(&output.stdout),
        "HELLO\nGRüßE FROM RUST\n"
    );
    server.wait_for_line(" closed");
    assert!(server.wait_for_exit().success());
}

/// One client's whole conversation with a looped one-client server, recorded.
type Conversation = fn(&Transcript, SocketAddr);

/// Each conversation, held once with the Rust server and once with the Python one:
/// the transcripts (every byte sent and received, and how the connection ended) must
/// be the same, and both servers must exit successfully after their one client.
#[test]
fn both_servers_hold_the_same_conversations() {
    let conversations: [(&str, Conversation); 5] = [
        ("messages, then close", |transcript, addr| {
            let mut client = Client::connect(transcript, addr);
            assert_eq!(client.say("hello"), "HELLO");
            assert_eq!(client.say("grüße, wörld"), "GRüßE, WöRLD");
            // The tutorial decodes before comparing with `close`: these bytes crashed it.
            assert_eq!(client.exchange(b"\xff\xfeabc", 5), b"\xff\xfeABC");
            client.send("Close\n");
            client.expect_closed();
        }),
        ("the client closes", |transcript, addr| {
            let mut client = Client::connect(transcript, addr);
            assert_eq!(client.say("one"), "ONE");
            assert_eq!(client.say("two"), "TWO");
            client.close();
        }),
        ("a half-close", |transcript, addr| {
            let mut client = Client::connect(transcript, addr);
            client.send("last words");
            client.shutdown_write();
            assert_eq!(client.recv_exact(10), b"LAST WORDS");
            client.expect_closed();
        }),
        ("a megabyte, 1024 bytes a read", |transcript, addr| {
            let mut client = Client::connect(transcript, addr);
            let message: Vec<u8> = (0..1 << 20).map(|i| b"abcdefghij"[i % 10]).collect();
            let reply = client.exchange(&message, message.len());
            assert!(reply == message.to_ascii_uppercase(), "the reply differs");
            client.close();
        }),
        ("a reset", |transcript, addr| {
            let mut client = Client::connect(transcript, addr);
            assert_eq!(client.say("one"), "ONE");
            client.reset();
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
