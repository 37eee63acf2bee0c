//! The Unix-domain servers: `UnixStreamServer`, `UnixDatagramServer` and their
//! threading and forking variants. Python defines them only
//! `if hasattr(socket, 'AF_UNIX')` (the forking ones, new in Python 3.12, also
//! `if hasattr(os, "fork")`); here they exist only `#[cfg(unix)]`.
//!
//! Python's `UnixStreamServer` is `TCPServer` with another address family, and
//! `UnixDatagramServer` is `UDPServer` with another: the MRO keeps every method of
//! those classes. As in Python, closing the server does not remove its socket file.
//!
//! The address is a path, or on Linux a name in the abstract namespace: a path that
//! starts with a NUL byte, as Python's `"\0name"`, which no file stands for. Both
//! transports bind through socket2's `SockAddr::unix`, which takes either (std's
//! `bind` refuses the NUL). A client's address is std's
//! `std::os::unix::net::SocketAddr`: a path, an abstract name
//! (`std::os::linux::net::SocketAddrExt`), or unnamed, for a client that never bound
//! its socket, where Python says `None`. A datagram from an unnamed client is served
//! like any other; only the reply has nowhere to go, and that error reaches
//! `handle_error`, as Python's `sendto(data, None)` raises there.
//!
//! Both keep `TCPServer.__init__`'s `bind_and_activate=False`, as [`Tcp`](crate::Tcp)
//! and [`Udp`](crate::Udp) do: `new` creates the socket, `socket()` is Python's
//! `server.socket` to set it up, then `server_bind()` and `server_activate()`
//! (`listen` for the stream server, nothing for the datagram one, as
//! `UDPServer`'s `pass`).

use std::io;
use std::net::Shutdown;
use std::os::fd::{AsFd, AsRawFd, OwnedFd, RawFd};
use std::os::unix::net::{SocketAddr, UnixDatagram, UnixListener, UnixStream};
use std::path::Path;
use std::sync::{Arc, Mutex};

use socket2::{Domain, SockAddr, SockRef, Socket, Type};

#[cfg(target_os = "android")]
use std::os::android::net::SocketAddrExt as _;
#[cfg(target_os = "linux")]
use std::os::linux::net::SocketAddrExt as _;

use crate::composed::{Forking, Serial, Threading, constructors};
use crate::transport::{Transport, lock, recv_datagram};
use crate::udp::{Datagram, DatagramLife};

/// Python's class attributes of the Unix servers.
#[derive(Debug, Clone)]
/// ```
/// use socketserver::prelude::*;
/// use socketserver::UnixOptions;
/// # use std::io::{BufRead as _, Write as _};
/// # #[derive(Default)] struct Upper;
/// # impl socketserver::RequestHandler for Upper {
/// #     type Base = socketserver::StreamRequestHandler<socketserver::UnixStreamTransport>;
/// #     fn handle(&mut self, this: &mut socketserver::Stream<socketserver::UnixStreamTransport>) -> std::io::Result<()> {
/// #         let mut line = Vec::new();
/// #         this.rfile.read_until(b'\n', &mut line)?;
/// #         this.wfile.write_all(&line.to_ascii_uppercase())
/// #     }
/// # }
/// # fn main() -> std::io::Result<()> {
/// # let dir = std::env::temp_dir().join(format!("socketserver-doc-options-{}", std::process::id()));
/// # std::fs::create_dir_all(&dir)?;
/// let path = dir.join("options.sock");
/// # let _ = std::fs::remove_file(&path);
/// let options = UnixOptions { request_queue_size: 64, ..UnixOptions::default() };
/// let server = UnixStreamServer::<Upper>::with_options(&path, options)?;
/// # drop(server); std::fs::remove_dir_all(&dir)?;
/// # Ok(()) }
/// ```
pub struct UnixOptions {
    /// `request_queue_size` (stream servers): the `listen()` backlog. Python's
    /// default is 5; ours is the system's maximum, [`SOMAXCONN`](crate::SOMAXCONN),
    /// for the reason [`TcpOptions::request_queue_size`](crate::TcpOptions::request_queue_size)
    /// gives.
    pub request_queue_size: i32,
    /// `max_packet_size` (datagram servers): the most one request reads. Default 8192.
    pub max_packet_size: usize,
}

impl Default for UnixOptions {
    fn default() -> UnixOptions {
        UnixOptions {
            request_queue_size: crate::SOMAXCONN,
            max_packet_size: 8192,
        }
    }
}

