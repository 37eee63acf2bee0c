//! # Lesson 08 — message framing ("sticky packets", 粘包)
//!
//! TCP delivers a stream of bytes. Where one message ends and the next begins is not
//! in the stream: a reader that takes "whatever one `read` returns" as a message gets
//! half a message when the message is long, and two messages glued together when they
//! arrive close behind each other. The tutorial calls this 粘包, "sticky packets", and
//! shows it with a client that reads each reply with one `recv(1024)`: a reply longer
//! than 1,024 bytes leaves its tail in the socket, and the tail is then read as the
//! reply to the *next* command.
//!
//! The fix is a frame around each message that says how long it is. This lesson keeps
//! the tutorial's wire format exactly (see [`framing`]), so its Python client works
//! against our server and ours against a Python server, and `--protocol` chooses:
//!
//! | `--protocol` | request                      | reply                                |
//! |--------------|------------------------------|--------------------------------------|
//! | `raw`        | one read of up to 1024 bytes | bare bytes: the problem, on purpose  |
//! | `tutorial`   | one read of up to 1024 bytes | framed: the tutorial's fix (default) |
//! | `framed`     | framed                       | framed: the fix in both directions   |
//!
//! The tutorial runs each request as a shell command, so anyone who can connect runs
//! any program on the server. Ours never does: it knows a few built-in commands
//! ([`run_command`]), and answers anything else with an error.
//!
//! The server is lesson 06's: a `ThreadingTCPServer` from the `socketserver` crate and
//! a handler ([`Commands`]) whose `handle` reads requests from `rfile` and writes
//! replies to `wfile`. What it runs is a type too ([`Run`]): the lesson's built-in
//! commands, or, in the classroom's exercises, those and more.
//!
//! What a client asks must not decide what the server holds. `big 8388608` is a
//! 12-byte request for 8 MiB: a [`Reply`] says how long its body is (the frame's
//! header needs that first) without making it, and the body is made [`CHUNK`] bytes
//! at a time, as the socket takes them.
//!
//! The frame is in [`framing`]; the built-in commands and their replies in
//! [`builtin`]; this file puts them together: the handler, its loop, the server.

pub mod builtin;
pub mod framing;

pub use builtin::{HELP, Piece, Reply, big_body, big_chunk, run_command, utc_now};

use std::fmt::Display;
use std::io::{self, BufRead, ErrorKind, Write};
use std::marker::PhantomData;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use framing::{Decoder, Limits, MAX_HEADER, Message, encode, frame_error, read_message};
use socketserver::prelude::*;

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

/// How requests and replies are cut into messages on the wire.
#[derive(clap::ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protocol {
    /// No framing: whatever one read of up to 1024 bytes returns is taken as one
    /// message, request or reply. Shows the sticky-packet problem; use it for nothing
    /// else.
    Raw,
    /// The tutorial's protocol: requests unframed (one read each), replies framed.
    Tutorial,
    /// Requests and replies both framed: the tutorial's format, both ways.
    Framed,
}

// ANCHOR: limits
/// The tutorial's `recv(1024)`: how much one read of an unframed message takes.
pub const RECV_SIZE: usize = 1024;

/// The longest framed request (a command) the server accepts.
pub const MAX_COMMAND: usize = 64 * 1024;

/// The largest body `big N` makes. The server never holds it ([`CHUNK`] bytes at a
/// time is all): the limit is for the client, which holds a reply whole.
pub const MAX_BIG: usize = 8 * 1024 * 1024;

/// How much of `big`'s body the server makes at a time, and so all it holds of it,
/// per connection, however large N and however slowly the client reads.
pub const CHUNK: usize = 64 * 1024;

/// The longest reply body the client accepts: room for `big` at its largest.
pub const MAX_REPLY: usize = 16 * 1024 * 1024;

/// How long a write may wait for a client to take any of its reply. A client who asks
/// for `big 8388608` and reads nothing holds no more than a chunk of memory, but it
/// would hold its thread for ever: after this long, the server hangs up on it.
pub const WRITE_TIMEOUT: Duration = Duration::from_secs(10);
// ANCHOR_END: limits

/// The protocol, as a type: the server's handler is `Commands<Raw>`,
/// `Commands<Tutorial>` or `Commands<Framed>`.
pub trait Wire: 'static {
    /// The protocol this type stands for.
    const PROTOCOL: Protocol;
}

/// `--protocol raw`, as a type.
pub struct Raw;
/// `--protocol tutorial`, as a type.
pub struct Tutorial;
/// `--protocol framed`, as a type.
pub struct Framed;

impl Wire for Raw {
    const PROTOCOL: Protocol = Protocol::Raw;
}
impl Wire for Tutorial {
    const PROTOCOL: Protocol = Protocol::Tutorial;
}
impl Wire for Framed {
    const PROTOCOL: Protocol = Protocol::Framed;
}

