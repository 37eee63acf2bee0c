//! Where the crate once differed from CPython 3.11, each checked against what Python
//! does (quoted in the test's doc comment). `Lib/test/test_socketserver.py` is the
//! specification; these are the cases a port of it, or of a user's Python server,
//! tripped over.
// Test code: a panic (from unwrap) is how a test reports failure.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::io::{self, BufRead, Read, Write};
use std::net::TcpStream;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

use classroom::TIMEOUT;
use common::{UpperLines, connect, serve};
use socketserver::{
    Address, BaseServer, HandlerError, Request, RequestHandler, ServerCore, SocketServer, Stream,
    StreamRequestHandler, SystemExit, TCPServer, Tcp, TcpOptions, ThreadingMixIn,
    ThreadingTCPServer, Threads,
};

/// Python:
///
/// ```python
/// t = threading.Thread(target=server.serve_forever); t.start()
/// server.shutdown(); server.server_close(); t.join()
/// ```
///
/// never fails in CPython, whichever thread gets there first: `shutdown()` sets the
/// request flag and the loop, when it starts, sees it and returns. Ours returns
/// promptly from `shutdown()` even before the loop starts, and the loop must then
/// return `Ok` too, not trip over the socket `server_close()` already closed.
#[test]
fn shutdown_then_server_close_before_the_loop_starts_never_errors() {
    for round in 0..50 {
        let server = ThreadingTCPServer::<UpperLines>::new("127.0.0.1:0").unwrap();
        let serving = serve(&server);
        server.shutdown();
        server.server_close();
        let outcome = serving.join().unwrap();
        assert!(
            outcome.is_ok(),
            "round {round}: serve_forever failed after shutdown(): {outcome:?}"
        );
    }
}

/// How much the handler's one `wfile.write` call said it wrote.
static WRITTEN: AtomicUsize = AtomicUsize::new(0);
const BIG: usize = 16 * 1024 * 1024;

/// Writes 16 MiB with one `write` call, as a Python handler's
/// `self.wfile.write(data)` does, and remembers what `write` returned.
#[derive(Default)]
struct OneBigWrite;

impl RequestHandler for OneBigWrite {
    type Base = StreamRequestHandler;
    fn handle(&mut self, this: &mut Stream) -> io::Result<()> {
        let mut line = String::new();
        this.rfile.read_line(&mut line)?;
        // SAFETY: pthread_self has no preconditions.
        HANDLER_THREAD.store(unsafe { libc::pthread_self() } as usize, Ordering::SeqCst);
        let written = this.wfile.write(&vec![b'x'; BIG])?;
        WRITTEN.store(written, Ordering::SeqCst);
        Ok(())
    }
}

static HANDLER_THREAD: AtomicUsize = AtomicUsize::new(0);

extern "C" fn ignore_signal(_: libc::c_int) {}

/// Python's `StreamRequestHandler.wfile` is a `_SocketWriter` whose `write` is
/// `sendall`: "Simple writable BufferedIOBase implementation for a socket. Does not
/// hold data in a buffer, avoiding any need to call flush()." — it returns only when
/// every byte is sent, whatever signals arrive meanwhile. A port of Python code that
/// calls `wfile.write(data)` once must not lose the rest of `data`.
///
/// Here a signal (with a handler, so it interrupts `send`) hits the handler's thread
/// while its 16 MiB write waits for a client that does not read yet.
#[test]
fn wfile_write_sends_everything_even_when_a_signal_interrupts_it() {
    // A handler without SA_RESTART: an interrupted send returns what it had sent.
    // SAFETY: a zeroed sigaction with a valid handler and empty mask is valid.
    unsafe {
        let mut action: libc::sigaction = std::mem::zeroed();
        action.sa_sigaction = ignore_signal as *const () as usize;
        libc::sigemptyset(&mut action.sa_mask);
        libc::sigaction(libc::SIGUSR1, &action, std::ptr::null_mut());
    }
    let server = TCPServer::<OneBigWrite>::new("127.0.0.1:0").unwrap();
    let mut client = TcpStream::connect(server.server_address()).unwrap();
    client.set_read_timeout(Some(TIMEOUT)).unwrap();
    client.write_all(b"go\n").unwrap();
    let serving = {
        let server = Arc::clone(&server);
        thread::spawn(move || server.handle_request())
    };
    // The client does not read yet, so the write blocks once the socket buffers are
    // full; signal the handler's thread meanwhile.
    for _ in 0..40 {
        thread::sleep(Duration::from_millis(10));
        let handler = HANDLER_THREAD.load(Ordering::SeqCst);
        if handler != 0 {
            // SAFETY: the handler thread is alive until it has written, which needs
            // this client to read, which it does only after this loop.
            unsafe { libc::pthread_kill(handler as libc::pthread_t, libc::SIGUSR1) };
        }
    }
    let mut received = Vec::new();
    client.read_to_end(&mut received).unwrap();
    serving.join().unwrap().unwrap();
    assert_eq!(
        WRITTEN.load(Ordering::SeqCst),
        BIG,
        "wfile.write returned less than it was given"
    );
    assert_eq!(received.len(), BIG, "the client did not get every byte");
}

