//! Request handlers: one per request, `setup`, `handle`, `finish`.
//!
//! Python writes `class Upper(StreamRequestHandler): def handle(self): ...`. The base
//! class (`BaseRequestHandler` or `StreamRequestHandler`) does the `setup` and
//! `finish` that every handler of its kind needs (make `rfile` and `wfile`, flush);
//! the subclass writes `handle`.
//!
//! In Rust the user's handler implements [`RequestHandler`] and names its base with
//! `type Base`: the handler's MRO, written out like the servers'. The base builds the
//! state the handler works on (Python's `self.request`, `self.rfile`, ...) and passes
//! it to each method as `this`.

use std::any::Any;
use std::fmt;
use std::io::{self, BufReader, Cursor, Read, Write};
use std::net::{SocketAddr, TcpStream, UdpSocket};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::time::Duration;

use crate::server::{Address, BaseServer, Request, SocketServer};
use crate::udp::Datagram;

/// A handler's failure, as [`BaseServer::handle_error`] receives it.
#[derive(Debug)]
/// ```
/// use std::io;
/// use socketserver::HandlerError;
///
/// let failed = HandlerError::Io(io::Error::new(io::ErrorKind::InvalidData, "not a number"));
/// assert_eq!(failed.to_string(), "I/O error: not a number");
/// let panicked = HandlerError::Panic("index out of bounds".to_string());
/// assert_eq!(panicked.to_string(), "the handler panicked: index out of bounds");
/// ```
///
/// A server of your own receives it in its
/// [`handle_error`](BaseServer::handle_error) override.
pub enum HandlerError {
    /// `setup`, `handle` or `finish` returned an I/O error.
    Io(io::Error),
    /// The handler panicked: Python's uncaught exception. The server goes on.
    Panic(String),
}

impl fmt::Display for HandlerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HandlerError::Io(error) => write!(f, "I/O error: {error}"),
            HandlerError::Panic(message) => write!(f, "the handler panicked: {message}"),
        }
    }
}

impl std::error::Error for HandlerError {}

/// The state a handler of base `B` works on, for server `S`: its `this`.
///
/// A handler can name its `this` either way:
///
/// ```
/// use std::io::{self, BufRead};
/// use socketserver::{RequestHandler, SocketServer, Stream, StreamRequestHandler, Tcp, This};
///
/// #[derive(Default)]
/// struct Quiet;
///
/// impl<S: SocketServer<Transport = Tcp>> RequestHandler<S> for Quiet {
///     type Base = StreamRequestHandler;
///     // `This<'_, S, Self>` is `Stream<'_, S>`, the state of `StreamRequestHandler`.
///     fn handle(&mut self, this: &mut This<'_, S, Self>) -> io::Result<()> {
///         let stream: &mut Stream<'_, S> = this;
///         stream.rfile.read_line(&mut String::new())?;
///         Ok(())
///     }
/// }
/// ```
pub type This<'a, S, H> = <<H as RequestHandler<S>>::Base as HandlerBase<S>>::State<'a>;

