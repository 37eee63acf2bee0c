//! The composed servers: Python's `TCPServer`, `ThreadingTCPServer`, `UDPServer`,
//! `ThreadingUDPServer`, and so on.
//!
//! Python writes one class per combination:
//!
//! ```python
//! class ThreadingTCPServer(ThreadingMixIn, TCPServer): pass
//! class ThreadingUDPServer(ThreadingMixIn, UDPServer): pass
//! ```
//!
//! Each is the same sentence: "the threading mixin, then this transport". Here that
//! sentence is written once, as the generic [`Threading`], whose `impl BaseServer`
//! names, hook by hook, what Python's MRO finds: `process_request` and
//! `server_close` from [`ThreadingMixIn`], everything else from `BaseServer` and the
//! transport. Python's names are aliases: `ThreadingTCPServer<H>` is
//! `Threading<Tcp, H>`.

use std::marker::PhantomData;

/// Python's constructor, `X(server_address, RequestHandlerClass)`, for every
/// composition of one transport: `new` binds with the crate's default options,
/// `with_options` with yours. Both return the server in an `Arc`, because serving
/// shares it with the request threads; clone the `Arc` to serve from another thread.
/// Written once per transport by
/// `constructors!(Transport, bind_function, AddressTrait, Options)`.
macro_rules! constructors {
    ($transport:ty, $bind:path, $address:path, $options:ty) => {
        constructors!(@one crate::Serial<$transport, H>, $bind, $address, $options);
        constructors!(@one crate::Threading<$transport, H>, $bind, $address, $options);
        constructors!(@one crate::Pooled<$transport, H>, $bind, $address, $options);
        #[cfg(unix)]
        constructors!(@one crate::Forking<$transport, H>, $bind, $address, $options);
    };
    (@one $server:ty, $bind:path, $address:path, $options:ty) => {
        impl<H> $server {
            /// Binds to `address` and listens, with the default options: Python's
            /// `X(server_address, Handler)`. The server comes in an `Arc`, ready to
            /// serve and to share with other threads.
            pub fn new(address: impl $address) -> std::io::Result<std::sync::Arc<Self>> {
                Self::with_options(address, <$options>::default())
            }

            /// Binds to `address` with the given options.
            pub fn with_options(
                address: impl $address,
                options: $options,
            ) -> std::io::Result<std::sync::Arc<Self>> {
                Ok(Self::from_transport($bind(address, options)?))
            }
        }
    };
}
pub(crate) use constructors;
use std::sync::Arc;

use crate::core::ServerCore;
#[cfg(unix)]
use crate::forking::{Children, ForkingMixIn};
use crate::handler::{RequestHandler, RunsOn};
use crate::pool::{Pool, ThreadPoolMixIn};
use crate::server::{Address, BaseServer, Request, SocketServer, defaults};
use crate::tcp::Tcp;
use crate::threading::{ThreadingMixIn, Threads};
use crate::transport::Transport;
use crate::udp::Udp;

/// A server that handles one request at a time, on the serving thread: Python's
/// `TCPServer` or `UDPServer` itself.
///
/// MRO: the transport's classes, then `BaseServer`. No hook is replaced.
///
/// Python's `bind_and_activate=False`: create the socket, adjust it, then bind and
/// listen yourself, and serve on it:
///
/// ```
/// use socketserver::prelude::*;
/// # use std::io::{BufRead as _, Write as _};
/// # #[derive(Default)] struct Upper;
/// # impl socketserver::RequestHandler for Upper {
/// #     type Base = socketserver::StreamRequestHandler;
/// #     fn handle(&mut self, this: &mut socketserver::Stream) -> std::io::Result<()> {
/// #         let mut line = Vec::new();
/// #         this.rfile.read_until(b'\n', &mut line)?;
/// #         this.wfile.write_all(&line.to_ascii_uppercase())
/// #     }
/// # }
/// # fn main() -> std::io::Result<()> {
/// let options = TcpOptions { request_queue_size: 64, ..TcpOptions::default() };
/// let transport = Tcp::new("127.0.0.1:0", options)?;
/// transport.server_bind()?;
/// transport.server_activate()?;
/// let server = TCPServer::<Upper>::from_transport(transport);
/// assert_ne!(server.server_address().port(), 0);
/// # Ok(()) }
/// ```
///
/// Serving one request: see [`BaseServer::handle_request`].
pub struct Serial<T: Transport, H> {
    core: ServerCore<T>,
    handler: PhantomData<fn() -> H>,
}

