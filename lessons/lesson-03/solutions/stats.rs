// SOLUTION-BEGIN
//! Exercise 03-stats, the reference solution: lesson 03's serial server, counting
//! clients and messages across connections, and telling the counts on `stats`.
//!
//! Its starter, `starters/stats.rs`, is generated from this file: the lines between
//! SOLUTION-BEGIN and SOLUTION-END are left out of it, and each `// STARTER:` line
//! becomes the code after it. After changing this file, regenerate the starters with
//! `cargo run -p classroom -- starters` (`verify` insists).
// SOLUTION-END
// STARTER: //! Exercise 03-stats: count clients and messages across connections.
// STARTER: //!
// STARTER: //! This is lesson 03's server, yours to change: find the `TODO`s below. The
// STARTER: //! statement is at the end of lesson 03's chapter in the book. Check your work
// STARTER: //! with `cargo run -p classroom -- check 03-stats`; stuck? `... -- hint 03-stats`.

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::process::ExitCode;

use clap::Parser;
use lesson_03::{Address, BUFFER_SIZE, is_close, listen, printable, upper};

/// Exercise 03-stats: lesson 03's serial server, which answers `stats` with counts.
///
/// Serves clients one after another, forever, answering every message upper-cased;
/// `stats` is answered with how many clients and messages it has served. Ctrl-C stops.
#[derive(Parser)]
#[command(name = "03-stats")]
struct Cli {
    #[command(flatten)]
    address: Address,
}

fn main() -> ExitCode {
    let address = Cli::parse().address;
    let listener = match listen(&address) {
        Ok(listener) => listener,
        Err(error) => {
            eprintln!(
                "error: cannot listen on {}:{}: {error}",
                address.host, address.port
            );
            return ExitCode::FAILURE;
        }
    };
    match listener.local_addr() {
        // The first line is exactly `listening on HOST:PORT`: the check reads the port.
        Ok(local_address) => println!("listening on {local_address}"),
        Err(error) => {
            eprintln!("error: {error}");
            return ExitCode::FAILURE;
        }
    }
    serve_forever(&listener)
}

// ANCHOR: serve_forever
// SOLUTION-BEGIN
/// What the server has done since it started, across every client.
#[derive(Default)]
struct Stats {
    /// Clients accepted, the current one included.
    clients: u64,
    /// Messages answered in upper case (not `stats` or `close`).
    messages: u64,
}

// SOLUTION-END
/// The connection loop: accept a client, talk with it until it is done, accept the
/// next. Never returns.
fn serve_forever(listener: &TcpListener) -> ! {
    // SOLUTION-BEGIN
    // Outside the connection loop, so the counts outlive each client.
    let mut stats = Stats::default();
    // SOLUTION-END
    // STARTER: // TODO: count the clients accepted and the messages answered, across
    // STARTER: // every client.
    loop {
        let (mut conn, client_address) = match listener.accept() {
            Ok(accepted) => accepted,
            Err(error) => {
                println!("accept failed: {error}");
                continue;
            }
        };
        println!("connected: {client_address}");
        // SOLUTION-BEGIN
        stats.clients += 1;
        let ending = communication_loop(&mut conn, client_address, &mut stats);
        // SOLUTION-END
        // STARTER: let ending = communication_loop(&mut conn, client_address);
        match ending {
            Ok(()) => println!("{client_address} closed"),
            Err(error) => println!("{client_address} error: {error}"),
        }
    }
}
// ANCHOR_END: serve_forever

// ANCHOR: communication_loop
/// The communication loop: read a message, answer it, again, until the client is done.
// STARTER: fn communication_loop(conn: &mut TcpStream, client_address: SocketAddr) -> io::Result<()> {
// SOLUTION-BEGIN
fn communication_loop(
    conn: &mut TcpStream,
    client_address: SocketAddr,
    stats: &mut Stats,
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
        // `stats` is recognised as `close` is: any case, whitespace around it ignored.
        if message.trim_ascii().eq_ignore_ascii_case(b"stats") {
            let reply = format!("clients: {}, messages: {}\n", stats.clients, stats.messages);
            conn.write_all(reply.as_bytes())?;
            continue;
        }
        stats.messages += 1;
        // SOLUTION-END
        // STARTER: // TODO: answer `stats` (any case, whitespace around it ignored) with
        // STARTER: // `clients: C, messages: M` and a newline; count the other messages.
        conn.write_all(&upper(message))?;
    }
}
// ANCHOR_END: communication_loop
