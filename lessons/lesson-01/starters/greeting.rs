//! Exercise 01-greeting: greet the client first.
//!
//! This is lesson 01's server, yours to change: find the `TODO` below. The
//! statement is at the end of lesson 01's chapter in the book. Check your work
//! with `cargo run -p classroom -- check 01-greeting`; stuck? `... -- hint 01-greeting`.

use std::io::{self, Read, Write};
use std::net::TcpListener;
use std::process::ExitCode;

use clap::Parser;
use lesson_01::{Address, BUFFER_SIZE, listen, printable, upper};

/// Exercise 01-greeting: lesson 01's single-shot server, which greets its client.
///
/// Waits for ONE client, greets it, reads ONE message, answers it upper-cased, exits.
#[derive(Parser)]
#[command(name = "01-greeting")]
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
/// Accepts one client, greets it, answers its first message, and returns.
fn serve_one_client(listener: &TcpListener) -> io::Result<()> {
    let (mut conn, client_address) = listener.accept()?;
    println!("connected: {client_address}");

    // TODO: greet the client before reading: send it the line
    // `welcome, ADDRESS! say something.` and a newline, where ADDRESS is
    // `client_address` (it prints as `127.0.0.1:50000`, say).

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
