//! # Lesson 04 — a thread per client
//!
//! Lesson 03's server made the second client wait: while it sat in the communication
//! loop with one client, nobody called `accept`. The fix is to give every client its
//! own thread. The main thread does nothing but the connection loop (accept, hand the
//! connection to a new thread, accept again); each client thread runs the
//! communication loop for its one client. Now a slow or silent client only holds up
//! its own thread.
//!
//! This is exactly what Python's `socketserver.ThreadingTCPServer` does, written out
//! by hand so nothing is hidden:
//!
//! | Python (`socketserver`)                               | Rust, below                          |
//! |-------------------------------------------------------|--------------------------------------|
//! | `ThreadingTCPServer((host, port), Handler)`           | [`Server::start`]                    |
//! | `serve_forever()` accepting in a loop                 | [`Server::serve_forever`]            |
//! | `get_request()`, which is `accept()`                  | [`Server::accept`]                   |
//! | `ThreadingMixIn.process_request` starts a thread      | [`Server::spawn`]                    |
//! | the handler's `handle()` for one client               | [`communication_loop`]               |
//! | `server_close()` joins the threads (`block_on_close`) | [`Server::close`]                    |
//! | `shutdown()` from another thread                      | [`stop_on_ctrl_c`]                   |
//!
//! `serve_forever` takes the function each client thread runs, as Python's server
//! takes the handler class: the lesson passes [`communication_loop`], and the
//! classroom's exercises pass functions of their own to the same server.
//!
//! Ctrl-C stops the server cleanly: it stops accepting, closes every open connection
//! (their threads see the end of the conversation and finish), waits for the threads,
//! and exits with success.
//!
//! Every connection is a file descriptor, and a process may have only so many. Out of
//! them, `accept` fails, and fails again at once, as long as a client waits: the
//! connection loop pauses instead (`OutOfDescriptors`, in its own file,
//! `src/out_of_descriptors.rs`), and Ctrl-C still works.

mod out_of_descriptors;

use std::collections::HashMap;
use std::io::{self, ErrorKind, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream, UdpSocket};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::{self, JoinHandle};
use std::time::Duration;

use out_of_descriptors::{OutOfDescriptors, is_out_of_descriptors};

/// The most one read takes, as the tutorial's `recv(1024)`.
pub const BUFFER_SIZE: usize = 1024;

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

// ANCHOR: is_close
/// Is this message the word `close` (any case, surrounding whitespace ignored)?
pub fn is_close(message: &[u8]) -> bool {
    message.trim_ascii().eq_ignore_ascii_case(b"close")
}
// ANCHOR_END: is_close

// ANCHOR: server
/// The threaded server, written by hand: what Python's `ThreadingTCPServer` keeps in
/// `self`, and its methods below ([`serve_forever`](Server::serve_forever),
/// [`accept`](Server::accept), [`spawn`](Server::spawn), [`close`](Server::close)).
pub struct Server {
    /// The listening socket: Python's `self.socket`.
    listener: TcpListener,
    /// Where it listens, with the real port: Python's `self.server_address`.
    pub address: SocketAddr,
    /// Set by the Ctrl-C handler: the connection loop stops.
    stopping: Arc<AtomicBool>,
    /// The connections being served, so that shutting down can close them.
    open_connections: OpenConnections,
    /// The client threads, so that shutting down can wait for them: Python's
    /// `self._threads`.
    client_threads: Vec<JoinHandle<()>>,
    /// How long to pause while out of file descriptors.
    out_of_descriptors: OutOfDescriptors,
}
// ANCHOR_END: server

impl Server {
    // ANCHOR: start
    /// Everything before the connection loop: listen on `address` (Python's
    /// `ThreadingTCPServer((host, port), ...)`), make Ctrl-C stop the server, and
    /// print the first line, exactly `listening on HOST:PORT` (the tests read the
    /// port there). If one of those fails, says why on stderr and returns `None`:
    /// `main` then exits with failure.
    pub fn start(address: &Address) -> Option<Server> {
        let Address { host, port } = address;
        let listener = match listen(address) {
            Ok(listener) => listener,
            Err(error) => {
                eprintln!("error: cannot listen on {host}:{port}: {error}");
                if error.kind() == ErrorKind::AddrInUse {
                    eprintln!(
                        "hint: another server uses that port; stop it, or pick any free port: \
                         cargo run -p lesson-04 -- --port 0"
                    );
                }
                return None;
            }
        };
        let address = match listener.local_addr() {
            Ok(address) => address,
            Err(error) => {
                eprintln!("error: {error}");
                return None;
            }
        };
        let stopping = match stop_on_ctrl_c(address) {
            Ok(stopping) => stopping,
            Err(error) => {
                eprintln!("error: cannot handle Ctrl-C: {error}");
                return None;
            }
        };
        println!("listening on {address}");
        Some(Server {
            listener,
            address,
            stopping,
            open_connections: OpenConnections::default(),
            client_threads: Vec::new(),
            out_of_descriptors: OutOfDescriptors::default(),
        })
    }
    // ANCHOR_END: start

