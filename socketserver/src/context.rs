//! What a handler knows of its server: `this.server`.
//!
//! Python's handler reaches its server as `self.server`, whatever class that is.
//! A Rust handler must name a type for it, and most handlers should not have to:
//! the seed tutorial's handler works on any TCP server, serial or threading or
//! forking. So a handler base takes a *context*, which is either
//!
//! - a transport, [`Tcp`](crate::Tcp) by default: the handler serves on any server
//!   of that transport, and `this.server` is a [`dyn AnyServer`](AnyServer), which
//!   offers what every server has (`server_address`, `shutdown`) and can be
//!   downcast to a server type; or
//! - a server type of your own, `StreamRequestHandler<Counting>`: the handler serves
//!   on that server only, and `this.server` is it (an `&Arc<Counting>`), with its
//!   own fields, as Python's `self.server.count`.

use std::any::Any;
use std::sync::Arc;

use crate::server::{Address, SocketServer};
use crate::transport::Transport;

/// Where a handler runs: a transport (any server on it), or one server type. It
/// fixes the types of `this`: the request and address (the transport's), and what
/// `this.server` is.
///
/// The crate implements it for its transports (`this.server` is a
/// [`dyn AnyServer`](AnyServer)) and for every [`SocketServer`] (`this.server` is
/// that server, in its `Arc`).
pub trait Context: 'static {
    /// The socket layer, which fixes the request's and the address's types.
    type Transport: Transport;
    /// What `this.server` is: `dyn AnyServer<T>` for a transport `T`, `Arc<S>` for a
    /// server type `S`.
    type Server: ?Sized + Send + Sync;
}

impl<S: SocketServer> Context for S {
    type Transport = S::Transport;
    type Server = Arc<S>;
}

/// The crate's transports as contexts: a handler on any server of that transport.
macro_rules! transport_context {
    ($($transport:ty),*) => {
        $(
            impl Context for $transport {
                type Transport = $transport;
                type Server = dyn AnyServer<$transport>;
            }
        )*
    };
}
transport_context!(crate::Tcp, crate::Udp);
#[cfg(unix)]
transport_context!(crate::UnixStreamTransport, crate::UnixDatagramTransport);

/// Any server, whatever its type: what `this.server` is for a handler that works on
/// every server of a transport (Python's `self.server`, minus the attributes of a
/// subclass).
///
/// ```
/// use std::io::{self, Read, Write};
/// use std::net::TcpStream;
/// use socketserver::prelude::*;
///
/// #[derive(Default)]
/// struct WhereAmI;
///
/// impl RequestHandler for WhereAmI {
///     type Base = StreamRequestHandler;
///     fn handle(&mut self, this: &mut Stream) -> io::Result<()> {
///         let address = this.server.server_address();
///         write!(this.wfile, "you reached {}", address.port())
///     }
/// }
///
/// # fn main() -> io::Result<()> {
/// let server = TCPServer::<WhereAmI>::new("127.0.0.1:0")?;
/// let mut client = TcpStream::connect(server.server_address())?;
/// server.handle_request()?;
/// let mut reply = String::new();
/// client.read_to_string(&mut reply)?;
/// assert_eq!(reply, format!("you reached {}", server.server_address().port()));
/// # Ok(()) }
/// ```
pub trait AnyServer<T: Transport>: Any + Send + Sync {
    /// Python's `server_address`.
    fn server_address(&self) -> T::Address;

    /// Python's `shutdown()`: stops `serve_forever` and waits until it has stopped.
    /// From a handler, call it only on a server whose requests run on other threads
    /// than the loop (threading, pool), or from a thread of your own: a serial
    /// server's loop is the thread running the handler, so it would wait for itself,
    /// as Python's does.
    fn shutdown(&self);

    /// Notes that `layer`'s `hook` ran, if the server records hooks
    /// ([`ServerCore::record_hooks`](crate::ServerCore::record_hooks)): a handler's
    /// `setup`, `handle` and `finish` can appear in the server's trace.
    fn record_hook(&self, hook: &'static str, layer: &'static str);

    /// The server as `Any`, for `downcast_ref` (on `dyn AnyServer`).
    fn as_any(&self) -> &dyn Any;
}

impl<T: Transport> dyn AnyServer<T> {
    /// The server as its own type, if it is an `S`: how a handler written for any
    /// server reaches the fields of one.
    pub fn downcast_ref<S: 'static>(&self) -> Option<&S> {
        self.as_any().downcast_ref::<S>()
    }
}

impl<S: SocketServer> AnyServer<S::Transport> for S {
    fn server_address(&self) -> Address<S> {
        SocketServer::server_address(self)
    }

    fn shutdown(&self) {
        self.core().shutdown();
    }

    fn record_hook(&self, hook: &'static str, layer: &'static str) {
        self.core().record_hook(hook, layer);
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}
