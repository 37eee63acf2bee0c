//! The crate's behaviour, checked the way CPython's `test_socketserver.py` checks
//! Python's: real sockets on 127.0.0.1, a server thread, bounded waits.
// Test code: a panic (from unwrap) is how a test reports failure.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle};
use std::time::Duration;

use classroom::TIMEOUT;
use common::{UpperLines, connect, serve};
use socketserver::{
    Address, BaseServer, HandlerError, Request, ServerCore, SocketServer, TCPServer, Tcp,
    TcpOptions, ThreadingMixIn, ThreadingTCPServer, Threads, Transport,
};

/// `shutdown()` must return promptly (the loop's poll interval is an hour), and the
/// loop must end cleanly. Bounded, so a hang fails in seconds.
fn stop<S: BaseServer>(server: &Arc<S>, serving: JoinHandle<io::Result<()>>) {
    let (done, returned) = mpsc::channel();
    let for_shutdown = Arc::clone(server);
    thread::spawn(move || {
        for_shutdown.shutdown();
        let _ = done.send(());
    });
    returned
        .recv_timeout(TIMEOUT)
        .expect("shutdown() did not return: it must wake the loop, not wait out poll_interval");
    serving.join().unwrap().unwrap();
    server.server_close();
}

#[test]
fn tcp_server_echoes_and_shuts_down_promptly() {
    let server = TCPServer::<UpperLines>::new("127.0.0.1:0").unwrap();
    let serving = serve(&server);
    let mut stream = connect(server.server_address());
    assert_eq!(stream.say("hello"), "HELLO");
    assert_eq!(stream.say("grüße"), "GRüßE");
    drop(stream);
    stop(&server, serving);
}

#[test]
fn threading_tcp_server_serves_two_clients_at_once() {
    let server = ThreadingTCPServer::<UpperLines>::new("127.0.0.1:0").unwrap();
    let serving = serve(&server);
    let mut a = connect(server.server_address());
    assert_eq!(a.say("a"), "A");
    // A stays connected; a TCPServer would never get to B.
    let mut b = connect(server.server_address());
    assert_eq!(b.say("b"), "B");
    assert_eq!(a.say("a again"), "A AGAIN");
    drop((a, b));
    stop(&server, serving);
}

#[test]
fn ipv6_works_where_the_machine_has_it() {
    let Ok(server) = TCPServer::<UpperLines>::new("[::1]:0") else {
        eprintln!("no IPv6 loopback on this machine: the IPv6 test did not run");
        return;
    };
    assert!(server.server_address().is_ipv6());
    let serving = serve(&server);
    let mut stream = connect(server.server_address());
    assert_eq!(stream.say("six"), "SIX");
    drop(stream);
    stop(&server, serving);
}

/// A user's own server: Python's
/// `class Guarded(ThreadingMixIn, TCPServer)` overriding `verify_request`,
/// `handle_error` and `shutdown_request`.
struct Guarded {
    core: ServerCore<Tcp>,
    threads: Threads,
    refuse: AtomicBool,
    shutdown_requests: AtomicUsize,
    errors: Mutex<Vec<String>>,
}

impl Guarded {
    fn new() -> Arc<Guarded> {
        let transport = Tcp::new("127.0.0.1:0", TcpOptions::default()).unwrap();
        transport.server_bind().unwrap();
        transport.server_activate().unwrap();
        Arc::new(Guarded {
            core: ServerCore::new(transport),
            threads: Threads::new(),
            refuse: AtomicBool::new(false),
            shutdown_requests: AtomicUsize::new(0),
            errors: Mutex::new(Vec::new()),
        })
    }
}

impl SocketServer for Guarded {
    type Transport = Tcp;
    fn core(&self) -> &ServerCore<Tcp> {
        &self.core
    }
}

impl BaseServer for Guarded {
    type Handler = UpperLines;

    fn verify_request(&self, _request: &Request<Self>, _client_address: &Address<Self>) -> bool {
        !self.refuse.load(Ordering::SeqCst)
    }

    fn handle_error(
        &self,
        _request: &Request<Self>,
        _client_address: &Address<Self>,
        error: &HandlerError,
    ) {
        self.errors.lock().unwrap().push(error.to_string());
    }

    fn shutdown_request(&self, request: Request<Self>) {
        self.shutdown_requests.fetch_add(1, Ordering::SeqCst);
        self.core().transport().shutdown_request(&request);
        self.close_request(request);
    }

