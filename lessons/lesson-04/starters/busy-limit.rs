//! Exercise 04-busy-limit: serve at most N clients at once.
//!
//! This is lesson 04's server, from its library, with a connection loop of your
//! own: find the `TODO` below. The statement is at the end of lesson 04's
//! chapter in the book. Check your work with `cargo run -p classroom -- check
//! 04-busy-limit`; stuck? `cargo run -p classroom -- hint 04-busy-limit`.

use std::process::ExitCode;

use clap::Parser;
use lesson_04::{Address, Server, communication_loop};

/// Exercise 04-busy-limit: lesson 04's threaded server, with a limit on clients.
///
/// Answers every message upper-cased, to at most --max-clients clients at the same
/// time; one more is told the server is busy, and its connection is closed. Ctrl-C
/// stops it cleanly.
#[derive(Parser)]
#[command(name = "04-busy-limit")]
struct Cli {
    #[command(flatten)]
    address: Address,

    /// How many clients are served at once. One more is told that the server is busy,
    /// and closed.
    #[arg(long, default_value_t = 10)]
    max_clients: usize,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let Some(server) = Server::start(&cli.address) else {
        return ExitCode::FAILURE;
    };
    serve_forever(server, cli.max_clients);
    ExitCode::SUCCESS
}

// ANCHOR: serve_forever
/// The lesson's connection loop, `Server::serve_forever`, written out here: accept a
/// client, give it a thread, accept the next one, until Ctrl-C.
fn serve_forever(mut server: Server, max_clients: usize) {
    println!("serving at most {max_clients} clients at once");
    while let Some((conn, client_address)) = server.accept() {
        // TODO: if `max_clients` clients are connected already, answer this
        // client `busy: N clients already connected, try again later` and a
        // newline, close its connection, and go on to accept the next one.
        server.spawn(conn, client_address, communication_loop);
    }
    server.close();
}
// ANCHOR_END: serve_forever
