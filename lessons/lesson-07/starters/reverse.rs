//! Exercise 07-reverse: answer each datagram reversed.
//!
//! This is lesson 07's server, yours to change: find the `TODO` below. The
//! statement is at the end of lesson 07's chapter in the book. Check your work
//! with `cargo run -p classroom -- check 07-reverse`; stuck? `... -- hint 07-reverse`.

use std::io::{self, Read, Write};
use std::process::ExitCode;

use clap::Parser;
use lesson_07::{Address, exit_code, options, printable, run, upper};
use socketserver::prelude::*;

/// Exercise 07-reverse: lesson 07's UDP server, which answers datagrams reversed.
///
/// Answers every datagram with a datagram of the same characters in reverse order,
/// sent back to the address it came from; a datagram that is not UTF-8 has no
/// characters, and is told so. A thread per datagram. Ctrl-C stops it.
#[derive(Parser)]
#[command(name = "07-reverse")]
struct Cli {
    #[command(flatten)]
    address: Address,
}

fn main() -> ExitCode {
    let address = Cli::parse().address;
    exit_code(&address, serve(&address))
}

// ANCHOR: handler
/// The handler: a new one handles each datagram, on a thread of its own. What
/// `handle` writes to `wfile` is the reply, sent back when the handler finishes.
#[derive(Default)]
struct Reverse;

impl RequestHandler for Reverse {
    type Base = DatagramRequestHandler;

    fn handle(&mut self, this: &mut DatagramState) -> io::Result<()> {
        let mut data = Vec::new();
        this.rfile.read_to_end(&mut data)?;
        println!("{} wrote: {}", this.client_address, printable(&data));
        // TODO: answer with the datagram's characters in reverse order, and
        // a datagram that is not UTF-8 with `not UTF-8: N bytes`.
        this.wfile.write_all(&upper(&data))
    }
}
// ANCHOR_END: handler

/// Serves on `address` until Ctrl-C, as lesson 07's `serve` does, with `Reverse`.
fn serve(address: &Address) -> io::Result<()> {
    let address = (address.host.as_str(), address.port);
    let server = ThreadingUDPServer::<Reverse>::with_options(address, options())?;
    run(server, "exercise 07-reverse: datagrams answered reversed.")
}
