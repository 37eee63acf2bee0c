//! Exercise 02-lines: answer line by line, however the lines arrive.
//!
//! This is lesson 02's server, yours to change: find the `TODO`s below. The
//! statement is at the end of lesson 02's chapter in the book. Check your work
//! with `cargo run -p classroom -- check 02-lines`; stuck? `... -- hint 02-lines`.

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::process::ExitCode;

use clap::Parser;
use lesson_02::{Address, BUFFER_SIZE, is_close, listen, printable, upper};

/// Exercise 02-lines: lesson 02's looped server, answering each line, numbered.
///
/// Waits for ONE client and answers every line it sends, upper-cased and numbered
/// (`1: HELLO`), until the client closes or sends the line `close`; then exits.
#[derive(Parser)]
#[command(name = "02-lines")]
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
/// The communication loop: read, answer, again, until the client is done.
fn communication_loop(conn: &mut TcpStream, client_address: SocketAddr) -> io::Result<()> {
    let mut buffer = [0; BUFFER_SIZE];
    // TODO: keep a count of the lines answered, and the bytes read but not
    // answered yet (the start of a line whose newline has not come).
    loop {
        let received = conn.read(&mut buffer)?;
        if received == 0 {
            return Ok(());
        }
        // TODO: answer each complete line (up to and including its newline)
        // as `N: LINE`, however the lines are cut into reads; `close` on a
        // line of its own ends the conversation.
        let message = &buffer[..received];
        println!("{client_address} wrote: {}", printable(message));
        if is_close(message) {
            println!("{client_address} asked to close");
            return Ok(());
        }
        conn.write_all(&upper(message))?;
    }
}
// ANCHOR_END: communication_loop
