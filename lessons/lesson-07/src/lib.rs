//! # Lesson 07 — UDP: datagrams, not connections
//!
//! Every server so far spoke TCP: a client connects, the two sides talk over a
//! connection, and either side closes it. UDP has no connection. A client sends a
//! *datagram*, one packet of bytes with the server's address on it, and the server
//! answers with a datagram of its own, sent to the address the first one came from.
//! There is no `accept`, no end of file, no `close`. Nothing is retransmitted
//! either: a datagram that is lost is simply gone, and nobody is told.
//!
//! The tutorial's UDP server is `socketserver.ThreadingUDPServer`. For it, one
//! request is one datagram, and `self.request` is the pair `(data, socket)`: the
//! packet's bytes, and the server's socket to answer on with `sendto`. Ours is the
//! same server on the `socketserver` crate, with a handler on Python's
//! `DatagramRequestHandler`:
//!
//! | Python (`socketserver`)                                 | Rust, below                                              |
//! |---------------------------------------------------------|----------------------------------------------------------|
//! | `ThreadingUDPServer((host, port), Upper)`               | `ThreadingUDPServer::<Upper>::with_options` in [`serve`] |
//! | `UDPServer.max_packet_size = 8192`                      | [`MAX_DATAGRAM`], 65,527, in [`options`]                 |
//! | `UDPServer.get_request()`: `recvfrom`, `(data, socket)` | the crate's `Udp` transport                              |
//! | `ThreadingMixIn.process_request`: a thread per request  | the crate's `ThreadingMixIn`                             |
//! | `class Upper(DatagramRequestHandler)`, its `handle()`   | [`Upper::handle`], the only part we write                |
//! | `DatagramRequestHandler.finish()`: `sendto(wfile)`      | the crate's `DatagramRequestHandler`                     |
//! | `with server:` and `KeyboardInterrupt`                  | `closing` and `shutdown_on_ctrl_c`, in [`run`]           |
//!
//! A thread per request is a thread per *datagram* here, not per client: UDP has no
//! clients in the TCP sense, only datagrams that happen to come from the same
//! address. Two datagrams from one client may be answered by two threads at once,
//! and their replies may come back in either order. (UDP never promised order.)
//!
//! The client's half, [`ask`], shows the other side of "no connection": it sends
//! and waits, but only so long. When no reply comes, it cannot tell whether the
//! datagram was lost, the reply was lost, or there is no server at all.

use std::io::{self, ErrorKind, Read, Write};
use std::net::{SocketAddr, UdpSocket};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use socketserver::prelude::*;

/// Where the server listens and the client sends: `--host` and `--port`.
#[derive(clap::Args, Debug, Clone)]
pub struct Address {
    /// Host to listen on (server) or send to (client). 127.0.0.1 means "this machine
    /// only", so nobody on your network can reach a lesson server.
    #[arg(long, default_value = "127.0.0.1")]
    pub host: String,

    /// UDP port. The server accepts 0, which asks the system for any free port; it
    /// prints the port it got on its first line.
    #[arg(long, default_value_t = 8888)]
    pub port: u16,
}

// ANCHOR: max_datagram
/// The most bytes one UDP datagram can carry: 65,507 over IPv4 (65,535, the largest
/// IP packet, whose length is a 16-bit number, minus 20 bytes of IP header and 8 of
/// UDP header) and 65,527 over IPv6 (which counts its header apart). The buffer is
/// the larger, so neither is ever cut.
///
/// A datagram is read whole, in one call, or not at all: when it is longer than the
/// buffer, the system hands over the start and throws the rest away. TCP would keep
/// the rest for the next read; UDP has no next read for it. Python's `UDPServer`
/// reads `max_packet_size = 8192` bytes, so its handler sees only the first 8 KiB of
/// a longer datagram and answers that. A buffer this large cuts nothing.
pub const MAX_DATAGRAM: usize = 65_527;

