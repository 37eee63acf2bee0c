//! `BaseServer`: Python's template methods and the hooks they call.
//!
//! Python's `BaseServer.serve_forever` calls `self.get_request()`,
//! `self.verify_request()`, `self.process_request()` and so on, and `self` is
//! whatever class the user built: Python looks each method up on it at call time,
//! following its MRO. That is *late binding*, and it is what lets
//! `class MyServer(ThreadingMixIn, TCPServer)` override `verify_request` and have
//! the base's loop call the override.
//!
//! Rust gets the same from a trait's provided methods: inside them, `self` is the
//! implementing type, so `self.verify_request(...)` calls *its* `verify_request`,
//! the default or an override. [`BaseServer`] provides every template and every
//! hook; a server type overrides the hooks its layers replace. Which layer each hook
//! comes from is written out, hook by hook, in each composed type's `impl`: that is
//! the MRO, by hand.

use std::io;
use std::os::fd::RawFd;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::core::ServerCore;
use crate::handler::{self, HandlerError, RequestHandler, RunsOn};
use crate::system_exit::SystemExit;
use crate::transport::Transport;

/// What a server's transport hands over as a request (Python's `request`).
///
/// For a TCP server it is the connection:
///
/// ```
/// use std::net::TcpStream;
/// use socketserver::prelude::*;
/// # struct Upper;
///
/// fn the_connection(request: Request<TCPServer<Upper>>) -> TcpStream {
///     request // the same type
/// }
/// ```
pub type Request<S> = <<S as SocketServer>::Transport as Transport>::Request;
/// A client's address, in the form the server's transport uses.
///
/// Every transport's address can be printed, so code for any server can log it:
///
/// ```
/// use socketserver::prelude::*;
///
/// fn log_connected<S: SocketServer>(client_address: &Address<S>) {
///     println!("connected: {client_address:?}");
/// }
/// ```
pub type Address<S> = <<S as SocketServer>::Transport as Transport>::Address;

// ANCHOR: socket_server
/// The part of a server that knows its socket and nothing of handlers.
///
/// It is separate from [`BaseServer`] so that a handler base can say "I run on any
/// server on TCP" (`impl<S: SocketServer<Transport = Tcp>> RunsOn<S> for
/// StreamRequestHandler`) without asking what handler that server uses, which would
/// be a circle: [`BaseServer`] names its handler and requires its base to run on
/// it, and the base would require [`BaseServer`] back.
///
/// Every composed server implements it; a server type of your own implements it in
/// three lines, as the example of [`BaseServer`] shows.
pub trait SocketServer: Send + Sync + Sized + 'static {
    /// The socket layer: [`Tcp`](crate::Tcp) for `TCPServer`.
    type Transport: Transport;

    /// The server's state: its transport and the `serve_forever` machinery.
    fn core(&self) -> &ServerCore<Self::Transport>;

    /// Python's `server_address`: where the server listens (the real port after
    /// binding to port 0).
    fn server_address(&self) -> Address<Self> {
        self.core().transport().server_address()
    }

    /// Python's `fileno()`: the socket's descriptor, while it is open.
    fn fileno(&self) -> Option<RawFd> {
        self.core().transport().fileno()
    }

    /// Python's `server.timeout = ...` on an instance: how long
    /// [`handle_request`](BaseServer::handle_request) waits before
    /// [`handle_timeout`](BaseServer::handle_timeout); `None` waits for ever.
    /// Works on a running server, as Python's assignment does.
    fn set_timeout(&self, timeout: Option<Duration>) {
        self.core().set_timeout(timeout);
    }

    /// Beyond Python: how long [`shutdown`](BaseServer::shutdown) and `server_close`
    /// wait for the requests still open before they shut them down. `None`, the
    /// default, waits for ever, as Python's `block_on_close` does. See
    /// [`ServerCore::set_shutdown_deadline`].
    fn set_shutdown_deadline(&self, deadline: Option<Duration>) {
        self.core().set_shutdown_deadline(deadline);
    }
}
// ANCHOR_END: socket_server

/// Python's default `poll_interval` for [`serve_forever`](BaseServer::serve_forever):
/// half a second.
pub const POLL_INTERVAL: Duration = Duration::from_millis(500);