/// A request handler: Python's subclass of `BaseRequestHandler` or
/// `StreamRequestHandler`. A fresh one (`Default`) handles each request.
///
/// `finish` runs even when `handle` fails, as in Python's `try: handle() finally:
/// finish()`; the failure then reaches the server's
/// [`handle_error`](BaseServer::handle_error):
///
/// ```
/// use std::io::{self, BufRead, Read, Write};
/// use std::net::TcpStream;
/// use std::sync::Arc;
/// use std::sync::atomic::{AtomicUsize, Ordering};
/// use std::time::Duration;
/// use socketserver::{BaseServer, RequestHandler, SocketServer, Stream, StreamRequestHandler, Tcp,
///                    TCPServer};
///
/// static FINISHED: AtomicUsize = AtomicUsize::new(0);
///
/// #[derive(Default)]
/// struct Numbers;
///
/// impl<S: SocketServer<Transport = Tcp>> RequestHandler<S> for Numbers {
///     type Base = StreamRequestHandler;
///     // A client that sends nothing for 5 seconds is dropped.
///     const TIMEOUT: Option<Duration> = Some(Duration::from_secs(5));
///
///     fn handle(&mut self, this: &mut Stream<'_, S>) -> io::Result<()> {
///         let mut line = String::new();
///         this.rfile.read_line(&mut line)?;
///         let n: i64 = line.trim().parse().map_err(io::Error::other)?;
///         writeln!(this.wfile, "{}", n * 2)
///     }
///
///     fn finish(&mut self, _this: &mut Stream<'_, S>) -> io::Result<()> {
///         FINISHED.fetch_add(1, Ordering::SeqCst);
///         Ok(())
///     }
/// }
///
/// # fn main() -> io::Result<()> {
/// # let ten_seconds = Some(std::time::Duration::from_secs(10));
/// let server = Arc::new(TCPServer::<Numbers>::new("127.0.0.1:0")?);
/// for (sent, expected) in [("21\n", "42\n"), ("many\n", "")] {
///     let mut client = TcpStream::connect(server.server_address())?;
/// #   client.set_read_timeout(ten_seconds)?;
///     client.write_all(sent.as_bytes())?;
///     server.handle_request()?; // "many" is not a number: handle_error prints why
///     let mut reply = String::new();
///     client.read_to_string(&mut reply)?;
///     assert_eq!(reply, expected);
/// }
/// assert_eq!(FINISHED.load(Ordering::SeqCst), 2);
/// # Ok(()) }
/// ```
// ANCHOR: request_handler
pub trait RequestHandler<S: SocketServer>: Default + 'static {
    /// The base class: [`BaseRequestHandler`] or [`StreamRequestHandler`].
    type Base: HandlerBase<S>;

    /// `StreamRequestHandler.timeout`: a read or write that waits longer fails.
    const TIMEOUT: Option<Duration> = None;

    /// `StreamRequestHandler.disable_nagle_algorithm`: send small writes at once.
    const DISABLE_NAGLE_ALGORITHM: bool = false;

    /// Python's `setup()`, after the base's (which made `this`).
    fn setup(&mut self, _this: &mut This<'_, S, Self>) -> io::Result<()> {
        Ok(())
    }

    /// Python's `handle()`: serve the request.
    fn handle(&mut self, this: &mut This<'_, S, Self>) -> io::Result<()>;

    /// Python's `finish()`, before the base's. Runs even when `handle` failed.
    fn finish(&mut self, _this: &mut This<'_, S, Self>) -> io::Result<()> {
        Ok(())
    }
}
// ANCHOR_END: request_handler

