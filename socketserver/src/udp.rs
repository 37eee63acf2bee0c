//! `UDPServer`'s socket: the [`Udp`] transport, and the UDP servers' constructors.
//!
//! A datagram server has no connections: each request is one packet. Python's
//! `UDPServer.get_request` returns `(data, socket)` as the request, so the handler
//! can answer on the same socket with `sendto`. Python's `UDPServer` is a subclass
//! of `TCPServer` that replaces what differs (`get_request`, `server_activate`,
//! `shutdown_request`, `close_request`) and keeps `server_close`.
//!
//! It keeps `TCPServer.__init__` too, and with it `bind_and_activate=False`: create
//! the socket, set it up through `server.socket`, then `server_bind()` and
//! `server_activate()`. [`Udp::new`], [`Udp::server_bind`] and
//! [`Udp::server_activate`] are those steps, as [`Tcp`](crate::Tcp)'s are; the
//! difference is that a datagram socket never listens, so `server_activate` has
//! nothing to do (Python's is `pass`) and a bound socket already serves. The Unix
//! datagram transport goes through the same steps (`DatagramLife`).

use std::io;
use std::net::{SocketAddr, ToSocketAddrs, UdpSocket};
use std::os::fd::{AsFd, AsRawFd, OwnedFd, RawFd};
use std::sync::{Arc, Mutex};

use socket2::{Domain, Protocol, SockRef, Socket, Type};

use crate::composed::constructors;
use crate::transport::{Transport, first_address, lock, recv_datagram};

/// One request of a datagram server: Python's `(data, socket)`. The socket is UDP's
/// unless said otherwise (`Datagram<UnixDatagram>` for Unix datagram servers).
#[derive(Debug)]
/// A handler on [`BaseRequestHandler`](crate::BaseRequestHandler) gets it as its
/// `request`, and answers as Python's does, with `socket.sendto(data, client_address)`:
///
/// ```
/// use std::io;
/// use std::net::UdpSocket;
/// use socketserver::prelude::*;
///
/// #[derive(Default)]
/// struct Echo;
///
/// impl RequestHandler for Echo {
///     type Base = BaseRequestHandler<Udp>;
///     fn handle(&mut self, this: &mut Base<Udp>) -> io::Result<()> {
///         let (data, socket) = (&this.request.data, &this.request.socket);
///         socket.send_to(data, this.client_address)?;
///         Ok(())
///     }
/// }
///
/// # fn main() -> io::Result<()> {
/// # let ten_seconds = Some(std::time::Duration::from_secs(10));
/// let server = UDPServer::<Echo>::new("127.0.0.1:0")?;
/// let client = UdpSocket::bind("127.0.0.1:0")?;
/// # client.set_read_timeout(ten_seconds)?;
/// client.send_to(b"marco", server.server_address())?;
/// server.handle_request()?;
/// let mut reply = [0; 16];
/// let received = client.recv(&mut reply)?;
/// assert_eq!(&reply[..received], b"marco");
/// # Ok(()) }
/// ```
pub struct Datagram<T = UdpSocket> {
    /// The packet's bytes (at most `max_packet_size`).
    pub data: Vec<u8>,
    /// The server's socket, to answer on with `send_to`.
    pub socket: Arc<T>,
}

