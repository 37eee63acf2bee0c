//! Lesson 05's selector server when the process runs out of file descriptors
//! (issue 12).
//!
//! Every connection is a file descriptor, and a process may have only so many
//! (`ulimit -n`). Out of them, `accept()` fails with EMFILE, and the client stays in
//! the listen backlog: the listening socket stays readable, a level-triggered
//! selector reports it again at once, and `accept()` fails again. A loop that retries
//! at once spins at 100 % CPU and floods its log (measured with
//! `prlimit --nofile=64` and 100 clients: 56 MB in two seconds).
//!
//! The server is started with 64 descriptors and 100 clients, each of which sends a
//! message. It must stop watching the listener for a while instead of spinning, say
//! so once, keep serving the clients it has, and accept the waiting ones as
//! descriptors free. These tests read /proc, so they run on Linux only.
#![cfg(target_os = "linux")]
// Test code: a panic (from unwrap) is how a test reports failure, helpers included.
#![allow(clippy::unwrap_used)]

use std::io::{BufReader, Write};
use std::net::{Shutdown, TcpStream};
use std::process::Command;
use std::time::Duration;

use classroom::process::{TICKS_PER_SECOND, cpu_ticks_during, limit_descriptors, line_within};
use classroom::{ServerProcess, TIMEOUT};

/// The descriptors the server may have: a handful for itself (standard streams, the
/// listener, the selector's), the rest for clients, fewer than the clients.
const DESCRIPTORS: u64 = 64;
const CLIENTS: usize = 100;

/// Starts the server with at most [`DESCRIPTORS`] open file descriptors, as
/// `prlimit --nofile=64` does.
fn start_server_with_few_descriptors() -> ServerProcess {
    let mut server = Command::new(env!("CARGO_BIN_EXE_lesson-05"));
    server.args(["--port", "0"]);
    limit_descriptors(&mut server, DESCRIPTORS);
    ServerProcess::start(server)
}

/// The clients, each of which has sent `client N`, split into those the server
/// answered (it had a descriptor for them) and those still waiting in the backlog.
struct Crowd {
    clients: Vec<BufReader<TcpStream>>,
    served: Vec<usize>,
    waiting: Vec<usize>,
}

/// Connects [`CLIENTS`] clients, each sending one message, more than the server has
/// descriptors for, and sorts them into served and waiting.
fn more_clients_than_descriptors(server: &ServerProcess) -> Crowd {
    let mut clients: Vec<BufReader<TcpStream>> = (0..CLIENTS)
        .map(|n| {
            let stream = TcpStream::connect_timeout(&server.addr(), TIMEOUT)
                .unwrap_or_else(|e| panic!("client {n} cannot connect: {e}"));
            (&stream)
                .write_all(format!("client {n}\n").as_bytes())
                .unwrap();
            BufReader::new(stream)
        })
        .collect();
    let mut served = Vec::new();
    let mut waiting = Vec::new();
    for (n, client) in clients.iter_mut().enumerate() {
        match line_within(client, Duration::from_millis(50)) {
            Some(reply) => {
                assert_eq!(reply, format!("CLIENT {n}"), "client {n}'s reply");
                served.push(n);
            }
            None => waiting.push(n),
        }
    }
    assert!(
        !served.is_empty() && !waiting.is_empty(),
        "{DESCRIPTORS} descriptors should serve some of {CLIENTS} clients, not all: \
         served {served:?}"
    );
    Crowd {
        clients,
        served,
        waiting,
    }
}

/// How many lines of the server's output (stdout and stderr) say it is pausing.
fn pausing_lines(server: &ServerProcess) -> usize {
    let mut output = server.stdout();
    output.extend(server.stderr());
    output
        .iter()
        .filter(|line| line.contains("pausing"))
        .count()
}

#[test]
fn out_of_descriptors_the_server_pauses_instead_of_spinning_and_recovers() {
    let server = start_server_with_few_descriptors();
    let Crowd {
        mut clients,
        served,
        waiting,
    } = more_clients_than_descriptors(&server);

    // Out of descriptors, with clients waiting, the server must idle, not spin:
    // measure its CPU over one second in which nothing changes. A spinning loop uses
    // a whole core (USER_HZ is 100 ticks a second on Linux).
    let used = cpu_ticks_during(server.pid(), Duration::from_secs(1));
    assert!(
        used < TICKS_PER_SECOND / 4,
        "the server used {used} of {TICKS_PER_SECOND} ticks in one idle second: it spins"
    );
    let pauses = pausing_lines(&server);
    assert!(
        (1..=3).contains(&pauses),
        "the server said {pauses} times that it is pausing: once per burst is enough"
    );

    // The clients it has are still served.
    let first = served[0];
    clients[first]
        .get_mut()
        .write_all(b"still there\n")
        .unwrap();
    assert_eq!(
        line_within(&mut clients[first], TIMEOUT).as_deref(),
        Some("STILL THERE"),
        "a served client got no answer while the server was out of descriptors"
    );

    // Ten served clients leave, freeing their descriptors: ten waiting clients are
    // accepted and answered, in the order they came.
    for &n in served.iter().take(10) {
        clients[n].get_ref().shutdown(Shutdown::Both).unwrap();
    }
    let answered_later: Vec<usize> = waiting
        .iter()
        .take(10)
        .copied()
        .filter(|&n| {
            line_within(&mut clients[n], TIMEOUT).as_deref() == Some(&format!("CLIENT {n}"))
        })
        .collect();
    assert_eq!(
        answered_later.len(),
        10,
        "of the waiting clients {:?}, only {answered_later:?} were served once \
         descriptors freed",
        &waiting[..10]
    );
    let pauses = pausing_lines(&server);
    assert!(
        pauses <= 3,
        "the server said {pauses} times that it is pausing: once per burst is enough"
    );
}