/// A handler base class: builds the handler's state before `setup` and tears it down
/// after `finish`.
///
/// The crate's three bases implement it; you write one to make a base class of your
/// own, as Python's `class Greeting(BaseRequestHandler)` that every handler of a
/// protocol then subclasses. This one greets each client before the handler runs:
///
/// ```
/// use std::io::{self, Read, Write};
/// use std::net::{SocketAddr, TcpStream};
/// use std::sync::Arc;
/// use socketserver::{Base, BaseServer, HandlerBase, RequestHandler, SocketServer, Tcp, TCPServer};
///
/// struct Greeting;
///
/// impl<S: SocketServer<Transport = Tcp>> HandlerBase<S> for Greeting {
///     type State<'a> = Base<'a, S>;
///
///     fn setup<'a, H: RequestHandler<S, Base = Self>>(
///         request: &'a TcpStream,
///         client_address: &'a SocketAddr,
///         server: &'a Arc<S>,
///     ) -> io::Result<Base<'a, S>> {
///         (&*request).write_all(b"welcome\n")?;
///         Ok(Base { request, client_address, server })
///     }
///
///     fn finish(_this: &mut Base<'_, S>) -> io::Result<()> {
///         Ok(())
///     }
/// }
///
/// #[derive(Default)]
/// struct Bye;
///
/// impl<S: SocketServer<Transport = Tcp>> RequestHandler<S> for Bye {
///     type Base = Greeting;
///     fn handle(&mut self, this: &mut Base<'_, S>) -> io::Result<()> {
///         this.request.write_all(b"bye\n")
///     }
/// }
///
/// # fn main() -> io::Result<()> {
/// # let ten_seconds = Some(std::time::Duration::from_secs(10));
/// let server = Arc::new(TCPServer::<Bye>::new("127.0.0.1:0")?);
/// let mut client = TcpStream::connect(server.server_address())?;
/// # client.set_read_timeout(ten_seconds)?;
/// server.handle_request()?;
/// let mut reply = String::new();
/// client.read_to_string(&mut reply)?;
/// assert_eq!(reply, "welcome\nbye\n");
/// # Ok(()) }
/// ```
pub trait HandlerBase<S: SocketServer>: 'static {
    /// What the handler works on (Python's attributes of `self`).
    type State<'a>;

    /// The base's `setup()`.
    fn setup<'a, H: RequestHandler<S, Base = Self>>(
        request: &'a Request<S>,
        client_address: &'a Address<S>,
        server: &'a Arc<S>,
    ) -> io::Result<Self::State<'a>>;

    /// The base's `finish()`.
    fn finish(this: &mut Self::State<'_>) -> io::Result<()>;
}

/// Python's `BaseRequestHandler`: the request as the transport gave it.
///
/// Its handler works on the raw request, a [`Base`]: for TCP, the connection itself.
///
/// ```
/// use std::io::{self, Read, Write};
/// use std::net::{Shutdown, TcpStream};
/// use std::sync::Arc;
/// use socketserver::{Base, BaseRequestHandler, BaseServer, RequestHandler, SocketServer, Tcp,
///                    TCPServer};
///
/// /// Python: class Echo(BaseRequestHandler), with self.request.recv / sendall.
/// #[derive(Default)]
/// struct Echo;
///
/// impl<S: SocketServer<Transport = Tcp>> RequestHandler<S> for Echo {
///     type Base = BaseRequestHandler;
///     fn handle(&mut self, this: &mut Base<'_, S>) -> io::Result<()> {
///         let mut data = [0; 1024];
///         let received = this.request.read(&mut data)?;
///         this.request.write_all(&data[..received])
///     }
/// }
///
/// # fn main() -> io::Result<()> {
/// # let ten_seconds = Some(std::time::Duration::from_secs(10));
/// let server = Arc::new(TCPServer::<Echo>::new("127.0.0.1:0")?);
/// let mut client = TcpStream::connect(server.server_address())?;
/// # client.set_read_timeout(ten_seconds)?;
/// client.write_all(b"no newline needed")?;
/// server.handle_request()?;
/// let mut reply = String::new();
/// client.read_to_string(&mut reply)?;
/// assert_eq!(reply, "no newline needed");
/// # Ok(()) }
/// ```
pub struct BaseRequestHandler;

/// What a [`BaseRequestHandler`] works on: Python's `self.request`,
/// `self.client_address` and `self.server`.
///
/// Example: see [`BaseRequestHandler`].
pub struct Base<'a, S: SocketServer> {
    /// The request: the connection for TCP.
    pub request: &'a Request<S>,
    /// Who sent it.
    pub client_address: &'a Address<S>,
    /// The server, with your own fields if it is your own type.
    pub server: &'a Arc<S>,
}

impl<S: SocketServer> HandlerBase<S> for BaseRequestHandler {
    type State<'a> = Base<'a, S>;

    fn setup<'a, H: RequestHandler<S, Base = Self>>(
        request: &'a Request<S>,
        client_address: &'a Address<S>,
        server: &'a Arc<S>,
    ) -> io::Result<Base<'a, S>> {
        Ok(Base {
            request,
            client_address,
            server,
        })
    }

    fn finish(_this: &mut Base<'_, S>) -> io::Result<()> {
        Ok(())
    }
}

