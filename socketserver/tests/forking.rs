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
use std::time::{Duration, Instant};

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

    /// The next line, or what went wrong reading it (a timeout, a reset).
    fn read_line(&mut self) -> Result<String, std::io::Error> {
        let mut line = String::new();
        self.reader.read_line(&mut line)?;
        Ok(line)
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

// ---- Stopping: SIGTERM and SIGINT stop the parent cleanly, and leave nothing behind.

/// Sends `signal` (`TERM`, `INT`, `KILL`) to `pid`, as `kill -s SIGNAL PID` does.
fn send_signal(pid: u32, signal: &str) {
    let status = std::process::Command::new("kill")
        .args(["-s", signal, &pid.to_string()])
        .status()
        .unwrap();
    assert!(
        status.success(),
        "`kill -s {signal} {pid}` failed: {status}"
    );
}

/// The pids of the children that logged `child PID serving ...` so far.
fn serving_children(server: &ServerProcess) -> Vec<u32> {
    server
        .stdout()
        .iter()
        .filter_map(|line| line.strip_prefix("child ")?.split(' ').next()?.parse().ok())
        .collect()
}

/// Whether `pid` still exists (running, or a zombie nobody reaped yet).
fn exists(pid: u32) -> bool {
    std::path::Path::new(&format!("/proc/{pid}")).exists()
}

/// Waits (bounded) until nothing accepts connections on `address`: a connection
/// attempt is refused. Returns false if something still accepted them after TIMEOUT.
fn refused_within_timeout(address: std::net::SocketAddr) -> bool {
    let deadline = Instant::now() + TIMEOUT;
    loop {
        match TcpStream::connect_timeout(&address, TIMEOUT) {
            Err(error) if error.kind() == std::io::ErrorKind::ConnectionRefused => return true,
            // Still accepted (or queued on a listener nobody serves): try again.
            _ if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(20)),
            _ => return false,
        }
    }
}