/// Records every thread name its handler runs on, and the errors handle_error saw.
#[derive(Default)]
struct NameRecorder;

static NAMES: Mutex<Vec<String>> = Mutex::new(Vec::new());

impl RequestHandler for NameRecorder {
    type Base = StreamRequestHandler;
    fn handle(&mut self, this: &mut Stream) -> io::Result<()> {
        let name = thread::current().name().unwrap_or("(unnamed)").to_string();
        NAMES.lock().unwrap().push(name);
        let mut line = String::new();
        this.rfile.read_line(&mut line)?;
        this.wfile.write_all(line.to_uppercase().as_bytes())
    }
}

/// Python names each request thread `Thread-N (process_request_thread)`, a new N
/// for each, so a log line or a debugger's thread list tells two requests apart.
#[test]
fn request_threads_have_distinct_names() {
    let server = ThreadingTCPServer::<NameRecorder>::new("127.0.0.1:0").unwrap();
    let serving = serve(&server);
    // Three clients connected at once: three live threads.
    let mut clients: Vec<_> = (0..3).map(|_| connect(server.server_address())).collect();
    for (n, client) in clients.iter_mut().enumerate() {
        assert_eq!(client.say(&format!("client {n}")), format!("CLIENT {n}"));
    }
    drop(clients);
    server.shutdown();
    serving.join().unwrap().unwrap();
    server.server_close();
    let mut names = NAMES.lock().unwrap().clone();
    assert_eq!(names.len(), 3);
    for name in &names {
        assert!(
            name.starts_with("Thread-") && name.ends_with(" (process_request_thread)"),
            "not Python's form: {name:?}"
        );
    }
    names.sort();
    names.dedup();
    assert_eq!(
        names.len(),
        3,
        "two requests shared a thread name: {names:?}"
    );
}

/// A server of our own (Python's `class Logged(ThreadingMixIn, TCPServer)`) whose
/// `handle_error` looks at the request it is given.
struct Logged {
    core: ServerCore<Tcp>,
    threads: Threads,
    /// For each error: the peer address the request itself reports, the client
    /// address handle_error was given, and the error.
    errors: Mutex<Vec<(String, String, String)>>,
}

impl SocketServer for Logged {
    type Transport = Tcp;
    fn core(&self) -> &ServerCore<Tcp> {
        &self.core
    }
}

impl BaseServer for Logged {
    type Handler = UpperLines;

    fn handle_error(
        &self,
        request: &Request<Self>,
        client_address: &Address<Self>,
        error: &HandlerError,
    ) {
        let peer = request
            .peer_addr()
            .map_or("?".to_string(), |a| a.to_string());
        self.errors
            .lock()
            .unwrap()
            .push((peer, client_address.to_string(), error.to_string()));
    }

    fn process_request(self: &Arc<Self>, request: Request<Self>, client_address: Address<Self>) {
        ThreadingMixIn::process_request(self, request, client_address);
    }

    fn server_close(&self) {
        ThreadingMixIn::server_close(self, |server| server.core().server_close());
    }
}

impl ThreadingMixIn for Logged {
    fn threads(&self) -> &Threads {
        &self.threads
    }
}

/// Python: `handle_error(self, request, client_address)`: "Handle an error
/// gracefully. May be overridden." The request is there, so an override can log
/// what it knows of the connection, or write a last word on it.
#[test]
fn handle_error_is_given_the_request() {
    let transport = Tcp::new("127.0.0.1:0", TcpOptions::default()).unwrap();
    transport.server_bind().unwrap();
    transport.server_activate().unwrap();
    let server = Arc::new(Logged {
        core: ServerCore::new(transport),
        threads: Threads::new(),
        errors: Mutex::new(Vec::new()),
    });
    let serving = serve(&server);
    let mut client = connect(server.server_address());
    let client_side = client.stream.local_addr().unwrap().to_string();
    client.send("fail");
    assert_eq!(client.read_line(), "", "the failed request is closed");
    drop(client);
    server.shutdown();
    serving.join().unwrap().unwrap();
    server.server_close(); // joins the request's thread: its handle_error has run
    let errors = server.errors.lock().unwrap().clone();
    assert_eq!(
        errors,
        vec![(
            client_side.clone(),
            client_side,
            "I/O error: asked to fail".to_string()
        )]
    );
}

