//! `UDPServer`'s socket: the [`Udp`] transport, and the UDP servers' constructors.
//!
//! A datagram server has no connections: each request is one packet. Python's
//! `UDPServer.get_request` returns `(data, socket)` as the request, so the handler
//! can answer on the same socket with `sendto`. Python's `UDPServer` is a subclass
//! of `TCPServer` that replaces what differs (`get_request`, `server_activate`,
//! `shutdown_request`, `close_request`) and keeps `server_close`.

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
/// use std::sync::Arc;
/// use socketserver::{Base, BaseRequestHandler, BaseServer, RequestHandler, SocketServer, Udp,
///                    UDPServer};
///
/// #[derive(Default)]
/// struct Echo;
///
/// impl<S: SocketServer<Transport = Udp>> RequestHandler<S> for Echo {
///     type Base = BaseRequestHandler;
///     fn handle(&mut self, this: &mut Base<'_, S>) -> io::Result<()> {
///         let (data, socket) = (&this.request.data, &this.request.socket);
///         socket.send_to(data, this.client_address)?;
///         Ok(())
///     }
/// }
///
/// # fn main() -> io::Result<()> {
/// # let ten_seconds = Some(std::time::Duration::from_secs(10));
/// let server = Arc::new(UDPServer::<Echo>::new("127.0.0.1:0")?);
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
/// use std::sync::Arc;
/// use socketserver::{BaseServer, SocketServer, UDPServer, UdpOptions};
/// # #[derive(Default)] struct Shout;
/// # impl<S: socketserver::SocketServer<Transport = socketserver::Udp>> socketserver::RequestHandler<S> for Shout {
/// #     type Base = socketserver::DatagramRequestHandler;
/// #     fn handle(&mut self, this: &mut socketserver::DatagramState<'_, S>) -> std::io::Result<()> {
/// #         this.wfile = this.packet.to_ascii_uppercase();
/// #         Ok(())
/// #     }
/// # }
/// # fn main() -> std::io::Result<()> {
/// # let ten_seconds = Some(std::time::Duration::from_secs(10));
/// let options = UdpOptions { max_packet_size: 4, ..UdpOptions::default() };
/// let server = Arc::new(UDPServer::<Shout>::with_options("127.0.0.1:0", options)?);
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

/// `UDPServer`'s socket.
#[derive(Debug)]
/// ```
/// use socketserver::{SocketServer, Udp, UDPServer, UdpOptions};
/// # #[derive(Default)] struct Shout;
/// # impl<S: socketserver::SocketServer<Transport = socketserver::Udp>> socketserver::RequestHandler<S> for Shout {
/// #     type Base = socketserver::DatagramRequestHandler;
/// #     fn handle(&mut self, this: &mut socketserver::DatagramState<'_, S>) -> std::io::Result<()> {
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
    server_address: SocketAddr,
    options: UdpOptions,
    socket: Mutex<Option<Arc<UdpSocket>>>,
}

impl Udp {
    /// Creates and binds the socket: Python's `UDPServer(address, Handler)`.
    /// (`server_activate` does nothing for UDP: there is no `listen`.)
    pub fn bind(address: impl ToSocketAddrs, options: UdpOptions) -> io::Result<Udp> {
        let address = first_address(address)?;
        let socket = Socket::new(
            Domain::for_address(address),
            Type::DGRAM,
            Some(Protocol::UDP),
        )?;
        if options.allow_reuse_address {
            socket.set_reuse_address(true)?;
        }
        if options.allow_reuse_port {
            socket.set_reuse_port(true)?;
        }
        socket.bind(&address.into())?;
        let socket: UdpSocket = socket.into();
        Ok(Udp {
            server_address: socket.local_addr()?,
            options,
            socket: Mutex::new(Some(Arc::new(socket))),
        })
    }

    /// Python's `server.socket`: the server's socket itself, shared (every datagram
    /// request holds it too, to answer on). For options `UdpOptions` does not cover,
    /// use the standard library's methods (`set_broadcast`) or socket2's
    /// (`SockRef::from(&*socket)`). An error once the server is closed.
    ///
    /// ```
    /// use socketserver::{SocketServer, Udp, UDPServer, UdpOptions};
    /// # #[derive(Default)] struct Quiet;
    /// # impl<S: socketserver::SocketServer<Transport = socketserver::Udp>> socketserver::RequestHandler<S> for Quiet {
    /// #     type Base = socketserver::DatagramRequestHandler;
    /// #     fn handle(&mut self, _this: &mut socketserver::DatagramState<'_, S>) -> std::io::Result<()> { Ok(()) }
    /// # }
    ///
    /// # fn main() -> std::io::Result<()> {
    /// let server = UDPServer::<Quiet>::new("127.0.0.1:0")?;
    /// // Python: server.socket.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
    /// server.core().transport().socket()?.set_broadcast(true)?;
    /// assert!(server.core().transport().socket()?.broadcast()?);
    /// # Ok(()) }
    /// ```
    pub fn socket(&self) -> io::Result<Arc<UdpSocket>> {
        lock(&self.socket)
            .clone()
            .ok_or_else(|| io::Error::other("the server socket is closed"))
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
        let socket = self.socket()?;
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
        *lock(&self.socket) = None;
    }

    fn fileno(&self) -> Option<RawFd> {
        lock(&self.socket).as_ref().map(|socket| socket.as_raw_fd())
    }

    fn poll_source(&self) -> io::Result<OwnedFd> {
        self.socket()?.as_fd().try_clone_to_owned()
    }

    fn server_address(&self) -> SocketAddr {
        self.server_address
    }
}

constructors!(Udp, Udp::bind, ToSocketAddrs, UdpOptions);
