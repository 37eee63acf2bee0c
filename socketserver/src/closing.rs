//! RAII closing: Python's `with server:`.
//!
//! Python closes a server at the end of a `with` block by calling
//! `server.server_close()`, whichever class's `server_close` that is. [`closing`]
//! wraps a server so that dropping the wrapper does the same: the server's own
//! (late-bound) `server_close` runs, which for a threading server waits for its
//! request threads.

use std::ops::Deref;
use std::sync::Arc;

use crate::server::BaseServer;

/// A server that is closed (`server_close()`) when this handle is dropped. Derefs to
/// the `Arc` of the server, so `serve_forever` and `shutdown` work as usual.
/// Clones of that `Arc` may outlive it: the server is closed all the same.
pub struct Closing<S: BaseServer>(Arc<S>);

/// Python's `with server:`: the server, closed at the end of the scope.
///
/// ```no_run
/// # use std::{io, time::Duration};
/// # use socketserver::{BaseServer, RequestHandler, SocketServer, Stream, StreamRequestHandler, Tcp, TCPServer};
/// # #[derive(Default)] struct Upper;
/// # impl RequestHandler for Upper {
/// #     type Base = StreamRequestHandler;
/// #     fn handle(&mut self, _this: &mut Stream) -> io::Result<()> { Ok(()) }
/// # }
/// # fn main() -> io::Result<()> {
/// let server = socketserver::closing(TCPServer::<Upper>::new("127.0.0.1:8888")?);
/// socketserver::shutdown_on_ctrl_c(&server)?;
/// server.serve_forever()?;
/// # Ok(()) }
/// // `server` is dropped here: server_close() runs, as at the end of Python's `with`.
/// ```
pub fn closing<S: BaseServer>(server: Arc<S>) -> Closing<S> {
    Closing(server)
}

impl<S: BaseServer> Deref for Closing<S> {
    type Target = Arc<S>;
    fn deref(&self) -> &Arc<S> {
        &self.0
    }
}

impl<S: BaseServer> Drop for Closing<S> {
    fn drop(&mut self) {
        self.0.server_close();
    }
}
