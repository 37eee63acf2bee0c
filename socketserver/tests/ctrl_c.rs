//! Ctrl-C stops a server cleanly: `serve_forever` returns, `server_close` waits for
//! the request threads, the process exits with success. Signals go to a process, so
//! this drives the `upper` example as a child process.
// Test code: a panic (from unwrap) is how a test reports failure.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::io::{BufRead, BufReader, Write};
use std::net::TcpStream;

use classroom::{ServerProcess, TIMEOUT};
use common::example;

#[test]
fn ctrl_c_returns_from_serve_forever_and_waits_for_the_connected_client() {
    let mut server = ServerProcess::start(example("upper"));
    let client = TcpStream::connect(server.addr()).unwrap();
    client.set_read_timeout(Some(TIMEOUT)).unwrap();
    (&client).write_all(b"hello\n").unwrap();
    let mut reply = String::new();
    BufReader::new(&client).read_line(&mut reply).unwrap();
    assert_eq!(reply, "HELLO\n");

    server.interrupt();
    // serve_forever has returned; server_close now waits for our request's thread
    // (Python's block_on_close), which ends when we leave.
    server.wait_for_line("shutting down");
    drop(client);
    assert!(server.wait_for_exit().success());
    let log = server.stdout();
    assert_eq!(log.last().map(String::as_str), Some("bye"), "{log:?}");
    let closed = log
        .iter()
        .position(|line| line.ends_with(" closed"))
        .unwrap();
    let bye = log.iter().position(|line| line == "bye").unwrap();
    assert!(
        closed < bye,
        "server_close returned before the request thread ended: {log:?}"
    );
}

#[test]
fn ctrl_c_stops_an_idle_serial_server_at_once() {
    let mut command = example("upper");
    command.arg("--serial");
    let mut server = ServerProcess::start(command);
    server.interrupt();
    assert!(server.wait_for_exit().success());
    assert_eq!(server.stdout().last().map(String::as_str), Some("bye"));
}
