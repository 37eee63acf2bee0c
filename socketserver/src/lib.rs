//! `socketserver` — Python's `socketserver` module, in Rust.
//!
//! The classic Python tutorial's server, a handler that answers what it reads in
//! upper case, one thread per client:
//!
//! ```python
#![doc = include_str!("../python/tutorial.py")]
//! ```
//!
//! is, with this crate:
//!
//! ```no_run
#![doc = include_str!("../examples/tutorial.rs")]
//! ```
//!
//! (`cargo run -p socketserver --example tutorial` runs it; `examples/threaded.rs`
//! is the Python documentation's `ThreadedTCPServer` example, ported the same way.)
//!
//! This is where the lessons are heading. Lessons 01–05 build a socket server by hand,
//! the way the tutorial does; this crate packages the result as Python does: a
//! [`BaseServer`] with the request loop and its hooks, a transport layer that owns
//! the socket ([`Tcp`]), mixins that change how a request is processed
//! ([`ThreadingMixIn`]), and request handlers ([`RequestHandler`] on a
//! [`BaseRequestHandler`], [`StreamRequestHandler`] or [`DatagramRequestHandler`]
//! base). [`prelude`] brings them all in with one `use`.
//!
//! Python composes them by multiple inheritance and lets the MRO pick, for each
//! method, the first class that defines it. Rust has no inheritance: each composed
//! type ([`ThreadingTCPServer`] is [`Threading`]`<Tcp, H>`) implements [`BaseServer`]
//! and names, hook by hook, the layer it takes. Because the templates are a trait's
//! provided methods, `self` inside them is the composed type, so overrides are
//! late-bound exactly as Python's `self.` lookups are; [`resolution`] prints the
//! result as Python's `__mro__` and who provides each hook.
#![deny(missing_docs)]

mod closing;
mod compose;
mod composed;
mod context;
mod core;
#[cfg(unix)]
mod forking;
mod handler;
mod inspect;
mod pool;
mod server;
mod signals;
mod system_exit;
mod tcp;
mod threading;
mod transport;
mod udp;
#[cfg(unix)]
mod unix;

pub use crate::closing::{Closing, closing};
#[cfg(unix)]
pub use crate::composed::{Forking, ForkingTCPServer, ForkingUDPServer};
pub use crate::composed::{
    Pooled, Serial, TCPServer, ThreadPoolTCPServer, ThreadPoolUDPServer, Threading,
    ThreadingTCPServer, ThreadingUDPServer, UDPServer,
};
pub use crate::context::{AnyServer, Context};
pub use crate::core::{HookCall, ServerCore};
#[cfg(unix)]
pub use crate::forking::{Children, ForkingMixIn, shutdown_forking_on_ctrl_c};
pub use crate::handler::{
    AsDatagram, Base, BaseRequestHandler, Connection, DatagramRequestHandler, DatagramSocket,
    DatagramState, HandlerBase, HandlerError, RequestHandler, RunsOn, SocketWriter, Stream,
    StreamRequestHandler, This,
};
pub use crate::inspect::{Resolution, resolution};
pub use crate::pool::{Pool, ThreadPoolMixIn};
pub use crate::server::{Address, BaseServer, POLL_INTERVAL, Request, SocketServer, defaults};
pub use crate::signals::shutdown_on_ctrl_c;
pub use crate::system_exit::SystemExit;
pub use crate::tcp::{SOMAXCONN, Tcp, TcpOptions};
pub use crate::threading::{ThreadingMixIn, Threads};
pub use crate::transport::Transport;
pub use crate::udp::{Datagram, Udp, UdpOptions};
#[cfg(unix)]
pub use crate::unix::{
    ForkingUnixDatagramServer, ForkingUnixStreamServer, ThreadingUnixDatagramServer,
    ThreadingUnixStreamServer, UnixDatagramServer, UnixDatagramTransport, UnixOptions,
    UnixStreamServer, UnixStreamTransport,
};

/// Everything a server program needs, in one `use`: Python's
/// `import socketserver`.
///
/// ```
/// use socketserver::prelude::*;
/// # #[derive(Default)] struct Upper;
/// # impl RequestHandler for Upper {
/// #     type Base = StreamRequestHandler;
/// #     fn handle(&mut self, _this: &mut Stream) -> std::io::Result<()> { Ok(()) }
/// # }
///
/// # fn main() -> std::io::Result<()> {
/// let server = ThreadingTCPServer::<Upper>::new("127.0.0.1:0")?;
/// server.set_daemon_threads(true); // a ThreadingMixIn method
/// assert!(server.fileno().is_some()); // a SocketServer method
/// server.server_close(); // a BaseServer hook
/// # Ok(()) }
/// ```
pub mod prelude {
    pub use crate::{
        Address, Base, BaseRequestHandler, BaseServer, DatagramRequestHandler, DatagramState,
        HandlerError, Pool, Pooled, Request, RequestHandler, Serial, ServerCore, SocketServer,
        Stream, StreamRequestHandler, SystemExit, TCPServer, Tcp, TcpOptions, This,
        ThreadPoolMixIn, ThreadPoolTCPServer, ThreadPoolUDPServer, Threading, ThreadingMixIn,
        ThreadingTCPServer, ThreadingUDPServer, Threads, Transport, UDPServer, Udp, UdpOptions,
        closing, compose, defaults, shutdown_on_ctrl_c,
    };
    #[cfg(unix)]
    pub use crate::{
        Children, Forking, ForkingMixIn, ForkingTCPServer, ForkingUDPServer,
        ForkingUnixDatagramServer, ForkingUnixStreamServer, ThreadingUnixDatagramServer,
        ThreadingUnixStreamServer, UnixDatagramServer, UnixDatagramTransport, UnixStreamServer,
        UnixStreamTransport, shutdown_forking_on_ctrl_c,
    };
}