impl<T: Transport, H> Serial<T, H> {
    /// Serves on a transport that is already bound and activated (Python's
    /// `bind_and_activate=False`, then `server_bind()` and `server_activate()`).
    pub fn from_transport(transport: T) -> Arc<Self> {
        Arc::new(Serial {
            core: ServerCore::new(transport),
            handler: PhantomData,
        })
    }
}

impl<T: Transport, H: 'static> SocketServer for Serial<T, H> {
    type Transport = T;
    fn core(&self) -> &ServerCore<T> {
        &self.core
    }
}

impl<T: Transport, H: RequestHandler<Base: RunsOn<Self>>> BaseServer for Serial<T, H> {
    type Handler = H;

    fn mro() -> Vec<String> {
        let mut mro: Vec<String> = T::MRO.iter().map(|class| class.to_string()).collect();
        mro.push("BaseServer".to_string());
        mro
    }
}

/// A server that handles each request on a new thread: Python's
/// `class ThreadingX(ThreadingMixIn, X)` for any transport `X`.
///
/// MRO: `ThreadingX -> ThreadingMixIn -> X -> ... -> BaseServer -> object`.
///
/// With daemon threads, `server_close` does not wait for requests still being served:
///
/// ```
/// use std::io::{BufRead, BufReader, Write};
/// use std::net::TcpStream;
/// use socketserver::prelude::*;
/// # #[derive(Default)] struct Upper;
/// # impl socketserver::RequestHandler for Upper {
/// #     type Base = socketserver::StreamRequestHandler;
/// #     fn handle(&mut self, this: &mut socketserver::Stream) -> std::io::Result<()> {
/// #         let mut line = Vec::new();
/// #         this.rfile.read_until(b'\n', &mut line)?;
/// #         this.wfile.write_all(&line.to_ascii_uppercase())
/// #     }
/// # }
/// # fn main() -> std::io::Result<()> {
/// # let ten_seconds = Some(std::time::Duration::from_secs(10));
/// let server = ThreadingTCPServer::<Upper>::new("127.0.0.1:0")?;
/// server.set_daemon_threads(true); // Python: server.daemon_threads = True
///
/// let mut client = TcpStream::connect(server.server_address())?;
/// # client.set_read_timeout(ten_seconds)?;
/// client.write_all(b"on a thread\n")?;
/// server.handle_request()?; // starts the request's thread and returns
/// let mut reply = String::new();
/// BufReader::new(&client).read_line(&mut reply)?;
/// assert_eq!(reply, "ON A THREAD\n");
/// assert!(server.threads().is_empty()); // daemon threads are not remembered
/// server.server_close();
/// # Ok(()) }
/// ```
pub struct Threading<T: Transport, H> {
    core: ServerCore<T>,
    threads: Threads,
    handler: PhantomData<fn() -> H>,
}

impl<T: Transport, H> Threading<T, H> {
    /// Serves on a transport that is already bound and activated.
    pub fn from_transport(transport: T) -> Arc<Self> {
        Arc::new(Threading {
            core: ServerCore::new(transport),
            threads: Threads::new(),
            handler: PhantomData,
        })
    }
}

impl<T: Transport, H: 'static> SocketServer for Threading<T, H> {
    type Transport = T;
    fn core(&self) -> &ServerCore<T> {
        &self.core
    }
}