/// Ends the server the way a Python handler's `sys.exit()` does, on the line `exit`.
#[derive(Default)]
struct Exiting;

impl RequestHandler for Exiting {
    type Base = StreamRequestHandler;
    fn handle(&mut self, this: &mut Stream) -> io::Result<()> {
        let mut line = String::new();
        while this.rfile.read_line(&mut line)? > 0 {
            if line.trim() == "exit" {
                return Err(SystemExit.into());
            }
            this.wfile.write_all(line.to_uppercase().as_bytes())?;
            line.clear();
        }
        Ok(())
    }
}

/// Counts handle_error calls, on either a serial or a threading base.
struct Counting<const THREADS: bool> {
    core: ServerCore<Tcp>,
    threads: Threads,
    errors: AtomicUsize,
}

impl<const THREADS: bool> Counting<THREADS> {
    fn new() -> Arc<Self> {
        let transport = Tcp::new("127.0.0.1:0", TcpOptions::default()).unwrap();
        transport.server_bind().unwrap();
        transport.server_activate().unwrap();
        Arc::new(Counting {
            core: ServerCore::new(transport),
            threads: Threads::new(),
            errors: AtomicUsize::new(0),
        })
    }
}

impl<const THREADS: bool> SocketServer for Counting<THREADS> {
    type Transport = Tcp;
    fn core(&self) -> &ServerCore<Tcp> {
        &self.core
    }
}

impl<const THREADS: bool> BaseServer for Counting<THREADS> {
    type Handler = Exiting;

    fn handle_error(&self, _: &Request<Self>, _: &Address<Self>, _: &HandlerError) {
        self.errors.fetch_add(1, Ordering::SeqCst);
    }

    fn process_request(self: &Arc<Self>, request: Request<Self>, client_address: Address<Self>) {
        if THREADS {
            ThreadingMixIn::process_request(self, request, client_address);
        } else {
            socketserver::defaults::process_request(self, request, client_address);
        }
    }

    fn server_close(&self) {
        ThreadingMixIn::server_close(self, |server| server.core().server_close());
    }
}

impl<const THREADS: bool> ThreadingMixIn for Counting<THREADS> {
    fn threads(&self) -> &Threads {
        &self.threads
    }
}

/// CPython's `ErrorHandlerTest`: "exiting exceptions like SystemExit and
/// KeyboardInterrupt are not passed" to `handle_error`. On a serial server
/// (`test_sync_not_handled`) the `SystemExit` leaves `serve_forever`, after
/// `shutdown_request` closed the request; the server stops.
#[test]
fn system_exit_in_a_serial_handler_stops_the_server_without_handle_error() {
    let server = Counting::<false>::new();
    let serving = serve(&server);
    let mut client = connect(server.server_address());
    assert_eq!(client.say("still here"), "STILL HERE");
    client.send("exit");
    assert_eq!(client.read_line(), "", "the request was shut down");
    let outcome = serving.join().unwrap();
    let error = outcome.expect_err("serve_forever must end with the SystemExit");
    assert!(SystemExit::is(&error), "not the SystemExit: {error}");
    assert_eq!(server.errors.load(Ordering::SeqCst), 0);
    server.shutdown(); // returns at once: no loop runs
    server.server_close();
}

/// CPython's `test_threading_not_handled`: a `SystemExit` raised on a request's
/// thread ends that thread only (threading's excepthook ignores it); `handle_error`
/// is not called and the server goes on serving.
#[test]
fn system_exit_in_a_threading_handler_ends_only_its_thread() {
    let server = Counting::<true>::new();
    let serving = serve(&server);
    let mut client = connect(server.server_address());
    client.send("exit");
    assert_eq!(client.read_line(), "", "the request was shut down");
    let mut next = connect(server.server_address());
    assert_eq!(next.say("still serving"), "STILL SERVING");
    drop(next);
    server.shutdown();
    serving.join().unwrap().unwrap();
    server.server_close();
    assert_eq!(server.errors.load(Ordering::SeqCst), 0);
}
