//! Exercise 06-counter-state: keep counts in the server, for every handler.
//!
//! This is lesson 06's server, with a server type and a handler of its own,
//! yours to change: find the `TODO`s below. The statement is at the end of lesson
//! 06's chapter in the book. Check your work with `cargo run -p classroom --
//! check 06-counter-state`; stuck? `cargo run -p classroom -- hint 06-counter-state`.

use std::io::{self, Write};
use std::process::ExitCode;
use std::sync::Arc;

use clap::Parser;
use lesson_06::{Address, exit_code, is_close, printable, readline, run, upper};
use socketserver::prelude::*;
use socketserver::{ServerCore, Threads, compose, shutdown_on_ctrl_c};

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
    exit_code(&address, serve(&address))
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

// Python's class statement: `compose!` writes the three `impl`s that make `Counting` a
// threading TCP server, its MRO written out (the book's "From MRO to traits" shows
// them by hand).
compose! {
    impl BaseServer for Counting(ThreadingMixIn, TCPServer) {
        type Handler = Counted;
    }
}

/// Python's `with Counting(address, Counted) as server: server.serve_forever()`.
fn serve(address: &Address) -> io::Result<()> {
    // TCPServer.__init__: create the socket, server_bind(), server_activate().
    let transport = Tcp::bind((address.host.as_str(), address.port), TcpOptions::default())?;
    let server = Arc::new(Counting {
        core: ServerCore::new(transport),
        threads: Threads::new(),
    });
    run(server, shutdown_on_ctrl_c, "exercise 06-counter-state.")
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
        loop {
            let line = readline(&mut this.rfile)?;
            if line.is_empty() {
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