// ANCHOR: threading
impl<T: Transport, H: RequestHandler<Base: RunsOn<Self>>> BaseServer for Threading<T, H> {
    type Handler = H;

    const OVERRIDES: &'static [(&'static str, &'static str)] = &[
        ("process_request", "ThreadingMixIn"),
        ("server_close", "ThreadingMixIn"),
    ];

    fn mro() -> Vec<String> {
        // Python's names: `ThreadingTCPServer`, `ThreadingUnixStreamServer`, ...
        let mut mro = vec![
            format!("Threading{}", T::CLASS),
            "ThreadingMixIn".to_string(),
        ];
        mro.extend(T::MRO.iter().map(|class| class.to_string()));
        mro.push("BaseServer".to_string());
        mro
    }

    // From ThreadingMixIn, first in the MRO after the class itself:
    fn process_request(self: &Arc<Self>, request: Request<Self>, client_address: Address<Self>) {
        ThreadingMixIn::process_request(self, request, client_address);
    }

    fn server_close(&self) {
        // ThreadingMixIn.server_close, whose super() is the transport's.
        ThreadingMixIn::server_close(self, defaults::server_close);
    }
}

impl<T: Transport, H: RequestHandler<Base: RunsOn<Self>>> ThreadingMixIn for Threading<T, H> {
    fn threads(&self) -> &Threads {
        &self.threads
    }
}
// ANCHOR_END: threading

/// A server whose requests are served by a fixed pool of worker threads:
/// `class ThreadPoolX(ThreadPoolMixIn, X)`, a mixin Python does not have.
///
/// MRO: `ThreadPoolX -> ThreadPoolMixIn -> X -> ... -> BaseServer -> object`.
///
/// Three clients at once, served by two workers:
///
/// ```
/// use std::io::{BufRead, BufReader, Write};
/// use std::net::TcpStream;
/// use std::thread;
/// use socketserver::prelude::*;
/// # #[derive(Default)] struct Upper;
/// # impl socketserver::RequestHandler for Upper {
/// #     type Base = socketserver::StreamRequestHandler;
/// #     fn handle(&mut self, this: &mut socketserver::Stream) -> std::io::Result<()> {
/// #         let mut line = Vec::new();
/// #         this.rfile.read_until(b'\n', &mut line)?;
/// #         this.wfile.write_all(&line.to_ascii_uppercase())
/// #     }
/// # }
/// # fn main() -> std::io::Result<()> {
/// # let ten_seconds = Some(std::time::Duration::from_secs(10));
/// let server = ThreadPoolTCPServer::<Upper>::new("127.0.0.1:0")?;
/// server.set_workers(2);
/// let serving = thread::spawn({
///     let server = server.clone();
///     move || server.serve_forever()
/// });
///
/// let clients: Vec<TcpStream> = (0..3)
///     .map(|_| TcpStream::connect(server.server_address()))
///     .collect::<Result<_, _>>()?;
/// for (n, mut client) in clients.into_iter().enumerate() {
/// #   client.set_read_timeout(ten_seconds)?;
///     writeln!(client, "client {n}")?;
///     let mut reply = String::new();
///     BufReader::new(&client).read_line(&mut reply)?;
///     assert_eq!(reply, format!("CLIENT {n}\n"));
/// }
///
/// server.shutdown();
/// serving.join().expect("the serving thread panicked")?;
/// server.server_close(); // serves what is queued, then stops the workers
/// # Ok(()) }
/// ```
pub struct Pooled<T: Transport, H> {
    core: ServerCore<T>,
    pool: Pool<T::Request, T::Address>,
    handler: PhantomData<fn() -> H>,
}

impl<T: Transport, H> Pooled<T, H> {
    /// Serves on a transport that is already bound and activated, with the default
    /// number of workers.
    pub fn from_transport(transport: T) -> Arc<Self> {
        Arc::new(Pooled {
            core: ServerCore::new(transport),
            pool: Pool::default(),
            handler: PhantomData,
        })
    }
}

