//! Exercise 05-broadcast: pass every message on to the other clients.
//!
//! Lesson 05's library does the selector's work (`src/lib.rs`); what the server says
//! to its clients is a `Service` (`src/service.rs`). This file is one, yours to
//! finish: find the `TODO`. The statement is at the end of lesson 05's chapter in the
//! book. Check your work with `cargo run -p classroom -- check 05-broadcast`;
//! stuck? `cargo run -p classroom -- hint 05-broadcast`.

use std::process::ExitCode;

use clap::Parser;
use lesson_05::{Address, Client, Server, Service, Upper, serve};

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
        // TODO: pass the message on to every other client, as the line
        // `ADDRESS: message` (`close` is not passed on).
    }
}
// ANCHOR_END: broadcast
