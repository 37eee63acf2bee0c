//! Exercise 06-goodbye: say goodbye in the handler's `finish`.
//!
//! This is lesson 06's server, yours to change: find the `TODO`s below. The
//! statement is at the end of lesson 06's chapter in the book. Check your work
//! with `cargo run -p classroom -- check 06-goodbye`; stuck?
//! `cargo run -p classroom -- hint 06-goodbye`.

use std::io::{self, BufRead, Read, Write};
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use lesson_06::{Address, MAX_LINE, is_close, printable, upper};
use socketserver::prelude::*;

/// Exercise 06-goodbye: lesson 06's threading server, whose handler says goodbye.
///
/// Answers every line upper-cased, a thread per client; when a conversation ends, the
/// handler's `finish` tells the client goodbye and how many lines it answered.
/// Ctrl-C stops it (after the clients still connected have left).
#[derive(Parser)]
#[command(name = "06-goodbye")]
struct Cli {
    #[command(flatten)]
    address: Address,
}

fn main() -> ExitCode {
    let address = Cli::parse().address;
    match serve(&address) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!(
                "error: cannot serve on {}:{}: {error}",
                address.host, address.port
            );
            ExitCode::FAILURE
        }
    }
}

/// Python's `with ThreadingTCPServer(address, Goodbye) as server:
/// server.serve_forever()`, until Ctrl-C.
fn serve(address: &Address) -> io::Result<()> {
    let server = ThreadingTCPServer::<Goodbye>::new((address.host.as_str(), address.port))?;
    let server = socketserver::closing(server); // server_close() when it is dropped
    // As the lesson's: clients still connected at Ctrl-C get half a second.
    server.set_shutdown_deadline(Some(Duration::from_millis(500)));
    socketserver::shutdown_on_ctrl_c(&server)?;
    // The first line is exactly `listening on HOST:PORT`: the check reads the port.
    println!("listening on {}", server.server_address());
    server.serve_forever()?;
    println!("shutting down: clients still connected get half a second to finish");
    drop(server);
    println!("bye");
    Ok(())
}

// ANCHOR: handler
/// The handler: lesson 06's `Upper`. A new one serves each client.
// TODO: count, in the handler, the lines it answers.
#[derive(Default)]
struct Goodbye;

impl RequestHandler for Goodbye {
    type Base = StreamRequestHandler;

    fn handle(&mut self, this: &mut Stream) -> io::Result<()> {
        println!("connected: {}", this.client_address);
        let mut line = Vec::new();
        loop {
            line.clear();
            let read = (&mut this.rfile)
                .take(MAX_LINE as u64)
                .read_until(b'\n', &mut line)?;
            if read == 0 {
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

    // TODO: a `finish` that tells the client `goodbye: N line(s) answered`.
}
// ANCHOR_END: handler
