//! Lesson 05's server: one thread, one selector, every client at once.

use std::io::ErrorKind;
use std::process::ExitCode;

use clap::Parser;
use lesson_05::{Address, Server, listen};

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
    let listener = match listen(&cli.address) {
        Ok(listener) => listener,
        Err(error) => {
            let Address { host, port } = &cli.address;
            eprintln!("error: cannot listen on {host}:{port}: {error}");
            if error.kind() == ErrorKind::AddrInUse {
                eprintln!("hint: another server uses that port; stop it, or pick --port 0");
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
    let mut server = match Server::new(listener) {
        Ok(server) => server,
        Err(error) => {
            eprintln!("error: cannot set up the selector: {error}");
            return ExitCode::FAILURE;
        }
    };
    // The first line is exactly `listening on HOST:PORT`: the tests read the port here.
    println!("listening on {local_address}");
    println!(
        "serving every client from one thread; talk to me: cargo run -p lesson-05 --bin lesson-05-client -- --port {}",
        local_address.port()
    );
    match server.serve_forever() {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}
