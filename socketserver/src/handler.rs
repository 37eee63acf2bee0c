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
use std::io::{self, BufReader, Cursor};
use std::net::{SocketAddr, TcpStream, UdpSocket};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::time::Duration;

use crate::server::{Address, BaseServer, Request, SocketServer};
use crate::transport::Tcp;
use crate::udp::{Datagram, Udp};

/// A handler's failure, as [`BaseServer::handle_error`] receives it.
#[derive(Debug)]
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
pub type This<'a, S, H> = <<H as RequestHandler<S>>::Base as HandlerBase<S>>::State<'a>;

/// A request handler: Python's subclass of `BaseRequestHandler` or
/// `StreamRequestHandler`. A fresh one (`Default`) handles each request.
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

/// A handler base class: builds the handler's state before `setup` and tears it down
/// after `finish`.
pub trait HandlerBase<S: SocketServer>: 'static {
    /// What the handler works on (Python's attributes of `self`).
    type State<'a>;

    /// The Python class this base stands for, for the inspector.
    const LAYER: &'static str;

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
pub struct BaseRequestHandler;

/// What a [`BaseRequestHandler`] works on: Python's `self.request`,
/// `self.client_address` and `self.server`.
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
    const LAYER: &'static str = "BaseRequestHandler";

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
pub struct StreamRequestHandler;

/// What a [`StreamRequestHandler`] works on.
pub struct Stream<'a, S: SocketServer> {
    /// Python's `self.connection` (the same socket as `self.request`).
    pub connection: &'a TcpStream,
    /// Python's `self.rfile`: a buffered reader (`read_line`, `read_until`, `lines`).
    pub rfile: BufReader<&'a TcpStream>,
    /// Python's `self.wfile`: unbuffered, so every write goes straight out, as
    /// Python's default `wbufsize = 0`.
    pub wfile: &'a TcpStream,
    /// Who is connected.
    pub client_address: &'a SocketAddr,
    /// The server, with your own fields if it is your own type.
    pub server: &'a Arc<S>,
}

impl<S: SocketServer<Transport = Tcp>> HandlerBase<S> for StreamRequestHandler {
    type State<'a> = Stream<'a, S>;
    const LAYER: &'static str = "StreamRequestHandler";

    fn setup<'a, H: RequestHandler<S, Base = Self>>(
        connection: &'a TcpStream,
        client_address: &'a SocketAddr,
        server: &'a Arc<S>,
    ) -> io::Result<Stream<'a, S>> {
        if H::TIMEOUT.is_some() {
            connection.set_read_timeout(H::TIMEOUT)?;
            connection.set_write_timeout(H::TIMEOUT)?;
        }
        if H::DISABLE_NAGLE_ALGORITHM {
            connection.set_nodelay(true)?;
        }
        Ok(Stream {
            connection,
            rfile: BufReader::new(connection),
            wfile: connection,
            client_address,
            server,
        })
    }

    fn finish(_this: &mut Stream<'_, S>) -> io::Result<()> {
        // `wfile` holds no buffer: there is nothing to flush.
        Ok(())
    }
}

/// Python's `DatagramRequestHandler`: the packet as `rfile`, and a `wfile` whose
/// bytes are sent back to the client when the handler finishes.
pub struct DatagramRequestHandler;

/// What a [`DatagramRequestHandler`] works on.
pub struct DatagramState<'a, S: SocketServer> {
    /// Python's `self.packet`: the datagram's bytes.
    pub packet: &'a [u8],
    /// Python's `self.socket`: the server's socket.
    pub socket: &'a UdpSocket,
    /// Python's `self.rfile`: reads the packet.
    pub rfile: Cursor<&'a [u8]>,
    /// Python's `self.wfile`: what you write here is the reply, sent on `finish`.
    pub wfile: Vec<u8>,
    /// Who sent the packet.
    pub client_address: &'a SocketAddr,
    /// The server, with your own fields if it is your own type.
    pub server: &'a Arc<S>,
}

impl<S: SocketServer<Transport = Udp>> HandlerBase<S> for DatagramRequestHandler {
    type State<'a> = DatagramState<'a, S>;
    const LAYER: &'static str = "DatagramRequestHandler";

    fn setup<'a, H: RequestHandler<S, Base = Self>>(
        request: &'a Datagram,
        client_address: &'a SocketAddr,
        server: &'a Arc<S>,
    ) -> io::Result<DatagramState<'a, S>> {
        Ok(DatagramState {
            packet: &request.data,
            socket: &request.socket,
            rfile: Cursor::new(&request.data),
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
