//! Request handlers: one per request, `setup`, `handle`, `finish`.
//!
//! Python writes `class Upper(StreamRequestHandler): def handle(self): ...`. The base
//! class (`BaseRequestHandler`, `StreamRequestHandler` or `DatagramRequestHandler`)
//! does the `setup` and `finish` that every handler of its kind needs (make `rfile`
//! and `wfile`, send the datagram reply); the subclass writes `handle`.
//!
//! In Rust the user's handler implements [`RequestHandler`] and names its base with
//! `type Base`: the handler's MRO, written out like the servers'. The base builds the
//! state the handler works on (Python's `self.request`, `self.rfile`, ...) and passes
//! it to each method as `this`.
//!
//! A base takes a [`Context`](crate::Context): the transport by default
//! (`StreamRequestHandler` is `StreamRequestHandler<Tcp>`), so one handler serves on
//! every TCP server; or a server type of your own (`StreamRequestHandler<Counting>`),
//! so `this.server` is that server, with its fields.

use std::any::Any;
use std::fmt;
use std::io::{self, BufReader, Cursor, Read, Write};
use std::marker::PhantomData;
use std::net::{SocketAddr, TcpStream, UdpSocket};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::time::Duration;

use crate::context::{AnyServer, Context};
use crate::server::{Address, BaseServer, Request, SocketServer};
use crate::tcp::Tcp;
use crate::transport::Transport;
use crate::udp::{Datagram, Udp};

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

/// The state handler `H` works on: its `this`. Each base has a name for its own
/// (`Stream`, `Base`, `DatagramState`); this one works for any handler.
///
/// ```
/// use std::io::{self, BufRead};
/// use socketserver::prelude::*;
///
/// #[derive(Default)]
/// struct Quiet;
///
/// impl RequestHandler for Quiet {
///     type Base = StreamRequestHandler;
///     // `This<'_, Self>` is `Stream<'_>`, the state of `StreamRequestHandler`.
///     fn handle(&mut self, this: &mut This<'_, Self>) -> io::Result<()> {
///         let stream: &mut Stream = this;
///         stream.rfile.read_line(&mut String::new())?;
///         Ok(())
///     }
/// }
/// ```
pub type This<'a, H> = <<H as RequestHandler>::Base as HandlerBase>::State<'a>;

/// A request handler: Python's subclass of `BaseRequestHandler`,
/// `StreamRequestHandler` or `DatagramRequestHandler`. A fresh one (`Default`)
/// handles each request.
///
/// Python's
///
/// ```python
/// class Upper(socketserver.StreamRequestHandler):
///     def handle(self):
///         for line in self.rfile:
///             self.wfile.write(line.upper())
/// ```
///
/// is, in Rust:
///
/// ```
/// use std::io::{self, BufRead, Write};
/// use socketserver::prelude::*;
///
/// #[derive(Default)]
/// struct Upper;
///
/// impl RequestHandler for Upper {
///     type Base = StreamRequestHandler;
///     fn handle(&mut self, this: &mut Stream) -> io::Result<()> {
///         for line in (&mut this.rfile).split(b'\n') {
///             this.wfile.write_all(&[line?.to_ascii_uppercase(), vec![b'\n']].concat())?;
///         }
///         Ok(())
///     }
/// }
/// ```
///
/// `finish` runs even when `handle` fails, as in Python's `try: handle() finally:
/// finish()`; the failure then reaches the server's
/// [`handle_error`](BaseServer::handle_error):
///
/// ```
/// use std::io::{self, BufRead, Read, Write};
/// use std::net::TcpStream;
/// use std::sync::atomic::{AtomicUsize, Ordering};
/// use std::time::Duration;
/// use socketserver::prelude::*;
///
/// static FINISHED: AtomicUsize = AtomicUsize::new(0);
///
/// #[derive(Default)]
/// struct Numbers;
///
/// impl RequestHandler for Numbers {
///     type Base = StreamRequestHandler;
///     // A client that sends nothing for 5 seconds is dropped.
///     const TIMEOUT: Option<Duration> = Some(Duration::from_secs(5));
///
///     fn handle(&mut self, this: &mut Stream) -> io::Result<()> {
///         let mut line = String::new();
///         this.rfile.read_line(&mut line)?;
///         let n: i64 = line.trim().parse().map_err(io::Error::other)?;
///         writeln!(this.wfile, "{}", n * 2)
///     }
///
///     fn finish(&mut self, _this: &mut Stream) -> io::Result<()> {
///         FINISHED.fetch_add(1, Ordering::SeqCst);
///         Ok(())
///     }
/// }
///
/// # fn main() -> io::Result<()> {
/// # let ten_seconds = Some(std::time::Duration::from_secs(10));
/// let server = TCPServer::<Numbers>::new("127.0.0.1:0")?;
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
pub trait RequestHandler: Default + 'static {
    /// The base class: [`StreamRequestHandler`], [`BaseRequestHandler`] or
    /// [`DatagramRequestHandler`], for the transport (TCP, UDP by default) or for a
    /// server type of your own: `StreamRequestHandler<Counting>`.
    type Base: HandlerBase;

    /// `StreamRequestHandler.timeout`: a read or write that waits longer fails.
    const TIMEOUT: Option<Duration> = None;

    /// `StreamRequestHandler.disable_nagle_algorithm`: send small writes at once.
    const DISABLE_NAGLE_ALGORITHM: bool = false;

    /// Python's `setup()`, after the base's (which made `this`).
    fn setup(&mut self, _this: &mut This<'_, Self>) -> io::Result<()> {
        Ok(())
    }

    /// Python's `handle()`: serve the request.
    fn handle(&mut self, this: &mut This<'_, Self>) -> io::Result<()>;

    /// Python's `finish()`, before the base's. Runs even when `handle` failed.
    fn finish(&mut self, _this: &mut This<'_, Self>) -> io::Result<()> {
        Ok(())
    }
}
// ANCHOR_END: request_handler