/// Where the stream socket is in its life: created, bound, listening, closed (as
/// [`Tcp`](crate::Tcp)'s).
#[derive(Debug)]
enum StreamLife {
    Created(Socket),
    Bound(Socket),
    Listening(UnixListener),
    Closed,
}

impl StreamLife {
    fn wrong_state(&self, what: &str) -> io::Error {
        let now = match self {
            StreamLife::Created(_) => "created but not bound",
            StreamLife::Bound(_) => "bound but not listening",
            StreamLife::Listening(_) => "already listening",
            StreamLife::Closed => "closed",
        };
        io::Error::other(format!("{what}: the server socket is {now}"))
    }
}

/// `UnixStreamServer`'s socket: a listening Unix stream socket at a path (or, on
/// Linux, an abstract name), created, bound and activated as Python does.
#[derive(Debug)]
/// Its life, step by step, as [`Tcp`](crate::Tcp)'s (the composed servers' `new`
/// does all three, as [`bind`](UnixStreamTransport::bind) does):
///
/// ```
/// use socketserver::prelude::*;
/// use socketserver::UnixOptions;
///
/// # fn main() -> std::io::Result<()> {
/// # let dir = std::env::temp_dir().join(format!("socketserver-doc-stream-steps-{}", std::process::id()));
/// # std::fs::create_dir_all(&dir)?;
/// let path = dir.join("stream-steps.sock");
/// # let _ = std::fs::remove_file(&path);
/// let transport = UnixStreamTransport::new(&path, UnixOptions::default())?;
/// assert!(transport.fileno().is_some()); // the socket exists...
/// assert!(!path.exists()); // ...but no file yet
/// transport.server_bind()?; // now the file is there
/// assert!(path.exists());
/// transport.server_activate()?; // listening: clients can connect now
/// transport.server_close();
/// assert!(transport.fileno().is_none());
/// # std::fs::remove_dir_all(&dir)?;
/// # Ok(()) }
/// ```
///
/// Or in one call:
///
/// ```
/// use socketserver::prelude::*;
/// use socketserver::UnixOptions;
/// # use std::io::{BufRead as _, Write as _};
/// # #[derive(Default)] struct Upper;
/// # impl socketserver::RequestHandler for Upper {
/// #     type Base = socketserver::StreamRequestHandler<socketserver::UnixStreamTransport>;
/// #     fn handle(&mut self, this: &mut socketserver::Stream<socketserver::UnixStreamTransport>) -> std::io::Result<()> {
/// #         let mut line = Vec::new();
/// #         this.rfile.read_until(b'\n', &mut line)?;
/// #         this.wfile.write_all(&line.to_ascii_uppercase())
/// #     }
/// # }
/// # fn main() -> std::io::Result<()> {
/// # let dir = std::env::temp_dir().join(format!("socketserver-doc-stream-transport-{}", std::process::id()));
/// # std::fs::create_dir_all(&dir)?;
/// let path = dir.join("stream-transport.sock");
/// # let _ = std::fs::remove_file(&path);
/// let transport = UnixStreamTransport::bind(&path, UnixOptions::default())?;
/// let server = UnixStreamServer::<Upper>::from_transport(transport);
/// assert_eq!(server.server_address().as_pathname(), Some(path.as_path()));
/// # drop(server); std::fs::remove_dir_all(&dir)?;
/// # Ok(()) }
/// ```
pub struct UnixStreamTransport {
    server_address: Mutex<SocketAddr>,
    /// Where to bind, as the kernel takes it.
    requested: SockAddr,
    options: UnixOptions,
    life: Mutex<StreamLife>,
}

impl UnixStreamTransport {
    /// Creates the socket for `path` without binding it: Python's
    /// `UnixStreamServer(path, Handler, bind_and_activate=False)`. Call
    /// [`server_bind`](UnixStreamTransport::server_bind) and
    /// [`server_activate`](UnixStreamTransport::server_activate) next. A path that
    /// starts with a NUL byte is a name in Linux's abstract namespace (Python's
    /// `"\0name"`); a path too long for a Unix address fails here.
    pub fn new(path: impl AsRef<Path>, options: UnixOptions) -> io::Result<UnixStreamTransport> {
        let requested = SockAddr::unix(path)?;
        let server_address = match std_address(&requested) {
            Some(address) => address,
            None => unnamed()?,
        };
        let socket = Socket::new(Domain::UNIX, Type::STREAM, None)?;
        Ok(UnixStreamTransport {
            server_address: Mutex::new(server_address),
            requested,
            options,
            life: Mutex::new(StreamLife::Created(socket)),
        })
    }

