//! The state every server carries, whatever its layers: its transport, and the
//! machinery of `serve_forever` and `shutdown`.
//!
//! Python keeps this in `BaseServer`'s private attributes (`__shutdown_request`,
//! `__is_shut_down`). A Rust trait has no fields, so a server type holds a
//! [`ServerCore`] and hands it out through [`SocketServer::core`](crate::SocketServer::core).

use std::collections::HashSet;
use std::io;
use std::os::fd::{AsRawFd, RawFd};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use polling::{Event, Events, PollMode, Poller};

use crate::transport::{Transport, lock};

/// The one key the selector uses: the listening (or datagram) socket.
const SOCKET_KEY: usize = 0;

/// A server's transport plus the shared state of `serve_forever` and `shutdown`.
///
/// A composed server has one; a server type of your own holds one and returns it
/// from [`SocketServer::core`](crate::SocketServer::core), as the example of
/// [`BaseServer`](crate::BaseServer) shows.
pub struct ServerCore<T: Transport> {
    transport: T,
    /// Python's `__shutdown_request`: the loop should stop.
    shutdown_request: AtomicBool,
    /// Python's `__is_shut_down` event: set while no `serve_forever` runs.
    is_shut_down: (Mutex<bool>, Condvar),
    /// The selector of the running `serve_forever` or `handle_request`, so that
    /// `shutdown` (or `server_close`) can wake it instead of waiting out a poll
    /// interval.
    waker: Mutex<Option<Arc<Poller>>>,
    /// The running selector's descriptor of the socket (a duplicate), so that a
    /// forked child can close it too: [`ServerCore::watched_fd`].
    watched: Mutex<Option<RawFd>>,
    /// Whether hooks are being recorded (checked first, so recording costs nothing
    /// when it is off), and what they recorded.
    recording: AtomicBool,
    recorded: Mutex<Vec<HookCall>>,
    /// Python's `server.timeout = ...` on an instance: `None` until set, so that the
    /// type's own default (its `BaseServer::timeout`) applies.
    timeout: Mutex<Option<Option<Duration>>>,
    /// A handler's `SystemExit` on the serving thread, on its way out of the loop.
    system_exit: Mutex<Option<io::Error>>,
    /// The requests accepted and not yet finished, and the descriptors of those
    /// being served, so that a shutdown past its deadline can end them; the condvar
    /// says one finished.
    open: (Mutex<OpenRequests>, Condvar),
    /// How long `shutdown` and `server_close` wait for open requests before ending
    /// them. `None`: for ever, as Python's `block_on_close`.
    shutdown_deadline: Mutex<Option<Duration>>,
    /// The deadline passed: requests still to be served are closed unserved.
    aborting: AtomicBool,
}

/// One recorded call of a hook: which hook, which layer's version ran, and on which
/// thread. [`ServerCore::recorded_calls`] returns them; the book's chapter on the
/// request's path prints them for each kind of server.
///
/// ```
/// use std::sync::Arc;
/// use socketserver::prelude::*;
/// use socketserver::HookCall;
/// # #[derive(Default)] struct Upper;
/// # impl socketserver::RequestHandler for Upper {
/// #     type Base = socketserver::StreamRequestHandler;
/// #     fn handle(&mut self, _this: &mut socketserver::Stream) -> std::io::Result<()> { Ok(()) }
/// # }
/// # fn main() -> std::io::Result<()> {
/// let server = TCPServer::<Upper>::new("127.0.0.1:0")?;
/// server.core().record_hooks();
/// std::thread::Builder::new()
///     .name("closer".into())
///     .spawn({
///         let server = Arc::clone(&server);
///         move || server.server_close()
///     })?
///     .join()
///     .unwrap();
///
/// let calls: Vec<HookCall> = server.core().recorded_calls();
/// assert_eq!(calls[0].hook, "server_close");
/// assert_eq!(calls[0].layer, "TCPServer");
/// assert_eq!(calls[0].thread, "closer");
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HookCall {
    /// The hook's Python name: `"process_request"`.
    pub hook: &'static str,
    /// The layer whose version ran: `"ThreadingMixIn"`.
    pub layer: &'static str,
    /// The name of the thread it ran on (the crate names its threads
    /// request threads `Thread-N (process_request_thread)` as Python does, and pool
    /// workers `socketserver worker N`), or its id if unnamed.
    pub thread: String,
}

