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
// STARTER: //! This is lesson 04's server, from its library, with a client thread of your
// STARTER: //! own: find the `TODO`s below. The statement is at the end of lesson 04's
// STARTER: //! chapter in the book. Check your work with `cargo run -p classroom -- check
// STARTER: //! 04-chat`; stuck? `cargo run -p classroom -- hint 04-chat`.
// STARTER: //!
// STARTER: //! `crossbeam-channel` is already a dependency of this example:
// STARTER: //! `use crossbeam_channel::{Receiver, Sender, bounded, unbounded};`.

// SOLUTION-BEGIN
use std::collections::HashMap;
use std::io::{self, ErrorKind, Read, Write};
// SOLUTION-END
// STARTER: use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::ExitCode;
// SOLUTION-BEGIN
use std::thread::{self, JoinHandle};
// SOLUTION-END

use clap::Parser;
// SOLUTION-BEGIN
use crossbeam_channel::{Receiver, Sender, TrySendError, bounded, unbounded};
// SOLUTION-END
use lesson_04::{Address, BUFFER_SIZE, Server, is_close, printable, upper};

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

// ANCHOR: main
fn main() -> ExitCode {
    let Some(server) = Server::start(&Cli::parse().address) else {
        return ExitCode::FAILURE;
    };
    // SOLUTION-BEGIN
    // One broadcaster for the whole server, and `events`, the `Sender` to it. The
    // server gives every client thread its own clone of the closure below, with its
    // own clone of `events`.
    let (events, inbox) = unbounded();
    let broadcaster = match thread::Builder::new()
        .name("broadcaster".to_string())
        .spawn(move || broadcast(inbox))
    {
        Ok(broadcaster) => broadcaster,
        Err(error) => {
            eprintln!("error: cannot start the broadcaster thread: {error}");
            return ExitCode::FAILURE;
        }
    };
    server.serve_forever(move |conn, client_address| chat(conn, client_address, &events));
    // `serve_forever` has waited for every client thread, and dropped its closure: no
    // `Sender` is left, so the broadcaster's loop ends.
    if broadcaster.join().is_err() {
        println!("the broadcaster thread panicked");
    }
    // SOLUTION-END
    // STARTER: // TODO: start the broadcaster thread, and give every client thread a `Sender`
    // STARTER: // to it, through a closure: `move |conn, client_address| ...`.
    // STARTER: server.serve_forever(chat);
    // STARTER: // TODO: then wait for the broadcaster thread to finish (its loop ends when
    // STARTER: // every `Sender` to it is dropped).
    ExitCode::SUCCESS
}
// ANCHOR_END: main

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
// ANCHOR: chat
// STARTER: /// What one client thread runs: the communication loop, for now.
// STARTER: fn chat(conn: &mut TcpStream, client_address: SocketAddr) -> io::Result<()> {
// STARTER:     // TODO: start this client's writer thread, and tell the broadcaster that
// STARTER:     // the client joined (and, once the loop is over, that it left).
// STARTER:     communication_loop(conn, client_address)
// STARTER: }
// SOLUTION-BEGIN
/// What one client thread runs: start its writer, join the room, the communication
/// loop, leave the room.
fn chat(
    conn: &mut TcpStream,
    client_address: SocketAddr,
    events: &Sender<Event>,
) -> io::Result<()> {
    let (outbox, writer) = start_writer(conn, client_address)?;
    // A send fails only if the broadcaster has stopped: then there is nobody to tell.
    let _ = events.send(Event::Joined(client_address, outbox.clone()));
    let ending = communication_loop(conn, client_address, &outbox, events);
    let _ = events.send(Event::Left(client_address));
    // The writer finishes once both `Sender`s to it are dropped: this one, and the
    // broadcaster's when it reads `Left`. Waiting for it means that whatever is queued
    // for this client is written before its connection closes.
    drop(outbox);
    if writer.join().is_err() {
        println!("{client_address} error: its writer thread panicked");
    }
    ending
}
// SOLUTION-END

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
// ANCHOR_END: chat
