//! The forking mixin, driven through a single-threaded server process (the
//! `forking` example): forking from this multi-threaded test process would not be
//! safe. A child serves each connection, never comes back into the accept loop, and
//! is reaped; a panic in a child is reported and the parent goes on.
#![cfg(unix)]
// Test code: a panic (from unwrap) is how a test reports failure.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::io::{BufRead, BufReader, Write};
use std::net::TcpStream;
use std::time::Instant;

use classroom::{ServerProcess, TIMEOUT, Transcript, UdpClient};
use common::example;

fn forking_server() -> ServerProcess {
    ServerProcess::start(example("forking"))
}

struct Client {
    stream: TcpStream,
    reader: BufReader<TcpStream>,
}

impl Client {
    fn connect(server: &ServerProcess) -> Client {
        let stream = TcpStream::connect(server.addr()).unwrap();
        stream.set_read_timeout(Some(TIMEOUT)).unwrap();
        let reader = BufReader::new(stream.try_clone().unwrap());
        Client { stream, reader }
    }

    fn say(&mut self, text: &str) -> String {
        self.stream
            .write_all(format!("{text}\n").as_bytes())
            .unwrap();
        let mut reply = String::new();
        self.reader.read_line(&mut reply).unwrap();
        reply.trim_end().to_string()
    }
}

/// The pids whose parent is `parent`, and whether each is a zombie, from /proc.
fn children_of(parent: u32) -> Vec<(u32, bool)> {
    let mut children = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
            continue;
        };
        // "pid (comm) state ppid ...": the fields after the last ')'.
        let fields: Vec<&str> = stat
            .rsplit_once(')')
            .unwrap()
            .1
            .split_whitespace()
            .collect();
        if fields[1].parse::<u32>() == Ok(parent) {
            children.push((pid, fields[0] == "Z"));
        }
    }
    children
}

/// Waits (bounded) until `parent` has no children at all: every child exited (none
/// went back to accepting) and was reaped (no zombie).
fn wait_until_childless(parent: u32) {
    let deadline = Instant::now() + TIMEOUT;
    while !children_of(parent).is_empty() {
        assert!(
            Instant::now() < deadline,
            "children left behind: {:?} (pid, zombie)",
            children_of(parent)
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

#[test]
fn each_connection_is_served_by_a_child_that_exits_and_is_reaped() {
    let server = forking_server();
    let parent = server.pid();
    let mut a = Client::connect(&server);
    assert_eq!(a.say("hello"), "HELLO");
    // A stays connected; B is served at the same time, by another child.
    let mut b = Client::connect(&server);
    assert_eq!(b.say("world"), "WORLD");
    assert_eq!(a.say("again"), "AGAIN");
    let served_by = server.wait_for_lines("child ", 2);
    let pids: Vec<&str> = served_by
        .iter()
        .map(|line| line.split(' ').nth(1).unwrap())
        .collect();
    assert_ne!(
        pids[0], pids[1],
        "two connections, two children: {served_by:?}"
    );
    assert!(
        !pids.contains(&parent.to_string().as_str()),
        "the parent served a request itself"
    );
    drop((a, b));
    wait_until_childless(parent);
}

#[test]
fn a_panic_in_a_child_is_reported_and_the_parent_goes_on() {
    let server = forking_server();
    let mut doomed = Client::connect(&server);
    doomed.stream.write_all(b"panic\n").unwrap();
    let mut rest = String::new();
    doomed.reader.read_line(&mut rest).unwrap();
    assert_eq!(rest, "", "the child's connection is closed");
    let mut next = Client::connect(&server);
    assert_eq!(next.say("still here"), "STILL HERE");
    drop((doomed, next));
    wait_until_childless(server.pid());
    let stderr = server.stderr().join("\n");
    assert!(
        stderr.contains("Exception occurred during processing of request"),
        "{stderr}"
    );
    assert!(
        stderr.contains("the handler panicked: asked to panic"),
        "{stderr}"
    );
}

#[test]
fn forking_udp_serves_each_datagram_in_a_child_and_survives_a_panic() {
    let mut command = example("forking");
    command.arg("--udp");
    let server = ServerProcess::start(command);
    let parent = server.pid();
    let transcript = Transcript::new(&server);
    let mut a = UdpClient::bind_as(&transcript, "A", server.addr());
    let mut b = UdpClient::bind_as(&transcript, "B", server.addr());
    assert_eq!(a.say("hello"), "HELLO");
    assert_eq!(b.say("world"), "WORLD");
    let served_by = server.wait_for_lines("child ", 2);
    assert!(
        served_by
            .iter()
            .all(|line| line.split(' ').nth(1) != Some(parent.to_string().as_str())),
        "the parent served a datagram itself: {served_by:?}"
    );

    // A child's panic is reported by it; the parent goes on serving.
    a.send("panic");
    server.wait_for_stderr("the handler panicked: asked to panic");
    assert_eq!(a.say("still here"), "STILL HERE");
    wait_until_childless(parent);
}

/// Python's `ForkingMixIn.timeout = 300`, and an instance's own `server.timeout = ...`,
/// which wins over it (no fork here: only the setting is checked).
#[test]
fn forking_servers_wait_300_seconds_unless_told_otherwise() {
    use socketserver::{BaseServer, SocketServer};
    use std::time::Duration;
    let server = socketserver::ForkingTCPServer::<common::UpperLines>::new("127.0.0.1:0").unwrap();
    assert_eq!(server.timeout(), Some(Duration::from_secs(300)));
    server.core().set_timeout(Some(Duration::from_secs(1)));
    assert_eq!(server.timeout(), Some(Duration::from_secs(1)));
    server.core().set_timeout(None);
    assert_eq!(server.timeout(), None);
}
