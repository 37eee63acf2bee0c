//! Lesson 03's server: listen, then serve clients one after another, forever.

use std::io::ErrorKind;
use std::process::ExitCode;

use clap::Parser;
use lesson_03::{Address, listen, serve_forever};

/// Lesson 03: the serial server — clients one after another, forever.
///
/// Answers every message upper-cased, one client at a time: a second client waits
/// until the first one leaves. Stop it with Ctrl-C. Start it, then run a client in
/// each of two more terminals and watch the second one wait:
///
///     cargo run -p lesson-03 --bin lesson-03-client
#[derive(Parser)]
#[command(name = "lesson-03", version)]
struct Cli {
    #[command(flatten)]
    address: Address,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let listener = match listen(&cli.address) {
        Ok(listener) => listener,
        Err(error) => {
            let Address { host, port } = &cli.address;
            eprintln!("error: cannot listen on {host}:{port}: {error}");
            if error.kind() == ErrorKind::AddrInUse {
                eprintln!(
                    "hint: another server uses that port; stop it, or pick any free port: \
                     cargo run -p lesson-03 -- --port 0"
                );
            }
            return ExitCode::FAILURE;
        }
    };
    let local_address = match listener.local_addr() {
        Ok(address) => address,
        Err(error) => {
            eprintln!("error: {error}");
            return ExitCode::FAILURE;
        }
    };
    // The first line is exactly `listening on HOST:PORT`: the tests read the port here.
    println!("listening on {local_address}");
    println!(
        "serving clients one at a time; talk to me: cargo run -p lesson-03 --bin lesson-03-client -- --port {}",
        local_address.port()
    );
    serve_forever(&listener)
}
