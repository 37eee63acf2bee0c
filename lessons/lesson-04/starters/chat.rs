//! Exercise 04-chat: a chat room, one thread per client, channels between them.
//!
//! This is lesson 04's server, yours to change: find the `TODO`s below. The
//! statement is at the end of lesson 04's chapter in the book. Check your work
//! with `cargo run -p classroom -- check 04-chat`; stuck?
//! `cargo run -p classroom -- hint 04-chat`.
//!
//! `crossbeam-channel` is already a dependency of this example:
//! `use crossbeam_channel::{Receiver, Sender, bounded, unbounded};`.

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;

use clap::Parser;
use lesson_04::{
    Address, BUFFER_SIZE, OpenConnections, is_close, listen, printable, stop_on_ctrl_c, upper,
};

/// Exercise 04-chat: lesson 04's threaded server, as a chat room.
///
/// Answers every message upper-cased, to any number of clients at the same time, and
/// passes it on to every other connected client as `ADDRESS: message`. Ctrl-C stops
/// it cleanly.
#[derive(Parser)]
#[command(name = "04-chat")]
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

// TODO: what a client thread tells the broadcaster thread, as an enum: a
// client joined (with a `Sender` to its writer thread), said something, or left.

// ANCHOR: serve_forever
/// The connection loop, with a thread per client, until Ctrl-C.
fn serve_forever(listener: &TcpListener, stopping: &AtomicBool) {
    let open_connections = OpenConnections::default();
    let mut client_threads = Vec::new();
    // TODO: start the broadcaster thread, and keep a `Sender` to it for the
    // client threads.
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
        let spawned = thread::Builder::new()
            .name(format!("client {client_address}"))
            .spawn(move || {
                serve_client(conn, client_address);
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
    // TODO: then let the broadcaster thread finish (its loop ends when every
    // `Sender` to it is dropped), and wait for it.
    println!("bye");
}
// ANCHOR_END: serve_forever

// ANCHOR: serve_client
/// What one client thread does: the communication loop, then log how it ended.
fn serve_client(mut conn: TcpStream, client_address: SocketAddr) {
    // TODO: start this client's writer thread, and tell the broadcaster that
    // the client joined (and, once the loop is over, that it left).
    let ending = communication_loop(&mut conn, client_address);
    match ending {
        Ok(()) => println!("{client_address} closed"),
        Err(error) => println!("{client_address} error: {error}"),
    }
}

/// The communication loop: read a message, answer it, again, until the client is done.
fn communication_loop(conn: &mut TcpStream, client_address: SocketAddr) -> io::Result<()> {
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
        // TODO: write the reply through this client's writer thread, and send
        // what the client said to the broadcaster, which passes it on to every
        // other client as `ADDRESS: message` and a newline.
        conn.write_all(&upper(message))?;
    }
}
// ANCHOR_END: serve_client