    /// Python's `server_bind()`: bind, which makes the socket file (none for an
    /// abstract name), and learn the address the kernel gave (for the empty path, a
    /// name it chose in the abstract namespace). Fails if the path exists: remove a
    /// stale socket file first, as in Python.
    pub fn server_bind(&self) -> io::Result<()> {
        let mut life = lock(&self.life);
        let StreamLife::Created(socket) = &*life else {
            return Err(life.wrong_state("server_bind"));
        };
        socket.bind(&self.requested)?;
        if let Some(bound) = std_address(&socket.local_addr()?) {
            *lock(&self.server_address) = bound;
        }
        let StreamLife::Created(socket) = std::mem::replace(&mut *life, StreamLife::Closed) else {
            unreachable!("checked above");
        };
        *life = StreamLife::Bound(socket);
        Ok(())
    }

    /// Python's `server_activate()`: `listen(request_queue_size)`. Until then a
    /// client's `connect` is refused. The socket is made non-blocking, as TCP's,
    /// because the server only accepts when the selector says a client is waiting.
    pub fn server_activate(&self) -> io::Result<()> {
        let mut life = lock(&self.life);
        let StreamLife::Bound(socket) = &*life else {
            return Err(life.wrong_state("server_activate"));
        };
        socket.listen(self.options.request_queue_size)?;
        socket.set_nonblocking(true)?;
        let StreamLife::Bound(socket) = std::mem::replace(&mut *life, StreamLife::Closed) else {
            unreachable!("checked above");
        };
        *life = StreamLife::Listening(socket.into());
        Ok(())
    }

    /// Creates, binds and listens: Python's `UnixStreamServer(path, Handler)`, what
    /// the servers' `new` and `with_options` call. Fails if the path exists (remove
    /// a stale socket file first, as in Python).
    pub fn bind(path: impl AsRef<Path>, options: UnixOptions) -> io::Result<UnixStreamTransport> {
        let transport = UnixStreamTransport::new(path, options)?;
        transport.server_bind()?;
        transport.server_activate()?;
        Ok(transport)
    }

    /// Python's `server.socket`, as [`Tcp::socket`](crate::Tcp::socket): a second
    /// handle on the same socket (a `dup`, as a socket2 `Socket`, since the socket is
    /// a std `UnixListener` only once it listens), whose `set_...` methods change
    /// the server's socket. Dropping it closes only the second handle. Works at every
    /// step: between [`new`](UnixStreamTransport::new) and
    /// [`server_bind`](UnixStreamTransport::server_bind) for what must be set before
    /// binding, and on a running server through `server.core().transport().socket()`.
    /// An error once the server is closed.
    ///
    /// ```
    /// use socketserver::prelude::*;
    /// use socketserver::UnixOptions;
    /// # #[derive(Default)] struct Quiet;
    /// # impl socketserver::RequestHandler for Quiet {
    /// #     type Base = socketserver::StreamRequestHandler<socketserver::UnixStreamTransport>;
    /// #     fn handle(&mut self, _this: &mut socketserver::Stream<socketserver::UnixStreamTransport>) -> std::io::Result<()> { Ok(()) }
    /// # }
    ///
    /// # fn main() -> std::io::Result<()> {
    /// # let dir = std::env::temp_dir().join(format!("socketserver-doc-stream-socket-{}", std::process::id()));
    /// # std::fs::create_dir_all(&dir)?;
    /// let path = dir.join("stream-socket.sock");
    /// # let _ = std::fs::remove_file(&path);
    /// // Python: server.socket.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 65536),
    /// // which the connections it accepts inherit
    /// let transport = UnixStreamTransport::new(&path, UnixOptions::default())?;
    /// transport.socket()?.set_send_buffer_size(65536)?;
    /// transport.server_bind()?;
    /// transport.server_activate()?;
    /// let server = UnixStreamServer::<Quiet>::from_transport(transport);
    ///
    /// assert!(server.core().transport().socket()?.send_buffer_size()? >= 65536);
    /// server.core().server_close();
    /// assert!(server.core().transport().socket().is_err()); // closed: no socket
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok(()) }
    /// ```
    pub fn socket(&self) -> io::Result<Socket> {
        match &*lock(&self.life) {
            StreamLife::Created(socket) | StreamLife::Bound(socket) => socket.try_clone(),
            StreamLife::Listening(listener) => Ok(Socket::from(listener.try_clone()?)),
            StreamLife::Closed => Err(io::Error::other("the server socket is closed")),
        }
    }
}