/// Python's `BaseServer`: the request loop (`serve_forever`, `handle_request`,
/// `shutdown`) and every hook it calls, each with Python's default behaviour.
///
/// Override a hook by defining it in your `impl`; the loop calls yours.
///
/// A server of your own is Python's `class Picky(TCPServer)` with `verify_request`
/// overridden: a struct that holds a [`ServerCore`] (the state every server
/// carries), and an `impl BaseServer` that defines only the hooks it changes. The
/// templates call your hooks, as Python's `self.verify_request(...)` does:
///
/// ```
/// use std::io::{Read, Write};
/// use std::net::{IpAddr, TcpStream};
/// use std::sync::{Arc, Mutex};
/// use socketserver::prelude::*;
/// use socketserver::ServerCore;
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
/// /// Serves only the addresses on its allow-list.
/// struct Picky {
///     core: ServerCore<Tcp>,
///     allowed: Mutex<Vec<IpAddr>>,
/// }
///
/// impl SocketServer for Picky {
///     type Transport = Tcp;
///     fn core(&self) -> &ServerCore<Tcp> {
///         &self.core
///     }
/// }
///
/// impl BaseServer for Picky {
///     type Handler = Upper;
///
///     fn verify_request(&self, _request: &Request<Self>, client_address: &Address<Self>) -> bool {
///         self.allowed.lock().unwrap().contains(&client_address.ip())
///     }
/// }
///
/// # fn main() -> std::io::Result<()> {
/// # let ten_seconds = Some(std::time::Duration::from_secs(10));
/// let transport = Tcp::new("127.0.0.1:0", TcpOptions::default())?;
/// transport.server_bind()?;
/// transport.server_activate()?;
/// let server = Arc::new(Picky { core: ServerCore::new(transport), allowed: Mutex::new(vec![]) });
///
/// // Not on the list: handle_request closes the connection unanswered.
/// let mut client = TcpStream::connect(server.server_address())?;
/// # client.set_read_timeout(ten_seconds)?;
/// client.write_all(b"hello\n")?;
/// server.handle_request()?;
/// let mut reply = String::new();
/// client.read_to_string(&mut reply)?;
/// assert_eq!(reply, "");
///
/// // On the list: served.
/// server.allowed.lock().unwrap().push("127.0.0.1".parse().unwrap());
/// let mut client = TcpStream::connect(server.server_address())?;
/// # client.set_read_timeout(ten_seconds)?;
/// client.write_all(b"hello\n")?;
/// server.handle_request()?;
/// client.read_to_string(&mut reply)?;
/// assert_eq!(reply, "HELLO\n");
/// # Ok(()) }
/// ```
///
/// To take a mixin's hooks as well (`class Picky(ThreadingMixIn, TCPServer)`), see
/// [`ThreadingMixIn`](crate::ThreadingMixIn).
///
/// [`ServerCore`]: crate::ServerCore
pub trait BaseServer: SocketServer {
    /// Python's `RequestHandlerClass`: a new one handles each request. Its base
    /// must fit this server: a base of the server's transport
    /// (`StreamRequestHandler` for TCP), or of this very server type.
    type Handler: RequestHandler<Base: RunsOn<Self>>;

    /// Python's `__mro__`, this type first, for the [inspector](crate::resolution),
    /// without the `object` that ends every Python MRO (the inspector's table adds
    /// it). The default names your type and then the transport's classes: right for a
    /// server of your own that takes no mixin.
    fn mro() -> Vec<String> {
        let name = std::any::type_name::<Self>();
        let mut mro = vec![name.rsplit("::").next().unwrap_or(name).to_string()];
        mro.extend(
            <Self::Transport as Transport>::MRO
                .iter()
                .map(|class| class.to_string()),
        );
        mro.push("BaseServer".to_string());
        mro
    }

    /// The hooks this type's `impl` takes from a mixin or defines itself, as
    /// `(hook, layer)`: what the [inspector](crate::resolution) reports for them.
    /// Hooks not named come from `BaseServer` or the transport.
    const OVERRIDES: &'static [(&'static str, &'static str)] = &[];

    // ---- The hooks, in the order a request meets them. ----