impl<T: Transport> ServerCore<T> {
    /// Wraps a transport whose socket is already listening (or not yet: a selector
    /// is only made when the server starts waiting).
    pub fn new(transport: T) -> ServerCore<T> {
        ServerCore {
            transport,
            shutdown_request: AtomicBool::new(false),
            // Unlike Python, "shut down" until a loop starts: `shutdown()` before any
            // `serve_forever` returns at once instead of deadlocking.
            is_shut_down: (Mutex::new(true), Condvar::new()),
            waker: Mutex::new(None),
            watched: Mutex::new(None),
            recording: AtomicBool::new(false),
            recorded: Mutex::new(Vec::new()),
            timeout: Mutex::new(None),
            system_exit: Mutex::new(None),
            open: (Mutex::new(OpenRequests::default()), Condvar::new()),
            shutdown_deadline: Mutex::new(None),
            aborting: AtomicBool::new(false),
        }
    }

    /// Starts recording which layer runs each hook, for checking a composed type's
    /// [resolution](crate::resolution) against what really happens.
    ///
    /// ```
    /// use std::io::{BufRead, BufReader, Write};
    /// use std::net::TcpStream;
    /// use socketserver::prelude::*;
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
    /// # fn main() -> std::io::Result<()> {
    /// # let ten_seconds = Some(std::time::Duration::from_secs(10));
    /// let server = ThreadingTCPServer::<Upper>::new("127.0.0.1:0")?;
    /// server.core().record_hooks();
    ///
    /// let mut client = TcpStream::connect(server.server_address())?;
    /// # client.set_read_timeout(ten_seconds)?;
    /// client.write_all(b"watch me\n")?;
    /// server.handle_request()?;
    /// BufReader::new(&client).read_line(&mut String::new())?;
    /// server.server_close(); // waits for the request's thread
    ///
    /// let ran = server.core().recorded_hooks();
    /// assert!(ran.contains(&("process_request", "ThreadingMixIn")));
    /// assert!(ran.contains(&("finish_request", "BaseServer")));
    /// assert!(ran.contains(&("get_request", "TCPServer")));
    /// # Ok(()) }
    /// ```
    pub fn record_hooks(&self) {
        self.recording.store(true, Ordering::SeqCst);
    }

    /// The hooks recorded so far, as (hook, layer), in the order they ran.
    pub fn recorded_hooks(&self) -> Vec<(&'static str, &'static str)> {
        lock(&self.recorded)
            .iter()
            .map(|call| (call.hook, call.layer))
            .collect()
    }

    /// The hooks recorded so far, with the thread each ran on, in the order they ran.
    ///
    /// Example: see [`HookCall`].
    pub fn recorded_calls(&self) -> Vec<HookCall> {
        lock(&self.recorded).clone()
    }

    /// Notes that `layer`'s implementation of `hook` ran, if recording. The crate's
    /// layers call it; a layer of your own may too.
    pub fn record_hook(&self, hook: &'static str, layer: &'static str) {
        if self.recording.load(Ordering::Relaxed) {
            let current = std::thread::current();
            let thread = match current.name() {
                Some(name) => name.to_owned(),
                None => format!("{:?}", current.id()),
            };
            lock(&self.recorded).push(HookCall {
                hook,
                layer,
                thread,
            });
        }
    }

    /// Python's `server.timeout = 5` (or `= None`): sets how long
    /// [`handle_request`](crate::BaseServer::handle_request) waits before
    /// [`handle_timeout`](crate::BaseServer::handle_timeout), for this server,
    /// whatever its type's default. Takes `&self`, so it works on a server already in
    /// an `Arc`, as Python's assignment works on a running server.
    ///
    /// ```
    /// use std::sync::atomic::{AtomicUsize, Ordering};
    /// use std::time::Duration;
    /// use socketserver::prelude::*;
    /// # #[derive(Default)] struct Quiet;
    /// # impl socketserver::RequestHandler for Quiet {
    /// #     type Base = socketserver::StreamRequestHandler;
    /// #     fn handle(&mut self, _this: &mut socketserver::Stream) -> std::io::Result<()> { Ok(()) }
    /// # }
    ///
    /// # fn main() -> std::io::Result<()> {
    /// let server = TCPServer::<Quiet>::new("127.0.0.1:0")?;
    /// assert_eq!(server.timeout(), None); // Python's class default: wait forever
    ///
    /// server.set_timeout(Some(Duration::from_millis(10)));
    /// assert_eq!(server.timeout(), Some(Duration::from_millis(10)));
    /// server.handle_request()?; // nobody connects: handle_timeout runs, and it returns
    /// # Ok(()) }
    /// ```
    pub fn set_timeout(&self, timeout: Option<Duration>) {
        *lock(&self.timeout) = Some(timeout);
    }