/// A handler base class: the state it builds for the handler (`this`).
///
/// The crate's three bases implement it and [`RunsOn`]; you implement both to make a
/// base class of your own, as Python's `class Greeting(BaseRequestHandler)` that
/// every handler of a protocol then subclasses. This one greets each client before
/// the handler runs:
///
/// ```
/// use std::io::{self, Read, Write};
/// use std::net::{SocketAddr, TcpStream};
/// use std::sync::Arc;
/// use socketserver::prelude::*;
/// use socketserver::{HandlerBase, RunsOn};
///
/// /// Python: class Greeting(BaseRequestHandler), whose setup says welcome.
/// struct Greeting;
///
/// impl HandlerBase for Greeting {
///     type State<'a> = Base<'a>;
/// }
///
/// impl<S: SocketServer<Transport = Tcp>> RunsOn<S> for Greeting {
///     fn setup<'a, H: RequestHandler<Base = Self>>(
///         request: &'a TcpStream,
///         client_address: &'a SocketAddr,
///         server: &'a Arc<S>,
///     ) -> io::Result<Base<'a>> {
///         (&*request).write_all(b"welcome\n")?;
///         Ok(Base { request, client_address, server: &**server })
///     }
///
///     fn finish(_this: &mut Base<'_>) -> io::Result<()> {
///         Ok(())
///     }
/// }
///
/// #[derive(Default)]
/// struct Bye;
///
/// impl RequestHandler for Bye {
///     type Base = Greeting;
///     fn handle(&mut self, this: &mut Base) -> io::Result<()> {
///         this.request.write_all(b"bye\n")
///     }
/// }
///
/// # fn main() -> io::Result<()> {
/// # let ten_seconds = Some(std::time::Duration::from_secs(10));
/// let server = TCPServer::<Bye>::new("127.0.0.1:0")?;
/// let mut client = TcpStream::connect(server.server_address())?;
/// # client.set_read_timeout(ten_seconds)?;
/// server.handle_request()?;
/// let mut reply = String::new();
/// client.read_to_string(&mut reply)?;
/// assert_eq!(reply, "welcome\nbye\n");
/// # Ok(()) }
/// ```
pub trait HandlerBase: 'static {
    /// What the handler works on (Python's attributes of `self`).
    type State<'a>;
}

/// A handler base that can serve on server `S`: the base's `setup` (which makes
/// `this`) and `finish`. A base for a transport runs on every server of that
/// transport; a base for a server type, on that server.
#[diagnostic::on_unimplemented(
    message = "a handler with base `{Self}` cannot serve on `{S}`",
    label = "this handler's `type Base` does not fit the server",
    note = "a handler base names the transport it serves on (`StreamRequestHandler` is \
            TCP's, `DatagramRequestHandler` UDP's, `StreamRequestHandler<UnixStreamTransport>` \
            a Unix stream's) or a server type of your own (`StreamRequestHandler<MyServer>`)"
)]
pub trait RunsOn<S: SocketServer>: HandlerBase {
    /// The base's `setup()`: make `this`.
    fn setup<'a, H: RequestHandler<Base = Self>>(
        request: &'a Request<S>,
        client_address: &'a Address<S>,
        server: &'a Arc<S>,
    ) -> io::Result<Self::State<'a>>;

    /// The base's `finish()`.
    fn finish(this: &mut Self::State<'_>) -> io::Result<()>;
}

