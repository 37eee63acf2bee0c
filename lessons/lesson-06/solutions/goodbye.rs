// SOLUTION-BEGIN
//! Exercise 06-goodbye, the reference solution: lesson 06's handler, with a `finish`
//! that says goodbye and how many lines it answered.
//!
//! Its starter, `starters/goodbye.rs`, is generated from this file: the lines between
//! SOLUTION-BEGIN and SOLUTION-END are left out of it, and each `// STARTER:` line
//! becomes the code after it. After changing this file, regenerate the starters with
//! `cargo run -p classroom -- starters` (`verify` insists).
// SOLUTION-END
// STARTER: //! Exercise 06-goodbye: say goodbye in the handler's `finish`.
// STARTER: //!
// STARTER: //! This is lesson 06's server, with a handler of its own, yours to change: find
// STARTER: //! the `TODO`s below. The statement is at the end of lesson 06's chapter in the
// STARTER: //! book. Check your work with `cargo run -p classroom -- check 06-goodbye`;
// STARTER: //! stuck? `cargo run -p classroom -- hint 06-goodbye`.

use std::io::{self, Write};
use std::process::ExitCode;

use clap::Parser;
use lesson_06::{Address, exit_code, is_close, printable, readline, run, upper};
use socketserver::prelude::*;
use socketserver::shutdown_on_ctrl_c;

/// Exercise 06-goodbye: lesson 06's threading server, whose handler says goodbye.
///
/// Answers every line upper-cased, a thread per client; when a conversation ends, the
/// handler's `finish` tells the client goodbye and how many lines it answered.
/// Ctrl-C stops it (after the clients still connected have left).
#[derive(Parser)]
#[command(name = "06-goodbye")]
struct Cli {
    #[command(flatten)]
    address: Address,
}

fn main() -> ExitCode {
    let address = Cli::parse().address;
    exit_code(&address, serve(&address))
}

/// Python's `with ThreadingTCPServer(address, Goodbye) as server:
/// server.serve_forever()`, until Ctrl-C.
fn serve(address: &Address) -> io::Result<()> {
    let server = ThreadingTCPServer::<Goodbye>::new((address.host.as_str(), address.port))?;
    run(server, shutdown_on_ctrl_c, "exercise 06-goodbye.")
}

// ANCHOR: handler
/// The handler: lesson 06's `Upper`. A new one serves each client.
// SOLUTION-BEGIN
#[derive(Default)]
struct Goodbye {
    /// The lines this handler has answered: its own state, in `self` (Python's
    /// `self.lines`). Each client gets a new handler, so each gets a new count.
    lines: u64,
}
// SOLUTION-END
// STARTER: // TODO: count, in the handler, the lines it answers.
// STARTER: #[derive(Default)]
// STARTER: struct Goodbye;

impl RequestHandler for Goodbye {
    type Base = StreamRequestHandler;

    fn handle(&mut self, this: &mut Stream) -> io::Result<()> {
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
            this.wfile.write_all(&upper(&line))?;
            // SOLUTION-BEGIN
            self.lines += 1;
            // SOLUTION-END
        }
        println!("{} closed", this.client_address);
        Ok(())
    }
    // SOLUTION-BEGIN

    /// Python's `finish()`: runs after `handle`, however it ended (even with an
    /// error), and before the base's `finish` and the server's `shutdown_request`
    /// close the connection.
    fn finish(&mut self, this: &mut Stream) -> io::Result<()> {
        writeln!(this.wfile, "goodbye: {} line(s) answered", self.lines)
    }
    // SOLUTION-END
    // STARTER:
    // STARTER: // TODO: a `finish` that tells the client `goodbye: N line(s) answered`.
}
// ANCHOR_END: handler