/// Waits (bounded) until every pid in `pids` is gone from /proc (exited and reaped).
fn gone_within_timeout(pids: &[u32]) -> bool {
    let deadline = Instant::now() + TIMEOUT;
    while pids.iter().any(|&pid| exists(pid)) {
        if Instant::now() >= deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    true
}

/// Kills, when dropped, the children of the example that are still running, so a
/// failing test (or one that kills the parent on purpose) leaves no orphan behind.
/// Only processes still named like the example are killed (never a reused pid).
struct KillOrphans(Vec<u32>);

impl Drop for KillOrphans {
    fn drop(&mut self) {
        for &pid in &self.0 {
            let comm = std::fs::read_to_string(format!("/proc/{pid}/comm")).unwrap_or_default();
            if comm.trim() == "forking" {
                let _ = std::process::Command::new("kill")
                    .args(["-s", "KILL", &pid.to_string()])
                    .status();
            }
        }
    }
}

/// The forking example with a client connected, so one child is alive and idle.
/// The shutdown deadline is `deadline` seconds.
fn serving_one_idle_client(deadline: &str) -> (ServerProcess, Client, u32) {
    let mut command = example("forking");
    command.args(["--deadline", deadline]);
    let server = ServerProcess::start(command);
    let mut client = Client::connect(&server);
    assert_eq!(client.say("hello"), "HELLO");
    server.wait_for_line("child ");
    let child = serving_children(&server)[0];
    assert_ne!(child, server.pid());
    (server, client, child)
}

/// What SIGTERM and SIGINT must both do to a forking server whose child serves an
/// idle client: the parent stops listening, `serve_forever` returns, `server_close`
/// waits out the shutdown deadline, then terminates and reaps the child (the client
/// sees end-of-file), prints `bye` and exits with success. Nothing keeps the port.
fn stops_cleanly_on(signal: &str) {
    let (mut server, mut client, child) = serving_one_idle_client("1");
    let mut orphans = KillOrphans(vec![child]);
    let address = server.addr();

    send_signal(server.pid(), signal);
    let refused = refused_within_timeout(address);
    orphans.0 = serving_children(&server);
    assert!(
        refused,
        "after SIG{signal}, something still accepts connections on {address} \
         (a child kept the listening socket?)"
    );
    // The child is terminated after the deadline: its client sees end-of-file.
    let end = client.read_line();
    assert!(
        matches!(&end, Ok(line) if line.is_empty()),
        "the idle child's client should see end-of-file, not {end:?}"
    );
    let status = server.wait_for_exit();
    assert!(status.success(), "the server exited with {status}");
    assert_eq!(
        server.stdout().last().map(String::as_str),
        Some("bye"),
        "{:?}",
        server.stdout()
    );
    let children = serving_children(&server);
    orphans.0 = children.clone();
    assert!(
        gone_within_timeout(&children),
        "children left behind after SIG{signal}: {:?}",
        children
            .iter()
            .filter(|&&pid| exists(pid))
            .collect::<Vec<_>>()
    );
}

#[test]
fn sigterm_stops_the_server_and_leaves_no_child_and_no_listener() {
    stops_cleanly_on("TERM");
}

#[test]
fn sigint_stops_the_server_and_leaves_no_child_and_no_listener() {
    stops_cleanly_on("INT");
}

/// Python's `block_on_close`: a child that finishes before the deadline is waited
/// for, not killed. Its client goes on talking after the signal, then leaves.
#[test]
fn after_a_signal_a_child_finishes_its_conversation_before_the_deadline() {
    let (mut server, mut client, child) = serving_one_idle_client("60");
    let _orphans = KillOrphans(vec![child]);
    send_signal(server.pid(), "TERM");
    assert!(refused_within_timeout(server.addr()));
    assert_eq!(client.say("still here"), "STILL HERE");
    assert!(
        server.exited_within(Duration::from_millis(200)).is_none(),
        "the server did not wait for its child"
    );
    drop(client);
    assert!(server.wait_for_exit().success());
    assert_eq!(server.stdout().last().map(String::as_str), Some("bye"));
    assert!(gone_within_timeout(&[child]));
}

/// A child closes its copy of the listening socket before it serves: when the
/// parent is killed outright (no chance to clean up), nothing listens on the port
/// any more, although the orphaned child still serves its client.
#[test]
fn a_child_holds_no_listening_socket() {
    let server = forking_server();
    let mut client = Client::connect(&server);
    assert_eq!(client.say("hello"), "HELLO");
    server.wait_for_line("child ");
    let _orphans = KillOrphans(serving_children(&server));
    send_signal(server.pid(), "KILL");
    assert!(
        refused_within_timeout(server.addr()),
        "with the parent killed, {} still accepts connections: a child holds the \
         listening socket",
        server.addr()
    );
    assert_eq!(client.say("orphaned"), "ORPHANED");
}

/// A second signal while `server_close` waits for the children cuts the wait short:
/// with a deadline of a minute, the idle child is terminated at once.
#[test]
fn a_second_signal_ends_the_wait_for_the_children() {
    let (mut server, mut client, child) = serving_one_idle_client("60");
    let _orphans = KillOrphans(vec![child]);
    send_signal(server.pid(), "INT");
    server.wait_for_line("shutting down");
    send_signal(server.pid(), "INT");
    let end = client.read_line();
    assert!(matches!(&end, Ok(line) if line.is_empty()), "{end:?}");
    assert!(server.wait_for_exit().success());
    assert_eq!(server.stdout().last().map(String::as_str), Some("bye"));
    assert!(gone_within_timeout(&[child]));
}

/// Children do not inherit the parent's stop-signal handler: SIGTERM sent to a child
/// ends it (its client sees end-of-file) and the parent goes on serving.
#[test]
fn a_child_has_the_default_signal_dispositions() {
    let (server, mut client, child) = serving_one_idle_client("1");
    let _orphans = KillOrphans(vec![child]);
    send_signal(child, "TERM");
    let end = client.read_line();
    assert!(
        matches!(&end, Ok(line) if line.is_empty()),
        "SIGTERM did not end the child: {end:?}"
    );
    wait_until_childless(server.pid());
    let mut next = Client::connect(&server);
    assert_eq!(next.say("still serving"), "STILL SERVING");
}

/// The datagram server stops on SIGTERM too.
#[test]
fn forking_udp_stops_cleanly_on_sigterm() {
    let mut command = example("forking");
    command.arg("--udp");
    let mut server = ServerProcess::start(command);
    let transcript = Transcript::new(&server);
    let mut a = UdpClient::bind_as(&transcript, "A", server.addr());
    assert_eq!(a.say("hello"), "HELLO");
    send_signal(server.pid(), "TERM");
    assert!(server.wait_for_exit().success());
    assert_eq!(server.stdout().last().map(String::as_str), Some("bye"));
    let children = serving_children(&server);
    let _orphans = KillOrphans(children.clone());
    assert!(gone_within_timeout(&children));
}
