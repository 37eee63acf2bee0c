//! The Unix-domain servers: `UnixStreamServer`, `UnixDatagramServer` and their
//! threading variants. Python defines them only `if hasattr(socket, 'AF_UNIX')`;
//! here they exist only `#[cfg(unix)]`.
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

use crate::composed::{Serial, Threading, constructors};
use crate::transport::{Transport, lock, recv_datagram};
use crate::udp::Datagram;

/// Python's class attributes of the Unix servers.
#[derive(Debug, Clone)]
/// ```
/// use socketserver::{UnixOptions, UnixStreamServer};
/// # use std::io::{BufRead as _, Write as _};
/// # #[derive(Default)] struct Upper;
/// # impl<S: socketserver::SocketServer<Transport = socketserver::UnixStreamTransport>> socketserver::RequestHandler<S> for Upper {
/// #     type Base = socketserver::StreamRequestHandler;
/// #     fn handle(&mut self, this: &mut socketserver::Stream<'_, S>) -> std::io::Result<()> {
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
    /// `request_queue_size` (stream servers): the `listen()` backlog. Default 5.
    pub request_queue_size: i32,
    /// `max_packet_size` (datagram servers): the most one request reads. Default 8192.
    pub max_packet_size: usize,
}

impl Default for UnixOptions {
    fn default() -> UnixOptions {
        UnixOptions {
            request_queue_size: 5,
            max_packet_size: 8192,
        }
    }
}

/// `UnixStreamServer`'s socket: a listening Unix stream socket at a path.
#[derive(Debug)]
/// ```
/// use socketserver::{SocketServer, UnixOptions, UnixStreamServer, UnixStreamTransport};
/// # use std::io::{BufRead as _, Write as _};
/// # #[derive(Default)] struct Upper;
/// # impl<S: socketserver::SocketServer<Transport = socketserver::UnixStreamTransport>> socketserver::RequestHandler<S> for Upper {
/// #     type Base = socketserver::StreamRequestHandler;
/// #     fn handle(&mut self, this: &mut socketserver::Stream<'_, S>) -> std::io::Result<()> {
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
    server_address: SocketAddr,
    listener: Mutex<Option<UnixListener>>,
}

impl UnixStreamTransport {
    /// Binds to `path` and listens: Python's `UnixStreamServer(path, Handler)`. Fails
    /// if the path exists (remove a stale socket file first, as in Python).
    pub fn bind(path: impl AsRef<Path>, options: UnixOptions) -> io::Result<UnixStreamTransport> {
        let socket = Socket::new(Domain::UNIX, Type::STREAM, None)?;
        socket.bind(&SockAddr::unix(path)?)?;
        socket.listen(options.request_queue_size)?;
        socket.set_nonblocking(true)?;
        let listener: UnixListener = socket.into();
        Ok(UnixStreamTransport {
            server_address: listener.local_addr()?,
            listener: Mutex::new(Some(listener)),
        })
    }

    fn with_listener<R>(&self, f: impl FnOnce(&UnixListener) -> io::Result<R>) -> io::Result<R> {
        match lock(&self.listener).as_ref() {
            Some(listener) => f(listener),
            None => Err(io::Error::other("the server socket is closed")),
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
        let (connection, client_address) = self.with_listener(|listener| listener.accept())?;
        connection.set_nonblocking(false)?;
        Ok((connection, client_address))
    }

    fn shutdown_request(&self, request: &UnixStream) {
        let _ = request.shutdown(Shutdown::Write);
    }

    fn server_close(&self) {
        *lock(&self.listener) = None;
    }

    fn fileno(&self) -> Option<RawFd> {
        lock(&self.listener)
            .as_ref()
            .map(|listener| listener.as_raw_fd())
    }

    fn poll_source(&self) -> io::Result<OwnedFd> {
        self.with_listener(|listener| listener.as_fd().try_clone_to_owned())
    }

    fn server_address(&self) -> SocketAddr {
        self.server_address.clone()
    }
}

/// `UnixDatagramServer`'s socket: a Unix datagram socket at a path.
#[derive(Debug)]
/// ```
/// use socketserver::{SocketServer, UnixDatagramServer, UnixDatagramTransport, UnixOptions};
/// # #[derive(Default)] struct Shout;
/// # impl<S: socketserver::SocketServer<Transport = socketserver::UnixDatagramTransport>> socketserver::RequestHandler<S> for Shout {
/// #     type Base = socketserver::DatagramRequestHandler;
/// #     fn handle(&mut self, this: &mut socketserver::DatagramState<'_, S>) -> std::io::Result<()> {
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
    server_address: SocketAddr,
    max_packet_size: usize,
    socket: Mutex<Option<Arc<UnixDatagram>>>,
    /// The client address of a sender that never bound its socket (Python's `None`).
    unnamed: SocketAddr,
}

