//! Lesson 08's server: built-in commands, with replies framed the tutorial's way.

use std::process::ExitCode;

use clap::Parser;
use lesson_08::{Address, BuiltIn, Protocol, exit_code, serve};

/// Lesson 08: message framing ("sticky packets").
///
/// Answers a few built-in commands (help, echo TEXT, upper TEXT, time, big N); it
/// never runs shell commands. By default each reply is framed the way the Python
/// tutorial frames it: a 4-byte header length, a JSON header {"dataBodyLength": N},
/// then N bytes. --protocol raw sends bare replies instead, to show the problem
/// framing solves; --protocol framed frames the requests too. Start it, then in
/// another terminal:
///
///     cargo run -p lesson-08 --bin lesson-08-client
#[derive(Parser)]
#[command(name = "lesson-08", version)]
struct Cli {
    #[command(flatten)]
    address: Address,

    /// How requests and replies are cut into messages.
    #[arg(long, value_enum, default_value = "tutorial")]
    protocol: Protocol,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    exit_code(&cli.address, serve::<BuiltIn>(cli.protocol, &cli.address))
}
