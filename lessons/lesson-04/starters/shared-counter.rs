//! Exercise 04-shared-counter: number every reply, server-wide.
//!
//! This is lesson 04's server, from its library, with a communication loop of
//! your own: find the `TODO`s below. The statement is at the end of lesson 04's
//! chapter in the book. Check your work with `cargo run -p classroom -- check
//! 04-shared-counter`; stuck? `cargo run -p classroom -- hint 04-shared-counter`.

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::ExitCode;

use clap::Parser;
use lesson_04::{Address, BUFFER_SIZE, Server, is_close, printable, upper};

/// Exercise 04-shared-counter: lesson 04's threaded server, numbering every reply.
///
/// Answers every message upper-cased, to any number of clients at the same time, and
/// numbers the replies with one count for the whole server (`1: HELLO`, then `2: ...`
/// whichever client sends next). Ctrl-C stops it cleanly.
#[derive(Parser)]
#[command(name = "04-shared-counter")]
struct Cli {
    #[command(flatten)]
    address: Address,
}

// ANCHOR: main
fn main() -> ExitCode {
    let Some(server) = Server::start(&Cli::parse().address) else {
        return ExitCode::FAILURE;
    };
    // TODO: one count of the messages answered, shared by every client thread:
    // make it here, and pass it on through a closure, `move |conn, client_address| ...`.
    server.serve_forever(communication_loop);
    ExitCode::SUCCESS
}
// ANCHOR_END: main

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
        // TODO: put the server-wide number before the reply: `1: HELLO`, and
        // the next message, from any client, `2: ...`.
        conn.write_all(&upper(message))?;
    }
}
// ANCHOR_END: communication_loop
