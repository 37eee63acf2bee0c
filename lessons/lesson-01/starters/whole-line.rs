//! Exercise 01-whole-line: read the whole line, however it arrives.
//!
//! This is lesson 01's server, yours to change: find the `TODO` below. The
//! statement is at the end of lesson 01's chapter in the book. Check your work
//! with `cargo run -p classroom -- check 01-whole-line`; stuck? `... -- hint 01-whole-line`.

use std::io::{self, Read, Write};
use std::net::TcpListener;
use std::process::ExitCode;

use clap::Parser;
use lesson_01::{Address, BUFFER_SIZE, listen, printable, upper};

/// Exercise 01-whole-line: lesson 01's single-shot server, which answers a whole line.
///
/// Waits for ONE client, reads until its message ends with a newline, answers it
/// upper-cased, and exits.
#[derive(Parser)]
#[command(name = "01-whole-line")]
struct Cli {
    #[command(flatten)]
    address: Address,
}

fn main() -> ExitCode {
    let address = Cli::parse().address;
    let listener = match listen(&address) {
        Ok(listener) => listener,
        Err(error) => {
            eprintln!(
                "error: cannot listen on {}:{}: {error}",
                address.host, address.port
            );
            return ExitCode::FAILURE;
        }
    };
    match listener.local_addr() {
        // The first line is exactly `listening on HOST:PORT`: the check reads the port.
        Ok(local_address) => println!("listening on {local_address}"),
        Err(error) => {
            eprintln!("error: {error}");
            return ExitCode::FAILURE;
        }
    }
    match serve_one_client(&listener) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}

// ANCHOR: serve_one_client
/// Accepts one client, answers its first line, and returns.
fn serve_one_client(listener: &TcpListener) -> io::Result<()> {
    let (mut conn, client_address) = listener.accept()?;
    println!("connected: {client_address}");

    // TODO: one read may return only part of the line. Keep reading until
    // what came contains a newline (or the client closes, or BUFFER_SIZE
    // bytes have come), and answer all of it.
    let mut buffer = [0; BUFFER_SIZE];
    let received = match conn.read(&mut buffer) {
        Ok(received) => received,
        Err(error) => {
            println!("{client_address} error: {error}");
            return Ok(());
        }
    };
    if received == 0 {
        println!("{client_address} closed without sending anything");
        return Ok(());
    }
    let request = &buffer[..received];
    println!("{client_address} wrote: {}", printable(request));
    if let Err(error) = conn.write_all(&upper(request)) {
        println!("{client_address} error: {error}");
        return Ok(());
    }
    println!("{client_address} closed");
    Ok(())
}
// ANCHOR_END: serve_one_client
