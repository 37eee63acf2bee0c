//! The TCP servers Python users know: `TCPServer` and `ThreadingTCPServer`.
//!
//! Each is a struct holding its layers' state and an `impl BaseServer` that takes,
//! hook by hook, the layer Python's MRO would find first. Compare:
//!
//! ```python
//! class ThreadingTCPServer(ThreadingMixIn, TCPServer): pass
//! # MRO: ThreadingTCPServer -> ThreadingMixIn -> TCPServer -> BaseServer
//! ```

use std::io;
use std::marker::PhantomData;
use std::net::ToSocketAddrs;

use crate::core::ServerCore;
use crate::handler::RequestHandler;
use crate::server::{Address, BaseServer, Request, SocketServer};
use crate::threading::{ThreadingMixIn, Threads};
use crate::transport::{Tcp, TcpOptions};

/// Creates, binds and activates a TCP socket: Python's `TCPServer.__init__` with
/// `bind_and_activate=True`. On failure the socket is closed (dropped), as Python's
/// `server_close()` in its `except:` does.
fn bind_and_activate(address: impl ToSocketAddrs, options: TcpOptions) -> io::Result<Tcp> {
    let transport = Tcp::new(address, options)?;
    transport.server_bind()?;
    transport.server_activate()?;
    Ok(transport)
}

/// Python's `TCPServer`: one request at a time, on the serving thread.
///
/// MRO: `TCPServer -> BaseServer`. Every hook is `BaseServer`'s; the socket work is
/// the [`Tcp`] transport's.
pub struct TCPServer<H> {
    core: ServerCore<Tcp>,
    handler: PhantomData<fn() -> H>,
}

impl<H> TCPServer<H> {
    /// Listens on `address` with Python's default options (`request_queue_size` 5,
    /// no address reuse). Port 0 picks a free port; see
    /// [`server_address`](SocketServer::server_address).
    pub fn new(address: impl ToSocketAddrs) -> io::Result<TCPServer<H>> {
        TCPServer::with_options(address, TcpOptions::default())
    }

    /// Listens on `address` with the given options.
    pub fn with_options(
        address: impl ToSocketAddrs,
        options: TcpOptions,
    ) -> io::Result<TCPServer<H>> {
        Ok(TCPServer::from_transport(bind_and_activate(
            address, options,
        )?))
    }

    /// Serves on a transport you bound and activated yourself (Python's
    /// `bind_and_activate=False`, then `server_bind()` and `server_activate()`).
    pub fn from_transport(transport: Tcp) -> TCPServer<H> {
        TCPServer {
            core: ServerCore::new(transport),
            handler: PhantomData,
        }
    }
}

impl<H: 'static> SocketServer for TCPServer<H> {
    type Transport = Tcp;
    fn core(&self) -> &ServerCore<Tcp> {
        &self.core
    }
}

impl<H: RequestHandler<Self>> BaseServer for TCPServer<H> {
    type Handler = H;
    const MRO: &'static [&'static str] = &["TCPServer", "BaseServer"];
}

/// Python's `ThreadingTCPServer`: a thread per request.
///
/// MRO: `ThreadingTCPServer -> ThreadingMixIn -> TCPServer -> BaseServer`. Two hooks
/// come from [`ThreadingMixIn`]: `process_request` and `server_close` (whose
/// `super()` is `TCPServer`'s, that is `BaseServer`'s). Every other hook is
/// `BaseServer`'s.
pub struct ThreadingTCPServer<H> {
    core: ServerCore<Tcp>,
    threads: Threads,
    handler: PhantomData<fn() -> H>,
}

impl<H> ThreadingTCPServer<H> {
    /// Listens on `address` with Python's default options.
    pub fn new(address: impl ToSocketAddrs) -> io::Result<ThreadingTCPServer<H>> {
        ThreadingTCPServer::with_options(address, TcpOptions::default())
    }

    /// Listens on `address` with the given options.
    pub fn with_options(
        address: impl ToSocketAddrs,
        options: TcpOptions,
    ) -> io::Result<ThreadingTCPServer<H>> {
        Ok(ThreadingTCPServer::from_transport(bind_and_activate(
            address, options,
        )?))
    }

    /// Serves on a transport you bound and activated yourself.
    pub fn from_transport(transport: Tcp) -> ThreadingTCPServer<H> {
        ThreadingTCPServer {
            core: ServerCore::new(transport),
            threads: Threads::new(),
            handler: PhantomData,
        }
    }

    /// The threading state, to set `daemon_threads` or `block_on_close` before
    /// serving.
    pub fn threads_mut(&mut self) -> &mut Threads {
        &mut self.threads
    }
}

impl<H: 'static> SocketServer for ThreadingTCPServer<H> {
    type Transport = Tcp;
    fn core(&self) -> &ServerCore<Tcp> {
        &self.core
    }
}

impl<H: RequestHandler<Self>> BaseServer for ThreadingTCPServer<H> {
    type Handler = H;
    const MRO: &'static [&'static str] = &[
        "ThreadingTCPServer",
        "ThreadingMixIn",
        "TCPServer",
        "BaseServer",
    ];
    const OVERRIDES: &'static [(&'static str, &'static str)] = &[
        ("process_request", "ThreadingMixIn"),
        ("server_close", "ThreadingMixIn"),
    ];

    // From ThreadingMixIn, first in the MRO after the class itself:
    fn process_request(
        self: &std::sync::Arc<Self>,
        request: Request<Self>,
        client_address: Address<Self>,
    ) {
        ThreadingMixIn::process_request(self, request, client_address);
    }

    fn server_close(&self) {
        // ThreadingMixIn.server_close, whose super() is TCPServer's (BaseServer's).
        ThreadingMixIn::server_close(self, |server| server.core().server_close());
    }
}

impl<H: RequestHandler<Self>> ThreadingMixIn for ThreadingTCPServer<H> {
    fn threads(&self) -> &Threads {
        &self.threads
    }
}
