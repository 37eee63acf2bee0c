//! Defaults that hurt under load, where the crate departs from CPython on purpose:
//! the listen backlog, running out of file descriptors, and a shutdown that must not
//! wait for ever on a client who stays. Each test states what Python does.
// Test code: a panic (from unwrap) is how a test reports failure.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::io::{BufReader, Read, Write};
use std::net::TcpStream;
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use classroom::process::{TICKS_PER_SECOND, cpu_ticks_during, limit_descriptors, line_within};
use classroom::{ServerProcess, TIMEOUT};
use common::{UpperLines, connect, example, serve};
use socketserver::{
    BaseServer, SOMAXCONN, SocketServer, TCPServer, TcpOptions, ThreadingTCPServer,
};

/// Python's `request_queue_size = 5`: with a burst of clients, the kernel's accept
/// queue overflows and every client past it waits out a one-second SYN retry (400
/// clients took 65 s with CPython). The crate's default backlog is the system's
/// maximum, so a burst of 100 clients all connect while the server is busy
/// elsewhere and has accepted none of them.
#[test]
fn a_burst_of_clients_all_connect_before_the_server_accepts_any() {
    assert_eq!(TcpOptions::default().request_queue_size, SOMAXCONN);
    let server = TCPServer::<UpperLines>::new("127.0.0.1:0").unwrap();
    let clients: Vec<TcpStream> = (0..100)
        .map(|n| {
            TcpStream::connect_timeout(&server.server_address(), TIMEOUT)
                .unwrap_or_else(|e| panic!("client {n} could not connect: {e}"))
        })
        .collect();
    assert_eq!(clients.len(), 100);
}

/// Out of file descriptors, `accept()` fails with EMFILE while the listening socket
/// stays ready; a loop that retries at once spins at 100 % CPU (measured with
/// `prlimit --nofile=64` and 100 clients). CPython's loop ignores the error and
/// spins the same way. The crate stops watching the socket for a while, logs once
/// per burst, goes on serving the connections it has, and accepts again when a
/// descriptor frees.
#[test]
fn out_of_descriptors_the_server_pauses_instead_of_spinning_and_recovers() {
    let mut command = example("upper");
    limit_descriptors(&mut command, 64);
    let server = ServerProcess::start(command);
    let mut clients: Vec<BufReader<TcpStream>> = (0..100)
        .map(|n| {
            let stream = TcpStream::connect_timeout(&server.addr(), TIMEOUT).unwrap();
            (&stream)
                .write_all(format!("client {n}\n").as_bytes())
                .unwrap();
            BufReader::new(stream)
        })
        .collect();
    server.wait_for_stderr("pausing accept");

    // Some clients were accepted and answered; the rest wait in the backlog.
    let mut served = Vec::new();
    let mut waiting = Vec::new();
    for (n, client) in clients.iter_mut().enumerate() {
        match line_within(client, Duration::from_millis(50)) {
            Some(reply) => {
                assert_eq!(reply, format!("CLIENT {n}"));
                served.push(n);
            }
            None => waiting.push(n),
        }
    }
    assert!(
        !served.is_empty() && !waiting.is_empty(),
        "64 descriptors should serve some of 100 clients, not all: served {served:?}"
    );

    // Out of descriptors, the server must idle, not spin: measure its CPU use while
    // nothing changes. A spinning loop uses all of the second.
    let used = cpu_ticks_during(server.pid(), Duration::from_secs(1));
    assert!(
        used < TICKS_PER_SECOND / 4,
        "the server used {used} of {TICKS_PER_SECOND} ticks in one idle second: it spins"
    );

    // The open connections are still served.
    let first = served[0];
    let stream = clients[first].get_mut();
    stream.write_all(b"still there\n").unwrap();
    assert_eq!(
        line_within(&mut clients[first], TIMEOUT).as_deref(),
        Some("STILL THERE")
    );

    // Free ten descriptors: ten waiting clients are accepted and answered.
    for &n in served.iter().take(10) {
        clients[n]
            .get_ref()
            .shutdown(std::net::Shutdown::Both)
            .unwrap();
    }
    let mut answered_later = 0;
    for &n in waiting.iter().take(10) {
        if line_within(&mut clients[n], TIMEOUT).as_deref() == Some(&format!("CLIENT {n}")) {
            answered_later += 1;
        }
    }
    assert_eq!(
        answered_later, 10,
        "clients waiting for a descriptor were not served"
    );

    let pauses = server
        .stderr()
        .iter()
        .filter(|line| line.contains("pausing accept"))
        .count();
    assert!(
        pauses <= 3,
        "logged {pauses} times: once per burst is enough"
    );
}

