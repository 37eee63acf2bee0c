//! Exercise 05-idle-timeout: close the clients that say nothing.
//!
//! Lesson 05's library does the selector's work (`src/lib.rs`); what the server says
//! to its clients is a `Service` (`src/service.rs`). This file is one, yours to
//! finish: find the `TODO`. The statement is at the end of lesson 05's chapter in the
//! book. Check your work with `cargo run -p classroom -- check 05-idle-timeout`;
//! stuck? `cargo run -p classroom -- hint 05-idle-timeout`.

use std::collections::HashMap;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use clap::Parser;
use lesson_05::{Address, Client, Server, Service, Upper, serve};

/// Exercise 05-idle-timeout: lesson 05's selector server, closing idle clients.
///
/// Answers every message upper-cased, as lesson 05 does, and says goodbye to every
/// client that has sent nothing for --idle seconds, and closes its connection. One
/// thread serves everyone.
#[derive(Parser)]
#[command(name = "05-idle-timeout")]
struct Cli {
    #[command(flatten)]
    address: Address,

    /// Close a client's connection after this many seconds without a message from it.
    #[arg(long, value_name = "SECS", default_value_t = 60,
          value_parser = clap::value_parser!(u64).range(1..))]
    idle: u64,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let idle = Duration::from_secs(cli.idle);
    let deadlines = HashMap::new();
    serve(&cli.address, IdleTimeout { idle, deadlines })
}

// ANCHOR: idle_timeout
/// Lesson 05's service, which closes the clients that say nothing for `idle`.
struct IdleTimeout {
    /// How long a client may say nothing: `--idle`.
    idle: Duration,
    /// When each client's idle time runs out, unless it says something first.
    deadlines: HashMap<Client, Instant>,
}

impl Service for IdleTimeout {
    fn connected(&mut self, _server: &mut Server, client: Client) {
        self.deadlines.insert(client, Instant::now() + self.idle);
    }

    fn received(&mut self, server: &mut Server, client: Client, message: &[u8]) {
        // The client said something: its idle time starts again.
        self.deadlines.insert(client, Instant::now() + self.idle);
        Upper.received(server, client, message);
    }

    fn closed(&mut self, client: Client) {
        self.deadlines.remove(&client);
    }

    // TODO: say `bye: idle for too long` and a newline to every client whose
    // deadline has passed, and close it. The event loop must wake up for it,
    // even when no client makes a sound.
}
// ANCHOR_END: idle_timeout
