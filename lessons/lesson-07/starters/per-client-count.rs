//! Exercise 07-per-client-count: number the replies, client by client.
//!
//! This is lesson 07's server on a server type of its own, yours to change:
//! find the `TODO`s below. The statement is at the end of lesson 07's chapter in
//! the book. Check your work with `cargo run -p classroom -- check
//! 07-per-client-count`; stuck? `... -- hint 07-per-client-count`.

use std::io::{self, ErrorKind, Read, Write};
use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;

use clap::Parser;
use lesson_07::{Address, options, printable, upper};
use socketserver::prelude::*;
use socketserver::{Datagram, ServerCore, Threads};

/// Exercise 07-per-client-count: lesson 07's UDP server, numbering its replies per
/// client.
///
/// Answers every datagram upper-cased, numbered by how many datagrams its sender's
/// address has sent so far (`1: HELLO`, `2: AGAIN`), each client counted apart. A
/// thread per datagram. Ctrl-C stops it.
#[derive(Parser)]
#[command(name = "07-per-client-count")]
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

// ANCHOR: server
/// The server, a type of our own: Python's
/// `class CountingServer(socketserver.ThreadingUDPServer)`, whose `__init__` would add
/// `self.counts = {}`. Every handler reaches it as `this.server`, as Python's
/// handlers reach `self.server`.
struct Counting {
    /// What every server carries: the UDP socket, and `serve_forever`'s machinery.
    core: ServerCore<Udp>,
    /// The threading mixin's state: the request threads, joined on `server_close`.
    threads: Threads,
    // TODO: remember how many datagrams each client address has sent.
}

impl SocketServer for Counting {
    type Transport = Udp;
    fn core(&self) -> &ServerCore<Udp> {
        &self.core
    }
}

/// `class CountingServer(ThreadingMixIn, UDPServer)`, its MRO written out: the two
/// hooks the threading mixin provides are named here; every other hook is
/// `UDPServer`'s or `BaseServer`'s.
impl BaseServer for Counting {
    type Handler = Numbered;

    // A UDP server's request is a `Datagram`, Python's `(data, socket)`.
    fn process_request(self: &Arc<Self>, request: Datagram, client_address: SocketAddr) {
        ThreadingMixIn::process_request(self, request, client_address);
    }

    fn server_close(&self) {
        ThreadingMixIn::server_close(self, defaults::server_close);
    }
}

impl ThreadingMixIn for Counting {
    fn threads(&self) -> &Threads {
        &self.threads
    }
}
// ANCHOR_END: server

// ANCHOR: handler
/// The handler: a new one for each datagram, so it cannot remember anything from one
/// datagram to the next. What lasts lives in the server.
#[derive(Default)]
struct Numbered;

impl RequestHandler for Numbered {
    type Base = DatagramRequestHandler<Counting>;

    fn handle(&mut self, this: &mut DatagramState<Counting>) -> io::Result<()> {
        let mut data = Vec::new();
        this.rfile.read_to_end(&mut data)?;
        println!("{} wrote: {}", this.client_address, printable(&data));
        // TODO: count this datagram for its sender (`this.client_address`) in
        // the server (`this.server`), and put the count before the reply: `1: HELLO`.
        this.wfile.write_all(&upper(&data))
    }
}
// ANCHOR_END: handler

/// Serves on `address` until Ctrl-C, as lesson 07's `serve` does, with our own server.
fn serve(address: &Address) -> io::Result<()> {
    let transport = Udp::bind((address.host.as_str(), address.port), options())?;
    let server = Arc::new(Counting {
        core: ServerCore::new(transport),
        threads: Threads::new(),
    });
    let server = socketserver::closing(server); // server_close() when it is dropped
    socketserver::shutdown_on_ctrl_c(&server)?;
    let address = server.server_address();
    println!("listening on {address}");
    println!("exercise 07-per-client-count: replies numbered per client. Send me datagrams with:");
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
