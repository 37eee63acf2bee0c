//! Exercise 08-sum: a new built-in command, `sum N...`.
//!
//! This is lesson 08's server, yours to change: find the `TODO` below. The
//! statement is at the end of lesson 08's chapter in the book. Check your work
//! with `cargo run -p classroom -- check 08-sum`; stuck? `... -- hint 08-sum`.

use std::fmt::Display;
use std::io::{self, ErrorKind, Read, Write};
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use lesson_08::{Address, RECV_SIZE, Reply, printable, run_command};
use socketserver::prelude::*;

/// Exercise 08-sum: lesson 08's server, which also adds numbers.
///
/// Answers the lesson's built-in commands (help, echo TEXT, upper TEXT, time, big N)
/// and `sum N...`, in the tutorial's protocol: each request is one read, each reply
/// is framed. It never runs shell commands. Ctrl-C stops it.
#[derive(Parser)]
#[command(name = "08-sum")]
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

// ANCHOR: run
/// Runs one command: the lesson's, and ours.
fn run(command: &[u8]) -> Reply {
    // TODO: answer `sum N...` with the sum of the whole numbers N, in a
    // reply; answer bad input with an error reply that says what is wrong.
    // (A `lesson_08::framing::Message` you make is a reply with `.into()`.)
    run_command(command)
}
// ANCHOR_END: run

/// The handler: lesson 08's `Commands`, in the tutorial's protocol.
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

/// The communication loop of lesson 08's `--protocol tutorial`: one read is one
/// command, and every reply is framed.
fn converse(rfile: &mut impl Read, wfile: &mut impl Write, peer: &impl Display) -> io::Result<()> {
    loop {
        let mut buffer = [0; RECV_SIZE];
        let read = rfile.read(&mut buffer)?;
        if read == 0 {
            return Ok(()); // the client closed its side
        }
        let command = &buffer[..read];
        println!("{peer} wrote: {}", printable(command));
        let reply = run(command);
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

/// Serves on `address`, a thread per client, until Ctrl-C, as lesson 08's `serve`.
fn serve(address: &Address) -> io::Result<()> {
    let address = (address.host.as_str(), address.port);
    let server = socketserver::closing(ThreadingTCPServer::<Commands>::new(address)?);
    // As the lesson's: clients still connected at Ctrl-C get half a second.
    server.set_shutdown_deadline(Some(Duration::from_millis(500)));
    socketserver::shutdown_on_ctrl_c(&server)?;
    let address = server.server_address();
    println!("listening on {address}");
    println!("exercise 08-sum: the tutorial's protocol, framed replies. Talk to me:");
    println!(
        "    cargo run -p lesson-08 --bin lesson-08-client -- --port {}",
        address.port()
    );
    server.serve_forever()?;
    println!("shutting down: clients still connected get half a second to finish");
    drop(server);
    println!("bye");
    Ok(())
}
