// SOLUTION-BEGIN
//! Exercise 04-shared-counter, the reference solution: lesson 04's threaded server,
//! numbering every reply with one count that all the client threads share.
//!
//! Its starter, `starters/shared-counter.rs`, is generated from this file: the lines between
//! SOLUTION-BEGIN and SOLUTION-END are left out of it, and each `// STARTER:` line
//! becomes the code after it. After changing this file, regenerate the starters with
//! `cargo run -p classroom -- starters` (`verify` insists).
// SOLUTION-END
// STARTER: //! Exercise 04-shared-counter: number every reply, server-wide.
// STARTER: //!
// STARTER: //! This is lesson 04's server, yours to change: find the `TODO`s below. The
// STARTER: //! statement is at the end of lesson 04's chapter in the book. Check your work
// STARTER: //! with `cargo run -p classroom -- check 04-shared-counter`; stuck?
// STARTER: //! `cargo run -p classroom -- hint 04-shared-counter`.

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::process::ExitCode;
// SOLUTION-BEGIN
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
// SOLUTION-END
// STARTER: use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;

use clap::Parser;
use lesson_04::{
    Address, BUFFER_SIZE, OpenConnections, is_close, listen, printable, stop_on_ctrl_c, upper,
};

/// Exercise 04-shared-counter: lesson 04's threaded server, numbering every reply.
///
/// Answers every message upper-cased, to any number of clients at the same time, and
/// numbers the replies with one count for the whole server (`1: HELLO`, then `2: ...`
/// whichever client sends next). Ctrl-C stops it cleanly.
#[derive(Parser)]
#[command(name = "04-shared-counter")]
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
    let local_address = match listener.local_addr() {
        Ok(local_address) => local_address,
        Err(error) => {
            eprintln!("error: {error}");
            return ExitCode::FAILURE;
        }
    };
    let stopping = match stop_on_ctrl_c(local_address) {
        Ok(stopping) => stopping,
        Err(error) => {
            eprintln!("error: cannot handle Ctrl-C: {error}");
            return ExitCode::FAILURE;
        }
    };
    // The first line is exactly `listening on HOST:PORT`: the check reads the port.
    println!("listening on {local_address}");
    serve_forever(&listener, &stopping);
    ExitCode::SUCCESS
}

// ANCHOR: serve_forever
/// The connection loop, with a thread per client, until Ctrl-C.
fn serve_forever(listener: &TcpListener, stopping: &AtomicBool) {
    let open_connections = OpenConnections::default();
    let mut client_threads = Vec::new();
    // SOLUTION-BEGIN
    // One count for the whole server. Every client thread gets a handle to it (an
    // `Arc`), and `AtomicU64` lets them all change it without a lock.
    let count = Arc::new(AtomicU64::new(0));
    // SOLUTION-END
    // STARTER: // TODO: one count of the messages answered, shared by every client thread.
    loop {
        let (conn, client_address) = match listener.accept() {
            Ok(accepted) => accepted,
            Err(error) => {
                println!("accept failed: {error}");
                continue;
            }
        };
        if stopping.load(Ordering::SeqCst) {
            break; // the wake-up knock from the Ctrl-C handler
        }
        println!("connected: {client_address}");
        open_connections.add(client_address, &conn);

        let connections = open_connections.clone();
        // SOLUTION-BEGIN
        let count = Arc::clone(&count);
        // SOLUTION-END
        let spawned = thread::Builder::new()
            .name(format!("client {client_address}"))
            .spawn(move || {
                // SOLUTION-BEGIN
                serve_client(conn, client_address, &count);
                // SOLUTION-END
                // STARTER: serve_client(conn, client_address);
                connections.remove(client_address);
            });
        match spawned {
            Ok(handle) => client_threads.push(handle),
            Err(error) => {
                println!("{client_address} error: cannot start a thread: {error}");
                open_connections.close(client_address);
            }
        }
        client_threads.retain(|handle| !handle.is_finished());
    }

    println!(
        "shutting down: closing {} open connection(s)",
        open_connections.len()
    );
    open_connections.close_all();
    for handle in client_threads {
        if handle.join().is_err() {
            println!("a client thread panicked");
        }
    }
    println!("bye");
}
// ANCHOR_END: serve_forever

/// What one client thread does: the communication loop, then log how it ended.
// STARTER: fn serve_client(mut conn: TcpStream, client_address: SocketAddr) {
// STARTER:     let ending = communication_loop(&mut conn, client_address);
// SOLUTION-BEGIN
fn serve_client(mut conn: TcpStream, client_address: SocketAddr, count: &AtomicU64) {
    let ending = communication_loop(&mut conn, client_address, count);
    // SOLUTION-END
    match ending {
        Ok(()) => println!("{client_address} closed"),
        Err(error) => println!("{client_address} error: {error}"),
    }
}

// ANCHOR: communication_loop
/// The communication loop: read a message, answer it, again, until the client is done.
// STARTER: fn communication_loop(conn: &mut TcpStream, client_address: SocketAddr) -> io::Result<()> {
// SOLUTION-BEGIN
fn communication_loop(
    conn: &mut TcpStream,
    client_address: SocketAddr,
    count: &AtomicU64,
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
        // `fetch_add` reads and adds in one step, so two clients that send at the same
        // moment never get the same number (a `load`, then a `store`, could).
        let number = count.fetch_add(1, Ordering::SeqCst) + 1;
        let mut reply = format!("{number}: ").into_bytes();
        reply.extend_from_slice(&upper(message));
        conn.write_all(&reply)?;
        // SOLUTION-END
        // STARTER: // TODO: put the server-wide number before the reply: `1: HELLO`, and
        // STARTER: // the next message, from any client, `2: ...`.
        // STARTER: conn.write_all(&upper(message))?;
    }
}
// ANCHOR_END: communication_loop
