//! # Lesson 01 — the single-shot echo server
//!
//! The smallest socket server there is, and the first program of the tutorial: open a
//! listening socket, accept **one** client, read **one** message, answer it in upper
//! case, close, exit. Everything later in the course is this program with loops,
//! threads and a selector wrapped around it.
//!
//! The Python it reproduces, step by step:
//!
//! | Python                          | Rust, below                          |
//! |---------------------------------|--------------------------------------|
//! | `sock = socket.socket()`        | (inside `TcpListener::bind`)         |
//! | `sock.bind(address)`            | (inside `TcpListener::bind`)         |
//! | `sock.listen(5)`                | (inside `TcpListener::bind`)         |
//! | `conn, addr = sock.accept()`    | `listener.accept()`                  |
//! | `msg = conn.recv(1024)`         | `conn.read(&mut buffer)`             |
//! | `conn.send(msg.upper())`        | `conn.write_all(&upper(request))`    |
//! | `conn.close()`, `sock.close()`  | dropping `conn` and `listener`       |

use std::io::{self, ErrorKind, Read, Write};
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

// ANCHOR: listen
/// Opens the listening socket: Python's `socket()`, `bind()` and `listen()` in one call.
pub fn listen(address: &Address) -> io::Result<TcpListener> {
    TcpListener::bind((address.host.as_str(), address.port))
}
// ANCHOR_END: listen

// ANCHOR: upper
/// The reply: the message upper-cased as Python's `bytes.upper()` does it. Only ASCII
/// letters change; every other byte (UTF-8 included) passes through unchanged, so the
/// reply is always exactly as long as the message.
pub fn upper(message: &[u8]) -> Vec<u8> {
    message.to_ascii_uppercase()
}
// ANCHOR_END: upper

// ANCHOR: serve_one_client
/// Accepts one client, answers its first message, and returns: the whole lesson.
///
/// Only a failure of the listening socket itself is an error here. Whatever the client
/// does (vanish, say nothing, send garbage) is logged, and the server still finishes
/// cleanly: one client's behaviour never crashes a server.
pub fn serve_one_client(listener: &TcpListener) -> io::Result<()> {
    // conn, addr = sock.accept(): wait until a client connects.
    let (mut conn, client_address) = listener.accept()?;
    println!("connected: {client_address}");

    // msg = conn.recv(1024): wait for the first chunk the client sends, at most 1024 bytes.
    let mut buffer = [0; BUFFER_SIZE];
    let received = match conn.read(&mut buffer) {
        Ok(received) => received,
        Err(error) => {
            println!("{client_address} error: {error}");
            return Ok(());
        }
    };
    if received == 0 {
        // An empty read means the client closed its side without sending anything.
        println!("{client_address} closed without sending anything");
        return Ok(());
    }
    let request = &buffer[..received];
    println!("{client_address} wrote: {}", printable(request));

    // conn.send(...): the tutorial's `send` may send only part; `write_all` sends it all.
    if let Err(error) = conn.write_all(&upper(request)) {
        println!("{client_address} error: {error}");
        return Ok(());
    }

    report_unread_data(&conn, client_address);
    // conn.close(): `conn` is dropped here, which closes the connection.
    println!("{client_address} closed");
    Ok(())
}
// ANCHOR_END: serve_one_client

// ANCHOR: report_unread_data
/// One read, one reply: anything the client sent beyond that first read is never read.
/// Say so instead of dropping it silently (lesson 02 adds the loop that reads it all).
fn report_unread_data(conn: &TcpStream, client_address: SocketAddr) {
    let mut probe = [0; 1];
    let unread = conn.set_nonblocking(true).is_ok()
        && match conn.peek(&mut probe) {
            Ok(waiting) => waiting > 0,
            Err(error) => error.kind() != ErrorKind::WouldBlock,
        };
    if unread {
        println!(
            "{client_address} sent more than one read holds; a single-shot server drops the rest"
        );
    }
}
// ANCHOR_END: report_unread_data

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
/// message (upper-casing keeps the length), but TCP may deliver it in pieces, so keep
/// reading until it is all here or the server closes.
pub fn ask(conn: &mut TcpStream, message: &[u8]) -> io::Result<Vec<u8>> {
    conn.write_all(message)?;
    let mut reply = vec![0; message.len()];
    let mut received = 0;
    while received < reply.len() {
        match conn.read(&mut reply[received..])? {
            0 => break, // the server closed early: return what came
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
        assert_eq!(upper(b"hello, World 42"), b"HELLO, WORLD 42");
        assert_eq!(upper("héllo ß".as_bytes()), "HéLLO ß".as_bytes());
        assert_eq!(upper(b"\xff\xfeabc"), b"\xff\xfeABC");
    }

    #[test]
    fn printable_quotes_and_cuts() {
        assert_eq!(printable(b"hi\n"), r#""hi\n""#);
        assert_eq!(
            printable(&[b'a'; 100]),
            format!("{:?}… (100 bytes)", "a".repeat(60))
        );
    }
}