impl Transport for UnixStreamTransport {
    type Request = UnixStream;
    type Address = SocketAddr;
    const CLASS: &'static str = "UnixStreamServer";
    const MRO: &'static [&'static str] = &["UnixStreamServer", "TCPServer"];
    const HOOKS: &'static [(&'static str, &'static str)] = &[
        ("get_request", "TCPServer"),
        ("shutdown_request", "TCPServer"),
        ("close_request", "TCPServer"),
        ("server_close", "TCPServer"),
    ];

    fn get_request(&self) -> io::Result<(UnixStream, SocketAddr)> {
        let life = lock(&self.life);
        let StreamLife::Listening(listener) = &*life else {
            return Err(life.wrong_state("get_request"));
        };
        let (connection, client_address) = listener.accept()?;
        connection.set_nonblocking(false)?;
        Ok((connection, client_address))
    }

    fn shutdown_request(&self, request: &UnixStream) {
        let _ = request.shutdown(Shutdown::Write);
    }

    fn server_close(&self) {
        *lock(&self.life) = StreamLife::Closed;
    }

    fn fileno(&self) -> Option<RawFd> {
        match &*lock(&self.life) {
            StreamLife::Created(socket) | StreamLife::Bound(socket) => Some(socket.as_raw_fd()),
            StreamLife::Listening(listener) => Some(listener.as_raw_fd()),
            StreamLife::Closed => None,
        }
    }

    fn poll_source(&self) -> io::Result<OwnedFd> {
        match &*lock(&self.life) {
            StreamLife::Listening(listener) => listener.as_fd().try_clone_to_owned(),
            life => Err(life.wrong_state("serve")),
        }
    }

    /// The path (or name) asked for; once bound, the one the kernel gave.
    fn server_address(&self) -> SocketAddr {
        lock(&self.server_address).clone()
    }

    fn request_fd(request: &UnixStream) -> Option<RawFd> {
        Some(request.as_raw_fd())
    }
}

/// `UnixDatagramServer`'s socket: a Unix datagram socket at a path (or, on Linux, an
/// abstract name), created, bound and activated as Python does.
#[derive(Debug)]
/// Its life, step by step, as [`Udp`](crate::Udp)'s: no `listen`, so
/// `server_activate` has nothing to do (Python's `pass`), and the socket receives
/// from the moment it is bound:
///
/// ```
/// use socketserver::prelude::*;
/// use socketserver::UnixOptions;
///
/// # fn main() -> std::io::Result<()> {
/// # let dir = std::env::temp_dir().join(format!("socketserver-doc-datagram-steps-{}", std::process::id()));
/// # std::fs::create_dir_all(&dir)?;
/// let path = dir.join("datagram-steps.sock");
/// # let _ = std::fs::remove_file(&path);
/// let transport = UnixDatagramTransport::new(&path, UnixOptions::default())?;
/// assert!(transport.fileno().is_some() && !path.exists());
/// transport.server_bind()?;
/// assert!(path.exists());
/// transport.server_activate()?; // nothing to do: Python's `pass`
/// transport.server_close();
/// assert!(transport.fileno().is_none());
/// # std::fs::remove_dir_all(&dir)?;
/// # Ok(()) }
/// ```
///
/// Or in one call:
///
/// ```
/// use socketserver::prelude::*;
/// use socketserver::UnixOptions;
/// # #[derive(Default)] struct Shout;
/// # impl socketserver::RequestHandler for Shout {
/// #     type Base = socketserver::DatagramRequestHandler<socketserver::UnixDatagramTransport>;
/// #     fn handle(&mut self, this: &mut socketserver::DatagramState<socketserver::UnixDatagramTransport>) -> std::io::Result<()> {
/// #         this.wfile = this.packet.to_ascii_uppercase();
/// #         Ok(())
/// #     }
/// # }
/// # fn main() -> std::io::Result<()> {
/// # let dir = std::env::temp_dir().join(format!("socketserver-doc-datagram-transport-{}", std::process::id()));
/// # std::fs::create_dir_all(&dir)?;
/// let path = dir.join("datagram-transport.sock");
/// # let _ = std::fs::remove_file(&path);
/// let transport = UnixDatagramTransport::bind(&path, UnixOptions::default())?;
/// let server = UnixDatagramServer::<Shout>::from_transport(transport);
/// assert_eq!(server.server_address().as_pathname(), Some(path.as_path()));
/// # drop(server); std::fs::remove_dir_all(&dir)?;
/// # Ok(()) }
/// ```
pub struct UnixDatagramTransport {
    server_address: Mutex<SocketAddr>,
    /// Where to bind, as the kernel takes it.
    requested: SockAddr,
    max_packet_size: usize,
    life: Mutex<DatagramLife<UnixDatagram>>,
    /// The client address of a sender that never bound its socket (Python's
    /// `None`): the server socket's own address before it was bound.
    unnamed: SocketAddr,
}

