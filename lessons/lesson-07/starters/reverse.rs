//! Exercise 07-reverse: answer each datagram reversed.
//!
//! This is lesson 07's server, yours to change: find the `TODO` below. The
//! statement is at the end of lesson 07's chapter in the book. Check your work
//! with `cargo run -p classroom -- check 07-reverse`; stuck? `... -- hint 07-reverse`.

use std::io::{self, ErrorKind, Read, Write};
use std::process::ExitCode;

use clap::Parser;
use lesson_07::{Address, options, printable, upper};
use socketserver::prelude::*;

/// Exercise 07-reverse: lesson 07's UDP server, which answers datagrams reversed.
///
/// Answers every datagram with a datagram of the same characters in reverse order,
/// sent back to the address it came from; a datagram that is not UTF-8 has no
/// characters, and is told so. A thread per datagram. Ctrl-C stops it.
#[derive(Parser)]
#[command(name = "07-reverse")]
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

// ANCHOR: handler
/// The handler: a new one handles each datagram, on a thread of its own. What
/// `handle` writes to `wfile` is the reply, sent back when the handler finishes.
#[derive(Default)]
struct Reverse;

impl RequestHandler for Reverse {
    type Base = DatagramRequestHandler;

    fn handle(&mut self, this: &mut DatagramState) -> io::Result<()> {
        let mut data = Vec::new();
        this.rfile.read_to_end(&mut data)?;
        println!("{} wrote: {}", this.client_address, printable(&data));
        // TODO: answer with the datagram's characters in reverse order, and
        // a datagram that is not UTF-8 with `not UTF-8: N bytes`.
        this.wfile.write_all(&upper(&data))
    }
}
// ANCHOR_END: handler

/// Serves on `address` until Ctrl-C, as lesson 07's `serve` does.
fn serve(address: &Address) -> io::Result<()> {
    let address = (address.host.as_str(), address.port);
    let server = ThreadingUDPServer::<Reverse>::with_options(address, options())?;
    let server = socketserver::closing(server); // server_close() when it is dropped
    socketserver::shutdown_on_ctrl_c(&server)?;
    let address = server.server_address();
    println!("listening on {address}");
    println!("exercise 07-reverse: UDP, datagrams answered reversed. Send me datagrams with:");
    println!(
        "    cargo run -p lesson-07 --bin lesson-07-client -- --port {}",
        address.port()
    );
    server.serve_forever()?;
    println!("shutting down");
    drop(server); // server_close(): close the socket, wait for the handler threads
    println!("bye");
    Ok(())
}