    /// What [`set_timeout`](ServerCore::set_timeout) set, if it was called: `None`
    /// means "not set", so the type's default applies; `Some(None)`, set to wait
    /// forever.
    pub fn timeout_set(&self) -> Option<Option<Duration>> {
        *lock(&self.timeout)
    }

    /// The socket layer.
    pub fn transport(&self) -> &T {
        &self.transport
    }

    /// Asks the running loop to stop, wakes it, and waits until it has: the body of
    /// Python's `shutdown()`. With a [shutdown deadline](ServerCore::set_shutdown_deadline),
    /// a loop still busy with a request when it passes (a serial server serving a
    /// client who stays) has its open requests ended, and stops then.
    pub(crate) fn shutdown(&self) {
        self.shutdown_request.store(true, Ordering::SeqCst);
        self.wake();
        let deadline = self.shutdown_deadline().map(|d| Instant::now() + d);
        let (shut_down, changed) = &self.is_shut_down;
        let mut shut_down = lock(shut_down);
        while !*shut_down {
            match deadline {
                Some(deadline) if Instant::now() >= deadline => {
                    drop(shut_down);
                    self.abort_open_requests();
                    shut_down = lock(&self.is_shut_down.0);
                    while !*shut_down {
                        shut_down = changed.wait(shut_down).unwrap_or_else(|e| e.into_inner());
                    }
                }
                Some(deadline) => {
                    let left = deadline.saturating_duration_since(Instant::now());
                    shut_down = changed
                        .wait_timeout(shut_down, left)
                        .map(|(guard, _)| guard)
                        .unwrap_or_else(|e| e.into_inner().0);
                }
                None => {
                    shut_down = changed.wait(shut_down).unwrap_or_else(|e| e.into_inner());
                }
            }
        }
    }

    /// Beyond Python: how long [`shutdown`](crate::BaseServer::shutdown) and a
    /// mixin's `server_close` wait for the requests still being served before they
    /// end them. Ending a request shuts its connection down both ways: the handler
    /// reads end-of-file (and a write fails), so it returns, and its thread or
    /// process ends. Requests accepted but not yet started are then closed unserved.
    ///
    /// `None`, the default, waits for ever, as Python's `block_on_close` does; a
    /// client that never leaves then keeps the server from stopping. A server meant
    /// to stop on Ctrl-C sets a deadline: the lessons take half a second.
    ///
    /// ```
    /// use std::io::Read;
    /// use std::net::TcpStream;
    /// use std::time::{Duration, Instant};
    /// use socketserver::prelude::*;
    /// # use std::io::{BufRead as _, Write as _};
    /// # #[derive(Default)] struct Upper;
    /// # impl socketserver::RequestHandler for Upper {
    /// #     type Base = socketserver::StreamRequestHandler;
    /// #     fn handle(&mut self, this: &mut socketserver::Stream) -> std::io::Result<()> {
    /// #         let mut line = Vec::new();
    /// #         while this.rfile.read_until(b'\n', &mut line)? > 0 {
    /// #             this.wfile.write_all(&line.to_ascii_uppercase())?;
    /// #             line.clear();
    /// #         }
    /// #         Ok(())
    /// #     }
    /// # }
    /// # fn main() -> std::io::Result<()> {
    /// let server = ThreadingTCPServer::<Upper>::new("127.0.0.1:0")?;
    /// server.set_shutdown_deadline(Some(Duration::from_millis(100)));
    ///
    /// // A client connects, and stays: its handler waits for its next line.
    /// let mut client = TcpStream::connect(server.server_address())?;
    /// server.handle_request()?;
    ///
    /// server.server_close(); // waits 100 ms, then ends the request
    /// let mut rest = Vec::new();
    /// client.read_to_end(&mut rest)?; // the server closed the connection
    /// assert!(rest.is_empty());
    /// # Ok(()) }
    /// ```
    pub fn set_shutdown_deadline(&self, deadline: Option<Duration>) {
        *lock(&self.shutdown_deadline) = deadline;
    }

