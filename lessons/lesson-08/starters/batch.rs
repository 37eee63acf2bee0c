//! Exercise 08-batch: several framed requests in one, answered in order.
//!
//! This is lesson 08's server, from its library, with commands of your own:
//! find the `TODO` below. The statement is at the end of lesson 08's chapter in
//! the book. Check your work with `cargo run -p classroom -- check 08-batch`;
//! stuck? `... -- hint 08-batch`.

use std::process::ExitCode;

use clap::Parser;
use lesson_08::{Address, Protocol, Reply, Run, exit_code, run_command, serve};

/// Exercise 08-batch: lesson 08's server, framed both ways, which answers batches.
///
/// Answers the lesson's built-in commands (help, echo TEXT, upper TEXT, time, big N),
/// and `batch` followed by several framed requests, which are answered in order, in
/// one reply. Requests and replies are both framed (the lesson's --protocol framed).
/// It never runs shell commands. Ctrl-C stops it.
#[derive(Parser)]
#[command(name = "08-batch")]
struct Cli {
    #[command(flatten)]
    address: Address,
}

fn main() -> ExitCode {
    let address = Cli::parse().address;
    // The lesson's server, framed both ways, running our commands.
    exit_code(&address, serve::<Batch>(Protocol::Framed, &address))
}

/// The lesson's commands, and `batch`.
struct Batch;

impl Run for Batch {
    // ANCHOR: run
    /// Runs one request: a batch, or one of the lesson's commands.
    fn run(request: &[u8]) -> Reply {
        // TODO: answer `batch ` followed by framed requests: run each one, and
        // reply with all their replies, each framed, in order, in one body.
        run_command(request)
    }
    // ANCHOR_END: run
}