    // The MRO, by hand: these two come from ThreadingMixIn.
    fn process_request(self: &Arc<Self>, request: Request<Self>, client_address: Address<Self>) {
        ThreadingMixIn::process_request(self, request, client_address);
    }

    fn server_close(&self) {
        ThreadingMixIn::server_close(self, |server| server.core().server_close());
    }
}

impl ThreadingMixIn for Guarded {
    fn threads(&self) -> &Threads {
        &self.threads
    }
}

/// The server's log of errors, once `count` have arrived (they come from threads).
fn wait_for_errors(server: &Guarded, count: usize) -> Vec<String> {
    let deadline = std::time::Instant::now() + TIMEOUT;
    loop {
        let errors = server.errors.lock().unwrap().clone();
        if errors.len() >= count || std::time::Instant::now() > deadline {
            return errors;
        }
        thread::sleep(Duration::from_millis(5));
    }
}

#[test]
fn overrides_are_late_bound_under_threading() {
    let server = Guarded::new();
    let serving = serve(&server);

    // verify_request (ours) refuses: the connection is closed unanswered, through
    // shutdown_request (ours too).
    server.refuse.store(true, Ordering::SeqCst);
    let mut refused = connect(server.server_address());
    let mut buffer = [0; 16];
    assert_eq!(
        refused.stream.read(&mut buffer).unwrap(),
        0,
        "a refused client is closed"
    );
    assert_eq!(server.shutdown_requests.load(Ordering::SeqCst), 1);

    // Accepted: served on a thread, and our shutdown_request runs when it is done.
    server.refuse.store(false, Ordering::SeqCst);
    let mut stream = connect(server.server_address());
    assert_eq!(stream.say("let me in"), "LET ME IN");
    drop(stream);
    stop(&server, serving);
    assert_eq!(server.shutdown_requests.load(Ordering::SeqCst), 2);
}

#[test]
fn handler_errors_and_panics_reach_handle_error_and_serving_goes_on() {
    let server = Guarded::new();
    let serving = serve(&server);
    for (word, expected) in [
        ("fail", "I/O error: asked to fail"),
        ("panic", "the handler panicked: asked to panic"),
    ] {
        let mut stream = connect(server.server_address());
        stream
            .stream
            .write_all(format!("{word}\n").as_bytes())
            .unwrap();
        assert_eq!(
            stream.read_line(),
            "",
            "the failed request's connection is closed"
        );
        let errors = wait_for_errors(&server, 1);
        assert_eq!(errors, vec![expected.to_string()]);
        server.errors.lock().unwrap().clear();
    }
    let mut stream = connect(server.server_address());
    assert_eq!(stream.say("still serving"), "STILL SERVING");
    drop(stream);
    stop(&server, serving);
}

/// A server whose `timeout` is short and whose `handle_timeout` counts.
struct Patient {
    core: ServerCore<Tcp>,
    timeouts: AtomicUsize,
}

impl SocketServer for Patient {
    type Transport = Tcp;
    fn core(&self) -> &ServerCore<Tcp> {
        &self.core
    }
}

impl BaseServer for Patient {
    type Handler = UpperLines;
    fn timeout(&self) -> Option<Duration> {
        Some(Duration::from_millis(20))
    }
    fn handle_timeout(&self) {
        self.timeouts.fetch_add(1, Ordering::SeqCst);
    }
}

#[test]
fn handle_request_with_a_timeout_calls_handle_timeout() {
    let transport = Tcp::new("127.0.0.1:0", TcpOptions::default()).unwrap();
    transport.server_bind().unwrap();
    transport.server_activate().unwrap();
    let server = Arc::new(Patient {
        core: ServerCore::new(transport),
        timeouts: AtomicUsize::new(0),
    });
    server.handle_request().unwrap(); // nobody connects
    assert_eq!(server.timeouts.load(Ordering::SeqCst), 1);

    // With a client waiting, handle_request serves it instead.
    let mut stream = connect(server.server_address());
    stream.stream.write_all(b"one request\n").unwrap();
    stream.stream.shutdown(std::net::Shutdown::Write).unwrap();
    server.handle_request().unwrap();
    let mut reply = String::new();
    stream.reader.read_to_string(&mut reply).unwrap();
    assert_eq!(reply, "ONE REQUEST\n");
    assert_eq!(server.timeouts.load(Ordering::SeqCst), 1);
}

