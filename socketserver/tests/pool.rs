//! The thread-pool mixin: at most N requests are served at once, the rest wait in
//! the queue, and `server_close` serves what is queued before it returns.
// Test code: a panic (from unwrap) is how a test reports failure.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::io::Read;
use std::sync::{Arc, mpsc};
use std::thread;
use std::time::Duration;

use classroom::TIMEOUT;
use common::{UpperLines, connect, serve};
use socketserver::{BaseServer, SocketServer, ThreadPoolMixIn, ThreadPoolTCPServer};

#[test]
fn at_most_workers_requests_are_served_at_once() {
    let server = ThreadPoolTCPServer::<UpperLines>::new("127.0.0.1:0").unwrap();
    server.set_workers(2);
    let serving = serve(&server);
    let mut a = connect(server.server_address());
    let mut b = connect(server.server_address());
    assert_eq!(a.say("a"), "A");
    assert_eq!(b.say("b"), "B");
    // Both workers are busy with A and B, who stay connected. C is accepted and
    // queued, but nobody serves it yet.
    let mut c = connect(server.server_address());
    c.send("c");
    assert!(
        c.hears_nothing_for(Duration::from_millis(300)),
        "C was served beyond the pool's two workers"
    );
    drop(a); // A leaves: its worker takes C
    assert_eq!(c.read_line(), "C");
    drop((b, c));
    server.shutdown();
    serving.join().unwrap().unwrap();
    server.server_close();
}

#[test]
fn server_close_serves_the_queued_requests_first() {
    let server = ThreadPoolTCPServer::<UpperLines>::new("127.0.0.1:0").unwrap();
    server.set_workers(1);
    let serving = serve(&server);
    let mut busy = connect(server.server_address());
    assert_eq!(busy.say("busy"), "BUSY");
    let mut queued = connect(server.server_address());
    queued.send("queued");
    queued.stream.shutdown(std::net::Shutdown::Write).unwrap();
    assert!(queued.hears_nothing_for(Duration::from_millis(100)));
    server.shutdown();
    serving.join().unwrap().unwrap();

    let (closed, close_returned) = mpsc::channel();
    let closer = {
        let server = Arc::clone(&server);
        thread::spawn(move || {
            server.server_close();
            let _ = closed.send(());
        })
    };
    drop(busy); // the worker is free: it serves the queued request, then stops
    let mut reply = String::new();
    queued.reader.read_to_string(&mut reply).unwrap();
    assert_eq!(reply, "QUEUED\n");
    close_returned
        .recv_timeout(TIMEOUT)
        .expect("server_close never returned");
    closer.join().unwrap();
}

#[test]
fn a_hundred_clients_through_four_workers_and_a_panic() {
    let server = ThreadPoolTCPServer::<UpperLines>::new("127.0.0.1:0").unwrap();
    server.set_workers(4);
    let serving = serve(&server);
    let mut panicking = connect(server.server_address());
    panicking.send("panic");
    assert_eq!(panicking.read_line(), "", "the panicking request is closed");
    for i in 0..100 {
        let mut client = connect(server.server_address());
        assert_eq!(client.say(&format!("client {i}")), format!("CLIENT {i}"));
    }
    server.shutdown();
    serving.join().unwrap().unwrap();
    server.server_close();
}
