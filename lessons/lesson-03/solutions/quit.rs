// SOLUTION-BEGIN
//! Exercise 03-quit, the reference solution: lesson 03's serial server, which a
//! client can stop by saying `quit`.
//!
//! Its starter, `starters/quit.rs`, is generated from this file: the lines between
//! SOLUTION-BEGIN and SOLUTION-END are left out of it, and each `// STARTER:` line
//! becomes the code after it. After changing this file, regenerate the starters with
//! `cargo run -p classroom -- starters` (`verify` insists).
// SOLUTION-END
// STARTER: //! Exercise 03-quit: stop the server from a client.
// STARTER: //!
// STARTER: //! This is lesson 03's server, yours to change: find the `TODO` below. The
// STARTER: //! statement is at the end of lesson 03's chapter in the book. Check your work
// STARTER: //! with `cargo run -p classroom -- check 03-quit`; stuck? `... -- hint 03-quit`.

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::process::ExitCode;

use clap::Parser;
use lesson_03::{Address, BUFFER_SIZE, is_close, listen, printable, upper};

/// Exercise 03-quit: lesson 03's serial server, which stops when a client says `quit`.
///
/// Serves clients one after another, answering every message upper-cased. `close`
/// ends a client's conversation; `quit` stops the server.
#[derive(Parser)]
#[command(name = "03-quit")]
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
    // SOLUTION-BEGIN
    serve_forever(&listener);
    println!("the server stopped");
    ExitCode::SUCCESS
    // SOLUTION-END
    // STARTER: serve_forever(&listener)
}

// ANCHOR: serve_forever
// SOLUTION-BEGIN
/// How a conversation ended, which decides what the connection loop does next.
enum Ending {
    /// The client closed, or said `close`: serve the next client.
    Closed,
    /// The client said `quit`: stop serving.
    Quit,
}

// SOLUTION-END
/// The connection loop: accept a client, talk with it until it is done, accept the
/// next.
// STARTER: fn serve_forever(listener: &TcpListener) -> ! {
// SOLUTION-BEGIN
fn serve_forever(listener: &TcpListener) {
    // SOLUTION-END
    loop {
        let (mut conn, client_address) = match listener.accept() {
            Ok(accepted) => accepted,
            Err(error) => {
                println!("accept failed: {error}");
                continue;
            }
        };
        println!("connected: {client_address}");
        match communication_loop(&mut conn, client_address) {
            // SOLUTION-BEGIN
            Ok(Ending::Closed) => println!("{client_address} closed"),
            Ok(Ending::Quit) => {
                // `main` ends next, dropping `listener`: nobody listens any more.
                println!("{client_address} closed");
                return;
            }
            // SOLUTION-END
            // STARTER: Ok(()) => println!("{client_address} closed"),
            Err(error) => println!("{client_address} error: {error}"),
        }
    }
}
// ANCHOR_END: serve_forever

// ANCHOR: communication_loop
/// The communication loop: read a message, answer it, again, until the client is done.
// STARTER: fn communication_loop(conn: &mut TcpStream, client_address: SocketAddr) -> io::Result<()> {
// SOLUTION-BEGIN
fn communication_loop(conn: &mut TcpStream, client_address: SocketAddr) -> io::Result<Ending> {
    // SOLUTION-END
    let mut buffer = [0; BUFFER_SIZE];
    loop {
        let received = conn.read(&mut buffer)?;
        if received == 0 {
            // SOLUTION-BEGIN
            return Ok(Ending::Closed);
            // SOLUTION-END
            // STARTER: return Ok(());
        }
        let message = &buffer[..received];
        println!("{client_address} wrote: {}", printable(message));
        if is_close(message) {
            println!("{client_address} asked to close");
            // SOLUTION-BEGIN
            return Ok(Ending::Closed);
            // SOLUTION-END
            // STARTER: return Ok(());
        }
        // SOLUTION-BEGIN
        if message.trim_ascii().eq_ignore_ascii_case(b"quit") {
            println!("{client_address} asked the server to stop");
            conn.write_all(b"bye: the server is stopping\n")?;
            return Ok(Ending::Quit);
        }
        // SOLUTION-END
        // STARTER: // TODO: on `quit` (any case, whitespace around it ignored), answer
        // STARTER: // `bye: the server is stopping` and a newline, then stop the server:
        // STARTER: // `serve_forever` returns, and `main` exits successfully.
        conn.write_all(&upper(message))?;
    }
}
// ANCHOR_END: communication_loop
