//! Exercise 06-counter-state: keep counts in the server, for every handler.
//!
//! This is lesson 06's server, yours to change: find the `TODO`s below. The
//! statement is at the end of lesson 06's chapter in the book. Check your work
//! with `cargo run -p classroom -- check 06-counter-state`; stuck?
//! `cargo run -p classroom -- hint 06-counter-state`.

use std::io::{self, BufRead, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use clap::Parser;
use lesson_06::{Address, MAX_LINE, is_close, printable, upper};
use socketserver::prelude::*;
use socketserver::{ServerCore, Threads};

/// Exercise 06-counter-state: lesson 06's server, on a server type of its own.
///
/// Answers every line upper-cased, a thread per client, and answers `stats` with how
/// many clients and lines the server has served, all threads together. Ctrl-C stops
/// it (after the clients still connected have left).
#[derive(Parser)]
#[command(name = "06-counter-state")]
struct Cli {
    #[command(flatten)]
    address: Address,
}

fn main() -> ExitCode {
    let address = Cli::parse().address;
    match serve(&address) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!(
                "error: cannot serve on {}:{}: {error}",
                address.host, address.port
            );
            ExitCode::FAILURE
        }
    }
}

/// Python's `with Counting(address, Counted) as server: server.serve_forever()`,
/// until Ctrl-C.
fn serve(address: &Address) -> io::Result<()> {
    // TCPServer.__init__ (Tcp::bind: create the socket, server_bind(),
    // server_activate()), then our own fields; in an Arc, as the crate's servers come.
    let server = socketserver::closing(Arc::new(Counting {
        core: ServerCore::new(Tcp::bind(
            (address.host.as_str(), address.port),
            TcpOptions::default(),
        )?),
        threads: Threads::new(),
    }));
    // As the lesson's: clients still connected at Ctrl-C get half a second.
    server.set_shutdown_deadline(Some(Duration::from_millis(500)));
    socketserver::shutdown_on_ctrl_c(&server)?;
    // The first line is exactly `listening on HOST:PORT`: the check reads the port.
    println!("listening on {}", server.server_address());
    server.serve_forever()?;
    println!("shutting down: clients still connected get half a second to finish");
    drop(server);
    println!("bye");
    Ok(())
}

// ANCHOR: server
/// Our own server: Python's `class Counting(ThreadingMixIn, TCPServer)`. Every server
/// holds a `ServerCore` (its socket, and the machinery of `serve_forever`); a threading
/// one also holds the mixin's `Threads`.
struct Counting {
    core: ServerCore<Tcp>,
    threads: Threads,
    // TODO: the counts, for every handler to reach through `this.server`.
}

impl SocketServer for Counting {
    type Transport = Tcp;
    fn core(&self) -> &ServerCore<Tcp> {
        &self.core
    }
}

/// The MRO, by hand: `ThreadingMixIn` provides `process_request` and `server_close`,
/// `BaseServer` everything else. (On TCP, a request is a `TcpStream`, and a client's
/// address a `SocketAddr`: the crate's `Request<Self>` and `Address<Self>`.)
impl BaseServer for Counting {
    type Handler = Counted;

    fn process_request(self: &Arc<Self>, request: TcpStream, client_address: SocketAddr) {
        ThreadingMixIn::process_request(self, request, client_address);
    }

    fn server_close(&self) {
        ThreadingMixIn::server_close(self, defaults::server_close);
    }
}

impl ThreadingMixIn for Counting {
    fn threads(&self) -> &Threads {
        &self.threads
    }
}
// ANCHOR_END: server

// ANCHOR: handler
/// The handler: lesson 06's `Upper`, for our server only, so that it can reach the
/// server's own fields through `this.server`.
#[derive(Default)]
struct Counted;

impl RequestHandler for Counted {
    type Base = StreamRequestHandler<Counting>;

    // TODO: count each client, once, before its conversation starts.

    fn handle(&mut self, this: &mut Stream<Counting>) -> io::Result<()> {
        println!("connected: {}", this.client_address);
        let mut line = Vec::new();
        loop {
            line.clear();
            let read = (&mut this.rfile)
                .take(MAX_LINE as u64)
                .read_until(b'\n', &mut line)?;
            if read == 0 {
                break; // the client closed its side
            }
            println!("{} wrote: {}", this.client_address, printable(&line));
            if is_close(&line) {
                println!("{} asked to close", this.client_address);
                break;
            }
            // TODO: answer `stats` (any case, whitespace around it ignored)
            // with `clients: C, lines: L` and a newline; count the other lines.
            this.wfile.write_all(&upper(&line))?;
        }
        println!("{} closed", this.client_address);
        Ok(())
    }
}
// ANCHOR_END: handler
