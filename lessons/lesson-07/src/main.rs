//! Lesson 07's server: the tutorial's ThreadingUDPServer, on the socketserver crate.

use std::process::ExitCode;

use clap::Parser;
use lesson_07::{Address, exit_code, explain, serve};

/// Lesson 07: a UDP server — datagrams, not connections.
///
/// Answers every datagram with a datagram of the same bytes upper-cased, sent back to
/// the address it came from. Each datagram is handled on a thread of its own (what
/// Python's socketserver.ThreadingUDPServer does). There are no connections: nothing
/// to accept, nothing to close. Ctrl-C stops it cleanly. --explain shows how the
/// server is composed, next to Python's class. Start it, then in another terminal:
///
///     cargo run -p lesson-07 --bin lesson-07-client
#[derive(Parser)]
#[command(name = "lesson-07", version)]
struct Cli {
    #[command(flatten)]
    address: Address,

    /// Print how the server is composed (Python's __mro__, and which layer provides
    /// each method), then exit.
    #[arg(long)]
    explain: bool,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    if cli.explain {
        print!("{}", explain());
        return ExitCode::SUCCESS;
    }
    exit_code(&cli.address, serve(&cli.address))
}