impl<T: Transport, H: 'static> SocketServer for Pooled<T, H> {
    type Transport = T;
    fn core(&self) -> &ServerCore<T> {
        &self.core
    }
}

impl<T: Transport, H: RequestHandler<Base: RunsOn<Self>>> BaseServer for Pooled<T, H> {
    type Handler = H;

    const OVERRIDES: &'static [(&'static str, &'static str)] = &[
        ("process_request", "ThreadPoolMixIn"),
        ("server_close", "ThreadPoolMixIn"),
    ];

    fn mro() -> Vec<String> {
        let mut mro = vec![
            format!("ThreadPool{}", T::CLASS),
            "ThreadPoolMixIn".to_string(),
        ];
        mro.extend(T::MRO.iter().map(|class| class.to_string()));
        mro.push("BaseServer".to_string());
        mro
    }

    // From ThreadPoolMixIn:
    fn process_request(self: &Arc<Self>, request: Request<Self>, client_address: Address<Self>) {
        ThreadPoolMixIn::process_request(self, request, client_address);
    }

    fn server_close(&self) {
        // ThreadPoolMixIn.server_close, whose super() is the transport's.
        ThreadPoolMixIn::server_close(self, defaults::server_close);
    }
}

impl<T: Transport, H: RequestHandler<Base: RunsOn<Self>>> ThreadPoolMixIn for Pooled<T, H> {
    fn pool(&self) -> &Pool<T::Request, T::Address> {
        &self.pool
    }
}

/// A server that handles each request in a child process: Python's
/// `class ForkingX(ForkingMixIn, X)`. Unix only, as Python's `hasattr(os, "fork")`.
///
/// MRO: `ForkingX -> ForkingMixIn -> X -> ... -> BaseServer -> object`.
#[cfg(unix)]
/// Fork only from a process with one thread (see [`ForkingMixIn`]), so this
/// example is compiled, not run here; `cargo run -p socketserver --example forking`
/// runs a complete one.
///
/// ```no_run
/// use std::time::Duration;
/// use socketserver::prelude::*;
/// # use std::io::{BufRead as _, Write as _};
/// # #[derive(Default)] struct Upper;
/// # impl socketserver::RequestHandler for Upper {
/// #     type Base = socketserver::StreamRequestHandler;
/// #     fn handle(&mut self, this: &mut socketserver::Stream) -> std::io::Result<()> {
/// #         let mut line = Vec::new();
/// #         this.rfile.read_until(b'\n', &mut line)?;
/// #         this.wfile.write_all(&line.to_ascii_uppercase())
/// #     }
/// # }
/// # fn main() -> std::io::Result<()> {
/// let server = ForkingTCPServer::<Upper>::new("127.0.0.1:8888")?;
/// server.set_max_children(8); // at most 8 requests at once
/// server.set_shutdown_deadline(Some(Duration::from_secs(5)));
/// socketserver::shutdown_forking_on_ctrl_c(&server)?; // a signal handler, no thread
/// server.serve_forever()?; // returns on Ctrl-C or SIGTERM
/// server.server_close(); // waits for the children, at most 5 s, then ends them
/// # Ok(()) }
/// ```
///
/// Beyond Python, stopping leaves nothing behind: a child closes its copy of the
/// listening socket before it serves, and `server_close` ends the children still
/// serving at the [shutdown deadline](crate::ServerCore::set_shutdown_deadline).
pub struct Forking<T: Transport, H> {
    core: ServerCore<T>,
    children: Children,
    handler: PhantomData<fn() -> H>,
}

#[cfg(unix)]
impl<T: Transport, H> Forking<T, H> {
    /// Serves on a transport that is already bound and activated.
    pub fn from_transport(transport: T) -> Arc<Self> {
        Arc::new(Forking {
            core: ServerCore::new(transport),
            children: Children::default(),
            handler: PhantomData,
        })
    }
}

