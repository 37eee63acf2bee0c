// SOLUTION-BEGIN
//! Exercise 04-shared-counter, the reference solution: lesson 04's threaded server,
//! numbering every reply with one count that all the client threads share.
//!
//! Its starter, `starters/shared-counter.rs`, is generated from this file: the lines between
//! SOLUTION-BEGIN and SOLUTION-END are left out of it, and each `// STARTER:` line
//! becomes the code after it. After changing this file, regenerate the starters with
//! `cargo run -p classroom -- starters` (`verify` insists).
// SOLUTION-END
// STARTER: //! Exercise 04-shared-counter: number every reply, server-wide.
// STARTER: //!
// STARTER: //! This is lesson 04's server, from its library, with a communication loop of
// STARTER: //! your own: find the `TODO`s below. The statement is at the end of lesson 04's
// STARTER: //! chapter in the book. Check your work with `cargo run -p classroom -- check
// STARTER: //! 04-shared-counter`; stuck? `cargo run -p classroom -- hint 04-shared-counter`.

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::ExitCode;
// SOLUTION-BEGIN
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
// SOLUTION-END

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
    // SOLUTION-BEGIN
    // One count for the whole server, in an `Arc`: the server gives every client
    // thread its own clone of the closure below, and cloning it clones the `Arc`, a
    // new handle to the same count. `AtomicU64` lets them all change it without a lock.
    let count = Arc::new(AtomicU64::new(0));
    server.serve_forever(move |conn, client_address| {
        communication_loop(conn, client_address, &count)
    });
    // SOLUTION-END
    // STARTER: // TODO: one count of the messages answered, shared by every client thread:
    // STARTER: // make it here, and pass it on through a closure, `move |conn, client_address| ...`.
    // STARTER: server.serve_forever(communication_loop);
    ExitCode::SUCCESS
}
// ANCHOR_END: main

// ANCHOR: communication_loop
/// The communication loop: read a message, answer it, again, until the client is done.
// STARTER: fn communication_loop(conn: &mut TcpStream, client_address: SocketAddr) -> io::Result<()> {
// SOLUTION-BEGIN
fn communication_loop(
    conn: &mut TcpStream,
    client_address: SocketAddr,
    count: &AtomicU64,
) -> io::Result<()> {
    // SOLUTION-END
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
        // SOLUTION-BEGIN
        // `fetch_add` reads and adds in one step, so two clients that send at the same
        // moment never get the same number (a `load`, then a `store`, could).
        let number = count.fetch_add(1, Ordering::SeqCst) + 1;
        let mut reply = format!("{number}: ").into_bytes();
        reply.extend_from_slice(&upper(message));
        conn.write_all(&reply)?;
        // SOLUTION-END
        // STARTER: // TODO: put the server-wide number before the reply: `1: HELLO`, and
        // STARTER: // the next message, from any client, `2: ...`.
        // STARTER: conn.write_all(&upper(message))?;
    }
}
// ANCHOR_END: communication_loop
