//! Exercise 08-sum: a new built-in command, `sum N...`.
//!
//! This is lesson 08's server, from its library, with commands of your own:
//! find the `TODO` below. The statement is at the end of lesson 08's chapter in
//! the book. Check your work with `cargo run -p classroom -- check 08-sum`;
//! stuck? `... -- hint 08-sum`.

use std::process::ExitCode;

use clap::Parser;
use lesson_08::{Address, Protocol, Reply, Run, exit_code, run_command, serve};

/// Exercise 08-sum: lesson 08's server, which also adds numbers.
///
/// Answers the lesson's built-in commands (help, echo TEXT, upper TEXT, time, big N)
/// and `sum N...`, in the tutorial's protocol: each request is one read, each reply
/// is framed. It never runs shell commands. Ctrl-C stops it.
#[derive(Parser)]
#[command(name = "08-sum")]
struct Cli {
    #[command(flatten)]
    address: Address,
}

fn main() -> ExitCode {
    let address = Cli::parse().address;
    // The lesson's server, in its default protocol, running our commands.
    exit_code(&address, serve::<Sum>(Protocol::Tutorial, &address))
}

/// The lesson's commands, and `sum`.
struct Sum;

impl Run for Sum {
    // ANCHOR: run
    /// Runs one command: the lesson's, and ours.
    fn run(command: &[u8]) -> Reply {
        // TODO: answer `sum N...` with the sum of the whole numbers N, in a
        // reply; answer bad input with an error reply that says what is wrong.
        // (A `lesson_08::framing::Message` you make is a reply with `.into()`.)
        run_command(command)
    }
    // ANCHOR_END: run
}
