//! A line upper-caser on `ForkingTCPServer`: every connection is served by a child
//! process, which logs its pid. With `--udp`, a datagram upper-caser on
//! `ForkingUDPServer`: every datagram is served by a child. The crate's forking
//! tests drive it.
//!
//!     cargo run -p socketserver --example forking -- [--udp] [--port PORT]
//!
//! It stays single-threaded (no Ctrl-C handler thread) because it forks: Ctrl-C
//! simply ends it. A line `panic` makes the child's handler panic, to show that the
//! parent reports it and goes on.

use std::io::{self, BufRead, Write};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use socketserver::{
    BaseServer, DatagramRequestHandler, DatagramState, ForkingTCPServer, ForkingUDPServer,
    RequestHandler, SocketServer, Stream, StreamRequestHandler, Tcp, Udp,
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

/// Python: class UpperDatagram(DatagramRequestHandler), run in a child per datagram.
#[derive(Default)]
struct UpperDatagram;

impl<S: SocketServer<Transport = Udp>> RequestHandler<S> for UpperDatagram {
    type Base = DatagramRequestHandler;

    fn handle(&mut self, this: &mut DatagramState<'_, S>) -> io::Result<()> {
        println!(
            "child {} serving {}",
            std::process::id(),
            this.client_address
        );
        if this.packet == b"panic" {
            panic!("asked to panic");
        }
        this.wfile = this.packet.to_ascii_uppercase();
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
    let address = format!("127.0.0.1:{port}");
    let served = if args.iter().any(|arg| arg == "--udp") {
        ForkingUDPServer::<UpperDatagram>::new(address).and_then(|server| serve(&Arc::new(server)))
    } else {
        ForkingTCPServer::<Upper>::new(address).and_then(|server| serve(&Arc::new(server)))
    };
    match served {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}

/// Announces the server and serves until the process is killed.
fn serve<S: BaseServer>(server: &Arc<S>) -> io::Result<()> {
    println!("listening on {:?}", server.server_address());
    println!("parent {}", std::process::id());
    // A short poll interval: children are reaped on every turn of the loop.
    server.serve_forever(Duration::from_millis(50))
}
