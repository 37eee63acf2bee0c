//! What does the crate cost? Echo round trips per second, and the server's CPU time
//! per request, for `ThreadingTCPServer` against a hand-written thread-per-connection
//! server (lesson 04's shape), both on loopback, in one run:
//!
//!     cargo bench -p socketserver --bench echo
//!
//! Each server runs in this process; clients run on their own threads. Server CPU is
//! counted per server thread (`CLOCK_THREAD_CPUTIME_ID`, read when the thread's work
//! ends), so the clients' CPU is not in it. Each server is measured several times,
//! alternating, and the median is reported.

use std::io::{self, BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Barrier};
use std::thread;
use std::time::Instant;

use socketserver::prelude::*;

const CLIENTS: usize = 8;
const ROUND_TRIPS: usize = 5_000;
const RUNS: usize = 5;
const LINE: &[u8] = b"the quick brown fox jumps over\n";

/// Nanoseconds of CPU the calling thread has used since it started.
fn thread_cpu_ns() -> u64 {
    let mut now = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes only to `now`, a valid timespec.
    unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut now) };
    now.tv_sec as u64 * 1_000_000_000 + now.tv_nsec as u64
}

/// CPU used by server threads, in nanoseconds, added up by each thread as it ends.
static SERVER_CPU_NS: AtomicU64 = AtomicU64::new(0);

/// The crate's handler: echo lines (no upper-casing, so both servers do the same).
#[derive(Default)]
struct Echo;

impl RequestHandler for Echo {
    type Base = StreamRequestHandler;
    fn handle(&mut self, this: &mut Stream) -> io::Result<()> {
        let mut line = Vec::new();
        while this.rfile.read_until(b'\n', &mut line)? > 0 {
            this.wfile.write_all(&line)?;
            line.clear();
        }
        SERVER_CPU_NS.fetch_add(thread_cpu_ns(), Ordering::SeqCst);
        Ok(())
    }
}

/// A running server: its address, and how to stop it (and wait until it has).
type Running = (SocketAddr, Box<dyn FnOnce()>);

/// Lesson 04's shape, by hand: accept, and a thread per connection echoing lines.
fn hand_written() -> Running {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap_or_else(|e| panic!("bind: {e}"));
    let address = listener.local_addr().unwrap_or_else(|e| panic!("{e}"));
    let acceptor = thread::spawn(move || {
        let mut threads = Vec::new();
        for _ in 0..CLIENTS {
            let Ok((conn, _)) = listener.accept() else {
                break;
            };
            threads.push(thread::spawn(move || {
                let mut reader = BufReader::new(&conn);
                let mut writer = &conn;
                let mut line = Vec::new();
                while reader.read_until(b'\n', &mut line).unwrap_or(0) > 0 {
                    if writer.write_all(&line).is_err() {
                        break;
                    }
                    line.clear();
                }
                SERVER_CPU_NS.fetch_add(thread_cpu_ns(), Ordering::SeqCst);
            }));
        }
        SERVER_CPU_NS.fetch_add(thread_cpu_ns(), Ordering::SeqCst);
        for thread in threads {
            let _ = thread.join();
        }
    });
    (
        address,
        Box::new(move || {
            let _ = acceptor.join();
        }),
    )
}

/// The crate's `ThreadingTCPServer`, serving until the clients are done.
fn with_crate() -> Running {
    let server =
        ThreadingTCPServer::<Echo>::new("127.0.0.1:0").unwrap_or_else(|e| panic!("bind: {e}"));
    let address = server.server_address();
    let serving = {
        let server = Arc::clone(&server);
        thread::spawn(move || {
            let _ = server.serve_forever();
            SERVER_CPU_NS.fetch_add(thread_cpu_ns(), Ordering::SeqCst);
        })
    };
    (
        address,
        Box::new(move || {
            server.shutdown();
            let _ = serving.join();
            server.server_close(); // joins the request threads
        }),
    )
}

/// Runs the clients against `address`; returns (round trips per second, server CPU
/// nanoseconds per round trip), once `stop` has ended the server.
fn measure(start: fn() -> Running) -> (f64, f64) {
    SERVER_CPU_NS.store(0, Ordering::SeqCst);
    let (address, stop) = start();
    let ready = Arc::new(Barrier::new(CLIENTS + 1));
    let clients: Vec<_> = (0..CLIENTS)
        .map(|_| {
            let ready = Arc::clone(&ready);
            thread::spawn(move || {
                let conn = TcpStream::connect(address).unwrap_or_else(|e| panic!("connect: {e}"));
                conn.set_nodelay(true).unwrap_or_else(|e| panic!("{e}"));
                let mut reader = BufReader::new(&conn);
                let mut writer = &conn;
                let mut reply = Vec::new();
                ready.wait();
                for _ in 0..ROUND_TRIPS {
                    writer
                        .write_all(LINE)
                        .unwrap_or_else(|e| panic!("write: {e}"));
                    reply.clear();
                    reader
                        .read_until(b'\n', &mut reply)
                        .unwrap_or_else(|e| panic!("read: {e}"));
                    assert_eq!(reply, LINE);
                }
            })
        })
        .collect();
    ready.wait();
    let started = Instant::now();
    for client in clients {
        client.join().unwrap_or_else(|_| panic!("a client failed"));
    }
    let elapsed = started.elapsed();
    stop();
    let total = (CLIENTS * ROUND_TRIPS) as f64;
    let cpu = SERVER_CPU_NS.load(Ordering::SeqCst) as f64;
    (total / elapsed.as_secs_f64(), cpu / total)
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

fn main() {
    println!(
        "echo: {CLIENTS} clients x {ROUND_TRIPS} round trips of {} bytes, {RUNS} runs each, medians",
        LINE.len()
    );
    measure(hand_written); // warm up
    measure(with_crate);
    let (mut hand, mut krate) = (Vec::new(), Vec::new());
    for _ in 0..RUNS {
        hand.push(measure(hand_written));
        krate.push(measure(with_crate));
    }
    let report = |name: &str, runs: &[(f64, f64)]| {
        let rate = median(runs.iter().map(|r| r.0).collect());
        let cpu = median(runs.iter().map(|r| r.1).collect());
        println!(
            "{name:<28} {rate:>10.0} round trips/s   {:>6.2} µs server CPU per round trip",
            cpu / 1000.0
        );
        (rate, cpu)
    };
    let (hand_rate, hand_cpu) = report("hand-written (lesson 04)", &hand);
    let (crate_rate, crate_cpu) = report("socketserver ThreadingTCPServer", &krate);
    println!(
        "crate vs hand-written: throughput {:+.1} %, server CPU per round trip {:+.1} %",
        (crate_rate / hand_rate - 1.0) * 100.0,
        (crate_cpu / hand_cpu - 1.0) * 100.0
    );
}