/// Python's `StreamRequestHandler`: the connection as a buffered `rfile` to read
/// lines from and a `wfile` to write to.
///
/// ```
/// use std::io::{self, BufRead, Read, Write};
/// use std::net::TcpStream;
/// use std::sync::Arc;
/// use socketserver::{BaseServer, RequestHandler, SocketServer, Stream, StreamRequestHandler, Tcp,
///                    TCPServer};
///
/// /// Python: class Numbered(StreamRequestHandler), numbering the lines it reads.
/// #[derive(Default)]
/// struct Numbered;
///
/// impl<S: SocketServer<Transport = Tcp>> RequestHandler<S> for Numbered {
///     type Base = StreamRequestHandler;
///     fn handle(&mut self, this: &mut Stream<'_, S>) -> io::Result<()> {
///         for (n, line) in (&mut this.rfile).lines().enumerate() {
///             writeln!(this.wfile, "{}: {}", n + 1, line?)?;
///         }
///         Ok(())
///     }
/// }
///
/// # fn main() -> io::Result<()> {
/// # let ten_seconds = Some(std::time::Duration::from_secs(10));
/// let server = Arc::new(TCPServer::<Numbered>::new("127.0.0.1:0")?);
/// let mut client = TcpStream::connect(server.server_address())?;
/// # client.set_read_timeout(ten_seconds)?;
/// client.write_all(b"first\nsecond\n")?;
/// client.shutdown(std::net::Shutdown::Write)?; // no more lines: handle's loop ends
/// server.handle_request()?;
/// let mut reply = String::new();
/// client.read_to_string(&mut reply)?;
/// assert_eq!(reply, "1: first\n2: second\n");
/// # Ok(()) }
/// ```
pub struct StreamRequestHandler;

/// A connected stream socket, as [`StreamRequestHandler`] needs it: TCP or Unix.
///
/// `TcpStream` and, on Unix, `UnixStream` implement it:
///
/// ```
/// use std::net::{TcpListener, TcpStream};
/// use std::time::Duration;
/// use socketserver::Connection;
///
/// # fn main() -> std::io::Result<()> {
/// let listener = TcpListener::bind("127.0.0.1:0")?;
/// let client = TcpStream::connect(listener.local_addr()?)?;
/// client.set_timeout(Some(Duration::from_secs(5)))?;
/// client.disable_nagle_algorithm()?;
/// assert!(client.nodelay()?);
/// # Ok(()) }
/// ```
pub trait Connection: Send + Sync + 'static {
    /// Python's `connection.settimeout()`: reads and writes that wait longer fail.
    fn set_timeout(&self, timeout: Option<Duration>) -> io::Result<()>;

    /// Python's `TCP_NODELAY`; nothing to do for sockets without Nagle's algorithm.
    fn disable_nagle_algorithm(&self) -> io::Result<()>;
}

impl Connection for TcpStream {
    fn set_timeout(&self, timeout: Option<Duration>) -> io::Result<()> {
        self.set_read_timeout(timeout)?;
        self.set_write_timeout(timeout)
    }

    fn disable_nagle_algorithm(&self) -> io::Result<()> {
        self.set_nodelay(true)
    }
}

#[cfg(unix)]
impl Connection for std::os::unix::net::UnixStream {
    fn set_timeout(&self, timeout: Option<Duration>) -> io::Result<()> {
        self.set_read_timeout(timeout)?;
        self.set_write_timeout(timeout)
    }

    fn disable_nagle_algorithm(&self) -> io::Result<()> {
        Ok(()) // Unix sockets do not delay small writes
    }
}

