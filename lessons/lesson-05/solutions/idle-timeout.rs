// SOLUTION-BEGIN
//! Exercise 05-idle-timeout, the reference solution: a service for lesson 05's
//! selector server that answers as the lesson's does, and says goodbye to, and
//! closes, clients that have said nothing for `--idle` seconds.
//!
//! Its starter, `starters/idle-timeout.rs`, is generated from this file: the lines between
//! SOLUTION-BEGIN and SOLUTION-END are left out of it, and each `// STARTER:` line
//! becomes the code after it. After changing this file, regenerate the starters with
//! `cargo run -p classroom -- starters` (`verify` insists).
// SOLUTION-END
// STARTER: //! Exercise 05-idle-timeout: close the clients that say nothing.
// STARTER: //!
// STARTER: //! Lesson 05's library does the selector's work (`src/lib.rs`); what the server says
// STARTER: //! to its clients is a `Service` (`src/service.rs`). This file is one, yours to
// STARTER: //! finish: find the `TODO`. The statement is at the end of lesson 05's chapter in the
// STARTER: //! book. Check your work with `cargo run -p classroom -- check 05-idle-timeout`;
// STARTER: //! stuck? `cargo run -p classroom -- hint 05-idle-timeout`.

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
    // SOLUTION-BEGIN

    /// sel.select(timeout): the event loop sleeps no longer than until the first
    /// deadline, even if no socket is ready. No client: no timeout.
    fn wake_at(&self) -> Option<Instant> {
        self.deadlines.values().min().copied()
    }

    /// After every turn, whatever woke the loop: each client whose deadline has
    /// passed is told goodbye, and closed once that is sent.
    fn service_actions(&mut self, server: &mut Server) {
        let now = Instant::now();
        // The clients first, then the goodbyes: the map cannot change while it is
        // being gone through.
        let idle: Vec<Client> = (self.deadlines.iter())
            .filter(|&(_, &deadline)| deadline <= now)
            .map(|(&client, _)| client)
            .collect();
        for client in idle {
            println!("{} idle for too long", client.addr);
            server.send(client, b"bye: idle for too long\n");
            server.close(client);
            // It is leaving: no more deadline, so the loop does not wake up for it.
            self.deadlines.remove(&client);
        }
    }
    // SOLUTION-END
    // STARTER:
    // STARTER: // TODO: say `bye: idle for too long` and a newline to every client whose
    // STARTER: // deadline has passed, and close it. The event loop must wake up for it,
    // STARTER: // even when no client makes a sound.
}
// ANCHOR_END: idle_timeout