impl UnixDatagramTransport {
    /// Creates the socket for `path` without binding it: Python's
    /// `UnixDatagramServer(path, Handler, bind_and_activate=False)`. Call
    /// [`server_bind`](UnixDatagramTransport::server_bind) and
    /// [`server_activate`](UnixDatagramTransport::server_activate) next. A path that
    /// starts with a NUL byte is a name in Linux's abstract namespace (Python's
    /// `"\0name"`); a path too long for a Unix address fails here.
    pub fn new(path: impl AsRef<Path>, options: UnixOptions) -> io::Result<UnixDatagramTransport> {
        let requested = SockAddr::unix(path)?;
        let socket = UnixDatagram::unbound()?;
        let unnamed = socket.local_addr()?;
        Ok(UnixDatagramTransport {
            server_address: Mutex::new(std_address(&requested).unwrap_or_else(|| unnamed.clone())),
            requested,
            max_packet_size: options.max_packet_size,
            life: Mutex::new(DatagramLife::Created(Arc::new(socket))),
            unnamed,
        })
    }

    /// Python's `server_bind()`: bind, which makes the socket file (none for an
    /// abstract name), and learn the address the kernel gave. The socket receives
    /// from now on. Fails if the path exists, as in Python.
    pub fn server_bind(&self) -> io::Result<()> {
        lock(&self.life).bind(|socket| {
            // Through socket2, as the stream server: std's `UnixDatagram::bind`
            // refuses a path that starts with a NUL byte, Python's abstract "\0name".
            SockRef::from(socket).bind(&self.requested)?;
            *lock(&self.server_address) = socket.local_addr()?;
            Ok(())
        })
    }

    /// Python's `server_activate()`, which `UDPServer` defines as `pass`: nothing to
    /// do on a datagram socket. As [`Udp::server_activate`](crate::Udp::server_activate),
    /// only the step is checked and noted.
    pub fn server_activate(&self) -> io::Result<()> {
        lock(&self.life).activate()
    }

    /// Creates, binds and activates: Python's `UnixDatagramServer(path, Handler)`, what the
    /// servers' `new` and `with_options` call.
    pub fn bind(path: impl AsRef<Path>, options: UnixOptions) -> io::Result<UnixDatagramTransport> {
        let transport = UnixDatagramTransport::new(path, options)?;
        transport.server_bind()?;
        transport.server_activate()?;
        Ok(transport)
    }

    /// Python's `server.socket`, as [`Udp::socket`](crate::Udp::socket): the
    /// server's socket itself, a std `UnixDatagram` at every step, shared (every
    /// datagram request holds it too, to answer on). For options std does not cover,
    /// use socket2's `SockRef::from(&*socket)`. Works at every step, before
    /// [`server_bind`](UnixDatagramTransport::server_bind) too. An error once the
    /// server is closed.
    ///
    /// ```
    /// use socket2::SockRef;
    /// use socketserver::prelude::*;
    /// use socketserver::UnixOptions;
    ///
    /// # fn main() -> std::io::Result<()> {
    /// # let dir = std::env::temp_dir().join(format!("socketserver-doc-datagram-socket-{}", std::process::id()));
    /// # std::fs::create_dir_all(&dir)?;
    /// let path = dir.join("datagram-socket.sock");
    /// # let _ = std::fs::remove_file(&path);
    /// // Python: server.socket.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65536)
    /// let transport = UnixDatagramTransport::new(&path, UnixOptions::default())?;
    /// SockRef::from(&*transport.socket()?).set_recv_buffer_size(65536)?;
    /// transport.server_bind()?;
    /// transport.server_activate()?;
    ///
    /// let socket = transport.socket()?; // the same socket, now bound
    /// assert_eq!(socket.local_addr()?.as_pathname(), Some(path.as_path()));
    /// assert!(SockRef::from(&*socket).recv_buffer_size()? >= 65536);
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok(()) }
    /// ```
    pub fn socket(&self) -> io::Result<Arc<UnixDatagram>> {
        lock(&self.life).socket()
    }
}

