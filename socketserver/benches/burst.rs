//! A burst: 1,000 clients connect at the same instant to a `ThreadingTCPServer`, each
//! sends a line and waits for its answer. Are they all served, and how long until the
//! last is? Side by side in one run: the crate's default backlog (the system's
//! maximum) and Python's `request_queue_size = 5` (`TcpOptions::python()`).
//!
//!     cargo bench -p socketserver --bench burst
//!
//! With a backlog of 5, the kernel's accept queue overflows at once; every client
//! past it has its SYN dropped and retries after one second, then three, then seven:
//! the burst is served in waves. Each run is bounded (a client gives up after 60 s),
//! on loopback only.

use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Barrier};
use std::thread;
use std::time::{Duration, Instant};

use socketserver::prelude::*;

const CLIENTS: usize = 1_000;
const GIVE_UP: Duration = Duration::from_secs(60);

#[derive(Default)]
struct Upper;

impl RequestHandler for Upper {
    type Base = StreamRequestHandler;
    fn handle(&mut self, this: &mut Stream) -> std::io::Result<()> {
        let mut line = Vec::new();
        this.rfile.read_until(b'\n', &mut line)?;
        this.wfile.write_all(&line.to_ascii_uppercase())
    }
}

/// Raises this process's descriptor limit to its hard limit: the clients and the
/// server's connections are all in this process.
fn raise_descriptor_limit() {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit/setrlimit write and read only `limit`.
    unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) == 0 {
            limit.rlim_cur = limit.rlim_max;
            libc::setrlimit(libc::RLIMIT_NOFILE, &limit);
        }
        libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit);
    }
    if (limit.rlim_cur as usize) < 2 * CLIENTS + 100 {
        eprintln!(
            "warning: only {} file descriptors; {CLIENTS} clients need about {}",
            limit.rlim_cur,
            2 * CLIENTS + 100
        );
    }
}

/// One client: connect (the kernel retries a dropped SYN by itself), say a line,
/// hear it back. True if served.
fn client(address: SocketAddr, n: usize) -> bool {
    let Ok(stream) = TcpStream::connect_timeout(&address, GIVE_UP) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(GIVE_UP));
    let line = format!("client {n}\n");
    if (&stream).write_all(line.as_bytes()).is_err() {
        return false;
    }
    let mut reply = String::new();
    BufReader::new(&stream).read_line(&mut reply).is_ok() && reply == line.to_uppercase()
}

/// Serves one burst; returns (clients served, time until the last one was).
fn burst(options: TcpOptions) -> (usize, Duration) {
    let server = ThreadingTCPServer::<Upper>::with_options("127.0.0.1:0", options)
        .unwrap_or_else(|e| panic!("bind: {e}"));
    server.set_daemon_threads(true);
    let address = server.server_address();
    let serving = thread::spawn({
        let server = server.clone();
        move || server.serve_forever()
    });
    let start = Arc::new(Barrier::new(CLIENTS + 1));
    let served = Arc::new(AtomicUsize::new(0));
    let clients: Vec<_> = (0..CLIENTS)
        .map(|n| {
            let (start, served) = (Arc::clone(&start), Arc::clone(&served));
            thread::Builder::new()
                .stack_size(64 * 1024)
                .spawn(move || {
                    start.wait();
                    if client(address, n) {
                        served.fetch_add(1, Ordering::SeqCst);
                    }
                })
                .unwrap_or_else(|e| panic!("client thread: {e}"))
        })
        .collect();
    start.wait();
    let began = Instant::now();
    for client in clients {
        let _ = client.join();
    }
    let took = began.elapsed();
    server.shutdown();
    let _ = serving.join();
    server.server_close();
    (served.load(Ordering::SeqCst), took)
}

fn main() {
    raise_descriptor_limit();
    println!("burst: {CLIENTS} clients connect at once to ThreadingTCPServer, one line each");
    for (name, options) in [
        (
            "backlog SOMAXCONN (the crate's default)",
            TcpOptions::default(),
        ),
        ("backlog 5 (Python's)", TcpOptions::python()),
    ] {
        let backlog = options.request_queue_size;
        let (served, took) = burst(options);
        println!(
            "{name:<40} listen({backlog:>4}): {served:>5} of {CLIENTS} served, the last after {:>6.2} s",
            took.as_secs_f64()
        );
    }
}
