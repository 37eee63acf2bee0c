//! CPython on both sides of the serial server: Python clients in the tutorial's style,
//! one after the other, against the Rust server; the Rust client, twice, against the
//! tutorial's serial server, in Python (`python/server.py`); and the same
//! conversations held with both servers go byte for byte the same, the second client's
//! wait included. python3 is a test requirement (README).

use std::net::SocketAddr;
use std::process::Command;
use std::time::Duration;

use classroom::{Client, ServerProcess, Transcript, python3, run_with_timeout};

fn python_file(name: &str) -> String {
    format!("{}/python/{name}", env!("CARGO_MANIFEST_DIR"))
}

fn rust_server() -> ServerProcess {
    let mut server = Command::new(env!("CARGO_BIN_EXE_lesson-03"));
    server.args(["--port", "0"]);
    ServerProcess::start(server)
}

fn python_server() -> ServerProcess {
    let mut server = python3();
    server.arg(python_file("server.py")).args(["--port", "0"]);
    ServerProcess::start(server)
}

#[test]
fn python_clients_are_served_one_after_another() {
    let server = rust_server();
    for (input, expected) in [
        ("one\n", ">>: ONE\n>>: "),
        ("two\nthree\n", ">>: TWO\n>>: THREE\n>>: "),
    ] {
        let mut client = python3();
        client
            .arg(python_file("client.py"))
            .arg(server.addr().port().to_string());
        let output = run_with_timeout(client, input);
        assert!(output.status.success(), "{output:?}");
        assert_eq!(String::from_utf8_lossy(&output.stdout), expected);
    }
    server.wait_for_lines(" closed", 2);
}

#[test]
fn rust_clients_are_served_one_after_another_by_the_python_server() {
    let server = python_server();
    for (messages, expected) in [
        (vec!["one"], "ONE\n"),
        (vec!["grüße", "from rust", "close"], "GRüßE\nFROM RUST\n"),
    ] {
        let mut client = Command::new(env!("CARGO_BIN_EXE_lesson-03-client"));
        client.args(["--port", &server.addr().port().to_string()]);
        for message in messages {
            client.args(["-m", message]);
        }
        let output = run_with_timeout(client, "");
        assert!(output.status.success(), "{output:?}");
        assert_eq!(String::from_utf8_lossy(&output.stdout), expected);
    }
    server.wait_for_lines(" closed", 2);
}

/// Clients' conversations with a serial server, recorded.
type Conversations = fn(&Transcript, SocketAddr);

/// Each set of conversations, held once with the Rust server and once with the Python
/// one: the transcripts (every byte sent and received, every wait, and how each
/// connection ended) must be the same. Each set ends with a client served, so both
/// servers are proven still serving.
#[test]
fn both_servers_hold_the_same_conversations() {
    let conversations: [(&str, Conversations); 4] = [
        ("one after another", |transcript, addr| {
            for name in ["A", "B"] {
                let mut client = Client::connect_as(transcript, name, addr);
                assert_eq!(client.say("hello"), "HELLO");
                client.close();
            }
        }),
        ("the second client waits", |transcript, addr| {
            let mut a = Client::connect_as(transcript, "A", addr);
            assert_eq!(a.say("first"), "FIRST");
            let mut b = Client::connect_as(transcript, "B", addr);
            b.send("me too");
            // A serial server never answers B while A is served, however long we wait.
            b.expect_no_reply_for(Duration::from_millis(500));
            assert_eq!(a.say("still me"), "STILL ME");
            a.close();
            assert_eq!(b.recv_exact(6), b"ME TOO");
            b.close();
        }),
        ("close ends only that conversation", |transcript, addr| {
            let mut a = Client::connect_as(transcript, "A", addr);
            assert_eq!(a.exchange(b"\xff\xfeabc", 5), b"\xff\xfeABC");
            a.send("close");
            a.expect_closed();
            let mut b = Client::connect_as(transcript, "B", addr);
            assert_eq!(b.say("still there?"), "STILL THERE?");
            b.close();
        }),
        ("a reset ends only that conversation", |transcript, addr| {
            let mut a = Client::connect_as(transcript, "A", addr);
            assert_eq!(a.say("one"), "ONE");
            a.reset();
            let mut b = Client::connect_as(transcript, "B", addr);
            b.send("bye");
            b.shutdown_write();
            assert_eq!(b.recv_exact(3), b"BYE");
            b.expect_closed();
        }),
    ];
    for (name, conversation) in conversations {
        let [rust, python] = [rust_server(), python_server()].map(|server| {
            let transcript = Transcript::new(&server);
            conversation(&transcript, server.addr());
            transcript.render()
        });
        assert_eq!(rust, python, "{name}: Rust's transcript, then Python's");
    }
}