    /// Python's `timeout`: how long [`handle_request`](BaseServer::handle_request)
    /// waits for a request before calling
    /// [`handle_timeout`](BaseServer::handle_timeout). `None` waits forever.
    ///
    /// Python's class attribute is `None`; an instance sets its own with
    /// `server.timeout = 5`, which is
    /// [`server.set_timeout(...)`](SocketServer::set_timeout) here. A type
    /// with another default (the forking servers' 300 s) overrides this method and
    /// still honours what was set.
    fn timeout(&self) -> Option<Duration> {
        self.core().timeout_set().unwrap_or(None)
    }

    /// Python's `get_request()`: take the next request off the socket.
    fn get_request(&self) -> io::Result<(Request<Self>, Address<Self>)> {
        self.core().record_hook(
            "get_request",
            <Self::Transport as Transport>::layer_of("get_request"),
        );
        defaults::get_request(self)
    }

    // ANCHOR: default_hooks
    /// Python's `verify_request()`: should this request be served? When it returns
    /// false, the request is closed unserved (`shutdown_request`).
    fn verify_request(&self, _request: &Request<Self>, _client_address: &Address<Self>) -> bool {
        self.core().record_hook("verify_request", "BaseServer");
        true
    }

    /// Python's `process_request()`: serve the request, here and now. Mixins replace
    /// it (a thread, a process, a pool). Errors from the handler go to
    /// [`handle_error`](BaseServer::handle_error); the request is then shut down.
    ///
    /// (Python lets the handler's exception travel up to `_handle_request_noblock`,
    /// which calls `handle_error` and `shutdown_request`. Rust has no exceptions, so
    /// the same happens here, where the request still is.)
    fn process_request(self: &Arc<Self>, request: Request<Self>, client_address: Address<Self>) {
        self.core().record_hook("process_request", "BaseServer");
        defaults::process_request(self, request, client_address);
    }
    // ANCHOR_END: default_hooks

    /// Python's `finish_request()`: make a handler for the request and run its
    /// `setup`, `handle` and `finish`. A handler's error or panic comes back as a
    /// [`HandlerError`].
    fn finish_request(
        self: &Arc<Self>,
        request: &Request<Self>,
        client_address: &Address<Self>,
    ) -> Result<(), HandlerError> {
        self.core().record_hook("finish_request", "BaseServer");
        handler::run::<Self>(self, request, client_address)
    }

    /// Python's `shutdown_request()`: end the conversation (TCP sends FIN), then
    /// [`close_request`](BaseServer::close_request).
    fn shutdown_request(&self, request: Request<Self>) {
        self.core().record_hook(
            "shutdown_request",
            <Self::Transport as Transport>::layer_of("shutdown_request"),
        );
        defaults::shutdown_request(self, request);
    }

    /// Python's `close_request()`: release the request. Dropping it closes it.
    fn close_request(&self, request: Request<Self>) {
        self.core().record_hook(
            "close_request",
            <Self::Transport as Transport>::layer_of("close_request"),
        );
        drop(request);
    }

    /// Python's `handle_error(request, client_address)`: a handler failed. The
    /// default prints what Python prints, with the error in place of the traceback,
    /// and the server goes on. The request is still open: an override may log what
    /// it knows of it, or write a last word to the client.
    ///
    /// A handler's [`SystemExit`](crate::SystemExit) never comes here, as Python's
    /// `SystemExit` does not.
    fn handle_error(
        &self,
        request: &Request<Self>,
        client_address: &Address<Self>,
        error: &HandlerError,
    ) {
        self.core().record_hook("handle_error", "BaseServer");
        defaults::handle_error(self, request, client_address, error);
    }

    /// Python's `handle_timeout()`: [`handle_request`](BaseServer::handle_request)
    /// waited [`timeout`](BaseServer::timeout) for nothing.
    fn handle_timeout(&self) {
        self.core().record_hook("handle_timeout", "BaseServer");
    }

    /// Python's `service_actions()`: called on every turn of `serve_forever`'s loop.
    fn service_actions(&self) {
        self.core().record_hook("service_actions", "BaseServer");
    }

