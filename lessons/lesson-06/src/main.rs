//! Lesson 06's server: lesson 04's, on the socketserver crate.

use std::process::ExitCode;

use clap::Parser;
use lesson_06::{Address, Mode, exit_code, explain, serve};

/// Lesson 06: lesson 04's server, rebuilt on the socketserver crate.
///
/// Answers every line upper-cased. --mode picks how clients are served: one at a
/// time (serial), a thread each (threading), a process each (forking), or a fixed
/// pool of threads (pool). --explain shows how the chosen server is composed, next to
/// Python's class. Start it, then in another terminal:
///
///     cargo run -p lesson-06 --bin lesson-06-client
#[derive(Parser)]
#[command(name = "lesson-06", version)]
struct Cli {
    #[command(flatten)]
    address: Address,

    /// How to serve clients (the socketserver mixin to use).
    #[arg(long, value_enum, default_value = "threading")]
    mode: Mode,

    /// Print the chosen server's composition (its MRO, and which layer provides each
    /// hook) and exit.
    #[arg(long)]
    explain: bool,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    if cli.explain {
        print!("{}", explain(cli.mode));
        return ExitCode::SUCCESS;
    }
    exit_code(&cli.address, serve(cli.mode, &cli.address))
}