// ANCHOR: run
/// The commands a server runs: this lesson's are the built-in ones, [`BuiltIn`]; the
/// classroom's exercises add their own in front of them. Python would subclass the
/// handler and override the method that runs a command; Rust has no subclasses, so
/// the handler takes its commands as a type, as it takes its protocol.
pub trait Run: 'static {
    /// Runs one command and returns the reply.
    fn run(command: &[u8]) -> Reply;
}

/// The built-in commands of [`HELP`], which [`run_command`] runs.
pub struct BuiltIn;

impl Run for BuiltIn {
    fn run(command: &[u8]) -> Reply {
        run_command(command)
    }
}
// ANCHOR_END: run

// ANCHOR: handler
/// The handler: Python's `class Commands(socketserver.StreamRequestHandler)`. `W`
/// says which protocol it speaks: Python would read `self.server.protocol`; here the
/// protocol is part of the handler's type, as lesson 06's `--mode` was part of the
/// server's. `C` says which commands it runs ([`BuiltIn`] unless it is told).
pub struct Commands<W, C = BuiltIn>(PhantomData<fn() -> (W, C)>);

impl<W, C> Default for Commands<W, C> {
    fn default() -> Self {
        Commands(PhantomData)
    }
}

impl<W: Wire, C: Run> RequestHandler for Commands<W, C> {
    type Base = StreamRequestHandler;
    // A reply is two writes, the header and then the body. With Nagle's algorithm
    // on, the body waits for the client to acknowledge the header, and a client
    // delays its acknowledgements: about 40 ms a reply. Python's
    // `disable_nagle_algorithm = True` sends each write at once.
    const DISABLE_NAGLE_ALGORITHM: bool = true;

    fn handle(&mut self, this: &mut Stream) -> io::Result<()> {
        let peer = this.client_address;
        println!("connected: {peer}");
        // Python's `timeout` class attribute (the crate's `TIMEOUT`) would bound reads
        // too, and hang up on a student who thinks for a minute between two commands:
        // only writes are bounded.
        this.connection.set_write_timeout(Some(WRITE_TIMEOUT))?;
        // The send timeout alone was seen to miss, on a busy Linux machine, a client
        // whose window stays shut: the write went on waiting. TCP_USER_TIMEOUT has the
        // kernel itself give up on a connection whose data goes unacknowledged that
        // long, its zero-window probes included, and the write then fails.
        #[cfg(any(target_os = "linux", target_os = "android"))]
        socket2::SockRef::from(this.connection).set_tcp_user_timeout(Some(WRITE_TIMEOUT))?;
        match converse(W::PROTOCOL, C::run, &mut this.rfile, &mut this.wfile, peer) {
            Ok(()) => {}
            Err(error) if timed_out(&error) => println!(
                "{peer} took none of its reply for {} s: hung up",
                WRITE_TIMEOUT.as_secs()
            ),
            Err(error) => println!("{peer} error: {error}"),
        }
        println!("{peer} closed");
        Ok(())
    }
}
// ANCHOR_END: handler

/// Whether a write failed for its timeout: `WouldBlock` on Unix, `TimedOut` on
/// Windows, as `set_write_timeout` documents.
fn timed_out(error: &io::Error) -> bool {
    matches!(
        error.kind(),
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
    )
}

// ANCHOR: converse
/// The communication loop: read a request, `run` it, write the reply, until the
/// client closes. A framing error in a request is answered with an error reply, then
/// the connection closes: after a bad frame, nobody knows where the next one starts.
pub fn converse(
    protocol: Protocol,
    run: fn(&[u8]) -> Reply,
    rfile: &mut impl BufRead,
    wfile: &mut impl Write,
    peer: &impl Display,
) -> io::Result<()> {
    let limits = Limits {
        max_header: MAX_HEADER,
        max_body: MAX_COMMAND,
    };
    let mut decoder = Decoder::new(limits);
    loop {
        let command = match protocol {
            // The tutorial's `command = self.request.recv(1024)`: one read is taken for
            // one command, and that is the fragile half of its protocol.
            Protocol::Raw | Protocol::Tutorial => {
                let mut buffer = [0; RECV_SIZE];
                let read = rfile.read(&mut buffer)?;
                if read == 0 {
                    return Ok(()); // the client closed its side
                }
                buffer[..read].to_vec()
            }
            Protocol::Framed => match read_message(rfile, &mut decoder) {
                Ok(Some(message)) => message.body,
                Ok(None) => return Ok(()),
                Err(error) => {
                    if frame_error(&error).is_some() {
                        // Best effort: the client may be gone already.
                        let _ = wfile.write_all(&encode(error.to_string().as_bytes(), true));
                    }
                    return Err(error);
                }
            },
        };
        println!("{peer} wrote: {}", printable(&command));
        let reply = run(&command);
        match protocol {
            Protocol::Raw => reply.write_body(wfile)?,
            Protocol::Tutorial | Protocol::Framed => reply.write_framed(wfile)?,
        }
        if reply.is_error {
            let text = reply.to_bytes(); // an error is a short text
            let text = String::from_utf8_lossy(&text);
            println!("{peer} replied with an error: {text}");
        } else {
            println!("{peer} replied: {} bytes", reply.body_length());
        }
    }
}
// ANCHOR_END: converse

