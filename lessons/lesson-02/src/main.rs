//! Lesson 02's server: listen, talk with one client until it is done, exit.

use std::io::ErrorKind;
use std::process::ExitCode;

use clap::Parser;
use lesson_02::{Address, listen, serve_one_client};

/// Lesson 02: the looped echo server.
///
/// Waits for ONE client and answers every message it sends, upper-cased, until the
/// client closes, says `close`, or vanishes; then exits. Start it, then in a second
/// terminal run:
///
///     cargo run -p lesson-02 --bin lesson-02-client
#[derive(Parser)]
#[command(name = "lesson-02", version)]
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
                     cargo run -p lesson-02 -- --port 0"
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
        "waiting for one client: cargo run -p lesson-02 --bin lesson-02-client -- --port {}",
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