/// The server's options: Python's `UDPServer` class attributes, with
/// `max_packet_size` raised to [`MAX_DATAGRAM`].
pub fn options() -> UdpOptions {
    UdpOptions {
        max_packet_size: MAX_DATAGRAM,
        ..Default::default()
    }
}
// ANCHOR_END: max_datagram

/// The reply: the bytes upper-cased as Python's `bytes.upper()` does it (ASCII
/// letters only; every other byte passes through, so the reply is as long as the
/// datagram).
pub fn upper(data: &[u8]) -> Vec<u8> {
    data.to_ascii_uppercase()
}

// ANCHOR: handler
/// The handler: Python's `class Upper(socketserver.DatagramRequestHandler)`. A new
/// one handles each datagram, on a thread of its own.
///
/// The base has already put the datagram in `rfile`; what `handle` writes to
/// `wfile` is the reply, which the base sends back to `client_address` when the
/// handler finishes, even when it is empty.
#[derive(Default)]
pub struct Upper;

impl RequestHandler for Upper {
    type Base = DatagramRequestHandler;

    fn handle(&mut self, this: &mut DatagramState) -> io::Result<()> {
        let mut data = Vec::new();
        this.rfile.read_to_end(&mut data)?; // data = self.rfile.read()
        println!("{} wrote: {}", this.client_address, printable(&data));
        this.wfile.write_all(&upper(&data)) // self.wfile.write(data.upper())
    }
}
// ANCHOR_END: handler

// ANCHOR: serve
/// Serves on `address` until Ctrl-C: Python's
/// `with ThreadingUDPServer(address, Upper) as server: server.serve_forever()`.
pub fn serve(address: &Address) -> io::Result<()> {
    let address = (address.host.as_str(), address.port);
    let server = ThreadingUDPServer::<Upper>::with_options(address, options())?;
    run(server, "lesson 07: UDP, a thread per datagram.")
}
// ANCHOR_END: serve

// ANCHOR: run
/// Python's `with server: server.serve_forever()`, for any server on UDP, until
/// Ctrl-C: the lesson's, and the exercises' servers of their own. `about`, the line
/// after `listening on`, says which server this is.
pub fn run<S: BaseServer<Transport = Udp>>(server: Arc<S>, about: &str) -> io::Result<()> {
    let server = socketserver::closing(server); // server_close() when it is dropped
    socketserver::shutdown_on_ctrl_c(&server)?;
    let address = server.server_address();
    // The first line is exactly `listening on HOST:PORT`: the tests read the port.
    println!("listening on {address}");
    println!("{about} Send me datagrams from another terminal:");
    println!("    {}", client_command(address));
    server.serve_forever()?;
    println!("shutting down");
    drop(server); // server_close(): close the socket, wait for the handler threads
    println!("bye");
    Ok(())
}
// ANCHOR_END: run

// ANCHOR: exit_code
/// What `main` returns once the server is done: success, or failure with the error
/// on stderr (and a hint when the port is taken).
pub fn exit_code(address: &Address, served: io::Result<()>) -> ExitCode {
    match served {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            let Address { host, port } = address;
            eprintln!("error: cannot serve on {host}:{port}: {error}");
            if error.kind() == ErrorKind::AddrInUse {
                eprintln!(
                    "hint: another server uses that port; stop it, or pick any free port: \
                     cargo run -p lesson-07 -- --port 0"
                );
            }
            ExitCode::FAILURE
        }
    }
}
// ANCHOR_END: exit_code

// ANCHOR: explain
/// What `--explain` prints: Python's class statement, then how our server resolves
/// each hook (its `__mro__`, and who provides each method).
pub fn explain() -> String {
    let python = "class ThreadingUDPServer(ThreadingMixIn, UDPServer): pass";
    let table = socketserver::resolution::<ThreadingUDPServer<Upper>>();
    format!("Python:\n{python}\n\nRust, resolved:\n{table}")
}
// ANCHOR_END: explain

