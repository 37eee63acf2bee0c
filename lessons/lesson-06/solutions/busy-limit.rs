// SOLUTION-BEGIN
//! Exercise 06-busy-limit, the reference solution: lesson 04's 04-busy-limit again,
//! as two overridden hooks of a server type of our own: `verify_request` turns the
//! extra client away, and `shutdown_request` frees a client's place.
//!
//! Its starter, `starters/busy-limit.rs`, is generated from this file: the lines between
//! SOLUTION-BEGIN and SOLUTION-END are left out of it, and each `// STARTER:` line
//! becomes the code after it. After changing this file, regenerate the starters with
//! `cargo run -p classroom -- starters` (`verify` insists).
// SOLUTION-END
// STARTER: //! Exercise 06-busy-limit: serve at most N clients at once, with the crate's hooks.
// STARTER: //!
// STARTER: //! This is lesson 06's server, yours to change: find the `TODO` below. The
// STARTER: //! statement is at the end of lesson 06's chapter in the book. Check your work
// STARTER: //! with `cargo run -p classroom -- check 06-busy-limit`; stuck?
// STARTER: //! `cargo run -p classroom -- hint 06-busy-limit`.

use std::io;
// SOLUTION-BEGIN
use std::io::Write;
use std::net::{SocketAddr, TcpStream};
// SOLUTION-END
use std::process::ExitCode;
// SOLUTION-BEGIN
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
// SOLUTION-END

use clap::Parser;
use lesson_06::{Address, Upper, exit_code, run};
// SOLUTION-BEGIN
use socketserver::{ServerCore, Threads};
// SOLUTION-END
use socketserver::prelude::*;
use socketserver::shutdown_on_ctrl_c;

/// Exercise 06-busy-limit: lesson 06's threading server, with a limit on clients.
///
/// Answers every line upper-cased, to at most --max-clients clients at the same
/// time; one more is told the server is busy, and its connection is closed. Ctrl-C
/// stops it (after the clients still connected have left).
#[derive(Parser)]
#[command(name = "06-busy-limit")]
struct Cli {
    #[command(flatten)]
    address: Address,

    /// How many clients are served at once. One more is told that the server is busy,
    /// and closed.
    #[arg(long, default_value_t = 10)]
    max_clients: usize,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    exit_code(&cli.address, serve(&cli.address, cli.max_clients))
}

// ANCHOR: serve
/// Python's `with ... as server: server.serve_forever()`, until Ctrl-C.
fn serve(address: &Address, max_clients: usize) -> io::Result<()> {
    // STARTER: // TODO: a server type of your own, which serves at most `max_clients`
    // STARTER: // clients at once, instead of `ThreadingTCPServer`.
    // STARTER: let server = ThreadingTCPServer::<Upper>::new((address.host.as_str(), address.port))?;
    // SOLUTION-BEGIN
    // TCPServer.__init__ (Tcp::bind: create the socket, server_bind(),
    // server_activate()), then our own fields; in an Arc, as the crate's servers come.
    let server = Arc::new(Limited {
        core: ServerCore::new(Tcp::bind(
            (address.host.as_str(), address.port),
            TcpOptions::default(),
        )?),
        threads: Threads::new(),
        max_clients,
        active: AtomicUsize::new(0),
    });
    // SOLUTION-END
    let about = format!("exercise 06-busy-limit: at most {max_clients} clients at once.");
    run(server, shutdown_on_ctrl_c, &about)
}
// ANCHOR_END: serve
// SOLUTION-BEGIN

// ANCHOR: limited
/// Python's `class Limited(ThreadingMixIn, TCPServer)`, with `verify_request` and
/// `shutdown_request` of its own.
struct Limited {
    core: ServerCore<Tcp>,
    threads: Threads,
    /// `--max-clients`.
    max_clients: usize,
    /// Requests between `verify_request` and `shutdown_request`: the clients being
    /// served, and for a moment the one being turned away.
    active: AtomicUsize,
}

impl SocketServer for Limited {
    type Transport = Tcp;
    fn core(&self) -> &ServerCore<Tcp> {
        &self.core
    }
}

impl BaseServer for Limited {
    type Handler = Upper;

    /// Counts every request it is asked about, served or not: each one reaches
    /// `shutdown_request` exactly once, either way, which counts it out. It runs on the
    /// serving thread, one request at a time, so no two clients can take the last
    /// place.
    fn verify_request(&self, request: &TcpStream, client_address: &SocketAddr) -> bool {
        let active = self.active.fetch_add(1, Ordering::SeqCst) + 1;
        if active <= self.max_clients {
            return true;
        }
        // `&TcpStream` writes too. A short reply on a new connection fits in the
        // socket's buffer, so this does not keep the serving thread waiting.
        let busy = format!(
            "busy: {} clients already connected, try again later\n",
            self.max_clients
        );
        let mut conn = request;
        match conn.write_all(busy.as_bytes()) {
            Ok(()) => println!("{client_address} turned away: the server is busy"),
            Err(error) => println!("{client_address} error: {error}"),
        }
        false
    }

    /// Frees the client's place first, then does what the default does (Python's
    /// `super().shutdown_request(request)`): end the conversation, then
    /// `close_request`. In that order, the place is free by the time the client sees
    /// its connection close.
    fn shutdown_request(&self, request: TcpStream) {
        self.active.fetch_sub(1, Ordering::SeqCst);
        defaults::shutdown_request(self, request);
    }

    // From ThreadingMixIn, the MRO by hand:
    fn process_request(self: &Arc<Self>, request: TcpStream, client_address: SocketAddr) {
        ThreadingMixIn::process_request(self, request, client_address);
    }

    fn server_close(&self) {
        ThreadingMixIn::server_close(self, defaults::server_close);
    }
}

impl ThreadingMixIn for Limited {
    fn threads(&self) -> &Threads {
        &self.threads
    }
}
// ANCHOR_END: limited
// SOLUTION-END
