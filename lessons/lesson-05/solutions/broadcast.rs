// SOLUTION-BEGIN
//! Exercise 05-broadcast, the reference solution: lesson 05's selector server, which
//! passes every message on to every other connected client, a chat room on one
//! thread.
//!
//! Its starter, `starters/broadcast.rs`, is generated from this file: the lines between
//! SOLUTION-BEGIN and SOLUTION-END are left out of it, and each `// STARTER:` line
//! becomes the code after it. After changing this file, regenerate the starters with
//! `cargo run -p classroom -- starters` (`verify` insists).
// SOLUTION-END
// STARTER: //! Exercise 05-broadcast: pass every message on to the other clients.
// STARTER: //!
// STARTER: //! This is lesson 05's server, yours to change: find the `TODO`s below. The
// STARTER: //! statement is at the end of lesson 05's chapter in the book. Check your work
// STARTER: //! with `cargo run -p classroom -- check 05-broadcast`; stuck?
// STARTER: //! `cargo run -p classroom -- hint 05-broadcast`.
// STARTER: //!
// STARTER: //! The server is lesson 05's `src/lib.rs`, copied here whole (its doc comments
// STARTER: //! shortened) so that you can change any of it; `settle` is the end of the
// STARTER: //! lesson's `service_connection`, made a function of its own.