/// Python's `UDPServer` class attributes.
#[derive(Debug, Clone)]
/// A datagram longer than `max_packet_size` is cut, as in Python:
///
/// ```
/// use std::net::UdpSocket;
/// use socketserver::prelude::*;
/// # #[derive(Default)] struct Shout;
/// # impl socketserver::RequestHandler for Shout {
/// #     type Base = socketserver::DatagramRequestHandler;
/// #     fn handle(&mut self, this: &mut socketserver::DatagramState) -> std::io::Result<()> {
/// #         this.wfile = this.packet.to_ascii_uppercase();
/// #         Ok(())
/// #     }
/// # }
/// # fn main() -> std::io::Result<()> {
/// # let ten_seconds = Some(std::time::Duration::from_secs(10));
/// let options = UdpOptions { max_packet_size: 4, ..UdpOptions::default() };
/// let server = UDPServer::<Shout>::with_options("127.0.0.1:0", options)?;
/// let client = UdpSocket::bind("127.0.0.1:0")?;
/// # client.set_read_timeout(ten_seconds)?;
/// client.send_to(b"pingpong", server.server_address())?;
/// server.handle_request()?;
/// let mut reply = [0; 16];
/// let received = client.recv(&mut reply)?;
/// assert_eq!(&reply[..received], b"PING");
/// # Ok(()) }
/// ```
pub struct UdpOptions {
    /// `max_packet_size`: the most one request reads. Python's default is 8192; a
    /// longer packet is cut to this size (the rest is lost, as in Python).
    pub max_packet_size: usize,
    /// `allow_reuse_address`: set `SO_REUSEADDR` before binding.
    pub allow_reuse_address: bool,
    /// `allow_reuse_port`: set `SO_REUSEPORT` before binding (Unix).
    pub allow_reuse_port: bool,
}

impl Default for UdpOptions {
    fn default() -> UdpOptions {
        UdpOptions {
            max_packet_size: 8192,
            allow_reuse_address: false,
            allow_reuse_port: false,
        }
    }
}

/// A datagram server's socket through its life: created, bound, activated, closed.
///
/// Shaped as [`Tcp`](crate::Tcp)'s, with one difference: a datagram socket never
/// listens. It receives from the moment it is bound, so it serves once bound,
/// activated or not, as in Python, whose `UDPServer.server_activate` is `pass`.
/// Each step out of order is an error naming the step and where the socket is.
#[derive(Debug)]
pub(crate) enum DatagramLife<T> {
    Created(Arc<T>),
    Bound(Arc<T>),
    Activated(Arc<T>),
    Closed,
}

impl<T> DatagramLife<T> {
    /// The socket at any step but closed: Python's `server.socket`.
    pub(crate) fn socket(&self) -> io::Result<Arc<T>> {
        match self {
            DatagramLife::Created(socket)
            | DatagramLife::Bound(socket)
            | DatagramLife::Activated(socket) => Ok(Arc::clone(socket)),
            DatagramLife::Closed => Err(self.wrong_state("socket")),
        }
    }

    /// The socket to take a request off, for `what`: bound, activated or not.
    pub(crate) fn serving(&self, what: &str) -> io::Result<Arc<T>> {
        match self {
            DatagramLife::Bound(socket) | DatagramLife::Activated(socket) => Ok(Arc::clone(socket)),
            DatagramLife::Created(_) | DatagramLife::Closed => Err(self.wrong_state(what)),
        }
    }

    /// `server_bind`: `bind` the created socket, and it is bound.
    pub(crate) fn bind(&mut self, bind: impl FnOnce(&T) -> io::Result<()>) -> io::Result<()> {
        let DatagramLife::Created(socket) = &*self else {
            return Err(self.wrong_state("server_bind"));
        };
        let socket = Arc::clone(socket);
        bind(&socket)?;
        *self = DatagramLife::Bound(socket);
        Ok(())
    }

    /// `server_activate`: nothing to do on the socket (Python's `pass`); the step is
    /// noted, so that a forgotten `server_bind` is an error rather than a server
    /// that never hears anything.
    pub(crate) fn activate(&mut self) -> io::Result<()> {
        let DatagramLife::Bound(socket) = &*self else {
            return Err(self.wrong_state("server_activate"));
        };
        *self = DatagramLife::Activated(Arc::clone(socket));
        Ok(())
    }

    /// `server_close`: drop the server's handle. Requests still being handled hold
    /// their own, so the socket closes when the last of them is done.
    pub(crate) fn close(&mut self) {
        *self = DatagramLife::Closed;
    }

