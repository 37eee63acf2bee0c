//! # Lesson 02 — the looped echo server
//!
//! Lesson 01 answered one message and hung up. Real conversations have more than one
//! line, so this lesson wraps the read-and-reply in a loop: the tutorial calls it the
//! **communication loop** (通信循环). The server still serves only one client; when
//! that client is done, the server exits. Lesson 03 adds the loop around this one.
//!
//! The loop ends in the three ways a conversation can end:
//!
//! | What happens                      | Python                          | Rust, below            |
//! |-----------------------------------|---------------------------------|------------------------|
//! | the client closes its side        | `if not msg: break` (empty read)| `read` returns `Ok(0)` |
//! | the client says `close`           | `if msg... == 'close': break`   | `is_close(message)`    |
//! | the client vanishes (reset, ...)  | `ConnectionResetError`          | `read` returns `Err`   |
//!
//! Python's tutorial compares `msg.decode().lower()`, which crashes on bytes that are
//! not UTF-8. We compare bytes, so no input can crash the server.

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

// ANCHOR: serve_one_client
/// Accepts one client and talks with it until it is done; then returns.
pub fn serve_one_client(listener: &TcpListener) -> io::Result<()> {
    let (mut conn, client_address) = listener.accept()?;
    println!("connected: {client_address}");
    // However the conversation ends, it ends here: log it, and the server is done.
    match communication_loop(&mut conn, client_address) {
        Ok(()) => println!("{client_address} closed"),
        Err(error) => println!("{client_address} error: {error}"),
    }
    Ok(())
}
// ANCHOR_END: serve_one_client

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
