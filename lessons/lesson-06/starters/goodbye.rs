//! Exercise 06-goodbye: say goodbye in the handler's `finish`.
//!
//! This is lesson 06's server, with a handler of its own, yours to change: find
//! the `TODO`s below. The statement is at the end of lesson 06's chapter in the
//! book. Check your work with `cargo run -p classroom -- check 06-goodbye`;
//! stuck? `cargo run -p classroom -- hint 06-goodbye`.

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
// TODO: count, in the handler, the lines it answers.
#[derive(Default)]
struct Goodbye;

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
        }
        println!("{} closed", this.client_address);
        Ok(())
    }

    // TODO: a `finish` that tells the client `goodbye: N line(s) answered`.
}
// ANCHOR_END: handler
