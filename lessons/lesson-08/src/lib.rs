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

pub mod framing;

use std::fmt::Display;
use std::io::{self, BufRead, ErrorKind, Write};
use std::marker::PhantomData;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use framing::{
    Decoder, Limits, MAX_HEADER, Message, encode, encode_header, frame_error, read_message,
};
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

// ANCHOR: commands
/// The built-in commands, as `help` lists them.
pub const HELP: &str = "\
commands:
  help        this list
  echo TEXT   TEXT, as it came
  upper TEXT  TEXT in capitals (ASCII letters only, as Python's bytes.upper())
  time        the server's clock, in UTC
  big N       N bytes of numbered lines (N at most 8388608), longer than one read";

/// Runs one command and returns the reply. No shell, ever: the tutorial ran the
/// request with `subprocess.Popen(command, shell=True)`, which lets anyone who can
/// connect run any program. Here only the commands of [`HELP`] exist.
///
/// The command is trimmed of surrounding whitespace (as the tutorial's client does with
/// `input().strip()`), then split at its first space into a name and its text.
///
/// `big N`'s reply is not made here: it is [`Piece::Big`], N bytes to make as they are
/// written. A 12-byte request must not make the server hold 8 MiB.
pub fn run_command(command: &[u8]) -> Reply {
    let command = command.trim_ascii();
    let (name, text) = match command.iter().position(|&byte| byte == b' ') {
        Some(space) => (&command[..space], &command[space + 1..]),
        None => (command, &b""[..]),
    };
    match name {
        b"help" => reply(HELP.as_bytes().to_vec()),
        b"echo" => reply(text.to_vec()),
        b"upper" => reply(text.to_ascii_uppercase()),
        b"time" => reply(utc_now().into_bytes()),
        b"big" if !text.is_empty() && text.iter().all(u8::is_ascii_digit) => {
            match String::from_utf8_lossy(text).parse() {
                Ok(size) if size <= MAX_BIG => Reply {
                    is_error: false,
                    body: vec![Piece::Big(size)],
                },
                _ => error(format!(
                    "big {}: at most {MAX_BIG} bytes",
                    String::from_utf8_lossy(text)
                )),
            }
        }
        b"big" => error(format!(
            "usage: big N, with N a number of bytes up to {MAX_BIG}"
        )),
        _ => error(format!(
            "unknown command {}: this server runs no shell commands; try \"help\"",
            printable(name)
        )),
    }
}

fn reply(body: Vec<u8>) -> Reply {
    Reply {
        is_error: false,
        body: vec![Piece::Bytes(body)],
    }
}

fn error(text: String) -> Reply {
    Reply {
        is_error: true,
        body: vec![Piece::Bytes(text.into_bytes())],
    }
}
// ANCHOR_END: commands

// ANCHOR: reply
/// A reply, as [`run_command`] returns it: whether it is an error, and its body, in
/// pieces. The body's length is known before a byte of it is made, so the frame's
/// header, which needs it first, can go out first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    /// The header's `"error"` field.
    pub is_error: bool,
    /// The body: these pieces, one after the other.
    pub body: Vec<Piece>,
}

/// A piece of a reply's body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Piece {
    /// Bytes made already: short ones. `echo`'s and `upper`'s are as long as the
    /// command, the others' a few hundred bytes at most (`help`).
    Bytes(Vec<u8>),
    /// `big N`'s body, N bytes ([`big_body`] says which), made [`CHUNK`] bytes at a
    /// time as they are written: never held whole.
    Big(usize),
}

impl Reply {
    /// The body's length, in bytes: the header's `dataBodyLength`.
    pub fn body_length(&self) -> usize {
        self.body
            .iter()
            .map(|piece| match piece {
                Piece::Bytes(bytes) => bytes.len(),
                Piece::Big(size) => *size,
            })
            .sum()
    }

    /// Writes the frame: header length and header, then the body.
    pub fn write_framed(&self, wfile: &mut impl Write) -> io::Result<()> {
        wfile.write_all(&encode_header(self.body_length(), self.is_error))?;
        self.write_body(wfile)
    }