impl Transport for UnixDatagramTransport {
    type Request = Datagram<UnixDatagram>;
    type Address = SocketAddr;
    const CLASS: &'static str = "UnixDatagramServer";
    const MRO: &'static [&'static str] = &["UnixDatagramServer", "UDPServer", "TCPServer"];
    const HOOKS: &'static [(&'static str, &'static str)] = &[
        ("get_request", "UDPServer"),
        ("shutdown_request", "UDPServer"),
        ("close_request", "UDPServer"),
        ("server_close", "TCPServer"),
    ];

    /// The datagram and who sent it: a path, an abstract name, or, for a client
    /// that never bound its socket, an unnamed address (Python's `None`). Every
    /// datagram is handed over, whoever sent it.
    fn get_request(&self) -> io::Result<(Datagram<UnixDatagram>, SocketAddr)> {
        let socket = lock(&self.life).serving("get_request")?;
        let (data, from) = recv_datagram(SockRef::from(&*socket), self.max_packet_size)?;
        let client_address = std_address(&from).unwrap_or_else(|| self.unnamed.clone());
        Ok((Datagram { data, socket }, client_address))
    }

    fn shutdown_request(&self, _request: &Datagram<UnixDatagram>) {}

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

    /// The path (or name) asked for; once bound, the one the kernel gave.
    fn server_address(&self) -> SocketAddr {
        lock(&self.server_address).clone()
    }
}

/// An unnamed address, std's form of Python's `None` for a Unix socket that was
/// never bound (std has no constructor for one: an unbound socket's own address is).
fn unnamed() -> io::Result<SocketAddr> {
    UnixDatagram::unbound()?.local_addr()
}

/// std's `SocketAddr` for an address the kernel gave: a path, or (Linux) an abstract
/// name; `None` for an unnamed one (a client that never bound its socket: Python's
/// `None`). What std cannot hold comes out `None` too (a path of the full 108 bytes,
/// with no terminating NUL, which Linux allows): the datagram is still handled, as
/// an unnamed client's, rather than dropped unseen.
fn std_address(address: &SockAddr) -> Option<SocketAddr> {
    if let Some(path) = address.as_pathname() {
        return SocketAddr::from_pathname(path).ok();
    }
    #[cfg(any(target_os = "linux", target_os = "android"))]
    if let Some(name) = address.as_abstract_namespace() {
        return SocketAddr::from_abstract_name(name).ok();
    }
    None
}

constructors!(
    UnixStreamTransport,
    UnixStreamTransport::bind,
    AsRef<Path>,
    UnixOptions
);
constructors!(
    UnixDatagramTransport,
    UnixDatagramTransport::bind,
    AsRef<Path>,
    UnixOptions
);

/// Python's `UnixStreamServer`. MRO: `UnixStreamServer -> TCPServer -> BaseServer -> object`.
///
/// ```
/// use std::io::{Read, Write};
/// use std::os::unix::net::UnixStream;
/// use socketserver::prelude::*;
/// # use std::io::{BufRead as _, Write as _};
/// # #[derive(Default)] struct Upper;
/// # impl socketserver::RequestHandler for Upper {
/// #     type Base = socketserver::StreamRequestHandler<socketserver::UnixStreamTransport>;
/// #     fn handle(&mut self, this: &mut socketserver::Stream<socketserver::UnixStreamTransport>) -> std::io::Result<()> {
/// #         let mut line = Vec::new();
/// #         this.rfile.read_until(b'\n', &mut line)?;
/// #         this.wfile.write_all(&line.to_ascii_uppercase())
/// #     }
/// # }
/// # fn main() -> std::io::Result<()> {
/// # let ten_seconds = Some(std::time::Duration::from_secs(10));
/// # let dir = std::env::temp_dir().join(format!("socketserver-doc-stream-{}", std::process::id()));
/// # std::fs::create_dir_all(&dir)?;
/// let path = dir.join("stream.sock");
/// # let _ = std::fs::remove_file(&path);
/// let server = UnixStreamServer::<Upper>::new(&path)?;
/// let mut client = UnixStream::connect(&path)?;
/// # client.set_read_timeout(ten_seconds)?;
/// client.write_all(b"over a file\n")?;
/// server.handle_request()?;
/// let mut reply = String::new();
/// client.read_to_string(&mut reply)?;
/// assert_eq!(reply, "OVER A FILE\n");
/// server.server_close();
/// std::fs::remove_file(&path)?; // as in Python, closing leaves the socket file
/// # std::fs::remove_dir_all(&dir)?;
/// # Ok(()) }
/// ```
pub type UnixStreamServer<H> = Serial<UnixStreamTransport, H>;