/// For each of the crate's transports, a base of that transport runs on every server
/// of it, and `this.server` is the server as a `dyn AnyServer`. (Written per
/// transport: a generic impl would overlap the one for a server type's base.)
macro_rules! runs_on_any_server_of {
    ($base:ident, $transport:ty) => {
        impl<S: SocketServer<Transport = $transport>> RunsOn<S> for $base<$transport> {
            fn setup<'a, H: RequestHandler<Base = Self>>(
                request: &'a Request<S>,
                client_address: &'a Address<S>,
                server: &'a Arc<S>,
            ) -> io::Result<Self::State<'a>> {
                let server: &'a dyn AnyServer<$transport> = &**server;
                $base::<$transport>::make::<H>(request, client_address, server)
            }

            fn finish(this: &mut Self::State<'_>) -> io::Result<()> {
                $base::<$transport>::tear_down(this)
            }
        }
    };
}

/// A base for server type `S` runs on `S`, and `this.server` is the server's `Arc`.
macro_rules! runs_on_its_server {
    ($base:ident, $($bound:tt)*) => {
        impl<S: SocketServer> RunsOn<S> for $base<S>
        where
            $($bound)*
        {
            fn setup<'a, H: RequestHandler<Base = Self>>(
                request: &'a Request<S>,
                client_address: &'a Address<S>,
                server: &'a Arc<S>,
            ) -> io::Result<Self::State<'a>> {
                $base::<S>::make::<H>(request, client_address, server)
            }

            fn finish(this: &mut Self::State<'_>) -> io::Result<()> {
                $base::<S>::tear_down(this)
            }
        }
    };
}

/// Python's `BaseRequestHandler`: the request as the transport gave it.
///
/// Its handler works on the raw request, a [`Base`]: for TCP, the connection itself.
///
/// ```
/// use std::io::{self, Read, Write};
/// use std::net::TcpStream;
/// use socketserver::prelude::*;
///
/// /// Python: class Echo(BaseRequestHandler), with self.request.recv / sendall.
/// #[derive(Default)]
/// struct Echo;
///
/// impl RequestHandler for Echo {
///     type Base = BaseRequestHandler;
///     fn handle(&mut self, this: &mut Base) -> io::Result<()> {
///         let mut data = [0; 1024];
///         let received = this.request.read(&mut data)?;
///         this.request.write_all(&data[..received])
///     }
/// }
///
/// # fn main() -> io::Result<()> {
/// # let ten_seconds = Some(std::time::Duration::from_secs(10));
/// let server = TCPServer::<Echo>::new("127.0.0.1:0")?;
/// let mut client = TcpStream::connect(server.server_address())?;
/// # client.set_read_timeout(ten_seconds)?;
/// client.write_all(b"no newline needed")?;
/// server.handle_request()?;
/// let mut reply = String::new();
/// client.read_to_string(&mut reply)?;
/// assert_eq!(reply, "no newline needed");
/// # Ok(()) }
/// ```
///
/// For UDP, name the transport: `BaseRequestHandler<Udp>`; the request is then a
/// [`Datagram`](crate::Datagram).
pub struct BaseRequestHandler<X = Tcp>(PhantomData<fn() -> X>);

/// What a [`BaseRequestHandler`] works on: Python's `self.request`,
/// `self.client_address` and `self.server`.
///
/// Example: see [`BaseRequestHandler`].
pub struct Base<'a, X: Context = Tcp> {
    /// The request: the connection for TCP.
    pub request: &'a <X::Transport as Transport>::Request,
    /// Who sent it.
    pub client_address: &'a <X::Transport as Transport>::Address,
    /// The server: any server of the transport, or your own server type.
    pub server: &'a X::Server,
}

impl<X: Context> HandlerBase for BaseRequestHandler<X> {
    type State<'a> = Base<'a, X>;
}

impl<X: Context> BaseRequestHandler<X> {
    // `H` is unused here, but the three bases share one `make::<H>` signature, so
    // the macros above call each the same way.
    #[allow(clippy::extra_unused_type_parameters)]
    fn make<'a, H>(
        request: &'a <X::Transport as Transport>::Request,
        client_address: &'a <X::Transport as Transport>::Address,
        server: &'a X::Server,
    ) -> io::Result<Base<'a, X>> {
        Ok(Base {
            request,
            client_address,
            server,
        })
    }

    fn tear_down(_this: &mut Base<'_, X>) -> io::Result<()> {
        Ok(())
    }
}