    /// Writes the body, bare. `write_all`, where the tutorial's `send` may write only
    /// part of a long reply; and `big`'s body a chunk at a time, each made when the
    /// socket has taken the one before: a client who reads slowly, or not at all,
    /// holds the server's thread up, never more of its memory.
    pub fn write_body(&self, wfile: &mut impl Write) -> io::Result<()> {
        let mut chunk = Vec::new();
        for piece in &self.body {
            match piece {
                Piece::Bytes(bytes) => wfile.write_all(bytes)?,
                Piece::Big(size) => {
                    chunk.resize(CHUNK.min(*size), 0);
                    let mut offset = 0;
                    while offset < *size {
                        let chunk = &mut chunk[..CHUNK.min(size - offset)];
                        big_chunk(offset, chunk);
                        wfile.write_all(chunk)?;
                        offset += chunk.len();
                    }
                }
            }
        }
        Ok(())
    }

    /// The whole body, made at once: for tests, and for short replies (an error's
    /// text). Never for a `big` on the server's way to a client.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut body = Vec::with_capacity(self.body_length());
        // Writing to a Vec cannot fail.
        let _ = self.write_body(&mut body);
        body
    }
}

/// A message made whole (the exercises' own replies) is a reply of one piece.
impl From<Message> for Reply {
    fn from(message: Message) -> Reply {
        Reply {
            is_error: message.is_error,
            body: vec![Piece::Bytes(message.body)],
        }
    }
}
// ANCHOR_END: reply

// ANCHOR: big
/// `big N`'s body: numbered lines of 16 bytes (`line 0000000000\n`, ...), cut at
/// `size` bytes. A 1024-byte read ends exactly after line 63, so a leftover is easy to
/// recognise: it starts at `line 0000000064`. The server never calls it: it sends the
/// same bytes made by [`big_chunk`], a chunk at a time.
pub fn big_body(size: usize) -> Vec<u8> {
    let mut body = vec![0; size];
    big_chunk(0, &mut body);
    body
}

/// Fills `chunk` with `big`'s body from byte `offset` on. Every line is 16 bytes, so
/// byte `offset` is in line `offset / 16`, at column `offset % 16`: any chunk can be
/// made without the ones before it.
pub fn big_chunk(offset: usize, chunk: &mut [u8]) {
    let mut filled = 0;
    while filled < chunk.len() {
        let position = offset + filled;
        let line = big_line(position / 16);
        let column = position % 16;
        let take = (16 - column).min(chunk.len() - filled);
        chunk[filled..filled + take].copy_from_slice(&line[column..column + take]);
        filled += take;
    }
}

/// Line `number` of `big`'s body: `line 0000000042\n`, always 16 bytes (the number's
/// last ten digits: more than `MAX_BIG` will ever need).
fn big_line(number: usize) -> [u8; 16] {
    let mut line = *b"line 0000000000\n";
    let mut rest = number;
    for digit in line[5..15].iter_mut().rev() {
        *digit = b'0' + (rest % 10) as u8;
        rest /= 10;
    }
    line
}
// ANCHOR_END: big

/// The time now, as `2024-02-29 13:05:09 UTC` (Python:
/// `time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime())`).
pub fn utc_now() -> String {
    let seconds = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or(Duration::ZERO)
        .as_secs();
    let (days, second) = (seconds / 86_400, seconds % 86_400);
    let (year, month, day) = civil_from_days(days as i64);
    let (hour, minute, second) = (second / 3600, second / 60 % 60, second % 60);
    format!("{year:04}-{month:02}-{day:02} {hour:02}:{minute:02}:{second:02} UTC")
}

/// The calendar date of a day counted from 1970-01-01 (Howard Hinnant's
/// `civil_from_days`, public domain): what Python's `time.gmtime` does for us.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let days = days + 719_468; // counted from 0000-03-01, so that leap days come last
    let era = days.div_euclid(146_097); // 400-year cycles
    let day_of_era = days.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_from_march = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_from_march + 2) / 5 + 1;
    let month = if month_from_march < 10 {
        month_from_march + 3
    } else {
        month_from_march - 9
    };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month as u32, day as u32)
}

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

#[cfg(test)]
mod tests {
    use super::*;

    fn run(command: &str) -> (String, bool) {
        let reply = run_command(command.as_bytes());
        (
            String::from_utf8_lossy(&reply.to_bytes()).into(),
            reply.is_error,
        )
    }

