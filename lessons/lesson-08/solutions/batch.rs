// SOLUTION-BEGIN
//! Exercise 08-batch, the reference solution: lesson 08's server with framed requests,
//! which also answers a `batch` of framed requests, in order, in one reply.
//!
//! Its starter, `starters/batch.rs`, is generated from this file: the lines between
//! SOLUTION-BEGIN and SOLUTION-END are left out of it, and each `// STARTER:` line
//! becomes the code after it. After changing this file, regenerate the starters with
//! `cargo run -p classroom -- starters` (`verify` insists).
// SOLUTION-END
// STARTER: //! Exercise 08-batch: several framed requests in one, answered in order.
// STARTER: //!
// STARTER: //! This is lesson 08's server, yours to change: find the `TODO` below. The
// STARTER: //! statement is at the end of lesson 08's chapter in the book. Check your work
// STARTER: //! with `cargo run -p classroom -- check 08-batch`; stuck? `... -- hint 08-batch`.

use std::fmt::Display;
use std::io::{self, BufRead, ErrorKind, Write};
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
// SOLUTION-BEGIN
use lesson_08::framing::FrameError;
use lesson_08::{MAX_REPLY, Piece};
// SOLUTION-END
use lesson_08::framing::{Decoder, Limits, MAX_HEADER, encode, frame_error, read_message};
// SOLUTION-BEGIN
use lesson_08::framing::encode_header;
// SOLUTION-END
use lesson_08::{Address, MAX_COMMAND, Reply, printable, run_command};
use socketserver::prelude::*;

/// Exercise 08-batch: lesson 08's server, framed both ways, which answers batches.
///
/// Answers the lesson's built-in commands (help, echo TEXT, upper TEXT, time, big N),
/// and `batch` followed by several framed requests, which are answered in order, in
/// one reply. Requests and replies are both framed (the lesson's --protocol framed).
/// It never runs shell commands. Ctrl-C stops it.
#[derive(Parser)]
#[command(name = "08-batch")]
struct Cli {
    #[command(flatten)]
    address: Address,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match serve(&cli.address) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            let Address { host, port } = &cli.address;
            eprintln!("error: cannot serve on {host}:{port}: {error}");
            if error.kind() == ErrorKind::AddrInUse {
                eprintln!("hint: another server uses that port; stop it, or pick --port 0");
            }
            ExitCode::FAILURE
        }
    }
}

/// The most a request may announce, as in the lesson: a header of at most
/// `MAX_HEADER` bytes, a body of at most `MAX_COMMAND`.
const LIMITS: Limits = Limits {
    max_header: MAX_HEADER,
    max_body: MAX_COMMAND,
};

// ANCHOR: run
/// Runs one request: a batch, or one of the lesson's commands.
fn run(request: &[u8]) -> Reply {
    // SOLUTION-BEGIN
    // Not trimmed: the frames are bytes, and their last byte may well be a space.
    if let Some(frames) = request.strip_prefix(b"batch ") {
        return run_batch(frames);
    }
    // SOLUTION-END
    // STARTER: // TODO: answer `batch ` followed by framed requests: run each one, and
    // STARTER: // reply with all their replies, each framed, in order, in one body.
    run_command(request)
}
// ANCHOR_END: run