    // ANCHOR: serve_forever
    /// The connection loop, with a thread per client: accept a client, give it a
    /// thread that runs `handle` (Python's handler class: [`communication_loop`], in
    /// this lesson), accept the next one. Returns after Ctrl-C, once the server has
    /// closed every connection and waited for every client thread.
    ///
    /// Every client thread gets its own copy of `handle` (`Clone`), which it moves
    /// to its thread (`Send + 'static`: nothing borrowed from `main`'s stack).
    pub fn serve_forever<H>(mut self, handle: H)
    where
        H: Fn(&mut TcpStream, SocketAddr) -> io::Result<()> + Clone + Send + 'static,
    {
        while let Some((conn, client_address)) = self.accept() {
            self.spawn(conn, client_address, handle.clone());
        }
        self.close();
    }
    // ANCHOR_END: serve_forever

    // ANCHOR: accept
    /// The next client: Python's `get_request()`, which is `accept()`. Returns `None`
    /// once Ctrl-C has set the `stopping` flag, which it looks at after every
    /// `accept`: the Ctrl-C handler wakes a blocked `accept` by connecting to us (see
    /// [`stop_on_ctrl_c`]).
    pub fn accept(&mut self) -> Option<(TcpStream, SocketAddr)> {
        loop {
            let accepted = self.listener.accept();
            // Whatever `accept` returned, look at the flag first.
            if self.stopping.load(Ordering::SeqCst) {
                return None; // the wake-up knock from the Ctrl-C handler (or a client too late)
            }
            match accepted {
                Ok((conn, client_address)) => {
                    println!("connected: {client_address}");
                    return Some((conn, client_address));
                }
                // No file descriptor for the connection: the client stays in the
                // backlog, and `accept` would fail again at once. Pause, then try again
                // (and, out of descriptors still, it fails at once, and the flag is
                // looked at).
                Err(error) if is_out_of_descriptors(&error) => {
                    thread::sleep(self.out_of_descriptors.failed());
                }
                Err(error) => println!("accept failed: {error}"),
            }
        }
    }
    // ANCHOR_END: accept

    /// How many clients are being served: the connections that are open.
    pub fn connected(&self) -> usize {
        self.open_connections.len()
    }

    // ANCHOR: spawn
    /// Serves one client on a thread of its own, which runs `handle`: Python's
    /// `ThreadingMixIn.process_request`. Returns at once, so that the loop goes
    /// straight back to `accept`.
    pub fn spawn<H>(&mut self, conn: TcpStream, client_address: SocketAddr, handle: H)
    where
        H: Fn(&mut TcpStream, SocketAddr) -> io::Result<()> + Send + 'static,
    {
        // Remembering the connection takes a descriptor too (a second handle). If none
        // is left, the client waits, accepted, and we pause as for `accept`.
        while !self.open_connections.add(client_address, &conn) {
            if self.stopping.load(Ordering::SeqCst) {
                // Ctrl-C while this client waited: drop it. The loop's next `accept`
                // returns at once (the knock is waiting), and sees the flag.
                return;
            }
            thread::sleep(self.out_of_descriptors.failed());
        }
        self.out_of_descriptors.succeeded();

        let connections = self.open_connections.clone();
        let spawned = thread::Builder::new()
            .name(format!("client {client_address}"))
            .spawn(move || {
                serve_client(conn, client_address, handle);
                // Forget it: its connection closes only now, as its last handle (the
                // one in the map) is dropped, so by the time the client sees it close,
                // `connected()` no longer counts it.
                connections.remove(client_address);
            });
        match spawned {
            Ok(thread) => self.client_threads.push(thread),
            Err(error) => {
                // No thread to serve it (the system is out of them): close it and go on.
                println!("{client_address} error: cannot start a thread: {error}");
                self.open_connections.close(client_address);
            }
        }
        // Forget the threads that have finished, so the list does not grow forever.
        self.client_threads.retain(|thread| !thread.is_finished());
    }
    // ANCHOR_END: spawn

    // ANCHOR: close
    /// Python's `server_close()`: close what is still open, then wait for every
    /// client thread.
    pub fn close(self) {
        println!(
            "shutting down: closing {} open connection(s)",
            self.open_connections.len()
        );
        self.open_connections.close_all();
        for thread in self.client_threads {
            if thread.join().is_err() {
                println!("a client thread panicked");
            }
        }
        println!("bye");
    }
    // ANCHOR_END: close
}

// ANCHOR: serve_client
/// What one client thread does: `handle` (the communication loop), then log how it
/// ended.
fn serve_client<H>(mut conn: TcpStream, client_address: SocketAddr, handle: H)
where
    H: Fn(&mut TcpStream, SocketAddr) -> io::Result<()>,
{
    match handle(&mut conn, client_address) {
        Ok(()) => println!("{client_address} closed"),
        Err(error) => println!("{client_address} error: {error}"),
    }
}
// ANCHOR_END: serve_client

