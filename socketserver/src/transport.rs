//! Transports: the layer that owns the server's socket.
//!
//! In Python, `TCPServer` and `UDPServer` are the classes that know about sockets:
//! they create and bind it (`server_bind`), start listening (`server_activate`), take
//! the next request off it (`get_request`), and close it (`server_close`).
//! `BaseServer` above them knows nothing of sockets at all. Here that layer is the
//! [`Transport`] trait: [`Tcp`](crate::Tcp) is `TCPServer`'s part of it,
//! [`Udp`](crate::Udp) `UDPServer`'s.

use std::fmt;
use std::io;
use std::os::fd::{OwnedFd, RawFd};
use std::sync::{Mutex, MutexGuard, PoisonError};

/// The socket layer of a server: Python's `TCPServer`/`UDPServer` methods that touch
/// the socket.
///
/// Code for any transport can use what they share:
///
/// ```
/// use socketserver::prelude::*;
///
/// fn describe<T: Transport>(transport: &T) -> String {
///     format!("{} on {:?}", T::CLASS, transport.server_address())
/// }
///
/// # fn main() -> std::io::Result<()> {
/// let tcp = Tcp::new("127.0.0.1:0", TcpOptions::default())?;
/// tcp.server_bind()?;
/// assert!(describe(&tcp).starts_with("TCPServer on 127.0.0.1:"));
/// let udp = Udp::bind("127.0.0.1:0", UdpOptions::default())?;
/// assert!(describe(&udp).starts_with("UDPServer on 127.0.0.1:"));
/// # Ok(()) }
/// ```
pub trait Transport: Send + Sync + 'static {
    /// What [`get_request`](Transport::get_request) hands over: a connection for TCP,
    /// the data and the socket for UDP (Python's `request`).
    type Request: Send + 'static;
    /// The peer's address (Python's `client_address`).
    type Address: fmt::Debug + Clone + Send + Sync + 'static;
    /// Python's name of the plain server on this transport: `TCPServer`.
    const CLASS: &'static str;

    /// The transport's classes in Python's MRO: `["UDPServer", "TCPServer"]` for UDP
    /// (Python's `UDPServer` is a subclass of `TCPServer`).
    const MRO: &'static [&'static str];

    /// Which Python class provides each hook this transport implements: Python's
    /// `UDPServer` subclasses `TCPServer` and keeps its `server_close`, for example.
    const HOOKS: &'static [(&'static str, &'static str)];

    /// The Python class that provides `hook` in this transport (`BaseServer` for
    /// hooks transports do not touch).
    fn layer_of(hook: &str) -> &'static str {
        Self::HOOKS
            .iter()
            .find(|(name, _)| *name == hook)
            .map_or("BaseServer", |(_, layer)| *layer)
    }

    /// Python's `get_request()`: take the next request off the socket, without
    /// blocking (the server only calls it when the socket is ready).
    fn get_request(&self) -> io::Result<(Self::Request, Self::Address)>;

    /// Python's `shutdown_request()` before `close_request()`: tell the peer we are
    /// done (TCP sends FIN); then dropping the request closes it.
    fn shutdown_request(&self, request: &Self::Request);

    /// Python's `server_close()` on the socket: close it. Idempotent.
    fn server_close(&self);

    /// The socket's file descriptor (Python's `fileno()`), while it is open.
    fn fileno(&self) -> Option<RawFd>;

    /// A second descriptor of the socket, for a selector to watch: the selector owns
    /// it, so closing the server cannot pull a watched socket from under it.
    fn poll_source(&self) -> io::Result<OwnedFd>;

    /// The address the server is bound to (Python's `server_address`).
    fn server_address(&self) -> Self::Address;

    /// The descriptor of a connection-like request, so that a shutdown past its
    /// deadline can end it (`shutdown(SHUT_RDWR)`: the handler reads end-of-file).
    /// `None`, the default, for requests that are not connections (datagrams).
    fn request_fd(_request: &Self::Request) -> Option<RawFd> {
        None
    }
}

/// Locks a mutex whose data stays valid even if a holder panicked (every change under
/// these locks is a single assignment).
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The first address `address` resolves to (Python binds to exactly one).
pub(crate) fn first_address(
    address: impl std::net::ToSocketAddrs,
) -> std::io::Result<std::net::SocketAddr> {
    address.to_socket_addrs()?.next().ok_or_else(|| {
        std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            "the address resolved to nothing",
        )
    })
}

/// One datagram of at most `max_size` bytes, and who sent it, without ever blocking:
/// `MSG_DONTWAIT` keeps a spurious readiness from blocking the loop, while the socket
/// itself stays blocking for the handlers' `send_to`.
pub(crate) fn recv_datagram(
    socket: socket2::SockRef<'_>,
    max_size: usize,
) -> std::io::Result<(Vec<u8>, socket2::SockAddr)> {
    let mut buffer = vec![std::mem::MaybeUninit::<u8>::uninit(); max_size];
    let (received, from) = socket.recv_from_with_flags(&mut buffer, libc::MSG_DONTWAIT)?;
    let data = buffer[..received]
        .iter()
        // SAFETY: the kernel initialised the first `received` bytes.
        .map(|byte| unsafe { byte.assume_init() })
        .collect();
    Ok((data, from))
}