use std::collections::HashMap;
use std::io::{self, ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::process::ExitCode;

use clap::Parser;
use lesson_05::{Address, BUFFER_SIZE, OUTBOX_LIMIT, is_close, listen, printable, upper};
use polling::{Event, Events, PollMode, Poller};

/// Exercise 05-broadcast: lesson 05's selector server, as a chat room.
///
/// Answers every message upper-cased, as lesson 05 does, and passes it on to every
/// other connected client as `ADDRESS: message`. One thread serves everyone.
#[derive(Parser)]
#[command(name = "05-broadcast")]
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
    let mut server = match Server::new(listener) {
        Ok(server) => server,
        Err(error) => {
            eprintln!("error: cannot set up the selector: {error}");
            return ExitCode::FAILURE;
        }
    };
    // The first line is exactly `listening on HOST:PORT`: the check reads the port.
    println!("listening on {local_address}");
    match server.serve_forever() {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}

/// What to do when a registered socket is ready: Python's `key.data`.
type Callback = fn(&mut Server, usize, Event);

/// One registered socket, as Python's `SelectorKey`.
struct Registration {
    fileobj: Socket,
    data: Callback,
}

/// The two kinds of socket the server registers.
enum Socket {
    Listener(TcpListener),
    Connection(Connection),
}

/// One client, as the selector loop sees it.
struct Connection {
    conn: TcpStream,
    addr: SocketAddr,
    /// Replies not sent yet: a non-blocking write may take only part of them.
    outbox: Vec<u8>,
    /// The client is done (end of input, or `close`): send the outbox, then close.
    closing: bool,
    /// What the selector watches this socket for now, (readable, writable).
    watching: (bool, bool),
}

/// The selector server: one thread, one selector, every socket registered with it.
struct Server {
    selector: Poller,
    registrations: HashMap<usize, Registration>,
    next_key: usize,
}

impl Server {
    fn new(listener: TcpListener) -> io::Result<Server> {
        let mut server = Server {
            selector: Poller::new()?,
            registrations: HashMap::new(),
            next_key: 0,
        };
        listener.set_nonblocking(true)?;
        server.register(Socket::Listener(listener), accept)?;
        Ok(server)
    }

    /// Python's `sel.register(fileobj, EVENT_READ, data)`, level-triggered.
    fn register(&mut self, fileobj: Socket, data: Callback) -> io::Result<()> {
        let key = self.next_key;
        self.next_key += 1;
        let interest = Event::readable(key);
        // SAFETY: a registered socket lives in `self.registrations`, and the only ways
        // out of it, `unregister` and `Drop for Server`, delete it from the selector
        // first. If `add` fails, nothing was registered.
        let added = unsafe {
            match &fileobj {
                Socket::Listener(listener) => {
                    self.selector
                        .add_with_mode(listener, interest, PollMode::Level)
                }
                Socket::Connection(connection) => {
                    self.selector
                        .add_with_mode(&connection.conn, interest, PollMode::Level)
                }
            }
        };
        added?;
        self.registrations
            .insert(key, Registration { fileobj, data });
        Ok(())
    }

    /// Python's `sel.unregister(conn)` then `conn.close()`, in that order.
    fn unregister(&mut self, key: usize) {
        if let Some(registration) = self.registrations.remove(&key) {
            delete_from(&self.selector, &registration.fileobj);
        }
    }

    /// The event loop, forever. Returns only if the selector itself fails.
    fn serve_forever(&mut self) -> io::Result<()> {
        let mut events = Events::new();
        loop {
            events.clear();
            self.selector.wait(&mut events, None)?;
            for event in events.iter() {
                let Some(registration) = self.registrations.get(&event.key) else {
                    continue; // closed by an earlier callback in this same batch
                };
                let callback = registration.data;
                callback(self, event.key, event);
            }
        }
    }
}

impl Drop for Server {
    /// Keeps the SAFETY rule of `register` even when the server is dropped.
    fn drop(&mut self) {
        for registration in self.registrations.values() {
            delete_from(&self.selector, &registration.fileobj);
        }
    }
}

/// Tells the selector to stop watching a socket (before the socket is dropped).
fn delete_from(selector: &Poller, fileobj: &Socket) {
    let deleted = match fileobj {
        Socket::Listener(listener) => selector.delete(listener),
        Socket::Connection(connection) => selector.delete(&connection.conn),
    };
    if let Err(error) = deleted {
        println!("selector error: {error}");
    }
}

/// The listening socket's callback: accept a client and register it.
fn accept(server: &mut Server, key: usize, _mask: Event) {
    let Some(Registration {
        fileobj: Socket::Listener(listener),
        ..
    }) = server.registrations.get(&key)
    else {
        return;
    };
    let (conn, addr) = match listener.accept() {
        Ok(accepted) => accepted,
        Err(error) if error.kind() == ErrorKind::WouldBlock => return,
        Err(error) => {
            println!("accept failed: {error}");
            return;
        }
    };
    println!("connected: {addr}");
    if let Err(error) = conn.set_nonblocking(true) {
        println!("{addr} error: {error}");
        return;
    }
    let connection = Connection {
        conn,
        addr,
        outbox: Vec::new(),
        closing: false,
        watching: (true, false),
    };
    let registered = server.register(Socket::Connection(connection), service_connection);
    if let Err(error) = registered {
        println!("{addr} error: {error}");
    }
}

// ANCHOR: service_connection
/// A connection's callback: read if it is readable, send what waits in its outbox,
/// then settle what the selector watches it for.
fn service_connection(server: &mut Server, key: usize, mask: Event) {
    let Some(Registration {
        fileobj: Socket::Connection(connection),
        ..
    }) = server.registrations.get_mut(&key)
    else {
        return;
    };
    let mut result = Ok(());
    // SOLUTION-BEGIN
    let mut heard = None;
    if mask.readable && connection.wants_to_read() {
        match connection.read() {
            Ok(message) => heard = message,
            Err(error) => result = Err(error),
        }
    }
    // SOLUTION-END
    // STARTER: if mask.readable && connection.wants_to_read() {
    // STARTER:     result = connection.read();
    // STARTER: }
    if result.is_ok() {
        result = connection.flush();
    }
    // SOLUTION-BEGIN
    let addr = connection.addr;
    // SOLUTION-END
    settle(server, key, result);
    // SOLUTION-BEGIN
    // `connection` is not used after `settle`, so the borrow of the map has ended and
    // the other connections can be reached.
    if let Some(message) = heard {
        broadcast(server, key, &relay_line(addr, &message));
    }
    // SOLUTION-END
    // STARTER: // TODO: pass what the client said on to every other client, as
    // STARTER: // `ADDRESS: message` and a newline. (`close` is not passed on.)
}
// ANCHOR_END: service_connection

// SOLUTION-BEGIN
// ANCHOR: broadcast
/// Queues `line` in the outbox of every connection but `from`'s, and asks the selector
/// to say when each can be written to. Nothing is sent here: the event loop sends it
/// when each socket is writable, as it sends every reply that did not fit at once.
fn broadcast(server: &mut Server, from: usize, line: &[u8]) {
    let others: Vec<usize> = server
        .registrations
        .keys()
        .copied()
        .filter(|&key| key != from)
        .collect();
    let mut told = 0;
    for key in others {
        let Some(Registration {
            fileobj: Socket::Connection(connection),
            ..
        }) = server.registrations.get_mut(&key)
        else {
            continue; // the listener
        };
        // A client that is leaving hears no more; one that does not read its replies
        // misses messages, instead of making its outbox, and our memory, grow.
        if connection.closing || connection.outbox.len() >= OUTBOX_LIMIT {
            continue;
        }
        connection.outbox.extend_from_slice(line);
        told += 1;
        settle(server, key, Ok(()));
    }
    println!("passed on to {told} other client(s)");
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

// SOLUTION-END
// ANCHOR: settle
/// After a connection's turn, given how it went: close it, or tell the selector what
/// to watch it for now, if that changed. (The end of lesson 05's `service_connection`.)
fn settle(server: &mut Server, key: usize, result: io::Result<()>) {
    let Some(Registration {
        fileobj: Socket::Connection(connection),
        ..
    }) = server.registrations.get_mut(&key)
    else {
        return;
    };
    let addr = connection.addr;
    let wanted = connection.wanted_interest();
    match result {
        Err(error) => {
            println!("{addr} error: {error}");
            server.unregister(key);
        }
        Ok(()) if connection.closing && connection.outbox.is_empty() => {
            println!("{addr} closed");
            server.unregister(key);
        }
        Ok(()) if wanted != connection.watching => {
            connection.watching = wanted;
            let interest = Event::new(key, wanted.0, wanted.1);
            let selector = &server.selector;
            if let Err(error) =
                selector.modify_with_mode(&connection.conn, interest, PollMode::Level)
            {
                println!("{addr} error: {error}");
                server.unregister(key);
            }
        }
        Ok(()) => {}
    }
}
// ANCHOR_END: settle

impl Connection {
    // ANCHOR: read
    /// One read, as the tutorial's `conn.recv(1024)`, and its reply queued in the
    /// outbox. An empty read or `close` mark the connection as closing.
    // SOLUTION-BEGIN
    /// Returns the message answered, if there was one, for the others to hear.
    // SOLUTION-END
    // STARTER: fn read(&mut self) -> io::Result<()> {
    // SOLUTION-BEGIN
    fn read(&mut self) -> io::Result<Option<Vec<u8>>> {
        // SOLUTION-END
        let mut buffer = [0; BUFFER_SIZE];
        let received = match self.conn.read(&mut buffer) {
            Ok(received) => received,
            // SOLUTION-BEGIN
            Err(error) if error.kind() == ErrorKind::WouldBlock => return Ok(None),
            // SOLUTION-END
            // STARTER: Err(error) if error.kind() == ErrorKind::WouldBlock => return Ok(()),
            Err(error) => return Err(error),
        };
        if received == 0 {
            self.closing = true;
            // SOLUTION-BEGIN
            return Ok(None);
            // SOLUTION-END
            // STARTER: return Ok(());
        }
        let message = &buffer[..received];
        println!("{} wrote: {}", self.addr, printable(message));
        if is_close(message) {
            println!("{} asked to close", self.addr);
            self.closing = true;
            // SOLUTION-BEGIN
            return Ok(None);
            // SOLUTION-END
            // STARTER: return Ok(());
        }
        self.outbox.extend_from_slice(&upper(message));
        // SOLUTION-BEGIN
        Ok(Some(message.to_vec()))
        // SOLUTION-END
        // STARTER: // TODO: `service_connection` must learn what the client said.
        // STARTER: Ok(())
    }
    // ANCHOR_END: read

    /// Sends as much of the outbox as the socket takes right now, and keeps the rest.
    fn flush(&mut self) -> io::Result<()> {
        while !self.outbox.is_empty() {
            match self.conn.write(&self.outbox) {
                Ok(0) => return Err(ErrorKind::WriteZero.into()),
                Ok(sent) => {
                    self.outbox.drain(..sent);
                }
                Err(error) if error.kind() == ErrorKind::WouldBlock => return Ok(()),
                Err(error) => return Err(error),
            }
        }
        Ok(())
    }

    /// Reading goes on until the client is done, and pauses while the outbox is full.
    fn wants_to_read(&self) -> bool {
        !self.closing && self.outbox.len() < OUTBOX_LIMIT
    }

    /// What the selector should watch for, (readable, writable).
    fn wanted_interest(&self) -> (bool, bool) {
        (self.wants_to_read(), !self.outbox.is_empty())
    }
}