runs_on_any_server_of!(BaseRequestHandler, Tcp);
runs_on_any_server_of!(BaseRequestHandler, Udp);
#[cfg(unix)]
runs_on_any_server_of!(BaseRequestHandler, crate::UnixStreamTransport);
#[cfg(unix)]
runs_on_any_server_of!(BaseRequestHandler, crate::UnixDatagramTransport);
runs_on_its_server!(BaseRequestHandler, S: SocketServer);

/// Python's `StreamRequestHandler`: the connection as a buffered `rfile` to read
/// lines from and a `wfile` to write to.
///
/// ```
/// use std::io::{self, BufRead, Read, Write};
/// use std::net::TcpStream;
/// use socketserver::prelude::*;
///
/// /// Python: class Numbered(StreamRequestHandler), numbering the lines it reads.
/// #[derive(Default)]
/// struct Numbered;
///
/// impl RequestHandler for Numbered {
///     type Base = StreamRequestHandler;
///     fn handle(&mut self, this: &mut Stream) -> io::Result<()> {
///         for (n, line) in (&mut this.rfile).lines().enumerate() {
///             writeln!(this.wfile, "{}: {}", n + 1, line?)?;
///         }
///         Ok(())
///     }
/// }
///
/// # fn main() -> io::Result<()> {
/// # let ten_seconds = Some(std::time::Duration::from_secs(10));
/// let server = TCPServer::<Numbered>::new("127.0.0.1:0")?;
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
///
/// On a Unix stream server, name the transport:
/// `StreamRequestHandler<UnixStreamTransport>`, and the state is
/// `Stream<UnixStreamTransport>`.
pub struct StreamRequestHandler<X = Tcp>(PhantomData<fn() -> X>);

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
pub struct Stream<'a, X: Context = Tcp> {
    /// Python's `self.connection` (the same socket as `self.request`).
    pub connection: &'a <X::Transport as Transport>::Request,
    /// Python's `self.rfile`: a buffered reader (`read_line`, `read_until`, `lines`).
    pub rfile: BufReader<&'a <X::Transport as Transport>::Request>,
    /// Python's `self.wfile`: unbuffered, so every write goes straight out, as
    /// Python's default `wbufsize = 0`; and, as Python's, `write` sends everything
    /// it is given before it returns (see [`SocketWriter`]).
    pub wfile: SocketWriter<'a, <X::Transport as Transport>::Request>,
    /// Who is connected.
    pub client_address: &'a <X::Transport as Transport>::Address,
    /// The server: any server of the transport, or your own server type.
    pub server: &'a X::Server,
}

impl<X: Context> HandlerBase for StreamRequestHandler<X> {
    type State<'a> = Stream<'a, X>;
}

impl<X: Context> StreamRequestHandler<X>
where
    <X::Transport as Transport>::Request: Connection,
    for<'b> &'b <X::Transport as Transport>::Request: Read + Write,
{
    fn make<'a, H: RequestHandler>(
        connection: &'a <X::Transport as Transport>::Request,
        client_address: &'a <X::Transport as Transport>::Address,
        server: &'a X::Server,
    ) -> io::Result<Stream<'a, X>> {
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

    fn tear_down(_this: &mut Stream<'_, X>) -> io::Result<()> {
        // `wfile` holds no buffer: there is nothing to flush.
        Ok(())
    }
}