/// Python's `ThreadingUnixStreamServer`.
/// MRO: `ThreadingUnixStreamServer -> ThreadingMixIn -> UnixStreamServer -> TCPServer -> BaseServer -> object`.
///
/// ```
/// use socketserver::prelude::*;
/// use socketserver::resolution;
/// # use std::io::{BufRead as _, Write as _};
/// # #[derive(Default)] struct Upper;
/// # impl socketserver::RequestHandler for Upper {
/// #     type Base = socketserver::StreamRequestHandler<socketserver::UnixStreamTransport>;
/// #     fn handle(&mut self, this: &mut socketserver::Stream<socketserver::UnixStreamTransport>) -> std::io::Result<()> {
/// #         let mut line = Vec::new();
/// #         this.rfile.read_until(b'\n', &mut line)?;
/// #         this.wfile.write_all(&line.to_ascii_uppercase())
/// #     }
/// # }
/// let threading = resolution::<ThreadingUnixStreamServer<Upper>>();
/// assert_eq!(threading.provider("process_request"), Some("ThreadingMixIn"));
/// ```
///
/// Serving: as [`UnixStreamServer`], with each request on its own thread.
pub type ThreadingUnixStreamServer<H> = Threading<UnixStreamTransport, H>;

/// Python's `UnixDatagramServer`.
/// MRO: `UnixDatagramServer -> UDPServer -> TCPServer -> BaseServer -> object`.
///
/// A client binds its own socket to a path (or, on Linux, an abstract name) to get
/// an answer. One that does not is still served, with an unnamed address (Python's
/// `None`); the reply then fails, and [`handle_error`](crate::BaseServer::handle_error)
/// reports "the client's socket is unbound: no address to answer to", as Python's
/// reports the `TypeError` of `sendto(data, None)`. The server goes on.
///
/// ```
/// use std::os::unix::net::UnixDatagram;
/// use socketserver::prelude::*;
/// # #[derive(Default)] struct Shout;
/// # impl socketserver::RequestHandler for Shout {
/// #     type Base = socketserver::DatagramRequestHandler<socketserver::UnixDatagramTransport>;
/// #     fn handle(&mut self, this: &mut socketserver::DatagramState<socketserver::UnixDatagramTransport>) -> std::io::Result<()> {
/// #         this.wfile = this.packet.to_ascii_uppercase();
/// #         Ok(())
/// #     }
/// # }
/// # fn main() -> std::io::Result<()> {
/// # let ten_seconds = Some(std::time::Duration::from_secs(10));
/// # let dir = std::env::temp_dir().join(format!("socketserver-doc-datagram-{}", std::process::id()));
/// # std::fs::create_dir_all(&dir)?;
/// let path = dir.join("datagram.sock");
/// # let _ = std::fs::remove_file(&path);
/// let server = UnixDatagramServer::<Shout>::new(&path)?;
/// let client = UnixDatagram::bind(dir.join("client.sock"))?;
/// # client.set_read_timeout(ten_seconds)?;
/// client.send_to(b"ping", &path)?;
/// server.handle_request()?;
/// let mut reply = [0; 16];
/// let received = client.recv(&mut reply)?;
/// assert_eq!(&reply[..received], b"PING");
/// # drop(server); std::fs::remove_dir_all(&dir)?;
/// # Ok(()) }
/// ```
///
/// On Linux, server and client can both use abstract names, which no file stands
/// for: Python's `UnixDatagramServer("\0name", Handler)`, whose `server_address`
/// is `b"\x00name"`.
///
/// ```
/// # #[cfg(target_os = "linux")]
/// # fn main() -> std::io::Result<()> {
/// use std::os::linux::net::SocketAddrExt; // as_abstract_name, from_abstract_name
/// use std::os::unix::net::{SocketAddr, UnixDatagram};
/// use socketserver::prelude::*;
/// # #[derive(Default)] struct Shout;
/// # impl socketserver::RequestHandler for Shout {
/// #     type Base = socketserver::DatagramRequestHandler<socketserver::UnixDatagramTransport>;
/// #     fn handle(&mut self, this: &mut socketserver::DatagramState<socketserver::UnixDatagramTransport>) -> std::io::Result<()> {
/// #         this.wfile = this.packet.to_ascii_uppercase();
/// #         Ok(())
/// #     }
/// # }
/// # let ten_seconds = Some(std::time::Duration::from_secs(10));
/// let name = format!("doc-server-{}", std::process::id());
/// let server = UnixDatagramServer::<Shout>::new(format!("\0{name}"))?;
/// assert_eq!(server.server_address().as_abstract_name(), Some(name.as_bytes()));
///
/// let client_name = format!("doc-client-{}", std::process::id());
/// let client = UnixDatagram::bind_addr(&SocketAddr::from_abstract_name(&client_name)?)?;
/// # client.set_read_timeout(ten_seconds)?;
/// client.send_to_addr(b"ping", &server.server_address())?;
/// server.handle_request()?;
/// let mut reply = [0; 16];
/// let received = client.recv(&mut reply)?;
/// assert_eq!(&reply[..received], b"PING");
/// # Ok(()) }
/// # #[cfg(not(target_os = "linux"))]
/// # fn main() {}
/// ```
pub type UnixDatagramServer<H> = Serial<UnixDatagramTransport, H>;

