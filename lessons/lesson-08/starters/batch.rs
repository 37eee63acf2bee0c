//! Exercise 08-batch: several framed requests in one, answered in order.
//!
//! This is lesson 08's server, yours to change: find the `TODO` below. The
//! statement is at the end of lesson 08's chapter in the book. Check your work
//! with `cargo run -p classroom -- check 08-batch`; stuck? `... -- hint 08-batch`.

use std::fmt::Display;
use std::io::{self, BufRead, ErrorKind, Write};
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use lesson_08::framing::{Decoder, Limits, MAX_HEADER, encode, frame_error, read_message};
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
    // TODO: answer `batch ` followed by framed requests: run each one, and
    // reply with all their replies, each framed, in order, in one body.
    run_command(request)
}
// ANCHOR_END: run

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