    /// Python's `server_close()`: close the socket. Mixins extend it (the threading
    /// mixin then waits for its threads).
    fn server_close(&self) {
        self.core().record_hook(
            "server_close",
            <Self::Transport as Transport>::layer_of("server_close"),
        );
        defaults::server_close(self);
    }

    // ---- The templates: call them, do not override them. ----

    // ANCHOR: serve_forever
    /// Python's `serve_forever()`: handle requests until
    /// [`shutdown`](BaseServer::shutdown) is called (from another thread) or the
    /// server is closed, with Python's `poll_interval` of half a second.
    ///
    /// Example: see [`shutdown`](BaseServer::shutdown).
    fn serve_forever(self: &Arc<Self>) -> io::Result<()> {
        self.serve_forever_polling(POLL_INTERVAL)
    }

    /// Python's `serve_forever(poll_interval)`: `poll_interval` is how often
    /// [`service_actions`](BaseServer::service_actions) runs when nothing happens.
    /// Unlike Python's, `shutdown` does not wait for it: it wakes the loop at once.
    fn serve_forever_polling(self: &Arc<Self>, poll_interval: Duration) -> io::Result<()> {
        let core = self.core();
        core.record_hook("serve_forever", "BaseServer");
        let _serving = core.start_serving();
        if core.shutdown_requested() {
            // shutdown() came first (Python's flag is already set): stop before
            // touching the socket, which server_close() may have closed since.
            return Ok(());
        }
        let mut selector = core.selector()?;
        let mut out_of_descriptors = OutOfDescriptors::default();
        while !core.shutdown_requested() {
            let ready = selector.select(Some(poll_interval))?;
            if core.shutdown_requested() || core.transport().fileno().is_none() {
                break;
            }
            if ready {
                match self.handle_request_noblock() {
                    Ok(()) => out_of_descriptors.recovered(),
                    // No descriptor for the new connection: stop watching the socket
                    // for a while, or the ready socket would make this loop spin.
                    Err(error) if is_out_of_descriptors(&error) => {
                        let pause = out_of_descriptors.failed(&error);
                        selector.pause(pause)?;
                    }
                    Err(error) => return Err(error),
                }
            }
            self.service_actions();
        }
        Ok(())
    }
    // ANCHOR_END: serve_forever

    /// Python's `handle_request()`: wait for one request (at most
    /// [`timeout`](BaseServer::timeout), then
    /// [`handle_timeout`](BaseServer::handle_timeout)) and handle it.
    ///
    /// ```
    /// use std::io::{Read, Write};
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
    /// let server = TCPServer::<Upper>::new("127.0.0.1:0")?;
    /// let mut client = TcpStream::connect(server.server_address())?;
    /// # client.set_read_timeout(ten_seconds)?;
    /// client.write_all(b"just one\n")?;
    ///
    /// server.handle_request()?; // serves this client, then returns
    ///
    /// let mut reply = String::new();
    /// client.read_to_string(&mut reply)?;
    /// assert_eq!(reply, "JUST ONE\n");
    /// # Ok(()) }
    /// ```
    ///
    /// With a [`timeout`](BaseServer::timeout) of your own, a `handle_request` that
    /// waits longer calls [`handle_timeout`](BaseServer::handle_timeout) and returns.
    fn handle_request(self: &Arc<Self>) -> io::Result<()> {
        self.core().record_hook("handle_request", "BaseServer");
        let deadline = self.timeout().map(|timeout| Instant::now() + timeout);
        let mut selector = self.core().selector()?;
        loop {
            let remaining = deadline.map(|d| d.saturating_duration_since(Instant::now()));
            if selector.select(remaining)? {
                return match self.handle_request_noblock() {
                    // Python ignores a failed get_request here too.
                    Err(error) if is_out_of_descriptors(&error) => Ok(()),
                    outcome => outcome,
                };
            }
            if deadline.is_some_and(|d| Instant::now() >= d) {
                self.handle_timeout();
                return Ok(());
            }
        }
    }