    /// What [`set_shutdown_deadline`](ServerCore::set_shutdown_deadline) set: `None`
    /// waits for ever.
    pub fn shutdown_deadline(&self) -> Option<Duration> {
        *lock(&self.shutdown_deadline)
    }

    /// Waits until every request accepted so far is finished, or the
    /// [shutdown deadline](ServerCore::set_shutdown_deadline) has passed, then ends
    /// the requests still open. Without a deadline it returns at once (joining the
    /// request threads is the wait, as in Python). The mixins' `server_close` call
    /// it before joining their threads.
    pub fn wait_for_open_requests(&self) {
        let Some(deadline) = self.shutdown_deadline() else {
            return;
        };
        let deadline = Instant::now() + deadline;
        let (open, finished) = &self.open;
        let mut open = lock(open);
        while open.in_flight > 0 {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                drop(open);
                self.abort_open_requests();
                return;
            }
            open = finished
                .wait_timeout(open, left)
                .map(|(guard, _)| guard)
                .unwrap_or_else(|e| e.into_inner().0);
        }
    }

    /// Ends every open request: `shutdown(SHUT_RDWR)` on its connection, so its
    /// handler reads end-of-file; requests not yet started will not be served.
    fn abort_open_requests(&self) {
        let open = lock(&self.open.0);
        // Under the lock, so a request that registers after this sees it (and is
        // closed unserved), and one that registered before is shut down here.
        self.aborting.store(true, Ordering::SeqCst);
        for &fd in open.serving.iter() {
            // SAFETY: `fd` is open: a request leaves this set (under this lock)
            // before its connection is closed, so it cannot have been reused.
            unsafe { libc::shutdown(fd, libc::SHUT_RDWR) };
        }
    }

    /// Counts a request in from the moment it is accepted (on the serving thread,
    /// before a mixin hands it to a thread that may not have started yet), so that
    /// [`wait_for_open_requests`](ServerCore::wait_for_open_requests) waits for it.
    pub(crate) fn request_accepted(&self) {
        lock(&self.open.0).in_flight += 1;
    }

    /// Counts a request out that finished without being served here (refused, or
    /// handed to a child process).
    pub(crate) fn request_done(&self) {
        let (open, finished) = &self.open;
        let mut open = lock(open);
        open.in_flight = open.in_flight.saturating_sub(1);
        finished.notify_all();
    }

    /// Notes a request as being served until the guard is dropped (which counts it
    /// out), and says whether to serve it: not past the shutdown deadline. The
    /// guard must be dropped before the request is closed.
    pub(crate) fn open_request(&self, fd: Option<RawFd>) -> (OpenRequest<'_, T>, bool) {
        let mut open = lock(&self.open.0);
        if let Some(fd) = fd {
            open.serving.insert(fd);
        }
        let serve = !self.aborting.load(Ordering::SeqCst);
        (OpenRequest { core: self, fd }, serve)
    }

    /// Keeps a handler's `SystemExit` for the serving loop to return.
    pub(crate) fn raise_system_exit(&self, exit: io::Error) {
        *lock(&self.system_exit) = Some(exit);
    }

    /// The `SystemExit` a handler raised on the serving thread, if any.
    pub(crate) fn take_system_exit(&self) -> Option<io::Error> {
        lock(&self.system_exit).take()
    }

    /// The transport layer's `server_close()` (Python's `TCPServer.server_close`):
    /// close the socket, and wake a loop that may be waiting on it. This is the
    /// `super()` a mixin's `server_close` calls.
    pub fn server_close(&self) {
        self.transport.server_close();
        self.wake();
    }

    fn wake(&self) {
        if let Some(poller) = lock(&self.waker).as_ref() {
            let _ = poller.notify();
        }
    }

    /// The descriptor the running selector watches, its duplicate of the socket:
    /// with the transport's own, what a forked child must close so that it holds no
    /// copy of the listening socket (the forking mixin's `serve_in_child`).
    #[cfg(unix)]
    pub(crate) fn watched_fd(&self) -> Option<RawFd> {
        *lock(&self.watched)
    }

    pub(crate) fn shutdown_requested(&self) -> bool {
        self.shutdown_request.load(Ordering::SeqCst)
    }

    /// Marks a loop as running (`__is_shut_down.clear()`); the returned guard marks it
    /// finished, and clears the shutdown request, however the loop ends.
    pub(crate) fn start_serving(&self) -> Serving<'_, T> {
        *lock(&self.is_shut_down.0) = false;
        self.aborting.store(false, Ordering::SeqCst);
        Serving(self)
    }

    /// A selector watching the server's socket, registered as the waker.
    pub(crate) fn selector(&self) -> io::Result<Selector<'_, T>> {
        let source = self.transport.poll_source()?;
        let poller = Arc::new(Poller::new()?);
        // SAFETY: polling requires a source to be deleted before it is closed. The
        // selector owns `source` (a duplicate descriptor of the socket) and deletes
        // it in `Drop` before dropping it; nothing else closes it.
        unsafe {
            poller.add_with_mode(&source, Event::readable(SOCKET_KEY), PollMode::Level)?;
        }
        *lock(&self.waker) = Some(Arc::clone(&poller));
        *lock(&self.watched) = Some(source.as_raw_fd());
        Ok(Selector {
            core: self,
            poller,
            source,
            events: Events::new(),
        })
    }
}

