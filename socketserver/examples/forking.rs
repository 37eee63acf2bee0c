//! A line upper-caser on `ForkingTCPServer`: every connection is served by a child
//! process, which logs its pid. The crate's forking tests drive it.
//!
//!     cargo run -p socketserver --example forking -- [--port PORT]
//!
//! It stays single-threaded (no Ctrl-C handler thread) because it forks: Ctrl-C
//! simply ends it. A line `panic` makes the child's handler panic, to show that the
//! parent reports it and goes on.

use std::io::{self, BufRead, Write};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use socketserver::{
    BaseServer, ForkingTCPServer, RequestHandler, SocketServer, Stream, StreamRequestHandler, Tcp,
};

#[derive(Default)]
struct Upper;

impl<S: SocketServer<Transport = Tcp>> RequestHandler<S> for Upper {
    type Base = StreamRequestHandler;

    fn handle(&mut self, this: &mut Stream<'_, S>) -> io::Result<()> {
        println!(
            "child {} serving {}",
            std::process::id(),
            this.client_address
        );
        let mut line = String::new();
        while this.rfile.read_line(&mut line)? > 0 {
            if line.trim() == "panic" {
                panic!("asked to panic");
            }
            this.wfile.write_all(line.to_ascii_uppercase().as_bytes())?;
            line.clear();
        }
        Ok(())
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let port = args
        .iter()
        .position(|arg| arg == "--port")
        .and_then(|i| args.get(i + 1))
        .map_or("8888", String::as_str);
    let server = match ForkingTCPServer::<Upper>::new(format!("127.0.0.1:{port}")) {
        Ok(server) => Arc::new(server),
        Err(error) => {
            eprintln!("error: {error}");
            return ExitCode::FAILURE;
        }
    };
    println!("listening on {}", server.server_address());
    println!("parent {}", std::process::id());
    // A short poll interval: children are reaped on every turn of the loop.
    match server.serve_forever(Duration::from_millis(50)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}