/// What a [`StreamRequestHandler`] works on.
///
/// Example: see [`StreamRequestHandler`].
pub struct Stream<'a, S: SocketServer> {
    /// Python's `self.connection` (the same socket as `self.request`).
    pub connection: &'a Request<S>,
    /// Python's `self.rfile`: a buffered reader (`read_line`, `read_until`, `lines`).
    pub rfile: BufReader<&'a Request<S>>,
    /// Python's `self.wfile`: unbuffered, so every write goes straight out, as
    /// Python's default `wbufsize = 0`; and, as Python's, `write` sends everything
    /// it is given before it returns (see [`SocketWriter`]).
    pub wfile: SocketWriter<'a, Request<S>>,
    /// Who is connected.
    pub client_address: &'a Address<S>,
    /// The server, with your own fields if it is your own type.
    pub server: &'a Arc<S>,
}

impl<S: SocketServer> HandlerBase<S> for StreamRequestHandler
where
    Request<S>: Connection,
    for<'b> &'b Request<S>: Read + Write,
{
    type State<'a> = Stream<'a, S>;

    fn setup<'a, H: RequestHandler<S, Base = Self>>(
        connection: &'a Request<S>,
        client_address: &'a Address<S>,
        server: &'a Arc<S>,
    ) -> io::Result<Stream<'a, S>> {
        if H::TIMEOUT.is_some() {
            connection.set_timeout(H::TIMEOUT)?;
        }
        if H::DISABLE_NAGLE_ALGORITHM {
            connection.disable_nagle_algorithm()?;
        }
        Ok(Stream {
            connection,
            rfile: BufReader::new(connection),
            wfile: SocketWriter(connection),
            client_address,
            server,
        })
    }

    fn finish(_this: &mut Stream<'_, S>) -> io::Result<()> {
        // `wfile` holds no buffer: there is nothing to flush.
        Ok(())
    }
}

/// Python's `_SocketWriter`, the `wfile` of a [`StreamRequestHandler`]: a writer
/// whose `write` is `sendall`. It returns only when every byte is sent (or an error
/// says why not), so Python code that calls `self.wfile.write(data)` once ports
/// as it reads: with a plain socket, `write` may send part of a large buffer (when
/// a signal interrupts it, say) and the rest would be lost unless the caller loops.
///
/// ```
/// use std::io::{Read, Write};
/// use std::net::{TcpListener, TcpStream};
/// use socketserver::SocketWriter;
///
/// # fn main() -> std::io::Result<()> {
/// let listener = TcpListener::bind("127.0.0.1:0")?;
/// let client = TcpStream::connect(listener.local_addr()?)?;
/// let (connection, _) = listener.accept()?;
/// let reader = std::thread::spawn(move || {
///     let mut all = Vec::new();
///     (&client).read_to_end(&mut all).map(|_| all.len())
/// });
///
/// let mut wfile = SocketWriter(&connection);
/// let big = vec![b'x'; 8 * 1024 * 1024];
/// assert_eq!(wfile.write(&big)?, big.len()); // all of it, in one call
/// drop(connection);
/// assert_eq!(reader.join().unwrap()?, big.len());
/// # Ok(()) }
/// ```
pub struct SocketWriter<'a, C>(pub &'a C);

impl<C> Write for SocketWriter<'_, C>
where
    for<'b> &'b C: Write,
{
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        // write_all retries what a signal interrupted and sends the rest.
        let mut socket = self.0;
        socket.write_all(buf)?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(()) // nothing is buffered
    }
}

/// Python's `DatagramRequestHandler`: the packet as `rfile`, and a `wfile` whose
/// bytes are sent back to the client when the handler finishes.
///
/// ```
/// use std::io::{self, Read};
/// use std::net::UdpSocket;
/// use std::sync::Arc;
/// use socketserver::{BaseServer, DatagramRequestHandler, DatagramState, RequestHandler,
///                    SocketServer, Udp, UDPServer};
///
/// /// Python: class Reverse(DatagramRequestHandler), writing the reply to self.wfile.
/// #[derive(Default)]
/// struct Reverse;
///
/// impl<S: SocketServer<Transport = Udp>> RequestHandler<S> for Reverse {
///     type Base = DatagramRequestHandler;
///     fn handle(&mut self, this: &mut DatagramState<'_, S>) -> io::Result<()> {
///         let mut packet = Vec::new();
///         this.rfile.read_to_end(&mut packet)?;
///         packet.reverse();
///         this.wfile = packet; // sent back when the handler finishes
///         Ok(())
///     }
/// }
///
/// # fn main() -> io::Result<()> {
/// # let ten_seconds = Some(std::time::Duration::from_secs(10));
/// let server = Arc::new(UDPServer::<Reverse>::new("127.0.0.1:0")?);
/// let client = UdpSocket::bind("127.0.0.1:0")?;
/// # client.set_read_timeout(ten_seconds)?;
/// client.send_to(b"stressed", server.server_address())?;
/// server.handle_request()?;
/// let mut reply = [0; 64];
/// let (received, _) = client.recv_from(&mut reply)?;
/// assert_eq!(&reply[..received], b"desserts");
/// # Ok(()) }
/// ```
pub struct DatagramRequestHandler;

