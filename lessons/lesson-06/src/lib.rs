//! # Lesson 06 — lesson 04's server, on the `socketserver` crate
//!
//! Lessons 01–05 wrote every loop by hand. This lesson writes only what is particular
//! to our server, the handler, and lets the `socketserver` crate do the rest, as
//! Python's tutorial does with `socketserver.ThreadingTCPServer`:
//!
//! | Written by hand in lesson 04                  | Provided by the crate here                       |
//! |-----------------------------------------------|--------------------------------------------------|
//! | `Server::start`, `listen` (socket, bind, listen) | `TCPServer::new` (`server_bind`, `server_activate`) |
//! | the connection loop, `Server::serve_forever`  | `BaseServer::serve_forever`                      |
//! | `Server::spawn`, a thread per client          | `ThreadingMixIn::process_request`                |
//! | `Server::close`: close connections, join threads | `server_close` (`block_on_close`, with a deadline) |
//! | the Ctrl-C knock on our own door              | `shutdown_on_ctrl_c` (shutdown wakes the loop)   |
//! | the communication loop                        | [`Upper::handle`], the only part we write        |
//!
//! `--mode` picks the mixin, one line each in [`serve`]: serial (`TCPServer`),
//! threading (`ThreadingTCPServer`), forking (`ForkingTCPServer`), or a pool of
//! threads (`ThreadPoolTCPServer`, which Python does not have). `--explain` prints how
//! the chosen server resolves each hook, beside Python's `__mro__`. [`run`] (Python's
//! `with server: server.serve_forever()`) and [`exit_code`] serve the classroom's
//! exercises too, whose servers are of their own.
//!
//! One change of protocol from lesson 04: the handler reads *lines*, as Python's
//! `StreamRequestHandler` does with `rfile.readline()`, and answers each line.

use std::io::{self, BufRead, ErrorKind, Read, Write};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use socketserver::prelude::*;
use socketserver::resolution;

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

/// Which mixin serves the requests.
#[derive(clap::ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// `TCPServer`: one client at a time, like lesson 03.
    Serial,
    /// `ThreadingTCPServer`: a thread per client, like lesson 04.
    Threading,
    /// `ForkingTCPServer`: a child process per client.
    Forking,
    /// `ThreadPoolTCPServer`: a fixed pool of threads (no Python counterpart).
    Pool,
}

/// How long, after Ctrl-C, the clients still connected are served before their
/// connections are shut down: lesson 04 closed them at once.
pub const SHUTDOWN_DEADLINE: Duration = Duration::from_millis(500);

// ANCHOR: max_line
/// The longest piece of a line read at once. A longer line is answered in pieces, so
/// a client that never sends a newline cannot make the server's memory grow.
pub const MAX_LINE: usize = 64 * 1024;

/// Python's `self.rfile.readline(MAX_LINE)`: the next line, with its newline, or the
/// first [`MAX_LINE`] bytes of a longer one (the rest comes next time); empty once
/// the client has closed its side.
pub fn readline(rfile: &mut impl BufRead) -> io::Result<Vec<u8>> {
    let mut line = Vec::new();
    rfile.take(MAX_LINE as u64).read_until(b'\n', &mut line)?;
    Ok(line)
}
// ANCHOR_END: max_line

/// The reply: the bytes upper-cased as Python's `bytes.upper()` does it.
pub fn upper(line: &[u8]) -> Vec<u8> {
    line.to_ascii_uppercase()
}

/// Is this line the word `close` (any case, surrounding whitespace ignored)?
pub fn is_close(line: &[u8]) -> bool {
    line.trim_ascii().eq_ignore_ascii_case(b"close")
}

// ANCHOR: handler
/// The handler: Python's `class Upper(socketserver.StreamRequestHandler)`. A new one
/// serves each client; `handle` is lesson 04's communication loop, reading lines
/// from `rfile` and writing replies to `wfile`.
#[derive(Default)]
pub struct Upper;

impl RequestHandler for Upper {
    type Base = StreamRequestHandler;

    fn handle(&mut self, this: &mut Stream) -> io::Result<()> {
        println!("connected: {}", this.client_address);
        loop {
            let line = readline(&mut this.rfile)?;
            if line.is_empty() {
                break; // the client closed its side
            }
            println!("{} wrote: {}", this.client_address, printable(&line));
            if is_close(&line) {
                println!("{} asked to close", this.client_address);
                break;
            }
            this.wfile.write_all(&upper(&line))?;
        }
        println!("{} closed", this.client_address);
        Ok(())
    }
}
// ANCHOR_END: handler