/// Runs `call` on a thread of its own; the receiver hears when it has returned.
fn in_background(call: impl FnOnce() + Send + 'static) -> std::sync::mpsc::Receiver<()> {
    let (returned, done) = std::sync::mpsc::channel();
    thread::spawn(move || {
        call();
        let _ = returned.send(());
    });
    done
}

/// Python's `block_on_close`: `server_close()` waits for every request thread, so a
/// client who never leaves keeps a Ctrl-C'd server running for ever. The crate keeps
/// that default and adds a deadline: past it, the requests still open are shut
/// down, their handlers read end-of-file, and `server_close` returns.
#[test]
fn server_close_ends_open_requests_after_the_shutdown_deadline() {
    let server = ThreadingTCPServer::<UpperLines>::new("127.0.0.1:0").unwrap();
    server.set_shutdown_deadline(Some(Duration::from_millis(200)));
    let serving = serve(&server);
    let mut stays = connect(server.server_address());
    assert_eq!(stays.say("i stay"), "I STAY");
    server.shutdown();
    serving.join().unwrap().unwrap();

    let closer = Arc::clone(&server);
    let done = in_background(move || closer.server_close());
    done.recv_timeout(TIMEOUT)
        .expect("server_close waited past its deadline for a client who stays");
    let mut rest = Vec::new();
    stays.stream.read_to_end(&mut rest).unwrap();
    assert!(rest.is_empty(), "the connection was ended, not answered");
}

/// A serial server serving a client who stays cannot even see `shutdown()`: its only
/// thread is in the handler. With a deadline, `shutdown()` ends that request when
/// it passes, and the loop stops.
#[test]
fn shutdown_of_a_serial_server_busy_with_a_client_returns_after_the_deadline() {
    let server = TCPServer::<UpperLines>::new("127.0.0.1:0").unwrap();
    server.set_shutdown_deadline(Some(Duration::from_millis(200)));
    let serving = serve(&server);
    let mut stays = connect(server.server_address());
    assert_eq!(stays.say("i stay"), "I STAY");

    let started = Instant::now();
    let stopper = Arc::clone(&server);
    let done = in_background(move || stopper.shutdown());
    done.recv_timeout(TIMEOUT)
        .expect("shutdown() waited for ever on the client being served");
    assert!(
        started.elapsed() >= Duration::from_millis(200),
        "ended before the deadline"
    );
    serving.join().unwrap().unwrap();
    server.server_close();
    let mut rest = Vec::new();
    stays.stream.read_to_end(&mut rest).unwrap();
    assert!(rest.is_empty());
}

/// Without a deadline, Python's behaviour: `server_close` waits for the client,
/// however long it stays (here: until it leaves).
#[test]
fn without_a_deadline_server_close_waits_for_the_client_as_python_does() {
    let server = ThreadingTCPServer::<UpperLines>::new("127.0.0.1:0").unwrap();
    let serving = serve(&server);
    let mut client = connect(server.server_address());
    assert_eq!(client.say("hello"), "HELLO");
    server.shutdown();
    serving.join().unwrap().unwrap();
    let closer = Arc::clone(&server);
    let done = in_background(move || closer.server_close());
    assert!(
        done.recv_timeout(Duration::from_millis(300)).is_err(),
        "server_close returned while a client was still connected"
    );
    assert_eq!(client.say("still served"), "STILL SERVED");
    drop(client);
    done.recv_timeout(TIMEOUT)
        .expect("server_close did not return after the client left");
}
