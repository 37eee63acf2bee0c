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
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::core::ServerCore;
use crate::handler::{self, HandlerError, RequestHandler};
use crate::transport::Transport;

/// What a server's transport hands over as a request (Python's `request`).
///
/// For a TCP server it is the connection:
///
/// ```
/// use std::net::TcpStream;
/// use socketserver::{Request, TCPServer};
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
/// use socketserver::{Address, SocketServer};
///
/// fn log_connected<S: SocketServer>(client_address: &Address<S>) {
///     println!("connected: {client_address:?}");
/// }
/// ```
pub type Address<S> = <<S as SocketServer>::Transport as Transport>::Address;

// ANCHOR: socket_server
/// The part of a server that knows its socket and nothing of handlers.
///
/// It is separate from [`BaseServer`] so that a handler can say "I work with any
/// server on TCP" (`S: SocketServer<Transport = Tcp>`) without naming the handler
/// the server uses, which would be a circle: the server names its handler, and the
/// handler would name the server.
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
}
// ANCHOR_END: socket_server

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
/// use socketserver::{Address, BaseServer, Request, ServerCore, SocketServer, Tcp, TcpOptions};
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
    /// Python's `RequestHandlerClass`: a new one handles each request.
    type Handler: RequestHandler<Self>;

    /// Python's `__mro__`, this type first, for the [inspector](crate::resolution).
    /// The default names your type and then the transport's classes: right for a
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
    /// [`server.core().set_timeout(...)`](crate::ServerCore::set_timeout) here. A type
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
        self.core().transport().get_request()
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
        serve_request(self, request, client_address);
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
        self.core().transport().shutdown_request(&request);
        self.close_request(request);
    }

    /// Python's `close_request()`: release the request. Dropping it closes it.
    fn close_request(&self, request: Request<Self>) {
        self.core().record_hook(
            "close_request",
            <Self::Transport as Transport>::layer_of("close_request"),
        );
        drop(request);
    }

    /// Python's `handle_error()`: a handler failed. The default prints what Python
    /// prints, with the error in place of the traceback, and the server goes on.
    fn handle_error(&self, client_address: &Address<Self>, error: &HandlerError) {
        self.core().record_hook("handle_error", "BaseServer");
        let rule = "-".repeat(40);
        eprintln!("{rule}");
        eprintln!("Exception occurred during processing of request from {client_address:?}");
        eprintln!("{error}");
        eprintln!("{rule}");
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
        self.core().server_close();
    }

    // ---- The templates: call them, do not override them. ----

    // ANCHOR: serve_forever
    /// Python's `serve_forever(poll_interval)`: handle requests until
    /// [`shutdown`](BaseServer::shutdown) is called (from another thread) or the
    /// server is closed.
    ///
    /// `poll_interval` is how often [`service_actions`](BaseServer::service_actions)
    /// runs when nothing happens. Unlike Python's, `shutdown` does not wait for it:
    /// it wakes the loop at once.
    ///
    /// Example: see [`shutdown`](BaseServer::shutdown).
    fn serve_forever(self: &Arc<Self>, poll_interval: Duration) -> io::Result<()> {
        let core = self.core();
        core.record_hook("serve_forever", "BaseServer");
        let _serving = core.start_serving();
        let mut selector = core.selector()?;
        while !core.shutdown_requested() {
            let ready = selector.select(Some(poll_interval))?;
            if core.shutdown_requested() || core.transport().fileno().is_none() {
                break;
            }
            if ready {
                self.handle_request_noblock();
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
    /// use std::sync::Arc;
    /// use socketserver::{BaseServer, SocketServer, TCPServer};
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
    /// let server = Arc::new(TCPServer::<Upper>::new("127.0.0.1:0")?);
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
                self.handle_request_noblock();
                return Ok(());
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
    /// as in Python.
    fn handle_request_noblock(self: &Arc<Self>) {
        let Ok((request, client_address)) = self.get_request() else {
            return;
        };
        if self.verify_request(&request, &client_address) {
            self.process_request(request, client_address);
        } else {
            self.shutdown_request(request);
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
    /// let serving = thread::spawn({
    ///     let server = Arc::clone(&server);
    ///     move || server.serve_forever(Duration::from_secs(3600))
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
pub(crate) fn serve_request<S: BaseServer>(
    server: &Arc<S>,
    request: Request<S>,
    client_address: Address<S>,
) {
    if let Err(error) = server.finish_request(&request, &client_address) {
        server.handle_error(&client_address, &error);
    }
    server.shutdown_request(request);
}
// ANCHOR_END: serve_request
