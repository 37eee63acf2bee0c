//! `SystemExit`: a handler that stops the server, as Python's `sys.exit()` does.
//!
//! Python's `_handle_request_noblock` passes a handler's ordinary exceptions to
//! `handle_error` and goes on serving; `SystemExit` (and `KeyboardInterrupt`) it
//! lets through: the request is shut down and the exception leaves
//! `serve_forever`. On a request thread of `ThreadingMixIn`, the same exception
//! only ends that thread. CPython's `ErrorHandlerTest` checks both.
//!
//! Rust has no exceptions: a handler returns an error. [`SystemExit`] is the one
//! error the crate treats like Python's `SystemExit`: never passed to
//! `handle_error`; returned from `serve_forever` or `handle_request` when the handler
//! ran on the serving thread; on a request thread or worker, it ends that request
//! only; in a forked child, the child exits with status 1.

use std::fmt;
use std::io;

/// The error a handler returns to stop the server, as Python's `sys.exit()` in a
/// handler stops a serial server.
///
/// ```
/// use std::io::{self, BufRead, Write};
/// use std::net::TcpStream;
/// use socketserver::prelude::*;
///
/// /// Answers lines until one says `quit`, which stops the whole server.
/// #[derive(Default)]
/// struct Quitting;
///
/// impl RequestHandler for Quitting {
///     type Base = StreamRequestHandler;
///     fn handle(&mut self, this: &mut Stream) -> io::Result<()> {
///         let mut line = String::new();
///         while this.rfile.read_line(&mut line)? > 0 {
///             if line.trim() == "quit" {
///                 return Err(SystemExit.into()); // Python: sys.exit()
///             }
///             this.wfile.write_all(line.to_uppercase().as_bytes())?;
///             line.clear();
///         }
///         Ok(())
///     }
/// }
///
/// # fn main() -> io::Result<()> {
/// let server = TCPServer::<Quitting>::new("127.0.0.1:0")?;
/// let mut client = TcpStream::connect(server.server_address())?;
/// client.write_all(b"quit\n")?;
/// let error = server.handle_request().unwrap_err(); // handle_error was not called
/// assert!(SystemExit::is(&error));
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SystemExit;

impl SystemExit {
    /// Whether `error` is a [`SystemExit`] (what `serve_forever` returned, say).
    pub fn is(error: &io::Error) -> bool {
        error
            .get_ref()
            .is_some_and(|inner| inner.downcast_ref::<SystemExit>().is_some())
    }
}

impl fmt::Display for SystemExit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SystemExit: a handler stopped the server")
    }
}

impl std::error::Error for SystemExit {}

impl From<SystemExit> for io::Error {
    fn from(exit: SystemExit) -> io::Error {
        io::Error::other(exit)
    }
}
