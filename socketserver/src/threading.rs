//! `ThreadingMixIn`: a thread per request.
//!
//! Python's `ThreadingMixIn` defines two methods, `process_request` (start a thread
//! that runs `process_request_thread`) and `server_close` (call `super()`, then join
//! the threads). In `class ThreadingTCPServer(ThreadingMixIn, TCPServer)`, the MRO
//! finds these two before `BaseServer`'s, and `super()` inside `server_close` means
//! `TCPServer`.
//!
//! Here the mixin is a trait whose functions a composed type's `impl BaseServer`
//! names for those two hooks. They take the server as an argument (`server: &Self`),
//! not as `self`, so `server.server_close()` always means the one hook of
//! [`BaseServer`], never an ambiguous pick between two traits. And `super()` is
//! spelled out: the composed type passes the next layer's `server_close`.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::thread::{self, JoinHandle};

use crate::handler::HandlerError;
use crate::server::{Address, BaseServer, Request, serve_request};
use crate::transport::lock;

/// The threading mixin's state: Python's `daemon_threads`, `block_on_close` and
/// `_threads`.
#[derive(Debug)]
/// ```
/// use socketserver::Threads;
///
/// let threads = Threads::new(); // or Threads::default(): the same
/// assert!(threads.block_on_close() && !threads.daemon_threads());
/// assert!(threads.is_empty());
/// ```
///
/// A threading server's are set through the mixin, on the server:
/// `server.set_daemon_threads(true)`
/// ([`ThreadingMixIn::set_daemon_threads`]).
pub struct Threads {
    /// Python's `daemon_threads`: if true, `server_close` does not wait for request
    /// threads (they are not even remembered).
    daemon_threads: AtomicBool,
    /// Python's `block_on_close`, true by default: `server_close` waits for every
    /// request thread to finish.
    block_on_close: AtomicBool,
    running: Mutex<Vec<JoinHandle<()>>>,
    /// The number of the last request thread started, for its name.
    started: AtomicUsize,
}

impl Default for Threads {
    /// Python's defaults, as [`Threads::new`].
    fn default() -> Threads {
        Threads::new()
    }
}

impl Threads {
    /// Python's defaults: non-daemon threads, and `server_close` joins them.
    pub fn new() -> Threads {
        Threads {
            daemon_threads: AtomicBool::new(false),
            block_on_close: AtomicBool::new(true),
            running: Mutex::new(Vec::new()),
            started: AtomicUsize::new(0),
        }
    }

    /// Python's `daemon_threads`.
    pub fn daemon_threads(&self) -> bool {
        self.daemon_threads.load(Ordering::SeqCst)
    }

    /// Python's `block_on_close`.
    pub fn block_on_close(&self) -> bool {
        self.block_on_close.load(Ordering::SeqCst)
    }

    /// How many request threads are remembered (running, or finished and not yet
    /// reaped).
    pub fn len(&self) -> usize {
        lock(&self.running).len()
    }

    /// Whether no request thread is remembered.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Python's `_Threads.append`: forget finished threads first, so the list does
    /// not grow with every request served; keep the new one only if it will be joined.
    fn add(&self, handle: JoinHandle<()>) {
        let mut running = lock(&self.running);
        running.retain(|thread| !thread.is_finished());
        if self.block_on_close() && !self.daemon_threads() {
            running.push(handle);
        }
    }

    /// The name of the next request thread: Python's `Thread-N
    /// (process_request_thread)`, numbered per server from 1, so logs, panics and
    /// debuggers tell two requests apart.
    fn next_name(&self) -> String {
        let n = self.started.fetch_add(1, Ordering::Relaxed) + 1;
        format!("Thread-{n} (process_request_thread)")
    }

    /// Python's `_Threads.join`: wait for every remembered thread. A thread never
    /// joins itself (the last handle to a server may be dropped on a request thread).
    pub fn join(&self) {
        let handles = std::mem::take(&mut *lock(&self.running));
        let me = thread::current().id();
        for handle in handles {
            if handle.thread().id() != me {
                let _ = handle.join();
            }
        }
    }
}