    #[test]
    fn the_built_in_commands() {
        assert_eq!(run("echo hello world"), ("hello world".into(), false));
        assert_eq!(run("  echo  two spaces \n"), (" two spaces".into(), false));
        assert_eq!(run("echo"), ("".into(), false));
        assert_eq!(run("upper grüße"), ("GRüßE".into(), false));
        assert_eq!(run("help"), (HELP.into(), false));
        assert_eq!(run("big 20"), ("line 0000000000\nline".into(), false));
        let largest = run_command(b"big 8388608");
        assert_eq!(largest.body, [Piece::Big(MAX_BIG)], "made as it is written");
        assert_eq!(largest.body_length(), MAX_BIG);
        assert!(largest.to_bytes() == big_body(MAX_BIG));
    }

    #[test]
    fn everything_else_is_an_error_and_nothing_runs() {
        assert_eq!(
            run("ls -l"),
            (
                "unknown command \"ls\": this server runs no shell commands; try \"help\"".into(),
                true
            )
        );
        assert_eq!(
            run("big 8388609"),
            ("big 8388609: at most 8388608 bytes".into(), true)
        );
        assert!(run("big").1 && run("big -1").1 && run("big +5").1 && run("").1);
        assert!(run("ECHO hi").1, "names are case-sensitive, like a shell's");
    }

    /// What `big` has always sent: Python's `b"".join(b"line %010d\n" % n ...)`.
    fn lines_joined(size: usize) -> Vec<u8> {
        let mut body: Vec<u8> = (0..=size / 16)
            .flat_map(|number| format!("line {number:010}\n").into_bytes())
            .collect();
        body.truncate(size);
        body
    }

    #[test]
    fn big_is_the_numbered_lines_whichever_chunk_it_starts_at() {
        for size in [0, 1, 15, 16, 17, 1023, 1024, 1025, 5000] {
            assert_eq!(big_body(size), lines_joined(size), "big {size}");
        }
        let whole = lines_joined(3 * CHUNK + 7);
        for offset in [0, 1, 15, 16, 17, 1000, CHUNK - 1, CHUNK, 2 * CHUNK + 3] {
            for length in [0, 1, 16, 33, CHUNK] {
                let mut chunk = vec![0; length];
                big_chunk(offset, &mut chunk);
                assert_eq!(chunk, whole[offset..offset + length], "{offset}+{length}");
            }
        }
        assert_eq!(&big_line(9_999_999_999)[..], b"line 9999999999\n");
    }

    #[test]
    fn a_reply_is_written_as_its_pieces_and_big_a_chunk_at_a_time() {
        /// Records the length of every write.
        #[derive(Default)]
        struct Writes(Vec<usize>, Vec<u8>);
        impl Write for Writes {
            fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
                self.0.push(bytes.len());
                self.1.extend_from_slice(bytes);
                Ok(bytes.len())
            }
            fn flush(&mut self) -> io::Result<()> {
                Ok(())
            }
        }
        let size = 2 * CHUNK + 100;
        let reply = Reply {
            is_error: false,
            body: vec![Piece::Bytes(b"head ".to_vec()), Piece::Big(size)],
        };
        assert_eq!(reply.body_length(), 5 + size);
        let mut writes = Writes::default();
        reply.write_framed(&mut writes).unwrap();
        let header = encode_header(5 + size, false);
        assert_eq!(writes.0, [header.len(), 5, CHUNK, CHUNK, 100]);
        assert!(writes.1 == [header, b"head ".to_vec(), big_body(size)].concat());
        assert!(reply.to_bytes() == [b"head ".to_vec(), big_body(size)].concat());
    }

    #[test]
    fn a_1024_byte_read_of_big_ends_at_a_line() {
        let body = big_body(1500);
        assert_eq!(body.len(), 1500);
        assert!(body[RECV_SIZE..].starts_with(b"line 0000000064\n"));
    }

    #[test]
    fn dates_are_those_python_gives() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(11_017), (2000, 3, 1));
        assert_eq!(civil_from_days(19_782), (2024, 2, 29));
        assert_eq!(civil_from_days(-1), (1969, 12, 31));
        let now = utc_now();
        assert_eq!(now.len(), "2024-02-29 13:05:09 UTC".len(), "{now}");
    }
}
