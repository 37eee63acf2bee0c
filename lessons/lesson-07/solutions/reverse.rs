// SOLUTION-BEGIN
//! Exercise 07-reverse, the reference solution: lesson 07's UDP server, answering
//! each datagram with its characters in reverse order.
//!
//! Its starter, `starters/reverse.rs`, is generated from this file: the lines between
//! SOLUTION-BEGIN and SOLUTION-END are left out of it, and each `// STARTER:` line
//! becomes the code after it. After changing this file, regenerate the starters with
//! `cargo run -p classroom -- starters` (`verify` insists).
// SOLUTION-END
// STARTER: //! Exercise 07-reverse: answer each datagram reversed.
// STARTER: //!
// STARTER: //! This is lesson 07's server, yours to change: find the `TODO` below. The
// STARTER: //! statement is at the end of lesson 07's chapter in the book. Check your work
// STARTER: //! with `cargo run -p classroom -- check 07-reverse`; stuck? `... -- hint 07-reverse`.

use std::io::{self, Read, Write};
use std::process::ExitCode;

use clap::Parser;
// SOLUTION-BEGIN
use lesson_07::{Address, exit_code, options, printable, run};
// SOLUTION-END
// STARTER: use lesson_07::{Address, exit_code, options, printable, run, upper};
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
        // SOLUTION-BEGIN
        // Characters, not bytes: reversing the bytes of `ü` (c3 bc) would give bc c3,
        // which is not UTF-8 at all.
        match std::str::from_utf8(&data) {
            Ok(text) => {
                let reversed: String = text.chars().rev().collect();
                this.wfile.write_all(reversed.as_bytes())
            }
            Err(_) => write!(this.wfile, "not UTF-8: {} bytes", data.len()),
        }
        // SOLUTION-END
        // STARTER: // TODO: answer with the datagram's characters in reverse order, and
        // STARTER: // a datagram that is not UTF-8 with `not UTF-8: N bytes`.
        // STARTER: this.wfile.write_all(&upper(&data))
    }
}
// ANCHOR_END: handler

/// Serves on `address` until Ctrl-C, as lesson 07's `serve` does, with `Reverse`.
fn serve(address: &Address) -> io::Result<()> {
    let address = (address.host.as_str(), address.port);
    let server = ThreadingUDPServer::<Reverse>::with_options(address, options())?;
    run(server, "exercise 07-reverse: datagrams answered reversed.")
}