/// Python's `ThreadingMixIn`: handle each request on a new thread.
///
/// A server of your own that takes the mixin: Python's
/// `class Careful(ThreadingMixIn, TCPServer)` with `handle_error` overridden. Its
/// `impl BaseServer` names the mixin for the two hooks it provides, which is the MRO
/// written out; the mixin's threads then call the server's own `handle_error`:
///
/// ```
/// use std::io::{self, BufRead, Read, Write};
/// use std::net::TcpStream;
/// use std::sync::{Arc, Mutex};
/// use socketserver::prelude::*;
/// use socketserver::{ServerCore, Threads};
///
/// #[derive(Default)]
/// struct Fragile;
///
/// impl RequestHandler for Fragile {
///     type Base = StreamRequestHandler;
///     fn handle(&mut self, this: &mut Stream) -> io::Result<()> {
///         let mut line = String::new();
///         this.rfile.read_line(&mut line)?;
///         if line == "boom\n" {
///             panic!("asked to panic");
///         }
///         this.wfile.write_all(line.to_uppercase().as_bytes())
///     }
/// }
///
/// struct Careful {
///     core: ServerCore<Tcp>,
///     threads: Threads,
///     errors: Mutex<Vec<String>>,
/// }
///
/// impl SocketServer for Careful {
///     type Transport = Tcp;
///     fn core(&self) -> &ServerCore<Tcp> {
///         &self.core
///     }
/// }
///
/// impl BaseServer for Careful {
///     type Handler = Fragile;
///
///     // Ours:
///     fn handle_error(&self, _request: &Request<Self>, _client_address: &Address<Self>,
///                     error: &HandlerError) {
///         self.errors.lock().unwrap().push(error.to_string());
///     }
///
///     // From ThreadingMixIn:
///     fn process_request(self: &Arc<Self>, request: Request<Self>, client_address: Address<Self>) {
///         ThreadingMixIn::process_request(self, request, client_address);
///     }
///     fn server_close(&self) {
///         ThreadingMixIn::server_close(self, defaults::server_close);
///     }
/// }
///
/// impl ThreadingMixIn for Careful {
///     fn threads(&self) -> &Threads {
///         &self.threads
///     }
/// }
///
/// # fn main() -> io::Result<()> {
/// # let ten_seconds = Some(std::time::Duration::from_secs(10));
/// let transport = Tcp::new("127.0.0.1:0", TcpOptions::default())?;
/// transport.server_bind()?;
/// transport.server_activate()?;
/// let server = Arc::new(Careful {
///     core: ServerCore::new(transport),
///     threads: Threads::new(),
///     errors: Mutex::new(Vec::new()),
/// });
///
/// let mut client = TcpStream::connect(server.server_address())?;
/// # client.set_read_timeout(ten_seconds)?;
/// client.write_all(b"boom\n")?;
/// server.handle_request()?; // a thread serves it, and its handler panics
/// let mut reply = String::new();
/// client.read_to_string(&mut reply)?; // closed unanswered
/// assert_eq!(reply, "");
///
/// server.server_close(); // joins the request's thread
/// let errors = server.errors.lock().unwrap();
/// assert_eq!(*errors, ["the handler panicked: asked to panic"]);
/// # Ok(()) }
/// ```
// ANCHOR: mixin
pub trait ThreadingMixIn: BaseServer {
    /// The mixin's state, kept in the server.
    fn threads(&self) -> &Threads;

    /// Python's `server.daemon_threads = True`: `server_close` does not wait for
    /// the request threads.
    fn set_daemon_threads(&self, daemon_threads: bool) {
        self.threads()
            .daemon_threads
            .store(daemon_threads, Ordering::SeqCst);
    }

    /// Python's `server.block_on_close = False`: `server_close` does not wait for
    /// the request threads.
    fn set_block_on_close(&self, block_on_close: bool) {
        self.threads()
            .block_on_close
            .store(block_on_close, Ordering::SeqCst);
    }

    /// `ThreadingMixIn.process_request`: start a thread for the request and return.
    fn process_request(server: &Arc<Self>, request: Request<Self>, client_address: Address<Self>) {
        server
            .core()
            .record_hook("process_request", "ThreadingMixIn");
        // The request goes to the thread once it exists, so that if no thread can be
        // started it is still here for handle_error and shutdown_request (Python's
        // exception from Thread.start reaches _handle_request_noblock, which calls both).
        let (hand_over, handed) = mpsc::sync_channel::<(Request<Self>, Address<Self>)>(1);
        let for_thread = Arc::clone(server);
        let spawned = thread::Builder::new()
            .name(server.threads().next_name())
            .spawn(move || {
                if let Ok((request, client_address)) = handed.recv() {
                    Self::process_request_thread(&for_thread, request, client_address);
                }
            });
        match spawned {
            Ok(handle) => {
                // Cannot fail: the thread holds the receiver until it has received.
                let _ = hand_over.send((request, client_address));
                server.threads().add(handle);
            }
            Err(error) => {
                server.handle_error(&request, &client_address, &HandlerError::Io(error));
                server.shutdown_request(request);
                server.core().request_done();
            }
        }
    }

    /// `ThreadingMixIn.process_request_thread`: what the request's thread runs. A
    /// handler's [`SystemExit`](crate::SystemExit) ends this thread only, as
    /// Python's does.
    fn process_request_thread(
        server: &Arc<Self>,
        request: Request<Self>,
        client_address: Address<Self>,
    ) {
        let _exit_ends_only_this_thread = serve_request(server, request, client_address);
    }

    /// `ThreadingMixIn.server_close`: `super().server_close()`, then wait for the
    /// request threads (unless they are daemon threads or `block_on_close` is off).
    /// With a [shutdown deadline](crate::ServerCore::set_shutdown_deadline), requests
    /// still open when it passes are ended first.
    fn server_close(server: &Self, super_server_close: fn(&Self)) {
        server.core().record_hook("server_close", "ThreadingMixIn");
        super_server_close(server);
        let threads = server.threads();
        if threads.block_on_close() && !threads.daemon_threads() {
            server.core().wait_for_open_requests();
        }
        threads.join();
    }
}
// ANCHOR_END: mixin
