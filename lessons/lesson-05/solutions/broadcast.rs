// SOLUTION-BEGIN
//! Exercise 05-broadcast, the reference solution: a service for lesson 05's selector
//! server that answers as the lesson's does and passes every message on to every
//! other connected client, a chat room on one thread.
//!
//! Its starter, `starters/broadcast.rs`, is generated from this file: the lines between
//! SOLUTION-BEGIN and SOLUTION-END are left out of it, and each `// STARTER:` line
//! becomes the code after it. After changing this file, regenerate the starters with
//! `cargo run -p classroom -- starters` (`verify` insists).
// SOLUTION-END
// STARTER: //! Exercise 05-broadcast: pass every message on to the other clients.
// STARTER: //!
// STARTER: //! Lesson 05's library does the selector's work (`src/lib.rs`); what the server says
// STARTER: //! to its clients is a `Service` (`src/service.rs`). This file is one, yours to
// STARTER: //! finish: find the `TODO`. The statement is at the end of lesson 05's chapter in the
// STARTER: //! book. Check your work with `cargo run -p classroom -- check 05-broadcast`;
// STARTER: //! stuck? `cargo run -p classroom -- hint 05-broadcast`.

use std::process::ExitCode;

use clap::Parser;
use lesson_05::{Address, Client, Server, Service, Upper, serve};
// SOLUTION-BEGIN
use lesson_05::is_close;
// SOLUTION-END

/// Exercise 05-broadcast: lesson 05's selector server, as a chat room.
///
/// Answers every message upper-cased, as lesson 05 does, and passes it on to every
/// other connected client as `ADDRESS: message`. One thread serves everyone.
#[derive(Parser)]
#[command(name = "05-broadcast")]
struct Cli {
    #[command(flatten)]
    address: Address,
}

fn main() -> ExitCode {
    serve(&Cli::parse().address, Broadcast)
}

// ANCHOR: broadcast
/// The chat room: lesson 05's service, and every message goes to the others too.
struct Broadcast;

impl Service for Broadcast {
    fn received(&mut self, server: &mut Server, from: Client, message: &[u8]) {
        // The lesson's answer: the message upper-cased, or `close` closes.
        Upper.received(server, from, message);
        // SOLUTION-BEGIN
        if is_close(message) {
            return; // not a message for the others
        }
        let line = relay_line(from, message);
        let mut told = 0;
        for client in server.clients() {
            // `send` skips a client that is leaving, and one that does not read what
            // it is sent (its outbox is full): it misses messages, and the server's
            // memory stays bounded.
            if client != from && server.send(client, &line) {
                told += 1;
            }
        }
        println!("passed on to {told} other client(s)");
        // SOLUTION-END
        // STARTER: // TODO: pass the message on to every other client, as the line
        // STARTER: // `ADDRESS: message` (`close` is not passed on).
    }
}
// ANCHOR_END: broadcast
// SOLUTION-BEGIN

/// `ADDRESS: message` and a newline, with the message's own line ending (if any)
/// taken off, so that a message with a newline and one without look the same.
fn relay_line(from: Client, message: &[u8]) -> Vec<u8> {
    let message = message.strip_suffix(b"\n").unwrap_or(message);
    let message = message.strip_suffix(b"\r").unwrap_or(message);
    let mut line = format!("{}: ", from.addr).into_bytes();
    line.extend_from_slice(message);
    line.push(b'\n');
    line
}
// SOLUTION-END