// ANCHOR: serve
/// Serves with `protocol` on `address`, a thread per client, running the commands
/// `C` (the lesson's: [`BuiltIn`]), until Ctrl-C.
pub fn serve<C: Run>(protocol: Protocol, address: &Address) -> io::Result<()> {
    let address = (address.host.as_str(), address.port);
    match protocol {
        Protocol::Raw => run(
            ThreadingTCPServer::<Commands<Raw, C>>::new(address)?,
            protocol,
        ),
        Protocol::Tutorial => run(
            ThreadingTCPServer::<Commands<Tutorial, C>>::new(address)?,
            protocol,
        ),
        Protocol::Framed => run(
            ThreadingTCPServer::<Commands<Framed, C>>::new(address)?,
            protocol,
        ),
    }
}

/// Python's `with server: server.serve_forever()`.
fn run<S: BaseServer<Transport = Tcp>>(server: Arc<S>, protocol: Protocol) -> io::Result<()> {
    let server = socketserver::closing(server); // server_close() when it is dropped
    // Clients still connected at Ctrl-C get half a second, then their connections
    // are shut down (Python's server_close would wait for ever).
    server.set_shutdown_deadline(Some(Duration::from_millis(500)));
    socketserver::shutdown_on_ctrl_c(&server)?;
    let address = server.server_address();
    println!("listening on {address}");
    println!("lesson 08: {}. Talk to me:", describe(protocol));
    println!("    {}", client_command(address, protocol));
    server.serve_forever()?;
    println!("shutting down: clients still connected get half a second to finish");
    drop(server);
    println!("bye");
    Ok(())
}
// ANCHOR_END: serve

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
                     cargo run -p lesson-08 -- --port 0"
                );
            }
            ExitCode::FAILURE
        }
    }
}
// ANCHOR_END: exit_code

fn describe(protocol: Protocol) -> &'static str {
    match protocol {
        Protocol::Raw => "--protocol raw, bare replies (sticky packets on purpose)",
        Protocol::Tutorial => "--protocol tutorial, framed replies",
        Protocol::Framed => "--protocol framed, framed requests and replies",
    }
}

/// The command a student types to reach this server, with only the flags it needs.
fn client_command(address: std::net::SocketAddr, protocol: Protocol) -> String {
    let mut flags = String::new();
    let host = address.ip();
    if !(host.is_loopback() && host.is_ipv4() || host.is_unspecified()) {
        flags.push_str(&format!(" --host {host}"));
    }
    if address.port() != 8888 {
        flags.push_str(&format!(" --port {}", address.port()));
    }
    match protocol {
        Protocol::Raw => flags.push_str(" --protocol raw"),
        Protocol::Tutorial => {}
        Protocol::Framed => flags.push_str(" --protocol framed"),
    }
    let mut command = String::from("cargo run -p lesson-08 --bin lesson-08-client");
    if !flags.is_empty() {
        command.push_str(" --");
        command.push_str(&flags);
    }
    command
}

/// How the log shows a request: quoted, invisible characters escaped, bytes that are
/// not UTF-8 shown as `�`, and long requests cut short.
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
/// The client's half: send `command` and read the reply, in `protocol`. `Ok(None)`
/// means the server closed the connection.
pub fn ask(
    conn: &mut impl Write,
    replies: &mut impl BufRead,
    protocol: Protocol,
    command: &str,
) -> io::Result<Option<Message>> {
    match protocol {
        Protocol::Raw | Protocol::Tutorial => conn.write_all(command.as_bytes())?,
        Protocol::Framed => conn.write_all(&encode(command.as_bytes(), false))?,
    }
    if protocol == Protocol::Raw {
        // The tutorial's first client: `client.recv(1024)`, and hope it is the reply.
        let mut buffer = [0; RECV_SIZE];
        let read = replies.read(&mut buffer)?;
        if read == 0 {
            return Ok(None);
        }
        let body = buffer[..read].to_vec();
        return Ok(Some(Message {
            body,
            is_error: false,
        }));
    }
    let limits = Limits {
        max_header: MAX_HEADER,
        max_body: MAX_REPLY,
    };
    read_message(replies, &mut Decoder::new(limits))
}
// ANCHOR_END: ask