/// A datagram socket a reply can be sent on: UDP or Unix.
///
/// ```
/// use std::net::UdpSocket;
/// use socketserver::DatagramSocket;
///
/// # fn main() -> std::io::Result<()> {
/// let server_socket = UdpSocket::bind("127.0.0.1:0")?;
/// let client = UdpSocket::bind("127.0.0.1:0")?;
/// DatagramSocket::send_to(&server_socket, b"pong", &client.local_addr()?)?;
/// let mut reply = [0; 8];
/// assert_eq!(client.recv(&mut reply)?, 4);
/// # Ok(()) }
/// ```
pub trait DatagramSocket: Send + Sync + 'static {
    /// The peer's address type.
    type Address;

    /// Sends `data` as one datagram to `to`: Python's `sendto`.
    fn send_to(&self, data: &[u8], to: &Self::Address) -> io::Result<usize>;
}

impl DatagramSocket for UdpSocket {
    type Address = SocketAddr;
    fn send_to(&self, data: &[u8], to: &SocketAddr) -> io::Result<usize> {
        UdpSocket::send_to(self, data, to)
    }
}

/// A Unix datagram socket answers a client bound to a path, or (Linux) to an abstract
/// name. A client that never bound its socket has no address: the reply is an error
/// that says so, and it reaches the server's `handle_error`, as Python's
/// `sendto(data, None)` raises `TypeError` there.
///
/// ```
/// use std::os::unix::net::UnixDatagram;
/// use socketserver::DatagramSocket;
///
/// # fn main() -> std::io::Result<()> {
/// let (server_socket, _) = UnixDatagram::pair()?;
/// let unbound = UnixDatagram::unbound()?.local_addr()?; // an unnamed address
/// let error = DatagramSocket::send_to(&server_socket, b"pong", &unbound).unwrap_err();
/// assert_eq!(error.to_string(), "the client's socket is unbound: no address to answer to");
/// # Ok(()) }
/// ```
#[cfg(unix)]
impl DatagramSocket for std::os::unix::net::UnixDatagram {
    type Address = std::os::unix::net::SocketAddr;
    fn send_to(&self, data: &[u8], to: &Self::Address) -> io::Result<usize> {
        if let Some(path) = to.as_pathname() {
            return std::os::unix::net::UnixDatagram::send_to(self, data, path);
        }
        #[cfg(any(target_os = "linux", target_os = "android"))]
        {
            #[cfg(target_os = "android")]
            use std::os::android::net::SocketAddrExt as _;
            #[cfg(target_os = "linux")]
            use std::os::linux::net::SocketAddrExt as _;
            if to.as_abstract_name().is_some() {
                return self.send_to_addr(data, to);
            }
        }
        Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "the client's socket is unbound: no address to answer to",
        ))
    }
}

