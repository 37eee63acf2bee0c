// SOLUTION-BEGIN
//! Exercise 04-chat, the reference solution: lesson 04's threaded server, which
//! passes every message on to every other connected client, through channels.
//!
//! Its starter, `starters/chat.rs`, is generated from this file: the lines between
//! SOLUTION-BEGIN and SOLUTION-END are left out of it, and each `// STARTER:` line
//! becomes the code after it. After changing this file, regenerate the starters with
//! `cargo run -p classroom -- starters` (`verify` insists).
//!
//! The threads, and who talks to whom:
//!
//! ```text
//!   client thread A ──┐                         ┌──> writer A ──> socket A
//!   client thread B ──┼──> broadcaster thread ──┼──> writer B ──> socket B
//!   client thread C ──┘   (owns the outboxes)   └──> writer C ──> socket C
//! ```
//!
//! Each client thread reads its socket and sends what happens (`Joined`, `Said`,
//! `Left`) to the one broadcaster. The broadcaster alone holds the list of clients, a
//! `Sender` to each one's writer thread; each writer thread alone writes to its
//! socket, the client's own replies included. Nothing is shared, so nothing is locked.
// SOLUTION-END
// STARTER: //! Exercise 04-chat: a chat room, one thread per client, channels between them.
// STARTER: //!
// STARTER: //! This is lesson 04's server, yours to change: find the `TODO`s below. The
// STARTER: //! statement is at the end of lesson 04's chapter in the book. Check your work
// STARTER: //! with `cargo run -p classroom -- check 04-chat`; stuck?
// STARTER: //! `cargo run -p classroom -- hint 04-chat`.
// STARTER: //!
// STARTER: //! `crossbeam-channel` is already a dependency of this example:
// STARTER: //! `use crossbeam_channel::{Receiver, Sender, bounded, unbounded};`.

// SOLUTION-BEGIN
use std::collections::HashMap;
use std::io::{self, ErrorKind, Read, Write};
// SOLUTION-END
// STARTER: use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
// SOLUTION-BEGIN
use std::thread::{self, JoinHandle};
// SOLUTION-END
// STARTER: use std::thread;

use clap::Parser;
// SOLUTION-BEGIN
use crossbeam_channel::{Receiver, Sender, TrySendError, bounded, unbounded};
// SOLUTION-END
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

// SOLUTION-BEGIN
// ANCHOR: event
/// What a client thread tells the broadcaster. Joining and leaving are messages too:
/// the list of clients belongs to the broadcaster alone, and changes only when it
/// reads one of these, in the order they were sent.
enum Event {
    /// A client has come; the `Sender` reaches its writer thread.
    Joined(SocketAddr, Sender<Vec<u8>>),
    /// A client said this: for every client but that one.
    Said(SocketAddr, Vec<u8>),
    /// A client has gone: drop its `Sender`, so that its writer thread can finish.
    Left(SocketAddr),
}
// ANCHOR_END: event

/// How many messages may wait for one client's writer thread. A client that does not
/// read fills its socket's buffers, then this; after that it misses messages, and the
/// broadcaster never waits for it.
const OUTBOX_LIMIT: usize = 64;

// SOLUTION-END
// STARTER: // TODO: what a client thread tells the broadcaster thread, as an enum: a
// STARTER: // client joined (with a `Sender` to its writer thread), said something, or left.

