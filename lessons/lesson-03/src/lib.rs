//! # Lesson 03 — the serial server: clients one after another
//!
//! Lesson 02 talked with one client and exited. A server should outlive its clients,
//! so this lesson puts a second loop around the first: the tutorial's **connection
//! loop** (连接循环). Two loops, two jobs:
//!
//! ```text
//! loop {                          <- connection loop: accept the next client
//!     accept a client
//!     loop {                      <- communication loop: talk with that client
//!         read, reply
//!     }
//! }
//! ```
//!
//! Python writes it as `while True: conn, addr = sock.accept(); while True: ...`.
//!
//! It works, and it has the flaw this lesson is about: while the server is inside the
//! communication loop with one client, nobody runs `accept`. A second client can
//! connect (the operating system completes the handshake and parks it in the listen
//! backlog, the `5` of Python's `listen(5)`) and can even send, but no one reads its
//! message until the first client leaves. Run two clients and watch the second wait.
//! Lesson 04 fixes it with a thread per client.

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};

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

// ANCHOR: serve_forever
/// The connection loop: accept a client, talk with it until it is done, accept the
/// next. Never returns: Python's `while True:` around `sock.accept()`.
///
/// A failed `accept` (a client that gave up while waiting in the backlog, say) is
/// logged and the loop goes on; so does every way a conversation can end.
pub fn serve_forever(listener: &TcpListener) -> ! {
    loop {
        let (mut conn, client_address) = match listener.accept() {
            Ok(accepted) => accepted,
            Err(error) => {
                println!("accept failed: {error}");
                continue;
            }
        };
        println!("connected: {client_address}");
        // Only this one client is served until the communication loop returns.
        match communication_loop(&mut conn, client_address) {
            Ok(()) => println!("{client_address} closed"),
            Err(error) => println!("{client_address} error: {error}"),
        }
    }
}
// ANCHOR_END: serve_forever

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