#[cfg(unix)]
impl<T: Transport, H: 'static> SocketServer for Forking<T, H> {
    type Transport = T;
    fn core(&self) -> &ServerCore<T> {
        &self.core
    }
}

#[cfg(unix)]
impl<T: Transport, H: RequestHandler<Base: RunsOn<Self>>> BaseServer for Forking<T, H> {
    type Handler = H;

    const OVERRIDES: &'static [(&'static str, &'static str)] = &[
        ("process_request", "ForkingMixIn"),
        ("handle_timeout", "ForkingMixIn"),
        ("service_actions", "ForkingMixIn"),
        ("server_close", "ForkingMixIn"),
    ];

    fn mro() -> Vec<String> {
        let mut mro = vec![format!("Forking{}", T::CLASS), "ForkingMixIn".to_string()];
        mro.extend(T::MRO.iter().map(|class| class.to_string()));
        mro.push("BaseServer".to_string());
        mro
    }

    /// Python's `ForkingMixIn.timeout = 300`, unless this server was given its own
    /// with [`set_timeout`](crate::ServerCore::set_timeout).
    fn timeout(&self) -> Option<std::time::Duration> {
        self.core()
            .timeout_set()
            .unwrap_or(Some(std::time::Duration::from_secs(300)))
    }

    // From ForkingMixIn:
    fn process_request(self: &Arc<Self>, request: Request<Self>, client_address: Address<Self>) {
        ForkingMixIn::process_request(self, request, client_address);
    }

    fn handle_timeout(&self) {
        ForkingMixIn::handle_timeout(self);
    }

    fn service_actions(&self) {
        ForkingMixIn::service_actions(self);
    }

    fn server_close(&self) {
        // ForkingMixIn.server_close, whose super() is the transport's.
        ForkingMixIn::server_close(self, defaults::server_close);
    }
}

#[cfg(unix)]
impl<T: Transport, H: RequestHandler<Base: RunsOn<Self>>> ForkingMixIn for Forking<T, H> {
    fn children(&self) -> &Children {
        &self.children
    }
}

// ANCHOR: aliases
/// Python's `TCPServer`: one request at a time. MRO: `TCPServer -> BaseServer -> object`.
pub type TCPServer<H> = Serial<Tcp, H>;

/// Python's `ThreadingTCPServer`: a thread per connection.
/// MRO: `ThreadingTCPServer -> ThreadingMixIn -> TCPServer -> BaseServer -> object`.
pub type ThreadingTCPServer<H> = Threading<Tcp, H>;

/// Python's `UDPServer`: one datagram at a time.
/// MRO: `UDPServer -> TCPServer -> BaseServer -> object`.
pub type UDPServer<H> = Serial<Udp, H>;

/// Python's `ThreadingUDPServer`: a thread per datagram.
/// MRO: `ThreadingUDPServer -> ThreadingMixIn -> UDPServer -> TCPServer -> BaseServer -> object`.
pub type ThreadingUDPServer<H> = Threading<Udp, H>;
// ANCHOR_END: aliases

/// A TCP server with a fixed pool of worker threads (no Python counterpart).
pub type ThreadPoolTCPServer<H> = Pooled<Tcp, H>;

/// A UDP server with a fixed pool of worker threads (no Python counterpart).
pub type ThreadPoolUDPServer<H> = Pooled<Udp, H>;

/// Python's `ForkingTCPServer`: a child process per connection.
/// MRO: `ForkingTCPServer -> ForkingMixIn -> TCPServer -> BaseServer -> object`.
#[cfg(unix)]
pub type ForkingTCPServer<H> = Forking<Tcp, H>;

/// Python's `ForkingUDPServer`: a child process per datagram.
/// MRO: `ForkingUDPServer -> ForkingMixIn -> UDPServer -> TCPServer -> BaseServer -> object`.
#[cfg(unix)]
pub type ForkingUDPServer<H> = Forking<Udp, H>;