// SOLUTION-BEGIN
/// `batch FRAMES`: first decode every request, so that a bad frame anywhere means
/// nothing runs; then run each with the lesson's `run_command` (so a batch inside a
/// batch is an unknown command, and a request cannot make us recurse), and put their
/// framed replies one after the other in the body of ours: each one's header, then
/// its pieces, so that a `big` in a batch is made as it is written, like any other.
fn run_batch(frames: &[u8]) -> Reply {
    let mut decoder = Decoder::new(LIMITS);
    let mut requests = Vec::new();
    let mut rest = frames;
    while !rest.is_empty() {
        let number = requests.len() + 1;
        match decoder.decode(rest) {
            Ok((taken, message)) => {
                rest = &rest[taken..];
                requests.extend(message);
            }
            Err(error) => return error_reply(format!("batch: request {number}: {error}")),
        }
    }
    // The bytes ran out: between two requests, or inside one?
    if let Err(FrameError::Truncated {
        part,
        expected,
        got,
    }) = decoder.end_of_stream()
    {
        let number = requests.len() + 1;
        return error_reply(format!(
            "batch: request {number} is cut short: the batch ends {got} bytes into its \
             {expected}-byte {part}"
        ));
    }
    let mut body = Vec::new();
    let mut length = 0;
    for request in &requests {
        let reply = run_command(&request.body);
        let header = encode_header(reply.body_length(), reply.is_error);
        length += header.len() + reply.body_length();
        // Fifty `big 8388608` fit in one small batch. The server makes them as it
        // writes them, but a client holds a reply whole: MAX_REPLY is all it takes.
        if length > MAX_REPLY {
            return error_reply(format!(
                "batch: the replies would be longer than {MAX_REPLY} bytes"
            ));
        }
        body.push(Piece::Bytes(header));
        body.extend(reply.body);
    }
    Reply {
        is_error: false,
        body,
    }
}

/// A reply that says `"error": true` in its header.
fn error_reply(text: String) -> Reply {
    Reply {
        is_error: true,
        body: vec![Piece::Bytes(text.into_bytes())],
    }
}

// SOLUTION-END
/// The handler: lesson 08's `Commands`, in `--protocol framed`.
#[derive(Default)]
struct Commands;

impl RequestHandler for Commands {
    type Base = StreamRequestHandler;

    fn handle(&mut self, this: &mut Stream) -> io::Result<()> {
        let peer = this.client_address;
        println!("connected: {peer}");
        if let Err(error) = converse(&mut this.rfile, &mut this.wfile, peer) {
            println!("{peer} error: {error}");
        }
        println!("{peer} closed");
        Ok(())
    }
}

// ANCHOR: converse
/// The communication loop of lesson 08's `--protocol framed`: read a framed request,
/// run it, write the framed reply. A framing error is answered with an error reply,
/// then the connection closes: after a bad frame, nobody knows where the next starts.
fn converse(
    rfile: &mut impl BufRead,
    wfile: &mut impl Write,
    peer: &impl Display,
) -> io::Result<()> {
    let mut decoder = Decoder::new(LIMITS);
    loop {
        let request = match read_message(rfile, &mut decoder) {
            Ok(Some(message)) => message.body,
            Ok(None) => return Ok(()), // the client closed, between two requests
            Err(error) => {
                if frame_error(&error).is_some() {
                    // Best effort: the client may be gone already.
                    let _ = wfile.write_all(&encode(error.to_string().as_bytes(), true));
                }
                return Err(error);
            }
        };
        println!("{peer} wrote: {}", printable(&request));
        let reply = run(&request);
        // The header, then the body: `big`'s a chunk at a time, never held whole.
        reply.write_framed(wfile)?;
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

/// Serves on `address`, a thread per client, until Ctrl-C, as lesson 08's `serve`.
fn serve(address: &Address) -> io::Result<()> {
    let address = (address.host.as_str(), address.port);
    let server = socketserver::closing(ThreadingTCPServer::<Commands>::new(address)?);
    // As the lesson's: clients still connected at Ctrl-C get half a second.
    server.set_shutdown_deadline(Some(Duration::from_millis(500)));
    socketserver::shutdown_on_ctrl_c(&server)?;
    let address = server.server_address();
    println!("listening on {address}");
    println!("exercise 08-batch: framed requests and replies. Talk to me:");
    println!(
        "    cargo run -p lesson-08 --bin lesson-08-client -- --port {} --protocol framed",
        address.port()
    );
    server.serve_forever()?;
    println!("shutting down: clients still connected get half a second to finish");
    drop(server);
    println!("bye");
    Ok(())
}