/// The requests a server has accepted and not finished: what a shutdown deadline
/// waits for, and what it ends when it passes.
#[derive(Default)]
struct OpenRequests {
    /// Accepted and not yet finished, wherever they are (queued for a worker, on a
    /// thread that has not started yet, being served).
    in_flight: usize,
    /// The descriptors of the connections being served right now.
    serving: HashSet<RawFd>,
}

/// A request being served: its descriptor leaves the open set, and the request is
/// counted out, when this is dropped.
pub(crate) struct OpenRequest<'a, T: Transport> {
    core: &'a ServerCore<T>,
    fd: Option<RawFd>,
}

impl<T: Transport> Drop for OpenRequest<'_, T> {
    fn drop(&mut self) {
        let (open, finished) = &self.core.open;
        let mut open = lock(open);
        if let Some(fd) = self.fd {
            open.serving.remove(&fd);
        }
        open.in_flight = open.in_flight.saturating_sub(1);
        finished.notify_all();
    }
}

/// Ends a `serve_forever`: Python's `finally:` block.
pub(crate) struct Serving<'a, T: Transport>(&'a ServerCore<T>);

impl<T: Transport> Drop for Serving<'_, T> {
    fn drop(&mut self) {
        self.0.shutdown_request.store(false, Ordering::SeqCst);
        let (shut_down, changed) = &self.0.is_shut_down;
        *lock(shut_down) = true;
        changed.notify_all();
    }
}

/// Python's `_ServerSelector` with the server registered for reading.
pub(crate) struct Selector<'a, T: Transport> {
    core: &'a ServerCore<T>,
    poller: Arc<Poller>,
    source: std::os::fd::OwnedFd,
    events: Events,
}

impl<T: Transport> Selector<'_, T> {
    /// Waits until the socket is ready (true), the timeout passes or someone wakes
    /// us (false). `None` waits without limit.
    pub(crate) fn select(&mut self, timeout: Option<Duration>) -> io::Result<bool> {
        self.events.clear();
        match self.poller.wait(&mut self.events, timeout) {
            Ok(_) => {}
            Err(error) if error.kind() == io::ErrorKind::Interrupted => return Ok(false),
            Err(error) => return Err(error),
        }
        Ok(self.events.iter().any(|event| event.key == SOCKET_KEY))
    }

    /// Stops watching the socket for `pause` (or until someone wakes us), then
    /// watches it again: what the loop does when it cannot accept for want of a
    /// file descriptor, instead of spinning on a socket that stays ready.
    pub(crate) fn pause(&mut self, pause: Duration) -> io::Result<()> {
        self.poller
            .modify_with_mode(&self.source, Event::none(SOCKET_KEY), PollMode::Level)?;
        self.events.clear();
        match self.poller.wait(&mut self.events, Some(pause)) {
            Ok(_) => {}
            Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
            Err(error) => return Err(error),
        }
        self.poller
            .modify_with_mode(&self.source, Event::readable(SOCKET_KEY), PollMode::Level)
    }
}

impl<T: Transport> Drop for Selector<'_, T> {
    fn drop(&mut self) {
        *lock(&self.core.waker) = None;
        *lock(&self.core.watched) = None;
        let _ = self.poller.delete(&self.source);
    }
}