    // ANCHOR: handle_request_noblock
    /// Python's `_handle_request_noblock()`: the socket is ready; take the request,
    /// verify it, process it. A failed `get_request` (the client gave up) is ignored,
    /// as in Python, except running out of file descriptors, which the caller must
    /// know of to stop watching the socket for a while. A handler's
    /// [`SystemExit`](crate::SystemExit) on this thread comes back as the error, as
    /// Python's exception leaves `_handle_request_noblock`.
    fn handle_request_noblock(self: &Arc<Self>) -> io::Result<()> {
        let (request, client_address) = match self.get_request() {
            Ok(got) => got,
            Err(error) if is_out_of_descriptors(&error) => return Err(error),
            Err(_) => return Ok(()),
        };
        if self.verify_request(&request, &client_address) {
            // Counted in until it is served, wherever process_request sends it.
            self.core().request_accepted();
            self.process_request(request, client_address);
        } else {
            self.shutdown_request(request);
        }
        match self.core().take_system_exit() {
            Some(exit) => Err(exit),
            None => Ok(()),
        }
    }
    // ANCHOR_END: handle_request_noblock

    /// Python's `shutdown()`: stop the `serve_forever` loop and wait until it has
    /// stopped. Call it from another thread than the one serving. Returns at once if
    /// no loop is running (where Python would wait forever); as in Python, the
    /// request then stands, and the next `serve_forever` stops at once.
    ///
    /// ```
    /// use std::io::{BufRead, BufReader, Write};
    /// use std::net::TcpStream;
    /// use std::sync::Arc;
    /// use std::thread;
    /// use std::time::Duration;
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
    /// let serving = thread::spawn({
    ///     let server = Arc::clone(&server);
    ///     move || server.serve_forever_polling(Duration::from_secs(3600))
    /// });
    ///
    /// let mut client = TcpStream::connect(server.server_address())?;
    /// # client.set_read_timeout(ten_seconds)?;
    /// client.write_all(b"hello\n")?;
    /// let mut reply = String::new();
    /// BufReader::new(&client).read_line(&mut reply)?;
    /// assert_eq!(reply, "HELLO\n");
    ///
    /// server.shutdown(); // at once, not after the hour
    /// serving.join().expect("the serving thread panicked")?;
    /// server.server_close(); // close the socket and wait for the request threads
    /// # Ok(()) }
    /// ```
    fn shutdown(&self) {
        self.core().record_hook("shutdown", "BaseServer");
        self.core().shutdown();
    }
}

// ANCHOR: serve_request
/// Serves one request where it stands: `finish_request`, `handle_error` if the
/// handler failed, then `shutdown_request`, all late-bound. It is the body of
/// `BaseServer.process_request`, and of what a mixin's thread runs
/// (`ThreadingMixIn.process_request_thread`).
///
/// A handler's [`SystemExit`](crate::SystemExit) skips `handle_error` and is
/// returned, for the caller to raise (the serving thread) or drop (a request thread).
pub(crate) fn serve_request<S: BaseServer>(
    server: &Arc<S>,
    request: Request<S>,
    client_address: Address<S>,
) -> Option<io::Error> {
    let core = server.core();
    let (open, serve) = core.open_request(<S::Transport as Transport>::request_fd(&request));
    let mut exit = None;
    if !serve {
        // Past the shutdown deadline: close the request unserved.
    } else if let Err(error) = server.finish_request(&request, &client_address) {
        match error {
            HandlerError::Io(error) if SystemExit::is(&error) => exit = Some(error),
            error => server.handle_error(&request, &client_address, &error),
        }
    }
    drop(open); // before the request closes, so its descriptor is never reused
    server.shutdown_request(request);
    exit
}
// ANCHOR_END: serve_request

/// Is this `accept` failure "out of file descriptors" (EMFILE for the process,
/// ENFILE for the system)? Then the listening socket stays ready, and retrying at
/// once would spin.
pub(crate) fn is_out_of_descriptors(error: &io::Error) -> bool {
    matches!(error.raw_os_error(), Some(libc::EMFILE | libc::ENFILE))
}

/// The out-of-descriptors state of a `serve_forever` loop: how long to stop
/// watching the socket, doubling while it lasts, and one log line per burst.
#[derive(Default)]
struct OutOfDescriptors {
    /// Failed accepts in this burst (0: not out of descriptors).
    failures: u32,
}

impl OutOfDescriptors {
    const FIRST_PAUSE: Duration = Duration::from_millis(10);
    const LONGEST_PAUSE: Duration = Duration::from_millis(500);

