// SOLUTION-BEGIN
//! Exercise 04-busy-limit, the reference solution: lesson 04's threaded server, which
//! serves at most `--max-clients` clients at once and tells one more that it is busy.
//!
//! Its starter, `starters/busy-limit.rs`, is generated from this file: the lines between
//! SOLUTION-BEGIN and SOLUTION-END are left out of it, and each `// STARTER:` line
//! becomes the code after it. After changing this file, regenerate the starters with
//! `cargo run -p classroom -- starters` (`verify` insists).
// SOLUTION-END
// STARTER: //! Exercise 04-busy-limit: serve at most N clients at once.
// STARTER: //!
// STARTER: //! This is lesson 04's server, yours to change: find the `TODO`s below. The
// STARTER: //! statement is at the end of lesson 04's chapter in the book. Check your work
// STARTER: //! with `cargo run -p classroom -- check 04-busy-limit`; stuck?
// STARTER: //! `cargo run -p classroom -- hint 04-busy-limit`.

// SOLUTION-BEGIN
use std::io::Write;
// SOLUTION-END
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;

use clap::Parser;
use lesson_04::{Address, OpenConnections, communication_loop, listen, stop_on_ctrl_c};

/// Exercise 04-busy-limit: lesson 04's threaded server, with a limit on clients.
///
/// Answers every message upper-cased, to at most --max-clients clients at the same
/// time; one more is told the server is busy, and its connection is closed. Ctrl-C
/// stops it cleanly.
#[derive(Parser)]
#[command(name = "04-busy-limit")]
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
    let address = cli.address;
    let listener = match listen(&address) {
        Ok(listener) => listener,
        Err(error) => {
            eprintln!(
                "error: cannot listen on {}:{}: {error}",
                address.host, address.port
            );
            return ExitCode::FAILURE;
        }
    };
    let local_address = match listener.local_addr() {
        Ok(local_address) => local_address,
        Err(error) => {
            eprintln!("error: {error}");
            return ExitCode::FAILURE;
        }
    };
    let stopping = match stop_on_ctrl_c(local_address) {
        Ok(stopping) => stopping,
        Err(error) => {
            eprintln!("error: cannot handle Ctrl-C: {error}");
            return ExitCode::FAILURE;
        }
    };
    // The first line is exactly `listening on HOST:PORT`: the check reads the port.
    println!("listening on {local_address}");
    println!("serving at most {} clients at once", cli.max_clients);
    // SOLUTION-BEGIN
    serve_forever(&listener, &stopping, cli.max_clients);
    // SOLUTION-END
    // STARTER: serve_forever(&listener, &stopping);
    ExitCode::SUCCESS
}

// ANCHOR: serve_forever
/// The connection loop, with a thread per client, until Ctrl-C.
// STARTER: fn serve_forever(listener: &TcpListener, stopping: &AtomicBool) {
// SOLUTION-BEGIN
fn serve_forever(listener: &TcpListener, stopping: &AtomicBool, max_clients: usize) {
    // SOLUTION-END
    let open_connections = OpenConnections::default();
    let mut client_threads = Vec::new();
    loop {
        let (conn, client_address) = match listener.accept() {
            Ok(accepted) => accepted,
            Err(error) => {
                println!("accept failed: {error}");
                continue;
            }
        };
        if stopping.load(Ordering::SeqCst) {
            break; // the wake-up knock from the Ctrl-C handler
        }
        println!("connected: {client_address}");
        // SOLUTION-BEGIN
        // The open connections are the clients being served. Only this thread adds to
        // them, so nobody can slip in between this check and the `add` below.
        if open_connections.len() >= max_clients {
            turn_away(conn, client_address, max_clients);
            continue;
        }
        // SOLUTION-END
        // STARTER: // TODO: if `--max-clients` clients are connected already, answer this
        // STARTER: // client `busy: N clients already connected, try again later` and a
        // STARTER: // newline, close its connection, and go on to accept the next one.
        open_connections.add(client_address, &conn);

        let connections = open_connections.clone();
        let spawned = thread::Builder::new()
            .name(format!("client {client_address}"))
            .spawn(move || {
                serve_client(conn, client_address);
                // SOLUTION-BEGIN
                // Its place is free from here on. The connection closes only now, as
                // its last handle (the one in `connections`) is dropped: so by the time
                // the client sees it close, its place is free for the next one.
                // SOLUTION-END
                connections.remove(client_address);
            });
        match spawned {
            Ok(handle) => client_threads.push(handle),
            Err(error) => {
                println!("{client_address} error: cannot start a thread: {error}");
                open_connections.close(client_address);
            }
        }
        client_threads.retain(|handle| !handle.is_finished());
    }

    println!(
        "shutting down: closing {} open connection(s)",
        open_connections.len()
    );
    open_connections.close_all();
    for handle in client_threads {
        if handle.join().is_err() {
            println!("a client thread panicked");
        }
    }
    println!("bye");
}
// ANCHOR_END: serve_forever

// SOLUTION-BEGIN
/// Tells a client that there is no room, and closes its connection (dropping `conn`
/// closes it). The main thread writes this itself: a short reply on a new
/// connection fits in the socket's buffer, so `write_all` returns at once.
fn turn_away(mut conn: TcpStream, client_address: SocketAddr, max_clients: usize) {
    let reply = format!("busy: {max_clients} clients already connected, try again later\n");
    match conn.write_all(reply.as_bytes()) {
        Ok(()) => println!("{client_address} turned away: the server is busy"),
        Err(error) => println!("{client_address} error: {error}"),
    }
}

// SOLUTION-END
/// What one client thread does: the communication loop, then log how it ended.
fn serve_client(mut conn: TcpStream, client_address: SocketAddr) {
    match communication_loop(&mut conn, client_address) {
        Ok(()) => println!("{client_address} closed"),
        Err(error) => println!("{client_address} error: {error}"),
    }
}
