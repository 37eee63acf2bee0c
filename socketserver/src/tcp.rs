//! `TCPServer`'s socket: the [`Tcp`] transport, and the TCP servers' constructors.

use std::io;
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream, ToSocketAddrs};
use std::os::fd::{AsFd, AsRawFd, OwnedFd, RawFd};
use std::sync::{Mutex, MutexGuard};

use socket2::{Domain, Protocol, Socket, Type};

use crate::composed::constructors;
use crate::transport::{Transport, first_address, lock};

/// Python's `TCPServer` class attributes that shape the socket.
#[derive(Debug, Clone)]
/// ```
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
/// // A server that can be restarted on its port while old connections linger.
/// let options = TcpOptions { allow_reuse_address: true, ..TcpOptions::default() };
/// let server = TCPServer::<Upper>::with_options("127.0.0.1:0", options.clone())?;
/// let address = server.server_address();
/// drop(server);
/// let restarted = TCPServer::<Upper>::with_options(address, options)?;
/// assert_eq!(restarted.server_address(), address);
/// # Ok(()) }
/// ```
pub struct TcpOptions {
    /// `request_queue_size`: the `listen()` backlog, how many connections the
    /// system completes and holds for the server before it accepts them.
    ///
    /// Python's default is 5; ours is the system's maximum ([`SOMAXCONN`], which
    /// Linux further caps at `net.core.somaxconn`). With 5, a burst of clients
    /// overflows the queue and every connection past it waits out a one-second SYN
    /// retry: 400 clients connecting at once took 28–41 s to be served by a lesson
    /// server on this crate, and 65 s by CPython; with the system's maximum, 2 s.
    /// Python's value is one option away: [`TcpOptions::python`].
    pub request_queue_size: i32,
    /// `allow_reuse_address`: set `SO_REUSEADDR` before binding, so a restarted server
    /// can bind while old connections linger in TIME_WAIT. Python's default is false.
    pub allow_reuse_address: bool,
    /// `allow_reuse_port`: set `SO_REUSEPORT` (Unix), so several servers share a port.
    pub allow_reuse_port: bool,
}

/// The system's largest `listen()` backlog (Python's `socket.SOMAXCONN`): the
/// crate's default [`request_queue_size`](TcpOptions::request_queue_size).
pub const SOMAXCONN: i32 = libc::SOMAXCONN;

/// Python's `TCPServer.request_queue_size`.
const PYTHON_REQUEST_QUEUE_SIZE: i32 = 5;

impl Default for TcpOptions {
    /// Python's defaults, except the backlog: the system's maximum, not 5.
    fn default() -> TcpOptions {
        TcpOptions {
            request_queue_size: SOMAXCONN,
            allow_reuse_address: false,
            allow_reuse_port: false,
        }
    }
}

impl TcpOptions {
    /// Exactly Python's class attributes, the backlog of 5 included:
    ///
    /// ```
    /// use socketserver::prelude::*;
    /// use socketserver::SOMAXCONN;
    ///
    /// assert_eq!(TcpOptions::python().request_queue_size, 5);
    /// assert_eq!(TcpOptions::default().request_queue_size, SOMAXCONN);
    /// ```
    pub fn python() -> TcpOptions {
        TcpOptions {
            request_queue_size: PYTHON_REQUEST_QUEUE_SIZE,
            ..TcpOptions::default()
        }
    }
}

/// Where the socket is in its life: created, bound, listening, closed.
#[derive(Debug)]
enum TcpState {
    Created(Socket),
    Bound(Socket),
    Listening(TcpListener),
    Closed,
}

/// `TCPServer`'s socket: IPv4 or IPv6, bound and activated as Python does.
#[derive(Debug)]
/// Its life, step by step (the composed servers' `new` does all three):
///
/// ```
/// use socketserver::prelude::*;
///
/// # fn main() -> std::io::Result<()> {
/// let transport = Tcp::new("127.0.0.1:0", TcpOptions::default())?;
/// assert!(transport.fileno().is_some()); // Python's fileno(): the socket exists
/// transport.server_bind()?;
/// assert_ne!(transport.server_address().port(), 0); // the port the system chose
/// transport.server_activate()?; // listening: clients can connect now
/// transport.server_close();
/// assert!(transport.fileno().is_none());
/// # Ok(()) }
/// ```
///
/// IPv6 works the same way, with an address such as `"[::1]:0"`.
pub struct Tcp {
    server_address: Mutex<SocketAddr>,
    options: TcpOptions,
    state: Mutex<TcpState>,
}

