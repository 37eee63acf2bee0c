// SOLUTION-BEGIN
//! Exercise 04-busy-limit, the reference solution: lesson 04's threaded server, which
//! serves at most `--max-clients` clients at once and tells one more that it is busy.
//!
//! Its starter, `starters/busy-limit.rs`, is generated from this file: the lines between
//! SOLUTION-BEGIN and SOLUTION-END are left out of it, and each `// STARTER:` line
//! becomes the code after it. After changing this file, regenerate the starters with
//! `cargo run -p classroom -- starters` (`verify` insists).
// SOLUTION-END
// STARTER: //! Exercise 04-busy-limit: serve at most N clients at once.
// STARTER: //!
// STARTER: //! This is lesson 04's server, from its library, with a connection loop of your
// STARTER: //! own: find the `TODO` below. The statement is at the end of lesson 04's
// STARTER: //! chapter in the book. Check your work with `cargo run -p classroom -- check
// STARTER: //! 04-busy-limit`; stuck? `cargo run -p classroom -- hint 04-busy-limit`.

// SOLUTION-BEGIN
use std::io::Write;
use std::net::{SocketAddr, TcpStream};
// SOLUTION-END
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
        // SOLUTION-BEGIN
        // `connected()` counts the clients being served. Only this thread adds to them
        // (in `spawn`), so nobody can slip in between this check and that `spawn`.
        if server.connected() >= max_clients {
            turn_away(conn, client_address, max_clients);
            continue;
        }
        // SOLUTION-END
        // STARTER: // TODO: if `max_clients` clients are connected already, answer this
        // STARTER: // client `busy: N clients already connected, try again later` and a
        // STARTER: // newline, close its connection, and go on to accept the next one.
        server.spawn(conn, client_address, communication_loop);
    }
    server.close();
}
// ANCHOR_END: serve_forever
// SOLUTION-BEGIN

/// Tells a client that there is no room, and closes its connection (dropping `conn`
/// closes it). The main thread writes this itself: a short reply on a new
/// connection fits in the socket's buffer, so `write_all` returns at once.
fn turn_away(mut conn: TcpStream, client_address: SocketAddr, max_clients: usize) {
    let reply = format!("busy: {max_clients} clients already connected, try again later\n");
    match conn.write_all(reply.as_bytes()) {
        Ok(()) => println!("{client_address} turned away: the server is busy"),
        Err(error) => println!("{client_address} error: {error}"),
    }
}
// SOLUTION-END
