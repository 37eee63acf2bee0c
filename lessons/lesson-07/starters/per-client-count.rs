//! Exercise 07-per-client-count: number the replies, client by client.
//!
//! This is lesson 07's server on a server type of its own, yours to change:
//! find the `TODO`s below. The statement is at the end of lesson 07's chapter in
//! the book. Check your work with `cargo run -p classroom -- check
//! 07-per-client-count`; stuck? `... -- hint 07-per-client-count`.

use std::io::{self, Read, Write};
use std::process::ExitCode;
use std::sync::Arc;

use clap::Parser;
use lesson_07::{Address, exit_code, options, printable, run, upper};
use socketserver::prelude::*;
use socketserver::{ServerCore, Threads, compose};

/// Exercise 07-per-client-count: lesson 07's UDP server, numbering its replies per
/// client.
///
/// Answers every datagram upper-cased, numbered by how many datagrams its sender's
/// address has sent so far (`1: HELLO`, `2: AGAIN`), each client counted apart. A
/// thread per datagram. Ctrl-C stops it.
#[derive(Parser)]
#[command(name = "07-per-client-count")]
struct Cli {
    #[command(flatten)]
    address: Address,
}

fn main() -> ExitCode {
    let address = Cli::parse().address;
    exit_code(&address, serve(&address))
}

// ANCHOR: server
/// The server, a type of our own: Python's
/// `class CountingServer(socketserver.ThreadingUDPServer)`, whose `__init__` would add
/// `self.counts = {}`. Every handler reaches it as `this.server`, as Python's
/// handlers reach `self.server`.
struct Counting {
    /// What every server carries: the UDP socket, and `serve_forever`'s machinery.
    core: ServerCore<Udp>,
    /// The threading mixin's state: the request threads, joined on `server_close`.
    threads: Threads,
    // TODO: remember how many datagrams each client address has sent.
}

// Python's class statement: `compose!` writes the three `impl`s that make `Counting` a
// threading UDP server, its MRO written out (as in 06-counter-state, on TCP).
compose! {
    impl BaseServer for Counting(ThreadingMixIn, UDPServer) {
        type Handler = Numbered;
    }
}

/// Python's `with Counting(address, Numbered) as server: server.serve_forever()`.
fn serve(address: &Address) -> io::Result<()> {
    // UDPServer.__init__: create the socket, server_bind(); lesson 07's options.
    let transport = Udp::bind((address.host.as_str(), address.port), options())?;
    let server = Arc::new(Counting {
        core: ServerCore::new(transport),
        threads: Threads::new(),
    });
    run(server, "exercise 07-per-client-count.")
}
// ANCHOR_END: server

// ANCHOR: handler
/// The handler: a new one for each datagram, so it cannot remember anything from one
/// datagram to the next. What lasts lives in the server.
#[derive(Default)]
struct Numbered;

impl RequestHandler for Numbered {
    type Base = DatagramRequestHandler<Counting>;

    fn handle(&mut self, this: &mut DatagramState<Counting>) -> io::Result<()> {
        let mut data = Vec::new();
        this.rfile.read_to_end(&mut data)?;
        println!("{} wrote: {}", this.client_address, printable(&data));
        // TODO: count this datagram for its sender (`this.client_address`) in
        // the server (`this.server`), and put the count before the reply: `1: HELLO`.
        this.wfile.write_all(&upper(&data))
    }
}
// ANCHOR_END: handler
