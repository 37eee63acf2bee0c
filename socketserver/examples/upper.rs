//! A line upper-caser on the `socketserver` crate: Python's classic
//! `ThreadingTCPServer` example, and the crate's tests' server process.
//!
//!     cargo run -p socketserver --example upper -- [--port PORT] [--serial]
//!
//! Prints `listening on HOST:PORT` first, like every lesson server; Ctrl-C stops it
//! cleanly (`serve_forever` returns, `server_close` waits for request threads, half a
//! second at most: then it shuts their connections down).
//!
//! Unlike Python's `rfile.readline()`, a line is read [`MAX_LINE`] bytes at most: a
//! longer one is answered in pieces, so a client that never sends a newline cannot
//! make the server's memory grow (lesson 06 does the same).

use std::io::{self, BufRead, Read, Write};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use socketserver::prelude::*;

/// The longest piece of a line read at once. A longer line is answered in pieces.
const MAX_LINE: usize = 64 * 1024;

/// Python: `class Upper(socketserver.StreamRequestHandler)`.
#[derive(Default)]
struct Upper;

impl RequestHandler for Upper {
    type Base = StreamRequestHandler;

    fn handle(&mut self, this: &mut Stream) -> io::Result<()> {
        println!("connected: {}", this.client_address);
        let mut line = Vec::new();
        loop {
            line.clear();
            // self.rfile.readline(), but at most MAX_LINE bytes of a longer line.
            let read = (&mut this.rfile)
                .take(MAX_LINE as u64)
                .read_until(b'\n', &mut line)?;
            if read == 0 {
                break; // the client closed its side
            }
            this.wfile.write_all(&line.to_ascii_uppercase())?;
        }
        println!("{} closed", this.client_address);
        Ok(())
    }
}

fn serve<S: BaseServer>(server: Arc<S>) -> io::Result<()> {
    socketserver::shutdown_on_ctrl_c(&server)?;
    // Python's server_close waits for every request thread, so one idle client keeps
    // a Ctrl-C'd server running for ever. Half a second, then their connections are
    // shut down, and each thread's next read sees the end.
    server.set_shutdown_deadline(Some(Duration::from_millis(500)));
    println!("listening on {:?}", server.server_address());
    server.serve_forever()?;
    println!("shutting down");
    server.server_close();
    println!("bye");
    Ok(())
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let port = args
        .iter()
        .position(|arg| arg == "--port")
        .and_then(|i| args.get(i + 1))
        .map_or("8888", String::as_str);
    let address = format!("127.0.0.1:{port}");
    let served = if args.iter().any(|arg| arg == "--serial") {
        TCPServer::<Upper>::new(address).and_then(serve)
    } else {
        ThreadingTCPServer::<Upper>::new(address).and_then(serve)
    };
    match served {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}