impl Tcp {
    /// Creates the socket for `address` (the first address it resolves to) without
    /// binding it: Python's `TCPServer(address, Handler, bind_and_activate=False)`.
    /// Call [`server_bind`](Tcp::server_bind) and
    /// [`server_activate`](Tcp::server_activate) next.
    pub fn new(address: impl ToSocketAddrs, options: TcpOptions) -> io::Result<Tcp> {
        let address = first_address(address)?;
        let socket = Socket::new(
            Domain::for_address(address),
            Type::STREAM,
            Some(Protocol::TCP),
        )?;
        Ok(Tcp {
            server_address: Mutex::new(address),
            options,
            state: Mutex::new(TcpState::Created(socket)),
        })
    }

    /// Python's `server_bind()`: apply the reuse options, bind, and learn the real
    /// address (port 0 becomes the port the system chose).
    pub fn server_bind(&self) -> io::Result<()> {
        let mut state = self.state();
        let TcpState::Created(socket) = &*state else {
            return Err(wrong_state("server_bind", &state));
        };
        if self.options.allow_reuse_address {
            socket.set_reuse_address(true)?;
        }
        if self.options.allow_reuse_port {
            socket.set_reuse_port(true)?;
        }
        socket.bind(&(*lock(&self.server_address)).into())?;
        if let Some(bound) = socket.local_addr()?.as_socket() {
            *lock(&self.server_address) = bound;
        }
        let TcpState::Created(socket) = std::mem::replace(&mut *state, TcpState::Closed) else {
            unreachable!("checked above");
        };
        *state = TcpState::Bound(socket);
        Ok(())
    }

    /// Python's `server_activate()`: `listen(request_queue_size)`. The socket is made
    /// non-blocking, because the server only accepts when the selector says a client
    /// is waiting, and a client that gave up meanwhile must not block it.
    pub fn server_activate(&self) -> io::Result<()> {
        let mut state = self.state();
        let TcpState::Bound(socket) = &*state else {
            return Err(wrong_state("server_activate", &state));
        };
        socket.listen(self.options.request_queue_size)?;
        socket.set_nonblocking(true)?;
        let TcpState::Bound(socket) = std::mem::replace(&mut *state, TcpState::Closed) else {
            unreachable!("checked above");
        };
        *state = TcpState::Listening(socket.into());
        Ok(())
    }

    /// Python's `server.socket`, for the options `TcpOptions` does not cover: a second
    /// handle on the same socket (a `dup`), whose `set_...` methods change the
    /// server's socket. Dropping it closes only the second handle. Works at every
    /// step: between [`new`](Tcp::new) and [`server_bind`](Tcp::server_bind) for what
    /// must be set before binding (`set_only_v6`), and on a running server through
    /// `server.core().transport().socket()`.
    ///
    /// ```
    /// use socketserver::prelude::*;
    /// # #[derive(Default)] struct Quiet;
    /// # impl socketserver::RequestHandler for Quiet {
    /// #     type Base = socketserver::StreamRequestHandler;
    /// #     fn handle(&mut self, _this: &mut socketserver::Stream) -> std::io::Result<()> { Ok(()) }
    /// # }
    ///
    /// # fn main() -> std::io::Result<()> {
    /// // Python: server.socket.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
    /// let transport = Tcp::new("127.0.0.1:0", TcpOptions::default())?;
    /// transport.socket()?.set_keepalive(true)?;
    /// transport.server_bind()?;
    /// transport.server_activate()?;
    /// let server = TCPServer::<Quiet>::from_transport(transport);
    ///
    /// assert!(server.core().transport().socket()?.keepalive()?);
    /// server.core().server_close();
    /// assert!(server.core().transport().socket().is_err()); // closed: no socket
    /// # Ok(()) }
    /// ```
    pub fn socket(&self) -> io::Result<Socket> {
        match &*self.state() {
            TcpState::Created(socket) | TcpState::Bound(socket) => socket.try_clone(),
            TcpState::Listening(listener) => Ok(Socket::from(listener.try_clone()?)),
            TcpState::Closed => Err(io::Error::other("the server socket is closed")),
        }
    }

