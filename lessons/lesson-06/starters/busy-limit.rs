//! Exercise 06-busy-limit: serve at most N clients at once, with the crate's hooks.
//!
//! This is lesson 06's server, yours to change: find the `TODO`s below. The
//! statement is at the end of lesson 06's chapter in the book. Check your work
//! with `cargo run -p classroom -- check 06-busy-limit`; stuck?
//! `cargo run -p classroom -- hint 06-busy-limit`.

use std::io;
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use lesson_06::{Address, Upper};
use socketserver::prelude::*;

/// Exercise 06-busy-limit: lesson 06's threading server, with a limit on clients.
///
/// Answers every line upper-cased, to at most --max-clients clients at the same
/// time; one more is told the server is busy, and its connection is closed. Ctrl-C
/// stops it (after the clients still connected have left).
#[derive(Parser)]
#[command(name = "06-busy-limit")]
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
    match serve(&cli.address, cli.max_clients) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            let Address { host, port } = &cli.address;
            eprintln!("error: cannot serve on {host}:{port}: {error}");
            ExitCode::FAILURE
        }
    }
}

// ANCHOR: serve
/// Python's `with ... as server: server.serve_forever()`, until Ctrl-C.
fn serve(address: &Address, max_clients: usize) -> io::Result<()> {
    // TODO: a server type of your own, which serves at most `max_clients`
    // clients at once, instead of `ThreadingTCPServer`.
    let server = ThreadingTCPServer::<Upper>::new((address.host.as_str(), address.port))?;
    let server = socketserver::closing(server); // server_close() when it is dropped
    // As the lesson's: clients still connected at Ctrl-C get half a second.
    server.set_shutdown_deadline(Some(Duration::from_millis(500)));
    socketserver::shutdown_on_ctrl_c(&server)?;
    // The first line is exactly `listening on HOST:PORT`: the check reads the port.
    println!("listening on {}", server.server_address());
    println!("serving at most {max_clients} clients at once");
    server.serve_forever()?;
    println!("shutting down: clients still connected get half a second to finish");
    drop(server);
    println!("bye");
    Ok(())
}
// ANCHOR_END: serve