// ANCHOR: open_connections
/// The connections being served, so that shutting down can close them. Each client
/// thread owns its connection; this holds a second handle to the same socket
/// (`try_clone`), and shutting a socket down through either handle ends the
/// conversation for both.
#[derive(Clone, Default)]
pub struct OpenConnections(Arc<Mutex<HashMap<SocketAddr, TcpStream>>>);

impl OpenConnections {
    /// Remembers a new client's connection (a second handle to it), and says whether
    /// it could: the second handle is one more file descriptor, and a process that is
    /// out of them cannot make it (then nothing is remembered).
    pub fn add(&self, client_address: SocketAddr, conn: &TcpStream) -> bool {
        match conn.try_clone() {
            Ok(handle) => {
                self.lock().insert(client_address, handle);
                true
            }
            Err(_) => false,
        }
    }

    /// Forgets a client that is done. Its connection closes once both handles are
    /// dropped: the client thread's, and this one.
    pub fn remove(&self, client_address: SocketAddr) {
        self.lock().remove(&client_address);
    }

    /// Forgets a client and shuts its connection down.
    pub fn close(&self, client_address: SocketAddr) {
        if let Some(conn) = self.lock().remove(&client_address) {
            let _ = conn.shutdown(Shutdown::Both);
        }
    }

    /// How many clients are connected.
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    /// Whether no client is connected.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Shuts every open connection down: each client thread's `read` returns, its
    /// communication loop ends, and the thread finishes.
    pub fn close_all(&self) {
        for conn in self.lock().values() {
            let _ = conn.shutdown(Shutdown::Both);
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<SocketAddr, TcpStream>> {
        // A thread that panicked while holding the lock cannot leave the map half-made
        // (every change is one call), so the data is still good: use it.
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
}
// ANCHOR_END: open_connections

// ANCHOR: stop_on_ctrl_c
/// Makes Ctrl-C (and SIGTERM) stop the server: returns the flag that
/// [`Server::accept`] checks.
///
/// The main thread is blocked in `accept`, and no flag can interrupt that. So the
/// handler sets the flag and then knocks on our own door: it connects to the listening
/// address, `accept` returns, and the loop sees the flag. (Python's `serve_forever`
/// avoids the problem by waking up every `poll_interval`; lesson 05 shows the
/// readiness loop that makes that possible.)
///
/// The knock is a new connection: it needs a file descriptor, and a server out of
/// them has none to give. So one is kept in reserve, and freed just before knocking.
pub fn stop_on_ctrl_c(listening_on: SocketAddr) -> io::Result<Arc<AtomicBool>> {
    let stopping = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&stopping);
    let mut knock_at = listening_on;
    if knock_at.ip().is_unspecified() {
        // Listening on 0.0.0.0 (or ::) means every address, this machine's included.
        knock_at.set_ip(match knock_at {
            SocketAddr::V4(_) => [127, 0, 0, 1].into(),
            SocketAddr::V6(_) => std::net::Ipv6Addr::LOCALHOST.into(),
        });
    }
    // The reserve: any open socket holds a descriptor, and a UDP socket on a free port
    // is the cheapest one std can open.
    let mut reserve = Some(UdpSocket::bind((knock_at.ip(), 0))?);
    ctrlc::set_handler(move || {
        flag.store(true, Ordering::SeqCst);
        drop(reserve.take()); // one descriptor free, for the knock
        // Never wait long: if the knock cannot get in, `accept` is not blocked (the
        // loop is pausing, or busy with a client), and the loop sees the flag anyway.
        let _ = TcpStream::connect_timeout(&knock_at, Duration::from_secs(1));
    })
    .map_err(io::Error::other)?;
    Ok(stopping)
}
// ANCHOR_END: stop_on_ctrl_c

// ANCHOR: communication_loop
/// The communication loop: read a message, answer it, again, until the client is done.
///
/// Returns `Ok` when the client closed or said `close`, and the I/O error when the
/// connection broke (a reset, say).
pub fn communication_loop(conn: &mut TcpStream, client_address: SocketAddr) -> io::Result<()> {
    let mut buffer = [0; BUFFER_SIZE];
    loop {
        // msg = conn.recv(1024)
        let received = conn.read(&mut buffer)?;
        if received == 0 {
            return Ok(()); // if not msg: break — the client closed its side
        }
        let message = &buffer[..received];
        println!("{client_address} wrote: {}", printable(message));
        if is_close(message) {
            println!("{client_address} asked to close");
            return Ok(());
        }
        conn.write_all(&upper(message))?;
    }
}
// ANCHOR_END: communication_loop

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn upper_changes_ascii_letters_only() {
        assert_eq!(upper("héllo ß 42".as_bytes()), "HéLLO ß 42".as_bytes());
        assert_eq!(upper(b"\xff\xfeabc"), b"\xff\xfeABC");
    }

    #[test]
    fn close_is_recognised_in_any_case() {
        assert!(is_close(b"close"));
        assert!(is_close(b"CLOSE\r\n"));
        assert!(!is_close(b"closer"));
        assert!(!is_close(b"\xffclose"));
    }
}
