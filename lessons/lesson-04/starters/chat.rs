//! Exercise 04-chat: a chat room, one thread per client, channels between them.
//!
//! This is lesson 04's server, from its library, with a client thread of your
//! own: find the `TODO`s below. The statement is at the end of lesson 04's
//! chapter in the book. Check your work with `cargo run -p classroom -- check
//! 04-chat`; stuck? `cargo run -p classroom -- hint 04-chat`.
//!
//! `crossbeam-channel` is already a dependency of this example:
//! `use crossbeam_channel::{Receiver, Sender, bounded, unbounded};`.

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::ExitCode;

use clap::Parser;
use lesson_04::{Address, BUFFER_SIZE, Server, is_close, printable, upper};

/// Exercise 04-chat: lesson 04's threaded server, as a chat room.
///
/// Answers every message upper-cased, to any number of clients at the same time, and
/// passes it on to every other connected client as `ADDRESS: message`. Ctrl-C stops
/// it cleanly.
#[derive(Parser)]
#[command(name = "04-chat")]
struct Cli {
    #[command(flatten)]
    address: Address,
}

// ANCHOR: main
fn main() -> ExitCode {
    let Some(server) = Server::start(&Cli::parse().address) else {
        return ExitCode::FAILURE;
    };
    // TODO: start the broadcaster thread, and give every client thread a `Sender`
    // to it, through a closure: `move |conn, client_address| ...`.
    server.serve_forever(chat);
    // TODO: then wait for the broadcaster thread to finish (its loop ends when
    // every `Sender` to it is dropped).
    ExitCode::SUCCESS
}
// ANCHOR_END: main

// TODO: what a client thread tells the broadcaster thread, as an enum: a
// client joined (with a `Sender` to its writer thread), said something, or left.

// ANCHOR: chat
/// What one client thread runs: the communication loop, for now.
fn chat(conn: &mut TcpStream, client_address: SocketAddr) -> io::Result<()> {
    // TODO: start this client's writer thread, and tell the broadcaster that
    // the client joined (and, once the loop is over, that it left).
    communication_loop(conn, client_address)
}

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
        // TODO: write the reply through this client's writer thread, and send
        // what the client said to the broadcaster, which passes it on to every
        // other client as `ADDRESS: message` and a newline.
        conn.write_all(&upper(message))?;
    }
}
// ANCHOR_END: chat