    fn wrong_state(&self, what: &str) -> io::Error {
        let now = match self {
            DatagramLife::Created(_) => "created but not bound",
            DatagramLife::Bound(_) => "bound but not activated",
            DatagramLife::Activated(_) => "already activated",
            DatagramLife::Closed => "closed",
        };
        io::Error::other(format!("{what}: the server socket is {now}"))
    }
}

impl<T: AsRawFd> DatagramLife<T> {
    /// Python's `fileno()`: the socket's descriptor, while it is open.
    pub(crate) fn fileno(&self) -> Option<RawFd> {
        self.socket().ok().map(|socket| socket.as_raw_fd())
    }
}

/// `UDPServer`'s socket: IPv4 or IPv6, created, bound and activated as Python does.
#[derive(Debug)]
/// Its life, step by step, as [`Tcp`](crate::Tcp)'s (the composed servers' `new`
/// does all three):
///
/// ```
/// use socketserver::prelude::*;
///
/// # fn main() -> std::io::Result<()> {
/// let transport = Udp::new("127.0.0.1:0", UdpOptions::default())?;
/// assert!(transport.fileno().is_some()); // Python's fileno(): the socket exists
/// transport.server_bind()?;
/// assert_ne!(transport.server_address().port(), 0); // the port the system chose
/// transport.server_activate()?; // nothing to do for a datagram socket: Python's `pass`
/// transport.server_close();
/// assert!(transport.fileno().is_none());
/// # Ok(()) }
/// ```
///
/// Or in one call, with the servers' constructors:
///
/// ```
/// use socketserver::prelude::*;
/// # #[derive(Default)] struct Shout;
/// # impl socketserver::RequestHandler for Shout {
/// #     type Base = socketserver::DatagramRequestHandler;
/// #     fn handle(&mut self, this: &mut socketserver::DatagramState) -> std::io::Result<()> {
/// #         this.wfile = this.packet.to_ascii_uppercase();
/// #         Ok(())
/// #     }
/// # }
/// # fn main() -> std::io::Result<()> {
/// let transport = Udp::bind("127.0.0.1:0", UdpOptions::default())?;
/// let server = UDPServer::<Shout>::from_transport(transport);
/// assert_ne!(server.server_address().port(), 0);
/// # Ok(()) }
/// ```
pub struct Udp {
    server_address: Mutex<SocketAddr>,
    options: UdpOptions,
    life: Mutex<DatagramLife<UdpSocket>>,
}

impl Udp {
    /// Creates the socket for `address` (the first address it resolves to) without
    /// binding it: Python's `UDPServer(address, Handler, bind_and_activate=False)`.
    /// Call [`server_bind`](Udp::server_bind) and
    /// [`server_activate`](Udp::server_activate) next.
    pub fn new(address: impl ToSocketAddrs, options: UdpOptions) -> io::Result<Udp> {
        let address = first_address(address)?;
        let socket = Socket::new(
            Domain::for_address(address),
            Type::DGRAM,
            Some(Protocol::UDP),
        )?;
        Ok(Udp {
            server_address: Mutex::new(address),
            options,
            life: Mutex::new(DatagramLife::Created(Arc::new(socket.into()))),
        })
    }

    /// Python's `server_bind()`: apply the reuse options, bind, and learn the real
    /// address (port 0 becomes the port the system chose). The socket receives from
    /// now on.
    pub fn server_bind(&self) -> io::Result<()> {
        lock(&self.life).bind(|socket| {
            let socket = SockRef::from(socket);
            if self.options.allow_reuse_address {
                socket.set_reuse_address(true)?;
            }
            if self.options.allow_reuse_port {
                socket.set_reuse_port(true)?;
            }
            let mut server_address = lock(&self.server_address);
            socket.bind(&(*server_address).into())?;
            if let Some(bound) = socket.local_addr()?.as_socket() {
                *server_address = bound;
            }
            Ok(())
        })
    }

    /// Python's `server_activate()`, which `UDPServer` defines as `pass`: a datagram
    /// socket has no `listen`. Only the step is checked and noted (an error before
    /// [`server_bind`](Udp::server_bind), where Python's `pass` lets it by). A server
    /// bound but not activated serves all the same, as Python's does.
    pub fn server_activate(&self) -> io::Result<()> {
        lock(&self.life).activate()
    }

