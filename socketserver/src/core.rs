//! The state every server carries, whatever its layers: its transport, and the
//! machinery of `serve_forever` and `shutdown`.
//!
//! Python keeps this in `BaseServer`'s private attributes (`__shutdown_request`,
//! `__is_shut_down`). A Rust trait has no fields, so a server type holds a
//! [`ServerCore`] and hands it out through [`SocketServer::core`](crate::SocketServer::core).

use std::io;
use std::os::fd::{AsRawFd, RawFd};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

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
}

/// One recorded call of a hook: which hook, which layer's version ran, and on which
/// thread. [`ServerCore::recorded_calls`] returns them; the book's chapter on the
/// request's path prints them for each kind of server.
///
/// ```
/// use std::sync::Arc;
/// use socketserver::{BaseServer, HookCall, SocketServer, TCPServer};
/// # #[derive(Default)] struct Upper;
/// # impl<S: socketserver::SocketServer<Transport = socketserver::Tcp>> socketserver::RequestHandler<S> for Upper {
/// #     type Base = socketserver::StreamRequestHandler;
/// #     fn handle(&mut self, _this: &mut socketserver::Stream<'_, S>) -> std::io::Result<()> { Ok(()) }
/// # }
/// # fn main() -> std::io::Result<()> {
/// let server = Arc::new(TCPServer::<Upper>::new("127.0.0.1:0")?);
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
    /// `socketserver request` and `socketserver worker N`), or its id if unnamed.
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
        }
    }

    /// Starts recording which layer runs each hook, for checking a composed type's
    /// [resolution](crate::resolution) against what really happens.
    ///
    /// ```
    /// use std::io::{BufRead, BufReader, Write};
    /// use std::net::TcpStream;
    /// use std::sync::Arc;
    /// use socketserver::{BaseServer, SocketServer, ThreadingTCPServer};
    /// # use std::io::{BufRead as _, Write as _};
    /// # #[derive(Default)] struct Upper;
    /// # impl<S: socketserver::SocketServer<Transport = socketserver::Tcp>> socketserver::RequestHandler<S> for Upper {
    /// #     type Base = socketserver::StreamRequestHandler;
    /// #     fn handle(&mut self, this: &mut socketserver::Stream<'_, S>) -> std::io::Result<()> {
    /// #         let mut line = Vec::new();
    /// #         this.rfile.read_until(b'\n', &mut line)?;
    /// #         this.wfile.write_all(&line.to_ascii_uppercase())
    /// #     }
    /// # }
    /// # fn main() -> std::io::Result<()> {
    /// # let ten_seconds = Some(std::time::Duration::from_secs(10));
    /// let server = Arc::new(ThreadingTCPServer::<Upper>::new("127.0.0.1:0")?);
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
    /// use std::sync::Arc;
    /// use std::sync::atomic::{AtomicUsize, Ordering};
    /// use std::time::Duration;
    /// use socketserver::{BaseServer, SocketServer, TCPServer};
    /// # #[derive(Default)] struct Quiet;
    /// # impl<S: socketserver::SocketServer<Transport = socketserver::Tcp>> socketserver::RequestHandler<S> for Quiet {
    /// #     type Base = socketserver::StreamRequestHandler;
    /// #     fn handle(&mut self, _this: &mut socketserver::Stream<'_, S>) -> std::io::Result<()> { Ok(()) }
    /// # }
    ///
    /// # fn main() -> std::io::Result<()> {
    /// let server = Arc::new(TCPServer::<Quiet>::new("127.0.0.1:0")?);
    /// assert_eq!(server.timeout(), None); // Python's class default: wait forever
    ///
    /// server.core().set_timeout(Some(Duration::from_millis(10)));
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
    /// Python's `shutdown()`.
    pub(crate) fn shutdown(&self) {
        self.shutdown_request.store(true, Ordering::SeqCst);
        self.wake();
        let (shut_down, changed) = &self.is_shut_down;
        let mut shut_down = lock(shut_down);
        while !*shut_down {
            shut_down = changed.wait(shut_down).unwrap_or_else(|e| e.into_inner());
        }
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
}

impl<T: Transport> Drop for Selector<'_, T> {
    fn drop(&mut self) {
        *lock(&self.core.waker) = None;
        *lock(&self.core.watched) = None;
        let _ = self.poller.delete(&self.source);
    }
}