impl UnixDatagramTransport {
    /// Binds to `path`: Python's `UnixDatagramServer(path, Handler)`.
    pub fn bind(path: impl AsRef<Path>, options: UnixOptions) -> io::Result<UnixDatagramTransport> {
        // Through socket2, as the stream server: std's `UnixDatagram::bind` refuses a
        // path that starts with a NUL byte, Python's abstract name "\0name".
        let socket = Socket::new(Domain::UNIX, Type::DGRAM, None)?;
        socket.bind(&SockAddr::unix(path)?)?;
        let socket: UnixDatagram = socket.into();
        Ok(UnixDatagramTransport {
            server_address: socket.local_addr()?,
            max_packet_size: options.max_packet_size,
            socket: Mutex::new(Some(Arc::new(socket))),
            unnamed: UnixDatagram::unbound()?.local_addr()?,
        })
    }

    fn socket(&self) -> io::Result<Arc<UnixDatagram>> {
        lock(&self.socket)
            .clone()
            .ok_or_else(|| io::Error::other("the server socket is closed"))
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

    fn get_request(&self) -> io::Result<(Datagram<UnixDatagram>, SocketAddr)> {
        let socket = self.socket()?;
        let (data, from) = recv_datagram(SockRef::from(&*socket), self.max_packet_size)?;
        let client_address = std_address(&from).unwrap_or_else(|| self.unnamed.clone());
        Ok((Datagram { data, socket }, client_address))
    }

    fn shutdown_request(&self, _request: &Datagram<UnixDatagram>) {}

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
        self.server_address.clone()
    }
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

/// Python's `UnixStreamServer`. MRO: `UnixStreamServer -> TCPServer -> BaseServer`.
///
/// ```
/// use std::io::{Read, Write};
/// use std::os::unix::net::UnixStream;
/// use std::sync::Arc;
/// use socketserver::{BaseServer, UnixStreamServer};
/// # use std::io::{BufRead as _, Write as _};
/// # #[derive(Default)] struct Upper;
/// # impl<S: socketserver::SocketServer<Transport = socketserver::UnixStreamTransport>> socketserver::RequestHandler<S> for Upper {
/// #     type Base = socketserver::StreamRequestHandler;
/// #     fn handle(&mut self, this: &mut socketserver::Stream<'_, S>) -> std::io::Result<()> {
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
/// let server = Arc::new(UnixStreamServer::<Upper>::new(&path)?);
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
/// MRO: `ThreadingUnixStreamServer -> ThreadingMixIn -> UnixStreamServer -> TCPServer -> BaseServer`.
///
/// ```
/// use socketserver::{resolution, ThreadingUnixStreamServer};
/// # use std::io::{BufRead as _, Write as _};
/// # #[derive(Default)] struct Upper;
/// # impl<S: socketserver::SocketServer<Transport = socketserver::UnixStreamTransport>> socketserver::RequestHandler<S> for Upper {
/// #     type Base = socketserver::StreamRequestHandler;
/// #     fn handle(&mut self, this: &mut socketserver::Stream<'_, S>) -> std::io::Result<()> {
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
/// MRO: `UnixDatagramServer -> UDPServer -> TCPServer -> BaseServer`.
///
/// A client binds its own socket to a path (or, on Linux, an abstract name) to get
/// an answer. One that does not is still served, with an unnamed address (Python's
/// `None`); the reply then fails, and [`handle_error`](crate::BaseServer::handle_error)
/// reports "the client's socket is unbound: no address to answer to", as Python's
/// reports the `TypeError` of `sendto(data, None)`. The server goes on.
///
/// ```
/// use std::os::unix::net::UnixDatagram;
/// use std::sync::Arc;
/// use socketserver::{BaseServer, UnixDatagramServer};
/// # #[derive(Default)] struct Shout;
/// # impl<S: socketserver::SocketServer<Transport = socketserver::UnixDatagramTransport>> socketserver::RequestHandler<S> for Shout {
/// #     type Base = socketserver::DatagramRequestHandler;
/// #     fn handle(&mut self, this: &mut socketserver::DatagramState<'_, S>) -> std::io::Result<()> {
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
/// let server = Arc::new(UnixDatagramServer::<Shout>::new(&path)?);
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
pub type UnixDatagramServer<H> = Serial<UnixDatagramTransport, H>;

/// Python's `ThreadingUnixDatagramServer`.
/// MRO: `ThreadingUnixDatagramServer -> ThreadingMixIn -> UnixDatagramServer -> UDPServer -> TCPServer -> BaseServer`.
///
/// ```
/// use socketserver::{resolution, ThreadingUnixDatagramServer};
/// # #[derive(Default)] struct Shout;
/// # impl<S: socketserver::SocketServer<Transport = socketserver::UnixDatagramTransport>> socketserver::RequestHandler<S> for Shout {
/// #     type Base = socketserver::DatagramRequestHandler;
/// #     fn handle(&mut self, this: &mut socketserver::DatagramState<'_, S>) -> std::io::Result<()> {
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