#[test]
fn a_server_closed_right_after_creation_frees_its_port() {
    let options = TcpOptions {
        allow_reuse_address: true,
        ..TcpOptions::default()
    };
    let server = TCPServer::<UpperLines>::with_options("127.0.0.1:0", options.clone()).unwrap();
    let address = server.server_address();
    server.server_close();
    let again = TCPServer::<UpperLines>::with_options(address, options).unwrap();
    assert_eq!(again.server_address(), address);
    // And binding where a server listens fails with AddrInUse, closing the new socket.
    for _ in 0..3 {
        let error = TCPServer::<UpperLines>::new(address).err().unwrap();
        assert_eq!(error.kind(), io::ErrorKind::AddrInUse);
    }
}

#[test]
fn finished_request_threads_are_reaped() {
    let server = ThreadingTCPServer::<UpperLines>::new("127.0.0.1:0").unwrap();
    let serving = serve(&server);
    for i in 0..50 {
        let mut stream = connect(server.server_address());
        assert_eq!(stream.say(&format!("n{i}")), format!("N{i}"));
    }
    // Each new thread reaps the finished ones: the list holds the last few, not 50.
    assert!(
        server.threads().len() < 50,
        "{} threads remembered",
        server.threads().len()
    );
    stop(&server, serving);
    assert!(
        server.threads().is_empty(),
        "server_close joined every thread"
    );
}

#[test]
fn server_close_waits_for_request_threads() {
    let server = ThreadingTCPServer::<UpperLines>::new("127.0.0.1:0").unwrap();
    let serving = serve(&server);
    let mut stream = connect(server.server_address());
    assert_eq!(stream.say("busy"), "BUSY");
    // The request thread is still in handle(). server_close (block_on_close) must not
    // return before it ends, and it ends when our client closes.
    let (closed, close_returned) = mpsc::channel();
    let closer = {
        let server = Arc::clone(&server);
        thread::spawn(move || {
            server.shutdown();
            server.server_close();
            let _ = closed.send(());
        })
    };
    assert!(
        close_returned
            .recv_timeout(Duration::from_millis(200))
            .is_err(),
        "server_close returned while a request thread was still running"
    );
    drop(stream);
    close_returned
        .recv_timeout(TIMEOUT)
        .expect("server_close never returned");
    closer.join().unwrap();
    serving.join().unwrap().unwrap();
}

/// A server whose `server_close` counts its calls (and still closes the socket).
struct Counted {
    core: ServerCore<Tcp>,
    closes: Arc<AtomicUsize>,
}

impl SocketServer for Counted {
    type Transport = Tcp;
    fn core(&self) -> &ServerCore<Tcp> {
        &self.core
    }
}

impl BaseServer for Counted {
    type Handler = UpperLines;
    fn server_close(&self) {
        self.closes.fetch_add(1, Ordering::SeqCst);
        self.core().server_close();
    }
}

#[test]
fn closing_calls_the_servers_own_server_close_at_the_end_of_the_scope() {
    let closes = Arc::new(AtomicUsize::new(0));
    let address;
    {
        let transport = Tcp::new("127.0.0.1:0", TcpOptions::default()).unwrap();
        transport.server_bind().unwrap();
        transport.server_activate().unwrap();
        let server = socketserver::closing(Arc::new(Counted {
            core: ServerCore::new(transport),
            closes: Arc::clone(&closes),
        }));
        address = server.server_address();
        let mut client = connect(address);
        let serving = serve(&server);
        assert_eq!(client.say("inside the with block"), "INSIDE THE WITH BLOCK");
        drop(client);
        server.shutdown();
        serving.join().unwrap().unwrap();
        assert_eq!(
            closes.load(Ordering::SeqCst),
            0,
            "not closed before the scope ends"
        );
    }
    assert_eq!(
        closes.load(Ordering::SeqCst),
        1,
        "Python's `with`: server_close on exit"
    );
    let refused = TcpStream::connect_timeout(&address, TIMEOUT);
    assert!(refused.is_err(), "the socket is closed, nobody listens");
}

#[test]
fn threads_default_to_pythons_block_on_close() {
    let threads = Threads::default();
    assert!(threads.block_on_close() && !threads.daemon_threads());
}