/// The command a student types to reach this server, with only the flags it needs.
fn client_command(address: SocketAddr) -> String {
    let mut command = String::from("cargo run -p lesson-07 --bin lesson-07-client");
    let host = address.ip();
    let needs_host = !(host.is_loopback() && host.is_ipv4() || host.is_unspecified());
    if needs_host || address.port() != 8888 {
        command.push_str(" --");
    }
    if needs_host {
        command.push_str(&format!(" --host {host}"));
    }
    if address.port() != 8888 {
        command.push_str(&format!(" --port {}", address.port()));
    }
    command
}

/// How the log shows a datagram: quoted, invisible characters escaped, bytes that
/// are not UTF-8 shown as `�`, and long datagrams cut short.
pub fn printable(data: &[u8]) -> String {
    let text = String::from_utf8_lossy(data);
    if text.chars().count() <= 60 {
        format!("{text:?}")
    } else {
        let head: String = text.chars().take(60).collect();
        format!("{head:?}… ({} bytes)", data.len())
    }
}

// ANCHOR: ask
/// The client's half: send `message` to `server` as one datagram, then wait at most
/// `timeout` for one datagram back.
///
/// `Ok(None)` means nothing came in time. That is all a UDP client can know: its
/// datagram may have been lost, or the reply, or there may be no server at all.
/// Sending to a port where nobody listens succeeds all the same.
pub fn ask(
    socket: &UdpSocket,
    server: SocketAddr,
    message: &[u8],
    timeout: Duration,
) -> io::Result<Option<Vec<u8>>> {
    socket.send_to(message, server)?; // sock.sendto(data, (host, port))
    socket.set_read_timeout(Some(timeout))?; // sock.settimeout(2)
    // One byte more than any datagram can carry, so a reply is never cut.
    let mut reply = vec![0; 65_536];
    match socket.recv_from(&mut reply) {
        Ok((received, _from)) => {
            reply.truncate(received);
            Ok(Some(reply))
        }
        // The timeout, reported as WouldBlock on Unix and TimedOut on Windows.
        Err(error) if matches!(error.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
            Ok(None)
        }
        Err(error) => Err(error),
    }
}
// ANCHOR_END: ask

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn upper_changes_ascii_letters_only() {
        assert_eq!(upper("héllo ß 42".as_bytes()), "HéLLO ß 42".as_bytes());
        assert_eq!(upper(b"\xff\xfeabc"), b"\xff\xfeABC");
        assert_eq!(upper(b""), b"");
    }

    #[test]
    fn the_options_read_the_largest_datagram_whole() {
        let ipv4_largest = 65_535 - 20 - 8; // IP header and UDP header inside 16 bits
        let ipv6_largest = 65_535 - 8; // IPv6's 16-bit length leaves out its header
        assert!(options().max_packet_size >= ipv4_largest.max(ipv6_largest));
        assert_eq!(UdpOptions::default().max_packet_size, 8192); // Python's default
    }

    #[test]
    fn threading_udp_server_resolves_like_python() {
        let resolved = socketserver::resolution::<ThreadingUDPServer<Upper>>();
        assert_eq!(
            resolved.mro,
            [
                "ThreadingUDPServer",
                "ThreadingMixIn",
                "UDPServer",
                "TCPServer",
                "BaseServer"
            ]
        );
        assert_eq!(resolved.provider("get_request"), Some("UDPServer"));
        assert_eq!(resolved.provider("process_request"), Some("ThreadingMixIn"));
    }

    #[test]
    fn ask_gives_up_after_the_timeout() {
        // A socket that is there but never answers: to the client, no server at all.
        let silent = UdpSocket::bind("127.0.0.1:0").unwrap();
        let client = UdpSocket::bind("127.0.0.1:0").unwrap();
        let asked = ask(
            &client,
            silent.local_addr().unwrap(),
            b"hello?",
            Duration::from_millis(50),
        );
        assert_eq!(asked.unwrap(), None);
    }
}
