//! # Lesson 05 — one thread, many clients: the selector
//!
//! Lesson 04 gave every client its own thread, so a slow client only held up its own
//! thread. Threads are not free, though: each one has its own stack, and a thousand
//! mostly idle clients means a thousand mostly sleeping threads. This lesson serves
//! them all with **one** thread.
//!
//! The trick is to never wait on one client. A blocking `read` waits for *this*
//! client; a **selector** waits for *any* of many sockets, and says which ones are
//! ready: "the listening socket has a client to accept, connection 7 has data to
//! read, connection 12 has room to write". The server does exactly that work, which
//! never blocks, and asks the selector again. One loop, one thread, as many clients as
//! the operating system allows.
//!
//! Python's tutorial writes it with the `selectors` module; this lesson keeps its
//! shape, with the [`polling`] crate as the selector:
//!
//! | Python (`selectors`)                           | Rust, below                                 |
//! |------------------------------------------------|---------------------------------------------|
//! | `sel = selectors.DefaultSelector()`            | `Poller::new()`                             |
//! | `sock.setblocking(False)`                      | `set_nonblocking(true)`                     |
//! | `sel.register(sock, EVENT_READ, accept)`       | `register(Socket::Listener(..), accept)`    |
//! | `key.fileobj`, `key.data`                      | `Registration { fileobj, data }`            |
//! | `sel.select(timeout)`                          | `selector.wait(&mut events, timeout)`       |
//! | `callback = key.data`                          | `let callback = registration.data`          |
//! | `callback(key.fileobj, mask)`                  | `callback(self, service, event.key, event)` |
//! | `sel.modify(conn, events)`                     | `selector.modify_with_mode(...)`            |
//! | `sel.unregister(conn)`, `conn.close()`         | `unregister(key)`                           |
//!
//! The tutorial's `read` callback does two jobs: the selector's (`recv`, and on an
//! empty read `unregister` and `close`) and its own server's, `conn.send(data)`. Here
//! they are apart. The [`Server`] does the selector's work, which is the same for any
//! server; what a server says to its clients is a [`Service`], whose hooks the event
//! loop calls. This lesson's service is [`Upper`]; the exercises write their own.
//! (Python's `socketserver`, next lesson, splits a server the same way, from its
//! request handler; `asyncio`, built on selectors too, calls it a protocol.)
//!
//! Three things the tutorial's selector server leaves out, and this one adds:
//!
//! - **An outbox per connection.** On a non-blocking socket, `send` takes only what
//!   fits in the kernel's buffer right now. The rest of a reply waits in the
//!   connection's outbox, and the server asks to hear when the socket is writable
//!   (`connection.rs`).
//! - **Backpressure.** A client that sends without ever reading would make its outbox
//!   grow forever. Once an outbox holds [`OUTBOX_LIMIT`] bytes, the server stops
//!   reading from that client until it reads its replies. Memory stays bounded, and
//!   the other clients never notice.
//! - **A pause when out of file descriptors.** Every connection is one, and a process
//!   may have only so many. Out of them, `accept` fails, the client stays in the
//!   backlog, and the listening socket stays readable: the server stops watching it
//!   for a while instead of failing again on every turn of the loop
//!   (`out_of_descriptors.rs`).

