// SOLUTION-BEGIN
//! Exercise 02-numbered, the reference solution: lesson 02's server, numbering its
//! replies.
//!
//! Its starter, `starters/numbered.rs`, is generated from this file: the lines between
//! SOLUTION-BEGIN and SOLUTION-END are left out of it, and each `// STARTER:` line
//! becomes the code after it. After changing this file, regenerate the starters with
//! `cargo run -p classroom -- starters` (`verify` insists).
// SOLUTION-END
// STARTER: //! Exercise 02-numbered: number the replies.
// STARTER: //!
// STARTER: //! This is lesson 02's server, yours to change: find the `TODO`s below. The
// STARTER: //! statement is at the end of lesson 02's chapter in the book. Check your work
// STARTER: //! with `cargo run -p classroom -- check 02-numbered`; stuck? `... -- hint 02-numbered`.

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::process::ExitCode;

use clap::Parser;
use lesson_02::{Address, BUFFER_SIZE, is_close, listen, printable, upper};

/// Exercise 02-numbered: lesson 02's looped server, which numbers its replies.
///
/// Waits for ONE client and answers every message, upper-cased and numbered
/// (`1: HELLO`), until the client closes or says `close`; then exits.
#[derive(Parser)]
#[command(name = "02-numbered")]
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

/// Accepts one client and talks with it until it is done; then returns.
fn serve_one_client(listener: &TcpListener) -> io::Result<()> {
    let (mut conn, client_address) = listener.accept()?;
    println!("connected: {client_address}");
    match communication_loop(&mut conn, client_address) {
        Ok(()) => println!("{client_address} closed"),
        Err(error) => println!("{client_address} error: {error}"),
    }
    Ok(())
}

// ANCHOR: communication_loop
/// The communication loop: read a message, answer it, again, until the client is done.
fn communication_loop(conn: &mut TcpStream, client_address: SocketAddr) -> io::Result<()> {
    let mut buffer = [0; BUFFER_SIZE];
    // SOLUTION-BEGIN
    // Outside the loop, so it counts across every turn of it.
    let mut count: u64 = 0;
    // SOLUTION-END
    // STARTER: // TODO: keep a count of the messages answered so far.
    loop {
        let received = conn.read(&mut buffer)?;
        if received == 0 {
            return Ok(());
        }
        let message = &buffer[..received];
        println!("{client_address} wrote: {}", printable(message));
        if is_close(message) {
            println!("{client_address} asked to close");
            return Ok(());
        }
        // SOLUTION-BEGIN
        count += 1;
        // One write for the whole reply, so that it leaves in one piece.
        let mut reply = format!("{count}: ").into_bytes();
        reply.extend_from_slice(&upper(message));
        conn.write_all(&reply)?;
        // SOLUTION-END
        // STARTER: // TODO: put the message's number before the reply: `1: HELLO`.
        // STARTER: conn.write_all(&upper(message))?;
    }
}
// ANCHOR_END: communication_loop