// ANCHOR: serve_forever
/// The connection loop, with a thread per client, until Ctrl-C.
fn serve_forever(listener: &TcpListener, stopping: &AtomicBool) {
    let open_connections = OpenConnections::default();
    let mut client_threads = Vec::new();
    // SOLUTION-BEGIN
    // One broadcaster for the whole server. Every client thread gets a clone of
    // `events`; the broadcaster's loop ends when the last of them is dropped.
    let (events, inbox) = unbounded();
    let broadcaster = match thread::Builder::new()
        .name("broadcaster".to_string())
        .spawn(move || broadcast(inbox))
    {
        Ok(broadcaster) => broadcaster,
        Err(error) => {
            println!("error: cannot start the broadcaster thread: {error}");
            return;
        }
    };
    // SOLUTION-END
    // STARTER: // TODO: start the broadcaster thread, and keep a `Sender` to it for the
    // STARTER: // client threads.
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
        let events = events.clone();
        // SOLUTION-END
        let spawned = thread::Builder::new()
            .name(format!("client {client_address}"))
            .spawn(move || {
                // SOLUTION-BEGIN
                serve_client(conn, client_address, &events);
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
    // SOLUTION-BEGIN
    // Every client thread has finished, and dropped its `Sender`: dropping this last
    // one ends the broadcaster's loop.
    drop(events);
    if broadcaster.join().is_err() {
        println!("the broadcaster thread panicked");
    }
    // SOLUTION-END
    // STARTER: // TODO: then let the broadcaster thread finish (its loop ends when every
    // STARTER: // `Sender` to it is dropped), and wait for it.
    println!("bye");
}
// ANCHOR_END: serve_forever

// SOLUTION-BEGIN
// ANCHOR: broadcast
/// The broadcaster thread: the one owner of the list of clients. It waits for events
/// until every `Sender` to it is gone, and never waits for a client.
fn broadcast(events: Receiver<Event>) {
    let mut outboxes: HashMap<SocketAddr, Sender<Vec<u8>>> = HashMap::new();
    for event in events {
        match event {
            Event::Joined(addr, outbox) => {
                outboxes.insert(addr, outbox);
            }
            Event::Left(addr) => {
                outboxes.remove(&addr);
            }
            Event::Said(from, message) => {
                let line = relay_line(from, &message);
                let mut told = 0;
                for (&addr, outbox) in &outboxes {
                    if addr == from {
                        continue;
                    }
                    // `try_send`, not `send`: a client that does not read must not
                    // hold up the broadcaster, and everyone else with it.
                    match outbox.try_send(line.clone()) {
                        Ok(()) => told += 1,
                        Err(TrySendError::Full(_)) => {
                            println!("{addr} misses a message: it is not reading");
                        }
                        // Its writer has stopped; its `Left` is on the way.
                        Err(TrySendError::Disconnected(_)) => {}
                    }
                }
                println!("passed on to {told} other client(s)");
            }
        }
    }
}

/// `ADDRESS: message` and a newline, with the message's own line ending (if any)
/// taken off, so that a message with a newline and one without look the same.
fn relay_line(addr: SocketAddr, message: &[u8]) -> Vec<u8> {
    let message = message.strip_suffix(b"\n").unwrap_or(message);
    let message = message.strip_suffix(b"\r").unwrap_or(message);
    let mut line = format!("{addr}: ").into_bytes();
    line.extend_from_slice(message);
    line.push(b'\n');
    line
}
// ANCHOR_END: broadcast

// ANCHOR: writer
/// Starts the writer thread of one client: the only thread that writes to its socket.
/// It writes what comes through the returned `Sender`, in order, until every `Sender`
/// to it is dropped (or the connection breaks), then finishes.
fn start_writer(
    conn: &TcpStream,
    client_address: SocketAddr,
) -> io::Result<(Sender<Vec<u8>>, JoinHandle<()>)> {
    let mut conn = conn.try_clone()?;
    let (outbox, queue) = bounded::<Vec<u8>>(OUTBOX_LIMIT);
    let writer = thread::Builder::new()
        .name(format!("writer {client_address}"))
        .spawn(move || {
            for bytes in queue {
                if let Err(error) = conn.write_all(&bytes) {
                    println!("{client_address} error: {error}");
                    return; // `queue` is dropped: every `send` to it fails from now on
                }
            }
        })?;
    Ok((outbox, writer))
}
// ANCHOR_END: writer

// SOLUTION-END
// ANCHOR: serve_client
/// What one client thread does: the communication loop, then log how it ended.
// STARTER: fn serve_client(mut conn: TcpStream, client_address: SocketAddr) {
// STARTER:     // TODO: start this client's writer thread, and tell the broadcaster that
// STARTER:     // the client joined (and, once the loop is over, that it left).
// STARTER:     let ending = communication_loop(&mut conn, client_address);
// SOLUTION-BEGIN
fn serve_client(mut conn: TcpStream, client_address: SocketAddr, events: &Sender<Event>) {
    let (outbox, writer) = match start_writer(&conn, client_address) {
        Ok(started) => started,
        Err(error) => {
            println!("{client_address} error: cannot start its writer: {error}");
            return;
        }
    };
    // A send fails only if the broadcaster has stopped: then there is nobody to tell.
    let _ = events.send(Event::Joined(client_address, outbox.clone()));
    let ending = communication_loop(&mut conn, client_address, &outbox, events);
    let _ = events.send(Event::Left(client_address));
    // The writer finishes once both `Sender`s to it are dropped: this one, and the
    // broadcaster's when it reads `Left`. Waiting for it means that whatever is queued
    // for this client is written before its connection closes.
    drop(outbox);
    if writer.join().is_err() {
        println!("{client_address} error: its writer thread panicked");
    }
    // SOLUTION-END
    match ending {
        Ok(()) => println!("{client_address} closed"),
        Err(error) => println!("{client_address} error: {error}"),
    }
}

/// The communication loop: read a message, answer it, again, until the client is done.
// STARTER: fn communication_loop(conn: &mut TcpStream, client_address: SocketAddr) -> io::Result<()> {
// SOLUTION-BEGIN
fn communication_loop(
    conn: &mut TcpStream,
    client_address: SocketAddr,
    outbox: &Sender<Vec<u8>>,
    events: &Sender<Event>,
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
        // The reply goes through the writer thread too, the one thread that writes to
        // this socket: so a reply and a line from another client never interleave.
        if outbox.send(upper(message)).is_err() {
            // The writer has stopped: it could not write to the client.
            return Err(io::Error::new(
                ErrorKind::BrokenPipe,
                "the writer thread has stopped",
            ));
        }
        let _ = events.send(Event::Said(client_address, message.to_vec()));
        // SOLUTION-END
        // STARTER: // TODO: write the reply through this client's writer thread, and send
        // STARTER: // what the client said to the broadcaster, which passes it on to every
        // STARTER: // other client as `ADDRESS: message` and a newline.
        // STARTER: conn.write_all(&upper(message))?;
    }
}
// ANCHOR_END: serve_client