/// Python's `ThreadingUnixDatagramServer`.
/// MRO: `ThreadingUnixDatagramServer -> ThreadingMixIn -> UnixDatagramServer -> UDPServer -> TCPServer -> BaseServer -> object`.
///
/// ```
/// use socketserver::prelude::*;
/// use socketserver::resolution;
/// # #[derive(Default)] struct Shout;
/// # impl socketserver::RequestHandler for Shout {
/// #     type Base = socketserver::DatagramRequestHandler<socketserver::UnixDatagramTransport>;
/// #     fn handle(&mut self, this: &mut socketserver::DatagramState<socketserver::UnixDatagramTransport>) -> std::io::Result<()> {
/// #         this.wfile = this.packet.to_ascii_uppercase();
/// #         Ok(())
/// #     }
/// # }
/// let threading = resolution::<ThreadingUnixDatagramServer<Shout>>();
/// assert_eq!(threading.mro[0], "ThreadingUnixDatagramServer");
/// assert_eq!(threading.provider("get_request"), Some("UDPServer"));
/// ```
///
/// Serving: as [`UnixDatagramServer`], with each request on its own thread.
pub type ThreadingUnixDatagramServer<H> = Threading<UnixDatagramTransport, H>;

/// Python's `ForkingUnixStreamServer` (new in Python 3.12): a child process per
/// connection.
/// MRO: `ForkingUnixStreamServer -> ForkingMixIn -> UnixStreamServer -> TCPServer -> BaseServer -> object`.
///
/// ```
/// use socketserver::prelude::*;
/// use socketserver::resolution;
/// # use std::io::{BufRead as _, Write as _};
/// # #[derive(Default)] struct Upper;
/// # impl socketserver::RequestHandler for Upper {
/// #     type Base = socketserver::StreamRequestHandler<socketserver::UnixStreamTransport>;
/// #     fn handle(&mut self, this: &mut socketserver::Stream<socketserver::UnixStreamTransport>) -> std::io::Result<()> {
/// #         let mut line = Vec::new();
/// #         this.rfile.read_until(b'\n', &mut line)?;
/// #         this.wfile.write_all(&line.to_ascii_uppercase())
/// #     }
/// # }
/// let forking = resolution::<ForkingUnixStreamServer<Upper>>();
/// assert_eq!(
///     forking.mro,
///     ["ForkingUnixStreamServer", "ForkingMixIn", "UnixStreamServer", "TCPServer", "BaseServer"]
/// );
/// assert_eq!(forking.provider("process_request"), Some("ForkingMixIn"));
/// assert_eq!(forking.provider("get_request"), Some("TCPServer"));
/// ```
///
/// Serving: as [`UnixStreamServer`], with each request in a child process; fork only
/// from a process with one thread (see [`ForkingMixIn`](crate::ForkingMixIn)).
pub type ForkingUnixStreamServer<H> = Forking<UnixStreamTransport, H>;

/// Python's `ForkingUnixDatagramServer` (new in Python 3.12): a child process per
/// datagram.
/// MRO: `ForkingUnixDatagramServer -> ForkingMixIn -> UnixDatagramServer -> UDPServer -> TCPServer -> BaseServer -> object`.
///
/// ```
/// use socketserver::prelude::*;
/// use socketserver::resolution;
/// # #[derive(Default)] struct Shout;
/// # impl socketserver::RequestHandler for Shout {
/// #     type Base = socketserver::DatagramRequestHandler<socketserver::UnixDatagramTransport>;
/// #     fn handle(&mut self, this: &mut socketserver::DatagramState<socketserver::UnixDatagramTransport>) -> std::io::Result<()> {
/// #         this.wfile = this.packet.to_ascii_uppercase();
/// #         Ok(())
/// #     }
/// # }
/// let forking = resolution::<ForkingUnixDatagramServer<Shout>>();
/// assert_eq!(forking.mro[..3], ["ForkingUnixDatagramServer", "ForkingMixIn", "UnixDatagramServer"]);
/// assert_eq!(forking.provider("get_request"), Some("UDPServer"));
/// assert_eq!(forking.provider("server_close"), Some("ForkingMixIn"));
/// ```
///
/// Serving: as [`UnixDatagramServer`], with each datagram in a child process.
pub type ForkingUnixDatagramServer<H> = Forking<UnixDatagramTransport, H>;