    /// Creates, binds and activates the socket: Python's `UDPServer(address,
    /// Handler)`, what the servers' `new` and `with_options` call. On failure the
    /// socket is closed (dropped), as Python's `server_close()` in its `except:`.
    pub fn bind(address: impl ToSocketAddrs, options: UdpOptions) -> io::Result<Udp> {
        let transport = Udp::new(address, options)?;
        transport.server_bind()?;
        transport.server_activate()?;
        Ok(transport)
    }

    /// Python's `server.socket`: the server's socket itself, shared (every datagram
    /// request holds it too, to answer on). For options `UdpOptions` does not cover,
    /// use the standard library's methods (`set_broadcast`) or socket2's
    /// (`SockRef::from(&*socket)`). Works at every step: between
    /// [`new`](Udp::new) and [`server_bind`](Udp::server_bind) for what must be set
    /// before binding, and on a running server through
    /// `server.core().transport().socket()`. An error once the server is closed.
    ///
    /// ```
    /// use socketserver::prelude::*;
    /// # #[derive(Default)] struct Quiet;
    /// # impl socketserver::RequestHandler for Quiet {
    /// #     type Base = socketserver::DatagramRequestHandler;
    /// #     fn handle(&mut self, _this: &mut socketserver::DatagramState) -> std::io::Result<()> { Ok(()) }
    /// # }
    ///
    /// # fn main() -> std::io::Result<()> {
    /// let server = UDPServer::<Quiet>::new("127.0.0.1:0")?;
    /// // Python: server.socket.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
    /// server.core().transport().socket()?.set_broadcast(true)?;
    /// assert!(server.core().transport().socket()?.broadcast()?);
    ///
    /// // Before binding, with Python's bind_and_activate=False:
    /// let transport = Udp::new("127.0.0.1:0", UdpOptions::default())?;
    /// socket2::SockRef::from(&*transport.socket()?).set_reuse_address(true)?;
    /// transport.server_bind()?;
    /// # Ok(()) }
    /// ```
    pub fn socket(&self) -> io::Result<Arc<UdpSocket>> {
        lock(&self.life).socket()
    }
}

impl Transport for Udp {
    type Request = Datagram;
    type Address = SocketAddr;
    const CLASS: &'static str = "UDPServer";
    const MRO: &'static [&'static str] = &["UDPServer", "TCPServer"];
    const HOOKS: &'static [(&'static str, &'static str)] = &[
        ("get_request", "UDPServer"),
        ("shutdown_request", "UDPServer"),
        ("close_request", "UDPServer"),
        // UDPServer does not define server_close: TCPServer's closes the socket.
        ("server_close", "TCPServer"),
    ];

    fn get_request(&self) -> io::Result<(Datagram, SocketAddr)> {
        let socket = lock(&self.life).serving("get_request")?;
        let (data, from) = recv_datagram(SockRef::from(&*socket), self.options.max_packet_size)?;
        let client_address = from
            .as_socket()
            .ok_or_else(|| io::Error::other("a datagram from a non-IP address"))?;
        Ok((Datagram { data, socket }, client_address))
    }

    fn shutdown_request(&self, _request: &Datagram) {
        // Nothing to shut down: a datagram is not a connection.
    }

    fn server_close(&self) {
        lock(&self.life).close();
    }

    fn fileno(&self) -> Option<RawFd> {
        lock(&self.life).fileno()
    }

    fn poll_source(&self) -> io::Result<OwnedFd> {
        lock(&self.life)
            .serving("serve")?
            .as_fd()
            .try_clone_to_owned()
    }

    /// With the real port once bound (port 0 becomes the port the system chose).
    fn server_address(&self) -> SocketAddr {
        *lock(&self.server_address)
    }
}

constructors!(Udp, Udp::bind, ToSocketAddrs, UdpOptions);
