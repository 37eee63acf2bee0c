//! Exercise 06-busy-limit: serve at most N clients at once, with the crate's hooks.
//!
//! This is lesson 06's server, yours to change: find the `TODO` below. The
//! statement is at the end of lesson 06's chapter in the book. Check your work
//! with `cargo run -p classroom -- check 06-busy-limit`; stuck?
//! `cargo run -p classroom -- hint 06-busy-limit`.

use std::io;
use std::process::ExitCode;

use clap::Parser;
use lesson_06::{Address, Upper, exit_code, run};
use socketserver::prelude::*;
use socketserver::shutdown_on_ctrl_c;

/// Exercise 06-busy-limit: lesson 06's threading server, with a limit on clients.
///
/// Answers every line upper-cased, to at most --max-clients clients at the same
/// time; one more is told the server is busy, and its connection is closed. Ctrl-C
/// stops it (after the clients still connected have left).
#[derive(Parser)]
#[command(name = "06-busy-limit")]
struct Cli {
    #[command(flatten)]
    address: Address,

    /// How many clients are served at once. One more is told that the server is busy,
    /// and closed.
    #[arg(long, default_value_t = 10)]
    max_clients: usize,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    exit_code(&cli.address, serve(&cli.address, cli.max_clients))
}

// ANCHOR: serve
/// Python's `with ... as server: server.serve_forever()`, until Ctrl-C.
fn serve(address: &Address, max_clients: usize) -> io::Result<()> {
    // TODO: a server type of your own, which serves at most `max_clients`
    // clients at once, instead of `ThreadingTCPServer`.
    let server = ThreadingTCPServer::<Upper>::new((address.host.as_str(), address.port))?;
    let about = format!("exercise 06-busy-limit: at most {max_clients} clients at once.");
    run(server, shutdown_on_ctrl_c, &about)
}
// ANCHOR_END: serve
