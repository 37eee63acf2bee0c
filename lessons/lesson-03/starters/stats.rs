//! Exercise 03-stats: count clients and messages across connections.
//!
//! This is lesson 03's server, yours to change: find the `TODO`s below. The
//! statement is at the end of lesson 03's chapter in the book. Check your work
//! with `cargo run -p classroom -- check 03-stats`; stuck? `... -- hint 03-stats`.

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::process::ExitCode;

use clap::Parser;
use lesson_03::{Address, BUFFER_SIZE, is_close, listen, printable, upper};

/// Exercise 03-stats: lesson 03's serial server, which answers `stats` with counts.
///
/// Serves clients one after another, forever, answering every message upper-cased;
/// `stats` is answered with how many clients and messages it has served. Ctrl-C stops.
#[derive(Parser)]
#[command(name = "03-stats")]
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
    serve_forever(&listener)
}

// ANCHOR: serve_forever
/// The connection loop: accept a client, talk with it until it is done, accept the
/// next. Never returns.
fn serve_forever(listener: &TcpListener) -> ! {
    // TODO: count the clients accepted and the messages answered, across
    // every client.
    loop {
        let (mut conn, client_address) = match listener.accept() {
            Ok(accepted) => accepted,
            Err(error) => {
                println!("accept failed: {error}");
                continue;
            }
        };
        println!("connected: {client_address}");
        let ending = communication_loop(&mut conn, client_address);
        match ending {
            Ok(()) => println!("{client_address} closed"),
            Err(error) => println!("{client_address} error: {error}"),
        }
    }
}
// ANCHOR_END: serve_forever

// ANCHOR: communication_loop
/// The communication loop: read a message, answer it, again, until the client is done.
fn communication_loop(conn: &mut TcpStream, client_address: SocketAddr) -> io::Result<()> {
    let mut buffer = [0; BUFFER_SIZE];
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
        // TODO: answer `stats` (any case, whitespace around it ignored) with
        // `clients: C, messages: M` and a newline; count the other messages.
        conn.write_all(&upper(message))?;
    }
}
// ANCHOR_END: communication_loop