/// What a [`DatagramRequestHandler`] works on.
///
/// Example: see [`DatagramRequestHandler`].
pub struct DatagramState<'a, S: SocketServer>
where
    Request<S>: AsDatagram,
{
    /// Python's `self.packet`: the datagram's bytes.
    pub packet: &'a [u8],
    /// Python's `self.socket`: the server's socket.
    pub socket: &'a <Request<S> as AsDatagram>::Socket,
    /// Python's `self.rfile`: reads the packet.
    pub rfile: Cursor<&'a [u8]>,
    /// Python's `self.wfile`: what you write here is the reply, sent on `finish`.
    pub wfile: Vec<u8>,
    /// Who sent the packet.
    pub client_address: &'a Address<S>,
    /// The server, with your own fields if it is your own type.
    pub server: &'a Arc<S>,
}

/// A datagram request: Python's `(data, socket)`.
///
/// ```
/// use std::net::UdpSocket;
/// use std::sync::Arc;
/// use socketserver::{AsDatagram, Datagram};
///
/// # fn main() -> std::io::Result<()> {
/// let request = Datagram { data: b"ping".to_vec(), socket: Arc::new(UdpSocket::bind("127.0.0.1:0")?) };
/// assert_eq!(request.data(), b"ping");
/// assert!(request.socket().local_addr()?.ip().is_loopback());
/// # Ok(()) }
/// ```
pub trait AsDatagram: Send + 'static {
    /// The socket the datagram came in on.
    type Socket: DatagramSocket;
    /// The datagram's bytes.
    fn data(&self) -> &[u8];
    /// The socket to answer on.
    fn socket(&self) -> &Self::Socket;
}

impl<T: DatagramSocket> AsDatagram for Datagram<T> {
    type Socket = T;
    fn data(&self) -> &[u8] {
        &self.data
    }
    fn socket(&self) -> &T {
        &self.socket
    }
}

impl<S: SocketServer> HandlerBase<S> for DatagramRequestHandler
where
    Request<S>: AsDatagram,
    <Request<S> as AsDatagram>::Socket: DatagramSocket<Address = Address<S>>,
{
    type State<'a> = DatagramState<'a, S>;

    fn setup<'a, H: RequestHandler<S, Base = Self>>(
        request: &'a Request<S>,
        client_address: &'a Address<S>,
        server: &'a Arc<S>,
    ) -> io::Result<DatagramState<'a, S>> {
        Ok(DatagramState {
            packet: request.data(),
            socket: request.socket(),
            rfile: Cursor::new(request.data()),
            wfile: Vec::new(),
            client_address,
            server,
        })
    }

    /// Sends `wfile` back to the client, as Python does, even when it is empty (an
    /// empty datagram is still an answer).
    fn finish(this: &mut DatagramState<'_, S>) -> io::Result<()> {
        this.socket.send_to(&this.wfile, this.client_address)?;
        Ok(())
    }
}

/// Runs one handler for one request: Python's `BaseRequestHandler.__init__`
/// (`setup(); try: handle() finally: finish()`), with a panic caught and reported.
pub(crate) fn run<S: BaseServer>(
    server: &Arc<S>,
    request: &Request<S>,
    client_address: &Address<S>,
) -> Result<(), HandlerError> {
    let outcome = catch_unwind(AssertUnwindSafe(|| -> io::Result<()> {
        let mut handler = S::Handler::default();
        let mut this = <<S::Handler as RequestHandler<S>>::Base as HandlerBase<S>>::setup::<
            S::Handler,
        >(request, client_address, server)?;
        handler.setup(&mut this)?;
        let handled = handler.handle(&mut this);
        let finished = handler.finish(&mut this).and(
            <<S::Handler as RequestHandler<S>>::Base as HandlerBase<S>>::finish(&mut this),
        );
        handled.and(finished)
    }));
    match outcome {
        Ok(result) => result.map_err(HandlerError::Io),
        Err(panic) => Err(HandlerError::Panic(panic_message(panic.as_ref()))),
    }
}

fn panic_message(panic: &(dyn Any + Send)) -> String {
    if let Some(message) = panic.downcast_ref::<&str>() {
        message.to_string()
    } else if let Some(message) = panic.downcast_ref::<String>() {
        message.clone()
    } else {
        "(a panic with no message)".to_string()
    }
}
