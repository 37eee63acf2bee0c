//! `compose!`: a server type of your own in the shape of Python's class statement.
//!
//! Python composes a server with one line, and overrides hooks in its body:
//!
//! ```python
//! class Limited(socketserver.ThreadingMixIn, socketserver.TCPServer):
//!     def verify_request(self, request, client_address):
//!         ...
//! ```
//!
//! By hand, the same in Rust is a struct and three `impl`s: `SocketServer` (where the
//! socket is), the mixin's trait (where its state is), and `BaseServer`, naming the
//! mixin's hooks one by one — the MRO written out (the book's "From MRO to traits"
//! does it step by step). [`compose!`](crate::compose) writes those `impl`s from a
//! header that reads like Python's: `impl BaseServer for Limited(ThreadingMixIn,
//! TCPServer)`. It also tells the [inspector](crate::resolution) what it did: the
//! MRO, the mixin's hooks, and yours, under your type's name.

/// A server type of your own: Python's `class X(Mixin, Server)` with a body.
///
/// Your struct holds the state: `core: ServerCore<T>` for the server class's socket
/// (`TCPServer`: `Tcp`, `UDPServer`: `Udp`, `UnixStreamServer`:
/// `UnixStreamTransport`, `UnixDatagramServer`: `UnixDatagramTransport`), and the
/// mixin's, named after it: `threads: Threads` for `ThreadingMixIn`, `children:
/// Children` for `ForkingMixIn`, `pool: Pool<Request<Self>, Address<Self>>` for
/// `ThreadPoolMixIn`. The macro's body is your `impl BaseServer`: the `Handler`, and
/// the hooks you override. A hook the mixin provides (`process_request`,
/// `server_close`, ...) comes from the mixin; to override one of those too, write
/// the three `impl`s by hand.
///
/// ```
/// use std::io::{self, BufRead, Read, Write};
/// use std::net::{SocketAddr, TcpStream};
/// use std::sync::Arc;
/// use socketserver::prelude::*;
/// use socketserver::resolution;
///
/// #[derive(Default)]
/// struct Upper;
///
/// impl RequestHandler for Upper {
///     type Base = StreamRequestHandler;
///     fn handle(&mut self, this: &mut Stream) -> io::Result<()> {
///         let mut line = String::new();
///         this.rfile.read_line(&mut line)?;
///         this.wfile.write_all(line.to_uppercase().as_bytes())
///     }
/// }
///
/// /// Serves only the clients on its list.
/// struct Picky {
///     core: ServerCore<Tcp>,
///     threads: Threads,
///     allowed: Vec<SocketAddr>,
/// }
///
/// compose! {
///     // Python: class Picky(ThreadingMixIn, TCPServer)
///     impl BaseServer for Picky(ThreadingMixIn, TCPServer) {
///         type Handler = Upper;
///
///         fn verify_request(&self, _request: &TcpStream, client_address: &SocketAddr) -> bool {
///             self.allowed.contains(client_address)
///         }
///     }
/// }
///
/// # fn main() -> io::Result<()> {
/// # let ten_seconds = Some(std::time::Duration::from_secs(10));
/// let server = Arc::new(Picky {
///     core: ServerCore::new(Tcp::bind("127.0.0.1:0", TcpOptions::default())?),
///     threads: Threads::new(),
///     allowed: vec![],
/// });
/// let mut client = TcpStream::connect(server.server_address())?;
/// # client.set_read_timeout(ten_seconds)?;
/// client.write_all(b"hello\n")?;
/// server.handle_request()?; // not on the list: closed unanswered
/// let mut reply = String::new();
/// client.read_to_string(&mut reply)?;
/// assert_eq!(reply, "");
/// server.server_close(); // ThreadingMixIn's: joins the request threads
///
/// // The inspector knows the composition, as Python's __mro__ would say it.
/// let picky = resolution::<Picky>();
/// assert_eq!(picky.mro, ["Picky", "ThreadingMixIn", "TCPServer", "BaseServer"]);
/// assert_eq!(picky.provider("verify_request"), Some("Picky"));
/// assert_eq!(picky.provider("process_request"), Some("ThreadingMixIn"));
/// # Ok(()) }
/// ```
///
/// Without a mixin, `impl BaseServer for Picky(TCPServer)` composes Python's
/// `class Picky(TCPServer)`; the struct then holds only `core` and your fields.
#[macro_export]
macro_rules! compose {
    // With a mixin: `impl BaseServer for X(Mixin, Server) { ... }`.
    (
        $(#[$attr:meta])*
        impl BaseServer for $server:ident($mixin:ident, $class:ident) {
            type Handler = $handler:ty;
            $(
                $(#[$fattr:meta])*
                fn $hook:ident $params:tt $(-> $ret:ty)? $body:block
            )*
        }
    ) => {
        impl $crate::SocketServer for $server {
            type Transport = $crate::compose!(@transport $class);
            fn core(&self) -> &$crate::ServerCore<Self::Transport> {
                &self.core
            }
        }

        $crate::compose!(@state $mixin for $server);

        $(#[$attr])*
        impl $crate::BaseServer for $server {
            type Handler = $handler;

            const OVERRIDES: &'static [(&'static str, &'static str)] =
                $crate::compose!(@overrides $mixin; $server; $($hook),*);

            fn mro() -> ::std::vec::Vec<::std::string::String> {
                let mut mro = vec![stringify!($server).to_string(), stringify!($mixin).to_string()];
                mro.extend(
                    <Self::Transport as $crate::Transport>::MRO
                        .iter()
                        .map(|class| class.to_string()),
                );
                mro.push("BaseServer".to_string());
                mro
            }

            $crate::compose!(@forward $mixin);

            $(
                $(#[$fattr])*
                fn $hook $params $(-> $ret)? $body
            )*
        }
    };

    // Without a mixin: `impl BaseServer for X(Server) { ... }`.
    (
        $(#[$attr:meta])*
        impl BaseServer for $server:ident($class:ident) {
            type Handler = $handler:ty;
            $(
                $(#[$fattr:meta])*
                fn $hook:ident $params:tt $(-> $ret:ty)? $body:block
            )*
        }
    ) => {
        impl $crate::SocketServer for $server {
            type Transport = $crate::compose!(@transport $class);
            fn core(&self) -> &$crate::ServerCore<Self::Transport> {
                &self.core
            }
        }

        $(#[$attr])*
        impl $crate::BaseServer for $server {
            type Handler = $handler;

            const OVERRIDES: &'static [(&'static str, &'static str)] =
                &[$((stringify!($hook), stringify!($server)),)*];

            $(
                $(#[$fattr])*
                fn $hook $params $(-> $ret)? $body
            )*
        }
    };

    // Python's server classes, and the transport each is.
    (@transport TCPServer) => { $crate::Tcp };
    (@transport UDPServer) => { $crate::Udp };
    (@transport UnixStreamServer) => { $crate::UnixStreamTransport };
    (@transport UnixDatagramServer) => { $crate::UnixDatagramTransport };

    // Where each mixin keeps its state, and the hooks it provides.
    (@state ThreadingMixIn for $server:ident) => {
        impl $crate::ThreadingMixIn for $server {
            fn threads(&self) -> &$crate::Threads {
                &self.threads
            }
        }
    };
    (@state ForkingMixIn for $server:ident) => {
        impl $crate::ForkingMixIn for $server {
            fn children(&self) -> &$crate::Children {
                &self.children
            }
        }
    };
    (@state ThreadPoolMixIn for $server:ident) => {
        impl $crate::ThreadPoolMixIn for $server {
            fn pool(&self) -> &$crate::Pool<$crate::Request<Self>, $crate::Address<Self>> {
                &self.pool
            }
        }
    };
    (@overrides ForkingMixIn; $server:ident; $($hook:ident),*) => {
        &[
            $((stringify!($hook), stringify!($server)),)*
            ("process_request", "ForkingMixIn"),
            ("handle_timeout", "ForkingMixIn"),
            ("service_actions", "ForkingMixIn"),
            ("server_close", "ForkingMixIn"),
        ]
    };
    (@forward ForkingMixIn) => {
        fn timeout(&self) -> ::std::option::Option<::std::time::Duration> {
            // ForkingMixIn.timeout = 300, unless this server was given its own.
            $crate::SocketServer::core(self)
                .timeout_set()
                .unwrap_or(::std::option::Option::Some(::std::time::Duration::from_secs(300)))
        }
        fn process_request(
            self: &::std::sync::Arc<Self>,
            request: $crate::Request<Self>,
            client_address: $crate::Address<Self>,
        ) {
            <Self as $crate::ForkingMixIn>::process_request(self, request, client_address);
        }
        fn handle_timeout(&self) {
            <Self as $crate::ForkingMixIn>::handle_timeout(self);
        }
        fn service_actions(&self) {
            <Self as $crate::ForkingMixIn>::service_actions(self);
        }
        fn server_close(&self) {
            <Self as $crate::ForkingMixIn>::server_close(self, $crate::defaults::server_close);
        }
    };
    // ThreadingMixIn and ThreadPoolMixIn provide the same two hooks.
    (@overrides $mixin:ident; $server:ident; $($hook:ident),*) => {
        &[
            $((stringify!($hook), stringify!($server)),)*
            ("process_request", stringify!($mixin)),
            ("server_close", stringify!($mixin)),
        ]
    };
    (@forward $mixin:ident) => {
        fn process_request(
            self: &::std::sync::Arc<Self>,
            request: $crate::Request<Self>,
            client_address: $crate::Address<Self>,
        ) {
            <Self as $crate::$mixin>::process_request(self, request, client_address);
        }
        fn server_close(&self) {
            <Self as $crate::$mixin>::server_close(self, $crate::defaults::server_close);
        }
    };
}