    fn failed(&mut self, error: &io::Error) -> Duration {
        if self.failures == 0 {
            eprintln!(
                "socketserver: cannot accept a connection: {error}; \
                 pausing accept until a descriptor frees (open connections are still served)"
            );
        }
        self.failures = self.failures.saturating_add(1);
        let doubled = Self::FIRST_PAUSE.saturating_mul(1 << self.failures.min(16));
        doubled.min(Self::LONGEST_PAUSE)
    }

    fn recovered(&mut self) {
        if self.failures > 0 {
            eprintln!(
                "socketserver: accepting again after {} paused attempts",
                self.failures
            );
            self.failures = 0;
        }
    }
}

/// Python's `super()` for the hooks of [`BaseServer`]: the default body of each one,
/// to call from an override that extends it rather than replaces it.
///
/// Python:
///
/// ```python
/// class Counted(TCPServer):
///     def shutdown_request(self, request):
///         self.open -= 1
///         super().shutdown_request(request)
/// ```
///
/// Rust, in `impl BaseServer for Counted`:
///
/// ```
/// use std::sync::atomic::{AtomicUsize, Ordering};
/// use socketserver::prelude::*;
/// use socketserver::ServerCore;
/// # #[derive(Default)] struct Quiet;
/// # impl socketserver::RequestHandler for Quiet {
/// #     type Base = socketserver::StreamRequestHandler;
/// #     fn handle(&mut self, _this: &mut socketserver::Stream) -> std::io::Result<()> { Ok(()) }
/// # }
///
/// struct Counted {
///     core: ServerCore<Tcp>,
///     open: AtomicUsize,
/// }
/// # impl SocketServer for Counted {
/// #     type Transport = Tcp;
/// #     fn core(&self) -> &ServerCore<Tcp> { &self.core }
/// # }
///
/// impl BaseServer for Counted {
///     type Handler = Quiet;
///
///     fn shutdown_request(&self, request: Request<Self>) {
///         self.open.fetch_sub(1, Ordering::SeqCst);
///         defaults::shutdown_request(self, request); // super().shutdown_request(request)
///     }
/// }
/// ```
///
/// For a hook a mixin provides, `super()` is the mixin's function:
/// `ThreadingMixIn::process_request(self, request, client_address)`.
pub mod defaults {
    use std::io;
    use std::sync::Arc;

    use super::{Address, BaseServer, Request, serve_request};
    use crate::handler::HandlerError;
    use crate::transport::Transport;

    /// `BaseServer.process_request`: serve the request here and now
    /// (`finish_request`, `handle_error` on failure, `shutdown_request`).
    pub fn process_request<S: BaseServer>(
        server: &Arc<S>,
        request: Request<S>,
        client_address: Address<S>,
    ) {
        if let Some(exit) = serve_request(server, request, client_address) {
            // On the serving thread: the SystemExit leaves the loop, as in Python.
            server.core().raise_system_exit(exit);
        }
    }

    /// `TCPServer.shutdown_request` (or the transport's): end the conversation, then
    /// `close_request`.
    pub fn shutdown_request<S: BaseServer>(server: &S, request: Request<S>) {
        server.core().transport().shutdown_request(&request);
        server.close_request(request);
    }

    /// `BaseServer.handle_error`: print the error between two rules, as Python
    /// prints the traceback.
    pub fn handle_error<S: BaseServer>(
        _server: &S,
        _request: &Request<S>,
        client_address: &Address<S>,
        error: &HandlerError,
    ) {
        let rule = "-".repeat(40);
        eprintln!("{rule}");
        eprintln!("Exception occurred during processing of request from {client_address:?}");
        eprintln!("{error}");
        eprintln!("{rule}");
    }

    /// The transport's `server_close` (Python's `TCPServer.server_close`): close the
    /// socket. A mixin's `server_close` calls it as its `super()`.
    pub fn server_close<S: BaseServer>(server: &S) {
        server.core().server_close();
    }

    /// The transport's `get_request`.
    pub fn get_request<S: BaseServer>(server: &S) -> io::Result<(Request<S>, Address<S>)> {
        server.core().transport().get_request()
    }
}
