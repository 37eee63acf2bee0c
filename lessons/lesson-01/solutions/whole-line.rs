// SOLUTION-BEGIN
//! Exercise 01-whole-line, the reference solution: lesson 01's server, reading until
//! the client's line is whole, however many reads that takes.
//!
//! Its starter, `starters/whole-line.rs`, is generated from this file: the lines between
//! SOLUTION-BEGIN and SOLUTION-END are left out of it, and each `// STARTER:` line
//! becomes the code after it. After changing this file, regenerate the starters with
//! `cargo run -p classroom -- starters` (`verify` insists).
// SOLUTION-END
// STARTER: //! Exercise 01-whole-line: read the whole line, however it arrives.
// STARTER: //!
// STARTER: //! This is lesson 01's server, yours to change: find the `TODO` below. The
// STARTER: //! statement is at the end of lesson 01's chapter in the book. Check your work
// STARTER: //! with `cargo run -p classroom -- check 01-whole-line`; stuck? `... -- hint 01-whole-line`.

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

    // SOLUTION-BEGIN
    // One read returns whatever has arrived: part of a line, maybe. Keep reading
    // until the newline is here, the client stops sending, or the buffer's worth has
    // come (so that a client without newlines cannot keep us reading forever).
    let mut buffer = [0; BUFFER_SIZE];
    let mut message = Vec::new();
    while !message.contains(&b'\n') && message.len() < BUFFER_SIZE {
        let received = match conn.read(&mut buffer[..BUFFER_SIZE - message.len()]) {
            Ok(received) => received,
            Err(error) => {
                println!("{client_address} error: {error}");
                return Ok(());
            }
        };
        if received == 0 {
            break; // the client closed its side: answer what came
        }
        message.extend_from_slice(&buffer[..received]);
    }
    if message.is_empty() {
        println!("{client_address} closed without sending anything");
        return Ok(());
    }
    let request = &message[..];
    // SOLUTION-END
    // STARTER: // TODO: one read may return only part of the line. Keep reading until
    // STARTER: // what came contains a newline (or the client closes, or BUFFER_SIZE
    // STARTER: // bytes have come), and answer all of it.
    // STARTER: let mut buffer = [0; BUFFER_SIZE];
    // STARTER: let received = match conn.read(&mut buffer) {
    // STARTER:     Ok(received) => received,
    // STARTER:     Err(error) => {
    // STARTER:         println!("{client_address} error: {error}");
    // STARTER:         return Ok(());
    // STARTER:     }
    // STARTER: };
    // STARTER: if received == 0 {
    // STARTER:     println!("{client_address} closed without sending anything");
    // STARTER:     return Ok(());
    // STARTER: }
    // STARTER: let request = &buffer[..received];
    println!("{client_address} wrote: {}", printable(request));
    if let Err(error) = conn.write_all(&upper(request)) {
        println!("{client_address} error: {error}");
        return Ok(());
    }
    println!("{client_address} closed");
    Ok(())
}
// ANCHOR_END: serve_one_client
