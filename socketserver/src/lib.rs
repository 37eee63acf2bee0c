//! `socketserver` — Python's `socketserver` module, in Rust.
//!
//! This is where the lessons are heading. Lessons 01–05 build a socket server by hand,
//! the way the classic Python tutorial does; this crate packages the result as Python
//! does: a [`BaseServer`] with the request loop and its hooks, a transport layer that
//! owns the socket ([`Tcp`]), mixins that change how a request is processed
//! ([`ThreadingMixIn`]), and request handlers ([`RequestHandler`] on a
//! [`StreamRequestHandler`] or [`BaseRequestHandler`] base).
//!
//! Python composes them by multiple inheritance and lets the MRO pick, for each
//! method, the first class that defines it. Rust has no inheritance: each composed
//! type ([`ThreadingTCPServer`]) implements [`BaseServer`] and names, hook by hook,
//! the layer it takes. Because the templates are a trait's provided methods, `self`
//! inside them is the composed type, so overrides are late-bound exactly as Python's
//! `self.` lookups are.
//!
//! ```no_run
//! use std::io::{self, BufRead, Write};
//! use std::sync::Arc;
//! use std::time::Duration;
//! use socketserver::{BaseServer, RequestHandler, SocketServer, Stream, StreamRequestHandler,
//!                    Tcp, ThreadingTCPServer};
//!
//! /// Python: class Upper(socketserver.StreamRequestHandler)
//! #[derive(Default)]
//! struct Upper;
//!
//! impl<S: SocketServer<Transport = Tcp>> RequestHandler<S> for Upper {
//!     type Base = StreamRequestHandler;
//!     fn handle(&mut self, this: &mut Stream<'_, S>) -> io::Result<()> {
//!         let mut line = Vec::new();
//!         while this.rfile.read_until(b'\n', &mut line)? > 0 {
//!             this.wfile.write_all(&line.to_ascii_uppercase())?;
//!             line.clear();
//!         }
//!         Ok(())
//!     }
//! }
//!
//! fn main() -> io::Result<()> {
//!     let server = Arc::new(ThreadingTCPServer::<Upper>::new("127.0.0.1:8888")?);
//!     server.serve_forever(Duration::from_millis(500))
//! }
//! ```
//!
//! The crate is being built in the open (issue 3 of the project).
#![deny(missing_docs)]

mod closing;
mod composed;
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
pub use crate::core::{HookCall, ServerCore};
#[cfg(unix)]
pub use crate::forking::{Children, ForkingMixIn, shutdown_forking_on_ctrl_c};
pub use crate::handler::{
    AsDatagram, Base, BaseRequestHandler, Connection, DatagramRequestHandler, DatagramSocket,
    DatagramState, HandlerBase, HandlerError, RequestHandler, SocketWriter, Stream,
    StreamRequestHandler, This,
};
pub use crate::inspect::{Resolution, resolution};
pub use crate::pool::{Pool, ThreadPoolMixIn};
pub use crate::server::{Address, BaseServer, Request, SocketServer, defaults};
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
