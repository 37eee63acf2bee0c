//! A line upper-caser on `ForkingTCPServer`: every connection is served by a child
//! process, which logs its pid. With `--udp`, a datagram upper-caser on
//! `ForkingUDPServer`: every datagram is served by a child. The crate's forking
//! tests drive it.
//!
//!     cargo run -p socketserver --example forking -- [--udp] [--port PORT] [--deadline SECS]
//!
//! Ctrl-C (SIGINT) or SIGTERM stops it cleanly: `serve_forever` returns, and
//! `server_close` waits for the children still serving, at most `--deadline` seconds
//! (5 by default), then terminates them and reaps them; it prints `bye` and exits
//! with success. It stays single-threaded, because it forks: the signals are caught
//! by `shutdown_forking_on_ctrl_c`'s signal handler, not by a handler thread as
//! `shutdown_on_ctrl_c`'s. A line `panic` makes the child's handler panic, to show
//! that the parent reports it and goes on.

use std::io::{self, BufRead, Write};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use socketserver::prelude::*;

#[derive(Default)]
struct Upper;

impl RequestHandler for Upper {
    type Base = StreamRequestHandler;

    fn handle(&mut self, this: &mut Stream) -> io::Result<()> {
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

impl RequestHandler for UpperDatagram {
    type Base = DatagramRequestHandler;

    fn handle(&mut self, this: &mut DatagramState) -> io::Result<()> {
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
    let deadline = match args.iter().position(|arg| arg == "--deadline") {
        None => Duration::from_secs(5),
        Some(i) => match args
            .get(i + 1)
            .and_then(|secs| secs.parse::<f64>().ok())
            .and_then(|secs| Duration::try_from_secs_f64(secs).ok())
        {
            Some(deadline) => deadline,
            None => {
                eprintln!("error: --deadline takes a number of seconds");
                return ExitCode::FAILURE;
            }
        },
    };
    let served = if args.iter().any(|arg| arg == "--udp") {
        ForkingUDPServer::<UpperDatagram>::new(address).and_then(|server| serve(server, deadline))
    } else {
        ForkingTCPServer::<Upper>::new(address).and_then(|server| serve(server, deadline))
    };
    match served {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}

/// Announces the server and serves until SIGINT or SIGTERM; then closes it, giving
/// the children still serving at most `deadline` to finish.
fn serve<S: ForkingMixIn>(server: Arc<S>, deadline: Duration) -> io::Result<()> {
    server.set_shutdown_deadline(Some(deadline));
    // A signal handler that only sets a flag: no thread, so forking stays safe.
    socketserver::shutdown_forking_on_ctrl_c(&server)?;
    println!("listening on {:?}", server.server_address());
    println!("parent {}", std::process::id());
    // A short poll interval: children are reaped on every turn of the loop.
    server.serve_forever_polling(Duration::from_millis(50))?;
    println!(
        "shutting down: waiting for {} child(ren), at most {deadline:?}",
        server.children().active()
    );
    // Python's `with` ends here: server_close reaps the children (and terminates
    // those still serving at the deadline).
    server.server_close();
    println!("bye");
    Ok(())
}