runs_on_any_server_of!(StreamRequestHandler, Tcp);
#[cfg(unix)]
runs_on_any_server_of!(StreamRequestHandler, crate::UnixStreamTransport);
runs_on_its_server!(
    StreamRequestHandler,
    Request<S>: Connection,
    for<'b> &'b Request<S>: Read + Write
);

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
/// bytes are sent back to the client when the handler finishes. Its transport is UDP
/// unless named: `DatagramRequestHandler<UnixDatagramTransport>`.
///
/// ```
/// use std::io::{self, Read};
/// use std::net::UdpSocket;
/// use socketserver::prelude::*;
///
/// /// Python: class Reverse(DatagramRequestHandler), writing the reply to self.wfile.
/// #[derive(Default)]
/// struct Reverse;
///
/// impl RequestHandler for Reverse {
///     type Base = DatagramRequestHandler;
///     fn handle(&mut self, this: &mut DatagramState) -> io::Result<()> {
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
/// let server = UDPServer::<Reverse>::new("127.0.0.1:0")?;
/// let client = UdpSocket::bind("127.0.0.1:0")?;
/// # client.set_read_timeout(ten_seconds)?;
/// client.send_to(b"stressed", server.server_address())?;
/// server.handle_request()?;
/// let mut reply = [0; 64];
/// let (received, _) = client.recv_from(&mut reply)?;
/// assert_eq!(&reply[..received], b"desserts");
/// # Ok(()) }
/// ```
pub struct DatagramRequestHandler<X = Udp>(PhantomData<fn() -> X>);

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
pub struct DatagramState<'a, X: Context = Udp>
where
    <X::Transport as Transport>::Request: AsDatagram,
{
    /// Python's `self.packet`: the datagram's bytes.
    pub packet: &'a [u8],
    /// Python's `self.socket`: the server's socket.
    pub socket: &'a <<X::Transport as Transport>::Request as AsDatagram>::Socket,
    /// Python's `self.rfile`: reads the packet.
    pub rfile: Cursor<&'a [u8]>,
    /// Python's `self.wfile`: what you write here is the reply, sent on `finish`.
    pub wfile: Vec<u8>,
    /// Who sent the packet.
    pub client_address: &'a <X::Transport as Transport>::Address,
    /// The server: any server of the transport, or your own server type.
    pub server: &'a X::Server,
}

impl<X: Context> HandlerBase for DatagramRequestHandler<X>
where
    <X::Transport as Transport>::Request: AsDatagram,
{
    type State<'a> = DatagramState<'a, X>;
}

impl<X: Context> DatagramRequestHandler<X>
where
    <X::Transport as Transport>::Request: AsDatagram,
    <<X::Transport as Transport>::Request as AsDatagram>::Socket:
        DatagramSocket<Address = <X::Transport as Transport>::Address>,
{
    // `H` is unused here, but the three bases share one `make::<H>` signature, so
    // the macros above call each the same way.
    #[allow(clippy::extra_unused_type_parameters)]
    fn make<'a, H>(
        request: &'a <X::Transport as Transport>::Request,
        client_address: &'a <X::Transport as Transport>::Address,
        server: &'a X::Server,
    ) -> io::Result<DatagramState<'a, X>> {
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
    fn tear_down(this: &mut DatagramState<'_, X>) -> io::Result<()> {
        this.socket.send_to(&this.wfile, this.client_address)?;
        Ok(())
    }
}

runs_on_any_server_of!(DatagramRequestHandler, Udp);
#[cfg(unix)]
runs_on_any_server_of!(DatagramRequestHandler, crate::UnixDatagramTransport);
runs_on_its_server!(
    DatagramRequestHandler,
    Request<S>: AsDatagram,
    <Request<S> as AsDatagram>::Socket: DatagramSocket<Address = Address<S>>
);

/// Runs one handler for one request: Python's `BaseRequestHandler.__init__`
/// (`setup(); try: handle() finally: finish()`), with a panic caught and reported.
pub(crate) fn run<S: BaseServer>(
    server: &Arc<S>,
    request: &Request<S>,
    client_address: &Address<S>,
) -> Result<(), HandlerError> {
    let outcome = catch_unwind(AssertUnwindSafe(|| -> io::Result<()> {
        let mut handler = S::Handler::default();
        let mut this = <<S::Handler as RequestHandler>::Base as RunsOn<S>>::setup::<S::Handler>(
            request,
            client_address,
            server,
        )?;
        handler.setup(&mut this)?;
        let handled = handler.handle(&mut this);
        let finished = handler.finish(&mut this).and(
            <<S::Handler as RequestHandler>::Base as RunsOn<S>>::finish(&mut this),
        );
        handled.and(finished)
    }));
    match outcome {
        Ok(result) => result.map_err(HandlerError::Io),
        Err(panic) => Err(HandlerError::Panic(panic_message(panic.as_ref()))),
    }
}

/// A datagram request: Python's `(data, socket)`.
///
/// ```
/// use std::net::UdpSocket;
/// use std::sync::Arc;
/// use socketserver::prelude::*;
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

fn panic_message(panic: &(dyn Any + Send)) -> String {
    if let Some(message) = panic.downcast_ref::<&str>() {
        message.to_string()
    } else if let Some(message) = panic.downcast_ref::<String>() {
        message.clone()
    } else {
        "(a panic with no message)".to_string()
    }
}
