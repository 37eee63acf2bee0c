//! The request's path, recorded: one client sends one line to each kind of server,
//! with hook recording on, and the hooks that ran are printed thread by thread. The
//! book's chapter "The request's path" includes these snapshots, so its traces are
//! what the crate really does, not a drawing that could drift from it.
//!
//! Threads run at the same time, so the calls of two threads interleave differently
//! from run to run; within one thread the order is fixed. So the trace is printed one
//! thread at a time, in the order the threads first recorded something.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{self, BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::Arc;
use std::thread;
use std::time::Duration;

use socketserver::HookCall;
use socketserver::prelude::*;

const TEN_SECONDS: Option<Duration> = Some(Duration::from_secs(10));

/// The handler of the traces: it records its own `setup`, `handle` and `finish`,
/// under the name `Upper`, then upper-cases one line.
#[derive(Default)]
struct Upper;

impl RequestHandler for Upper {
    type Base = StreamRequestHandler;

    fn setup(&mut self, this: &mut Stream) -> io::Result<()> {
        this.server.record_hook("setup", "Upper");
        Ok(())
    }

    fn handle(&mut self, this: &mut Stream) -> io::Result<()> {
        this.server.record_hook("handle", "Upper");
        let mut line = Vec::new();
        this.rfile.read_until(b'\n', &mut line)?;
        this.wfile.write_all(&line.to_ascii_uppercase())
    }

    fn finish(&mut self, this: &mut Stream) -> io::Result<()> {
        this.server.record_hook("finish", "Upper");
        Ok(())
    }
}

/// Runs the whole life of a server on named threads: `serve_forever` on one, and
/// the caller (connect a client, `shutdown`, `server_close`) on another. Returns the
/// recorded calls.
fn record_one_request<S: BaseServer>(server: Arc<S>) -> Vec<HookCall> {
    server.core().record_hooks();
    let serving = thread::Builder::new()
        .name("serve_forever".into())
        .spawn({
            let server = Arc::clone(&server);
            move || server.serve_forever_polling(Duration::from_secs(3600))
        })
        .unwrap();
    let caller = thread::Builder::new()
        .name("caller".into())
        .spawn({
            let server = Arc::clone(&server);
            move || {
                let address: SocketAddr = format!("{:?}", server.server_address()).parse().unwrap();
                let mut client = TcpStream::connect(address).unwrap();
                client.set_read_timeout(TEN_SECONDS).unwrap();
                client.write_all(b"ping\n").unwrap();
                let mut reply = String::new();
                BufReader::new(&client).read_line(&mut reply).unwrap();
                assert_eq!(reply, "PING\n");
                drop(client);
                server.shutdown();
                // The serving thread has stopped before server_close, as in Python's
                // `with server: server.serve_forever()`.
                server.server_close();
            }
        })
        .unwrap();
    caller.join().unwrap();
    serving.join().unwrap().unwrap();
    server.core().recorded_calls()
}

/// Prints the calls one thread at a time. The crate's thread names become what the
/// book calls them; a pool's worker numbers are dropped, since which worker takes a
/// request is up to the pool. The loop's `service_actions`, which runs once per turn,
/// is printed once per run of turns, so that an extra wake-up cannot change the text.
fn render(calls: &[HookCall]) -> String {
    let label = |thread: &str| -> String {
        match thread {
            request if request.ends_with(" (process_request_thread)") => {
                "a request's thread (ThreadingMixIn)".into()
            }
            worker if worker.starts_with("socketserver worker") => {
                "a worker thread (ThreadPoolMixIn)".into()
            }
            other => other.into(),
        }
    };
    let mut threads: Vec<String> = Vec::new();
    for call in calls {
        let name = label(&call.thread);
        if !threads.contains(&name) {
            threads.push(name);
        }
    }
    let mut out = String::new();
    for thread in threads {
        out.push_str(&format!("[{thread}]\n"));
        let mut previous = "";
        for call in calls.iter().filter(|call| label(&call.thread) == thread) {
            if call.hook == "service_actions" && previous == "service_actions" {
                continue;
            }
            out.push_str(&format!("    {:<17}{}\n", call.hook, call.layer));
            previous = call.hook;
        }
    }
    out
}

/// The hooks of one thread, in order.
fn hooks_on(calls: &[HookCall], thread: &str) -> Vec<&'static str> {
    calls
        .iter()
        .filter(|call| call.thread.starts_with(thread))
        .map(|call| call.hook)
        .collect()
}

#[test]
fn tcp_server_runs_the_whole_request_on_the_serving_thread() {
    let calls = record_one_request(TCPServer::<Upper>::new("127.0.0.1:0").unwrap());
    assert_eq!(
        hooks_on(&calls, "serve_forever"),
        [
            "serve_forever",
            "get_request",
            "verify_request",
            "process_request",
            "finish_request",
            "setup",
            "handle",
            "finish",
            "shutdown_request",
            "close_request",
            "service_actions"
        ]
    );
    insta::assert_snapshot!("tcp_server", render(&calls));
}

#[test]
fn threading_tcp_server_hands_the_request_to_a_new_thread() {
    let calls = record_one_request(ThreadingTCPServer::<Upper>::new("127.0.0.1:0").unwrap());
    let serving = hooks_on(&calls, "serve_forever");
    assert_eq!(
        serving[..4],
        [
            "serve_forever",
            "get_request",
            "verify_request",
            "process_request"
        ]
    );
    assert!(!serving.contains(&"handle"), "{serving:?}");
    assert_eq!(
        hooks_on(&calls, "Thread-1 (process_request_thread)"),
        [
            "finish_request",
            "setup",
            "handle",
            "finish",
            "shutdown_request",
            "close_request"
        ]
    );
    insta::assert_snapshot!("threading_tcp_server", render(&calls));
}

#[test]
fn thread_pool_tcp_server_queues_the_request_for_a_worker() {
    let server = ThreadPoolTCPServer::<Upper>::new("127.0.0.1:0").unwrap();
    server.set_workers(2);
    let calls = record_one_request(server);
    assert!(!hooks_on(&calls, "serve_forever").contains(&"handle"));
    assert_eq!(
        hooks_on(&calls, "socketserver worker"),
        [
            "finish_request",
            "setup",
            "handle",
            "finish",
            "shutdown_request",
            "close_request"
        ]
    );
    insta::assert_snapshot!("thread_pool_tcp_server", render(&calls));
}

/// A forked child has its own copy of the server's memory: what it records stays
/// in the child. So the parent's trace shows the request leave and never come back,
/// which is the point: `ForkingMixIn.process_request` forks, and the parent only
/// closes its copy of the connection.
///
/// This test forks from a test process with several threads, which `tests/forking.rs`
/// avoids on principle: a child may only touch locks that no other thread could hold
/// at the moment of the fork. Here the child touches the allocator (fork-safe in
/// glibc) and this server's recording lock, which no other thread uses while the one
/// request is being served (the caller is waiting for its reply); it prints nothing.
#[cfg(unix)]
#[test]
fn forking_tcp_server_parent_only_forks_and_collects() {
    let calls =
        record_one_request(socketserver::ForkingTCPServer::<Upper>::new("127.0.0.1:0").unwrap());
    let serving = hooks_on(&calls, "serve_forever");
    assert!(serving.contains(&"process_request"), "{serving:?}");
    for hook in ["finish_request", "setup", "handle", "finish"] {
        assert!(
            !serving.contains(&hook),
            "{hook} ran in the parent: {serving:?}"
        );
    }
    insta::assert_snapshot!("forking_tcp_server", render(&calls));
}
