//! `ThreadPoolMixIn`: a fixed number of worker threads serve the requests.
//!
//! Python has no such mixin: its `ThreadingMixIn` starts a thread per request, so a
//! thousand clients make a thousand threads. A pool caps the threads. Requests wait
//! in a queue (a crossbeam channel, many senders and many receivers) until a worker
//! is free; a client beyond the pool's size is accepted at once but served when a
//! worker frees up, which is the bound doing its job.
//!
//! The queue is unbounded on purpose: the accept loop must never block on it, or
//! `shutdown()` could not wake the loop. The bound is on threads, not on waiting
//! connections (which the listen backlog and the operating system limit).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle};

use crossbeam_channel::{Sender, unbounded};

use crate::server::{Address, BaseServer, Request, serve_request};
use crate::transport::lock;

/// The pool mixin's state: how many workers, and once started, the queue and the
/// workers.
#[derive(Debug)]
/// ```
/// use std::net::{SocketAddr, TcpStream};
/// use socketserver::Pool;
///
/// let pool = Pool::<TcpStream, SocketAddr>::new(0);
/// assert_eq!(pool.workers(), 1); // at least one
/// assert!(Pool::<TcpStream, SocketAddr>::default().workers() >= 5);
/// ```
///
/// A pooled server's is set through the mixin, on the server, before its first
/// request: `server.set_workers(4)` ([`ThreadPoolMixIn::set_workers`]).
pub struct Pool<R, A> {
    workers: AtomicUsize,
    running: Mutex<Option<Running<R, A>>>,
}

#[derive(Debug)]
struct Running<R, A> {
    queue: Sender<(R, A)>,
    threads: Vec<JoinHandle<()>>,
}

impl<R, A> Pool<R, A> {
    /// A pool of `workers` threads (at least one), started on the first request.
    pub fn new(workers: usize) -> Pool<R, A> {
        Pool {
            workers: AtomicUsize::new(workers.max(1)),
            running: Mutex::new(None),
        }
    }

    /// How many worker threads serve requests.
    pub fn workers(&self) -> usize {
        self.workers.load(Ordering::SeqCst)
    }
}

impl<R, A> Default for Pool<R, A> {
    /// As many workers as Python's `ThreadPoolExecutor` picks: the number of CPUs
    /// plus 4, at most 32. Handlers mostly wait on sockets, so more threads than
    /// CPUs is right.
    fn default() -> Pool<R, A> {
        let cpus = thread::available_parallelism().map_or(1, |n| n.get());
        Pool::new((cpus + 4).min(32))
    }
}

/// A thread-pool mixin, in the style of Python's mixins.
///
/// A server of your own takes it as it would take [`ThreadingMixIn`](crate::ThreadingMixIn):
/// hold a [`Pool`], name the mixin for `process_request` and `server_close`.
///
/// ```
/// use std::sync::Arc;
/// use socketserver::prelude::*;
/// use socketserver::{Pool, ServerCore};
/// # use std::io::{BufRead as _, Write as _};
/// # #[derive(Default)] struct Upper;
/// # impl socketserver::RequestHandler for Upper {
/// #     type Base = socketserver::StreamRequestHandler;
/// #     fn handle(&mut self, this: &mut socketserver::Stream) -> std::io::Result<()> {
/// #         let mut line = Vec::new();
/// #         this.rfile.read_until(b'\n', &mut line)?;
/// #         this.wfile.write_all(&line.to_ascii_uppercase())
/// #     }
/// # }
///
/// struct Pooled {
///     core: ServerCore<Tcp>,
///     pool: Pool<Request<Self>, Address<Self>>,
/// }
///
/// impl SocketServer for Pooled {
///     type Transport = Tcp;
///     fn core(&self) -> &ServerCore<Tcp> {
///         &self.core
///     }
/// }
///
/// impl BaseServer for Pooled {
///     type Handler = Upper;
///     fn process_request(self: &Arc<Self>, request: Request<Self>, client_address: Address<Self>) {
///         ThreadPoolMixIn::process_request(self, request, client_address);
///     }
///     fn server_close(&self) {
///         ThreadPoolMixIn::server_close(self, defaults::server_close);
///     }
/// }
///
/// impl ThreadPoolMixIn for Pooled {
///     fn pool(&self) -> &Pool<Request<Self>, Address<Self>> {
///         &self.pool
///     }
/// }
/// ```
///
/// The composed [`Pooled`](crate::Pooled) is exactly this, generic over the transport.
pub trait ThreadPoolMixIn: BaseServer {
    /// The mixin's state, kept in the server.
    fn pool(&self) -> &Pool<Request<Self>, Address<Self>>;

    /// Sets the number of worker threads (at least one). The workers start with the
    /// first request: a change after that has no effect until the server is made
    /// anew.
    fn set_workers(&self, workers: usize) {
        self.pool().workers.store(workers.max(1), Ordering::SeqCst);
    }

    // ANCHOR: process_request
    /// Queues the request for the next free worker, starting the workers on the first
    /// request.
    fn process_request(server: &Arc<Self>, request: Request<Self>, client_address: Address<Self>) {
        server
            .core()
            .record_hook("process_request", "ThreadPoolMixIn");
        let mut running = lock(&server.pool().running);
        let running = running.get_or_insert_with(|| start_workers(server));
        if running.threads.is_empty() {
            // Not one worker could be started: serve here rather than queue forever.
            let _exit_ends_only_this_request = serve_request(server, request, client_address);
            return;
        }
        // Cannot fail: the workers hold the receiving end until `server_close`.
        let _ = running.queue.send((request, client_address));
    }
    // ANCHOR_END: process_request

    /// `super().server_close()`, then close the queue and wait for the workers,
    /// which first serve every request already queued. With a
    /// [shutdown deadline](crate::ServerCore::set_shutdown_deadline), requests still
    /// open when it passes are ended, and those still queued are closed unserved.
    fn server_close(server: &Self, super_server_close: fn(&Self)) {
        server.core().record_hook("server_close", "ThreadPoolMixIn");
        super_server_close(server);
        server.core().wait_for_open_requests();
        let running = lock(&server.pool().running).take();
        if let Some(Running { queue, threads }) = running {
            drop(queue); // the workers' loops end when the queue is empty and closed
            let me = thread::current().id();
            for handle in threads {
                if handle.thread().id() != me {
                    let _ = handle.join();
                }
            }
        }
    }
}

/// Starts the pool's workers: each takes requests off the queue and serves them,
/// until the queue is closed and empty.
fn start_workers<S: ThreadPoolMixIn>(server: &Arc<S>) -> Running<Request<S>, Address<S>> {
    let (queue, requests) = unbounded::<(Request<S>, Address<S>)>();
    let threads = (0..server.pool().workers())
        .filter_map(|n| {
            let server = Arc::clone(server);
            let requests = requests.clone();
            thread::Builder::new()
                .name(format!("socketserver worker {n}"))
                .spawn(move || {
                    for (request, client_address) in requests {
                        // A SystemExit ends its request only: the worker serves on.
                        let _ = serve_request(&server, request, client_address);
                    }
                })
                .ok()
        })
        .collect();
    Running { queue, threads }
}