// ANCHOR: serve
/// Serves on `address` with the mixin `mode` names, until Ctrl-C.
pub fn serve(mode: Mode, address: &Address) -> io::Result<()> {
    let address = (address.host.as_str(), address.port);
    let mode_name = format!("{mode:?}").to_lowercase();
    let about =
        format!("lesson 06: lesson 04's server on the socketserver crate, --mode {mode_name}.");
    // Ctrl-C's handler is a thread; a forking server must stay single-threaded, so
    // it takes the crate's signal-flag version instead.
    use socketserver::{shutdown_forking_on_ctrl_c, shutdown_on_ctrl_c};
    match mode {
        Mode::Serial => run(
            TCPServer::<Upper>::new(address)?,
            shutdown_on_ctrl_c,
            &about,
        ),
        Mode::Threading => run(
            ThreadingTCPServer::<Upper>::new(address)?,
            shutdown_on_ctrl_c,
            &about,
        ),
        Mode::Forking => run(
            ForkingTCPServer::<Upper>::new(address)?,
            shutdown_forking_on_ctrl_c,
            &about,
        ),
        Mode::Pool => run(
            ThreadPoolTCPServer::<Upper>::new(address)?,
            shutdown_on_ctrl_c,
            &about,
        ),
    }
}
// ANCHOR_END: serve

// ANCHOR: run
/// Python's `with server: server.serve_forever()`, for any server on TCP, until
/// Ctrl-C: the lesson's four, and the exercises' servers of their own. `about`, the
/// line after `listening on`, says which server this is.
pub fn run<S: BaseServer<Transport = Tcp>>(
    server: Arc<S>,
    stop_on_ctrl_c: fn(&Arc<S>) -> io::Result<()>,
    about: &str,
) -> io::Result<()> {
    let server = socketserver::closing(server); // server_close() when it is dropped
    // Beyond Python: clients still connected at Ctrl-C get half a second, then
    // their connections are shut down (Python's server_close would wait for ever).
    server.set_shutdown_deadline(Some(SHUTDOWN_DEADLINE));
    stop_on_ctrl_c(&server)?;
    let address = server.server_address();
    // The first line is exactly `listening on HOST:PORT`: the tests read the port.
    println!("listening on {address}");
    println!("{about} Talk to me:");
    println!("    {}", client_command(address));
    server.serve_forever()?;
    println!("shutting down: clients still connected get half a second to finish");
    drop(server);
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
                     cargo run -p lesson-06 -- --port 0"
                );
            }
            ExitCode::FAILURE
        }
    }
}
// ANCHOR_END: exit_code

/// The command a student types to reach this server, with only the flags it needs.
fn client_command(address: std::net::SocketAddr) -> String {
    let mut command = String::from("cargo run -p lesson-06 --bin lesson-06-client");
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

// ANCHOR: explain
/// What `--explain` prints: Python's class statement for the mode, then how our
/// server resolves each hook (its `__mro__`, and who provides each method).
pub fn explain(mode: Mode) -> String {
    let (python, table) = match mode {
        Mode::Serial => (
            "class TCPServer(BaseServer)",
            resolution::<TCPServer<Upper>>(),
        ),
        Mode::Threading => (
            "class ThreadingTCPServer(ThreadingMixIn, TCPServer): pass",
            resolution::<ThreadingTCPServer<Upper>>(),
        ),
        Mode::Forking => (
            "class ForkingTCPServer(ForkingMixIn, TCPServer): pass",
            resolution::<ForkingTCPServer<Upper>>(),
        ),
        Mode::Pool => (
            "(no such class in Python; it would read)\n\
             class ThreadPoolTCPServer(ThreadPoolMixIn, TCPServer): pass",
            resolution::<ThreadPoolTCPServer<Upper>>(),
        ),
    };
    format!("Python:\n{python}\n\nRust, resolved:\n{table}")
}
// ANCHOR_END: explain

/// How the log shows a line: quoted, invisible characters escaped, bytes that are
/// not UTF-8 shown as `�`, and long lines cut short.
pub fn printable(line: &[u8]) -> String {
    let text = String::from_utf8_lossy(line);
    if text.chars().count() <= 60 {
        format!("{text:?}")
    } else {
        let head: String = text.chars().take(60).collect();
        format!("{head:?}… ({} bytes)", line.len())
    }
}

// ANCHOR: ask
/// The client's half: send `message` as one line, read one line back.
pub fn ask(
    conn: &mut impl Write,
    replies: &mut impl BufRead,
    message: &str,
) -> io::Result<Option<String>> {
    conn.write_all(format!("{message}\n").as_bytes())?;
    let mut reply = Vec::new();
    if replies.read_until(b'\n', &mut reply)? == 0 {
        return Ok(None); // the server closed the connection
    }
    Ok(Some(
        String::from_utf8_lossy(&reply)
            .trim_end_matches('\n')
            .to_string(),
    ))
}
// ANCHOR_END: ask

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn explain_names_the_mixin_for_each_mode() {
        assert!(explain(Mode::Threading).contains("process_request    ThreadingMixIn"));
        assert!(explain(Mode::Forking).contains("service_actions    ForkingMixIn"));
        assert!(explain(Mode::Pool).contains("ThreadPoolTCPServer.__mro__"));
        assert!(explain(Mode::Serial).contains("process_request    BaseServer"));
    }

    #[test]
    fn close_and_upper() {
        assert!(is_close(b"Close\r\n") && !is_close(b"closer\n"));
        assert_eq!(upper("grüße\n".as_bytes()), "GRüßE\n".as_bytes());
    }
}