use std::collections::HashMap;
use std::io::{self, ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::process::ExitCode;
use std::time::Instant;

use polling::{Event, Events, PollMode, Poller};

mod connection;
mod out_of_descriptors;
mod service;

use out_of_descriptors::{OutOfDescriptors, is_out_of_descriptors};
pub use service::{Client, Service, Upper};

/// The most one read takes, as the tutorial's `recv(1024)`.
pub const BUFFER_SIZE: usize = 1024;

/// The most replies one connection may have waiting; beyond it, the server stops
/// reading from that client until it catches up.
pub const OUTBOX_LIMIT: usize = 64 * 1024;

/// Where the server listens and the client connects: `--host` and `--port`.
#[derive(clap::Args, Debug, Clone)]
pub struct Address {
    /// Host to listen on (server) or connect to (client). 127.0.0.1 means "this
    /// machine only", so nobody on your network can reach a lesson server.
    #[arg(long, default_value = "127.0.0.1")]
    pub host: String,

    /// TCP port. The server accepts 0, which asks the system for any free port; it
    /// prints the port it got on its first line.
    #[arg(long, default_value_t = 8888)]
    pub port: u16,
}

/// Opens the listening socket: Python's `socket()`, `bind()` and `listen()` in one call.
pub fn listen(address: &Address) -> io::Result<TcpListener> {
    TcpListener::bind((address.host.as_str(), address.port))
}

/// The reply: the message upper-cased as Python's `bytes.upper()` does it (ASCII
/// letters only; every other byte passes through, so the reply is as long as the
/// message).
pub fn upper(message: &[u8]) -> Vec<u8> {
    message.to_ascii_uppercase()
}

/// Is this message the word `close` (any case, surrounding whitespace ignored)?
pub fn is_close(message: &[u8]) -> bool {
    message.trim_ascii().eq_ignore_ascii_case(b"close")
}

// ANCHOR: registration
/// What to do when a registered socket is ready: Python's `key.data`. It gets the
/// server (to register, modify, unregister), the service (to hand it what clients
/// say), the socket's key, and the event (`mask`).
type Callback = fn(&mut Server, &mut dyn Service, usize, Event);

/// One registered socket, as Python's `SelectorKey`.
struct Registration {
    /// The socket itself: `key.fileobj`.
    fileobj: Socket,
    /// The function to call when it is ready: `key.data`.
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
    /// What the selector watches this socket for now, (readable, writable), so it is
    /// told only when that changes.
    watching: (bool, bool),
}
// ANCHOR_END: registration

/// The selector server: one thread, one selector, every socket registered with it.
pub struct Server {
    /// Python's `sel`: waits until one or more registered sockets are ready.
    selector: Poller,
    /// Every registered socket, by key. The selector only hands back keys.
    registrations: HashMap<usize, Registration>,
    /// The key for the next registration. Keys are never reused, so an event that
    /// arrives for an already closed connection finds nothing instead of a stranger.
    next_key: usize,
    /// The connections a service sent to or closed during this turn of the loop: the
    /// loop settles them before it waits again (see [`Server::send`]).
    touched: Vec<usize>,
    /// Out of file descriptors: how long to leave the listener alone.
    out_of_descriptors: OutOfDescriptors,
    /// The listener the selector does not watch for now (out of file descriptors),
    /// by key, and when to watch it again.
    paused_listener: Option<(usize, Instant)>,
}

impl Server {
    /// Prepares to serve on `listener`: Python's `sock.setblocking(False)` and
    /// `sel.register(sock, EVENT_READ, accept)`.
    pub fn new(listener: TcpListener) -> io::Result<Server> {
        let mut server = Server {
            selector: Poller::new()?,
            registrations: HashMap::new(),
            next_key: 0,
            touched: Vec::new(),
            out_of_descriptors: OutOfDescriptors::default(),
            paused_listener: None,
        };
        listener.set_nonblocking(true)?;
        server.register(Socket::Listener(listener), accept)?;
        Ok(server)
    }

    // ANCHOR: register
    /// Python's `sel.register(fileobj, EVENT_READ, data)`: from now on, when `fileobj`
    /// is readable, the event loop calls `data`. Returns the socket's key.
    fn register(&mut self, fileobj: Socket, data: Callback) -> io::Result<usize> {
        let key = self.next_key;
        self.next_key += 1;
        let interest = Event::readable(key);
        // Level-triggered, like Python's selectors: as long as a socket stays ready, every
        // `wait` reports it again, so a callback may do one step and leave the rest for
        // the next turn of the loop. (polling's default, Oneshot, reports it only once.)
        //
        // SAFETY: polling requires that a socket is deleted from the poller before it
        // is dropped (closed). Every registered socket lives in `self.registrations`,
        // and the only ways out of it are `unregister` and `Drop for Server`, which both
        // call `selector.delete` first. If `add` fails, nothing was registered.
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
        Ok(key)
    }
    // ANCHOR_END: register

    /// Python's `sel.unregister(conn)` then `conn.close()`: forget the socket, then
    /// close it (dropping it closes it), in that order, as the SAFETY rule demands.
    fn unregister(&mut self, key: usize) {
        if let Some(registration) = self.registrations.remove(&key) {
            delete_from(&self.selector, &registration.fileobj);
        }
    }

    // ANCHOR: event_loop
    /// The event loop, forever: wait until some sockets are ready, call each one's
    /// callback, wait again; `service` answers the clients. Returns only if the
    /// selector itself fails.
    pub fn serve_forever(&mut self, mut service: impl Service) -> io::Result<()> {
        // Handed to every callback, as the one type they all take.
        let service: &mut dyn Service = &mut service;
        let mut events = Events::new();
        loop {
            // events = sel.select(timeout): sleep until at least one socket is ready,
            // or until the first thing due: the end of the listener's pause (out of
            // file descriptors), or the moment the service wants to be woken up at.
            // Nothing due: no timeout.
            let pause_ends = self.paused_listener.map(|(_, until)| until);
            let first_due = pause_ends.into_iter().chain(service.wake_at()).min();
            let timeout = first_due.map(|due| due.saturating_duration_since(Instant::now()));
            events.clear();
            self.selector.wait(&mut events, timeout)?;
            for event in events.iter() {
                // callback = key.data; callback(key.fileobj, mask)
                let Some(registration) = self.registrations.get(&event.key) else {
                    continue; // closed by an earlier callback in this same batch
                };
                let callback = registration.data;
                callback(self, service, event.key, event);
            }
            self.resume_accepting_when_due();
            // socketserver's `service_actions()`: the service's turn, whatever woke us.
            service.service_actions(self);
            self.settle_touched(service);
        }
    }
    // ANCHOR_END: event_loop
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

// ANCHOR: accept
/// The listening socket's callback: a client is waiting, accept it, register it with
/// its own callback, [`service_connection`], and tell the service.
fn accept(server: &mut Server, service: &mut dyn Service, key: usize, _mask: Event) {
    let Some(Registration {
        fileobj: Socket::Listener(listener),
        ..
    }) = server.registrations.get(&key)
    else {
        return;
    };
    // conn, addr = sock.accept(): ready, so it does not block.
    let (conn, addr) = match listener.accept() {
        Ok(accepted) => accepted,
        // The client gave up before we got to it: nothing to accept after all.
        Err(error) if error.kind() == ErrorKind::WouldBlock => return,
        // No file descriptor for the connection: it stays in the backlog, and the
        // listener stays readable. Leave it alone for a while.
        Err(error) if is_out_of_descriptors(&error) => {
            server.pause_accepting(key);
            return;
        }
        Err(error) => {
            println!("accept failed: {error}");
            return;
        }
    };
    server.out_of_descriptors.succeeded();
    println!("connected: {addr}");
    // conn.setblocking(False): no read or write on it may ever wait.
    if let Err(error) = conn.set_nonblocking(true) {
        println!("{addr} error: {error}");
        return;
    }
    let connection = Connection {
        conn,
        addr,
        outbox: Vec::new(),
        closing: false,
        watching: (true, false), // what `register` asks for: readable
    };
    // sel.register(conn, EVENT_READ, read)
    match server.register(Socket::Connection(connection), service_connection) {
        Ok(key) => service.connected(server, Client { key, addr }),
        Err(error) => println!("{addr} error: {error}"),
    }
}
// ANCHOR_END: accept

// ANCHOR: service_connection
/// A connection's callback: read if it is readable, and hand what the client said to
/// the service; send what waits in its outbox; then settle the connection.
fn service_connection(server: &mut Server, service: &mut dyn Service, key: usize, mask: Event) {
    let Some(connection) = server.connection(key) else {
        return;
    };
    let client = Client {
        key,
        addr: connection.addr,
    };
    // Read only if we still want to: an event can say "readable" when we asked only
    // for "writable" (a hang-up is both), and a full outbox means: not now.
    let mut buffer = [0; BUFFER_SIZE];
    let mut received = 0;
    if mask.readable && connection.wants_to_read() {
        match connection.read(&mut buffer) {
            Ok(count) => received = count,
            Err(error) => {
                server.settle(service, key, Err(error));
                return;
            }
        }
    }
    // if data: what to answer, if anything, is the service's business.
    if received > 0 {
        service.received(server, client, &buffer[..received]);
    }
    // Send the reply at once, as Python's `conn.send(data)`; and on "writable", send
    // what an earlier write could not.
    let Some(connection) = server.connection(key) else {
        return;
    };
    let result = connection.flush();
    server.settle(service, key, result);
}
// ANCHOR_END: service_connection

impl Server {
    /// The connection registered under `key`, if it is still there.
    fn connection(&mut self, key: usize) -> Option<&mut Connection> {
        match self.registrations.get_mut(&key) {
            Some(Registration {
                fileobj: Socket::Connection(connection),
                ..
            }) => Some(connection),
            _ => None,
        }
    }

    // ANCHOR: settle
    /// After a connection's turn, given how it went: close it, or tell the selector
    /// what to watch it for now, if that changed.
    fn settle(&mut self, service: &mut dyn Service, key: usize, result: io::Result<()>) {
        let Some(Registration {
            fileobj: Socket::Connection(connection),
            ..
        }) = self.registrations.get_mut(&key)
        else {
            return;
        };
        let addr = connection.addr;
        let wanted = connection.wanted_interest();
        match result {
            Err(error) => println!("{addr} error: {error}"),
            Ok(()) if connection.closing && connection.outbox.is_empty() => {
                println!("{addr} closed");
            }
            Ok(()) if wanted != connection.watching => {
                // sel.modify(conn, events): read or not, write or not, from now on.
                connection.watching = wanted;
                let interest = Event::new(key, wanted.0, wanted.1);
                let selector = &self.selector;
                match selector.modify_with_mode(&connection.conn, interest, PollMode::Level) {
                    Ok(()) => return,
                    Err(error) => println!("{addr} error: {error}"),
                }
            }
            Ok(()) => return,
        }
        // An error, or a client done and answered: close the connection.
        self.unregister(key);
        service.closed(Client { key, addr });
    }

    /// Settles every connection a service sent to or closed during this turn. Not
    /// at once, in `send`: closing calls the service's `closed`, and the service is
    /// busy in the hook that sends.
    fn settle_touched(&mut self, service: &mut dyn Service) {
        for key in std::mem::take(&mut self.touched) {
            self.settle(service, key, Ok(()));
        }
    }
    // ANCHOR_END: settle
}

/// What `main` does, for this lesson's server and for the exercises': listen on
/// `address`, say so on the first line (`listening on HOST:PORT`, which the tests
/// read), and serve every client with `service`, forever. Any error is explained on
/// stderr, and the process fails.
pub fn serve(address: &Address, service: impl Service) -> ExitCode {
    let listener = match listen(address) {
        Ok(listener) => listener,
        Err(error) => {
            let Address { host, port } = address;
            eprintln!("error: cannot listen on {host}:{port}: {error}");
            if error.kind() == ErrorKind::AddrInUse {
                eprintln!(
                    "hint: another server uses that port; stop it, or pick any free port: \
                     cargo run -p lesson-05 -- --port 0"
                );
            }
            return ExitCode::FAILURE;
        }
    };
    let local_address = match listener.local_addr() {
        Ok(address) => address,
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
    println!("listening on {local_address}");
    println!(
        "serving every client from one thread; talk to me: cargo run -p lesson-05 --bin lesson-05-client -- --port {}",
        local_address.port()
    );
    match server.serve_forever(service) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}

/// How the log shows a message: quoted, invisible characters escaped, bytes that are
/// not UTF-8 shown as `�`, and long messages cut short.
pub fn printable(message: &[u8]) -> String {
    let text = String::from_utf8_lossy(message);
    if text.chars().count() <= 60 {
        format!("{text:?}")
    } else {
        let head: String = text.chars().take(60).collect();
        format!("{head:?}… ({} bytes)", message.len())
    }
}

// ANCHOR: ask
/// The client's half: send `message`, then read the reply. The reply is as long as the
/// message, but TCP may deliver it in pieces, so keep reading until it is all here or
/// the server closes (then the reply comes back short).
pub fn ask(conn: &mut TcpStream, message: &[u8]) -> io::Result<Vec<u8>> {
    conn.write_all(message)?;
    let mut reply = vec![0; message.len()];
    let mut received = 0;
    while received < reply.len() {
        match conn.read(&mut reply[received..])? {
            0 => break,
            n => received += n,
        }
    }
    reply.truncate(received);
    Ok(reply)
}
// ANCHOR_END: ask

// Unit tests of the server's bookkeeping (outbox, backpressure, closing, the service's
// hooks), driving the callbacks by hand on real sockets. The tests in tests/ drive the
// real binary.
#[cfg(test)]
mod tests;
