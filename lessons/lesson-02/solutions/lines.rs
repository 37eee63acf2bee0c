// SOLUTION-BEGIN
//! Exercise 02-lines, the reference solution: lesson 02's server, answering line by
//! line, however the lines are cut into reads.
//!
//! Its starter, `starters/lines.rs`, is generated from this file: the lines between
//! SOLUTION-BEGIN and SOLUTION-END are left out of it, and each `// STARTER:` line
//! becomes the code after it. After changing this file, regenerate the starters with
//! `cargo run -p classroom -- starters` (`verify` insists).
// SOLUTION-END
// STARTER: //! Exercise 02-lines: answer line by line, however the lines arrive.
// STARTER: //!
// STARTER: //! This is lesson 02's server, yours to change: find the `TODO`s below. The
// STARTER: //! statement is at the end of lesson 02's chapter in the book. Check your work
// STARTER: //! with `cargo run -p classroom -- check 02-lines`; stuck? `... -- hint 02-lines`.

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::process::ExitCode;

use clap::Parser;
use lesson_02::{Address, BUFFER_SIZE, is_close, listen, printable, upper};

/// Exercise 02-lines: lesson 02's looped server, answering each line, numbered.
///
/// Waits for ONE client and answers every line it sends, upper-cased and numbered
/// (`1: HELLO`), until the client closes or sends the line `close`; then exits.
#[derive(Parser)]
#[command(name = "02-lines")]
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
    match serve_one_client(&listener) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}

/// Accepts one client and talks with it until it is done; then returns.
fn serve_one_client(listener: &TcpListener) -> io::Result<()> {
    let (mut conn, client_address) = listener.accept()?;
    println!("connected: {client_address}");
    match communication_loop(&mut conn, client_address) {
        Ok(()) => println!("{client_address} closed"),
        Err(error) => println!("{client_address} error: {error}"),
    }
    Ok(())
}

// ANCHOR: communication_loop
/// The communication loop: read, answer, again, until the client is done.
fn communication_loop(conn: &mut TcpStream, client_address: SocketAddr) -> io::Result<()> {
    let mut buffer = [0; BUFFER_SIZE];
    // SOLUTION-BEGIN
    let mut count: u64 = 0;
    // What has been read but not answered yet: the start of a line whose end has not
    // come. It lives outside the loop, so the next read can finish it.
    let mut pending: Vec<u8> = Vec::new();
    // SOLUTION-END
    // STARTER: // TODO: keep a count of the lines answered, and the bytes read but not
    // STARTER: // answered yet (the start of a line whose newline has not come).
    loop {
        let received = conn.read(&mut buffer)?;
        if received == 0 {
            return Ok(());
        }
        // SOLUTION-BEGIN
        pending.extend_from_slice(&buffer[..received]);
        // Every complete line in `pending`, in order; the rest waits for the next read.
        while let Some(end) = pending.iter().position(|&byte| byte == b'\n') {
            let line: Vec<u8> = pending.drain(..=end).collect();
            println!("{client_address} wrote: {}", printable(&line));
            if is_close(&line) {
                println!("{client_address} asked to close");
                return Ok(());
            }
            count += 1;
            let mut reply = format!("{count}: ").into_bytes();
            reply.extend_from_slice(&upper(&line));
            conn.write_all(&reply)?;
        }
        // SOLUTION-END
        // STARTER: // TODO: answer each complete line (up to and including its newline)
        // STARTER: // as `N: LINE`, however the lines are cut into reads; `close` on a
        // STARTER: // line of its own ends the conversation.
        // STARTER: let message = &buffer[..received];
        // STARTER: println!("{client_address} wrote: {}", printable(message));
        // STARTER: if is_close(message) {
        // STARTER:     println!("{client_address} asked to close");
        // STARTER:     return Ok(());
        // STARTER: }
        // STARTER: conn.write_all(&upper(message))?;
    }
}
// ANCHOR_END: communication_loop
