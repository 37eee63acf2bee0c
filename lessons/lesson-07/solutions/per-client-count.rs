// SOLUTION-BEGIN
//! Exercise 07-per-client-count, the reference solution: lesson 07's UDP server on a
//! server type of its own, which remembers how many datagrams each client address has
//! sent, and numbers its replies client by client.
//!
//! Its starter, `starters/per-client-count.rs`, is generated from this file: the lines between
//! SOLUTION-BEGIN and SOLUTION-END are left out of it, and each `// STARTER:` line
//! becomes the code after it. After changing this file, regenerate the starters with
//! `cargo run -p classroom -- starters` (`verify` insists).
// SOLUTION-END
// STARTER: //! Exercise 07-per-client-count: number the replies, client by client.
// STARTER: //!
// STARTER: //! This is lesson 07's server on a server type of its own, yours to change:
// STARTER: //! find the `TODO`s below. The statement is at the end of lesson 07's chapter in
// STARTER: //! the book. Check your work with `cargo run -p classroom -- check
// STARTER: //! 07-per-client-count`; stuck? `... -- hint 07-per-client-count`.

// SOLUTION-BEGIN
use std::collections::HashMap;
use std::net::SocketAddr;
// SOLUTION-END
use std::io::{self, Read, Write};
use std::process::ExitCode;
use std::sync::Arc;
// SOLUTION-BEGIN
use std::sync::{Mutex, PoisonError};
// SOLUTION-END

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
    // SOLUTION-BEGIN
    /// How many datagrams each client address has sent. Behind a mutex: with a thread
    /// per datagram, two handlers may count at the same moment.
    counts: Mutex<HashMap<SocketAddr, u64>>,
    // SOLUTION-END
    // STARTER: // TODO: remember how many datagrams each client address has sent.
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
        // SOLUTION-BEGIN
        counts: Mutex::new(HashMap::new()),
        // SOLUTION-END
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
        // SOLUTION-BEGIN
        let count = {
            // A handler that panicked while holding the lock leaves it "poisoned"; the
            // counts are still sound (an increment cannot be half done), so go on.
            let mut counts = this
                .server
                .counts
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            let count = counts.entry(*this.client_address).or_insert(0);
            *count += 1;
            *count
        }; // the lock is released here, before the reply is written
        write!(this.wfile, "{count}: ")?;
        // SOLUTION-END
        // STARTER: // TODO: count this datagram for its sender (`this.client_address`) in
        // STARTER: // the server (`this.server`), and put the count before the reply: `1: HELLO`.
        this.wfile.write_all(&upper(&data))
    }
}
// ANCHOR_END: handler
