//! Lesson 01's server: listen, serve one client once, exit.

use std::io::ErrorKind;
use std::process::ExitCode;

use clap::Parser;
use lesson_01::{Address, listen, serve_one_client};

/// Lesson 01: the single-shot echo server.
///
/// Waits for ONE client, reads ONE message (at most 1024 bytes), sends it back in
/// upper case, and exits. Start it, then in a second terminal run:
///
///     cargo run -p lesson-01 --bin lesson-01-client -- "hello"
#[derive(Parser)]
#[command(name = "lesson-01", version)]
struct Cli {
    #[command(flatten)]
    address: Address,
}

// ANCHOR: main
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
                     cargo run -p lesson-01 -- --port 0"
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
        "waiting for one client: cargo run -p lesson-01 --bin lesson-01-client -- --port {} hello",
        local_address.port()
    );
    match serve_one_client(&listener) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}
// ANCHOR_END: main
