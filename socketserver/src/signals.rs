//! Ctrl-C: stop serving cleanly, in one line.
//!
//! Python's `serve_forever` stops on Ctrl-C because the signal raises
//! `KeyboardInterrupt` in the main thread, and `with` then calls `server_close()`.
//! Rust has no such exception. [`shutdown_on_ctrl_c`] installs a handler that calls
//! [`shutdown`](BaseServer::shutdown), so `serve_forever` returns and the program
//! goes on to `server_close()`, as after Python's `with` block.

use std::io;
use std::sync::Arc;

use crate::server::BaseServer;

/// Makes Ctrl-C (SIGINT) and SIGTERM stop `server`'s `serve_forever`, which then
/// returns normally:
///
/// ```no_run
/// # use std::{io, sync::Arc, time::Duration};
/// # use socketserver::{BaseServer, RequestHandler, SocketServer, Stream, StreamRequestHandler, Tcp, ThreadingTCPServer};
/// # #[derive(Default)] struct Upper;
/// # impl RequestHandler for Upper {
/// #     type Base = StreamRequestHandler;
/// #     fn handle(&mut self, _this: &mut Stream) -> io::Result<()> { Ok(()) }
/// # }
/// # fn main() -> io::Result<()> {
/// let server = ThreadingTCPServer::<Upper>::new("127.0.0.1:8888")?;
/// socketserver::shutdown_on_ctrl_c(&server)?;
/// server.serve_forever()?; // returns on Ctrl-C
/// server.server_close(); // waits for request threads, as Python's `with` does
/// # Ok(()) }
/// ```
///
/// A process has one Ctrl-C handler: calling this twice is an error. The handler
/// holds the server weakly, so it never keeps a dropped server alive.
// ANCHOR: shutdown_on_ctrl_c
pub fn shutdown_on_ctrl_c<S: BaseServer>(server: &Arc<S>) -> io::Result<()> {
    let server = Arc::downgrade(server);
    ctrlc::set_handler(move || {
        if let Some(server) = server.upgrade() {
            server.shutdown();
        }
    })
    .map_err(io::Error::other)
}
// ANCHOR_END: shutdown_on_ctrl_c
