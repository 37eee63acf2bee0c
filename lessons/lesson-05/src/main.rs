//! Lesson 05's server: one thread, one selector, every client at once.

use std::process::ExitCode;

use clap::Parser;
use lesson_05::{Address, Upper, serve};

/// Lesson 05: the selector server — one thread serves every client at once.
///
/// Answers every message upper-cased, to any number of clients at the same time,
/// without a thread per client: one loop waits until some socket is ready, does
/// what is ready, and waits again (what Python's `selectors` module is for). Stop it
/// with Ctrl-C. Start it, then run clients in other terminals:
///
///     cargo run -p lesson-05 --bin lesson-05-client
#[derive(Parser)]
#[command(name = "lesson-05", version)]
struct Cli {
    #[command(flatten)]
    address: Address,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    // Listen, then serve every client with this lesson's service: upper-cased replies.
    serve(&cli.address, Upper)
}