    fn state(&self) -> MutexGuard<'_, TcpState> {
        lock(&self.state)
    }
}

impl Transport for Tcp {
    type Request = TcpStream;
    type Address = SocketAddr;
    const CLASS: &'static str = "TCPServer";
    const MRO: &'static [&'static str] = &["TCPServer"];
    const HOOKS: &'static [(&'static str, &'static str)] = &[
        ("get_request", "TCPServer"),
        ("shutdown_request", "TCPServer"),
        ("close_request", "TCPServer"),
        ("server_close", "TCPServer"),
    ];

    fn get_request(&self) -> io::Result<(TcpStream, SocketAddr)> {
        let state = self.state();
        let TcpState::Listening(listener) = &*state else {
            return Err(wrong_state("get_request", &state));
        };
        let (connection, client_address) = listener.accept()?;
        // The connection is the handler's to read and write as it likes: blocking.
        connection.set_nonblocking(false)?;
        Ok((connection, client_address))
    }

    fn shutdown_request(&self, request: &TcpStream) {
        // Python: request.shutdown(SHUT_WR), ignoring errors (the peer may be gone).
        let _ = request.shutdown(Shutdown::Write);
    }

    fn server_close(&self) {
        *self.state() = TcpState::Closed;
    }

    fn fileno(&self) -> Option<RawFd> {
        match &*self.state() {
            TcpState::Created(socket) | TcpState::Bound(socket) => Some(socket.as_raw_fd()),
            TcpState::Listening(listener) => Some(listener.as_raw_fd()),
            TcpState::Closed => None,
        }
    }

    fn poll_source(&self) -> io::Result<OwnedFd> {
        match &*self.state() {
            TcpState::Listening(listener) => listener.as_fd().try_clone_to_owned(),
            state => Err(wrong_state("serve", state)),
        }
    }

    /// With the real port once bound (port 0 becomes the port the system chose).
    fn server_address(&self) -> SocketAddr {
        *lock(&self.server_address)
    }

    fn request_fd(request: &TcpStream) -> Option<RawFd> {
        Some(request.as_raw_fd())
    }
}

fn wrong_state(what: &str, state: &TcpState) -> io::Error {
    let now = match state {
        TcpState::Created(_) => "created but not bound",
        TcpState::Bound(_) => "bound but not listening",
        TcpState::Listening(_) => "already listening",
        TcpState::Closed => "closed",
    };
    io::Error::other(format!("{what}: the server socket is {now}"))
}

impl Tcp {
    /// Creates, binds and activates a TCP socket: Python's `TCPServer.__init__` with
    /// `bind_and_activate=True`, for a server type of your own
    /// (`ServerCore::new(Tcp::bind(address, TcpOptions::default())?)`). On failure
    /// the socket is closed (dropped), as Python's `server_close()` in its `except:`
    /// does.
    ///
    /// ```
    /// use socketserver::prelude::*;
    ///
    /// # fn main() -> std::io::Result<()> {
    /// let transport = Tcp::bind("127.0.0.1:0", TcpOptions::default())?;
    /// assert_ne!(transport.server_address().port(), 0); // bound, and listening
    /// # Ok(()) }
    /// ```
    pub fn bind(address: impl ToSocketAddrs, options: TcpOptions) -> io::Result<Tcp> {
        let transport = Tcp::new(address, options)?;
        transport.server_bind()?;
        transport.server_activate()?;
        Ok(transport)
    }
}

constructors!(Tcp, Tcp::bind, ToSocketAddrs, TcpOptions);
