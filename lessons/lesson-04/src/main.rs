//! Lesson 04's server: a thread per client, until Ctrl-C.

use std::net::SocketAddr;
use std::process::ExitCode;

use clap::Parser;
use lesson_04::{Address, Server, communication_loop};

/// Lesson 04: the threaded server — every client gets its own thread.
///
/// Answers every message upper-cased, to any number of clients at the same time
/// (what Python's socketserver.ThreadingTCPServer does, written by hand). Ctrl-C
/// stops it cleanly. Start it, then run clients in other terminals:
///
///     cargo run -p lesson-04 --bin lesson-04-client
#[derive(Parser)]
#[command(name = "lesson-04", version)]
struct Cli {
    #[command(flatten)]
    address: Address,
}

// ANCHOR: main
fn main() -> ExitCode {
    let cli = Cli::parse();
    // Listen, make Ctrl-C stop the server, and print `listening on HOST:PORT` first.
    let Some(server) = Server::start(&cli.address) else {
        return ExitCode::FAILURE; // it has said why
    };
    println!("lesson 04: every client gets its own thread. Talk to me from another terminal:");
    println!("    {}", client_command(server.address));
    println!("Start several clients at once: none waits for another. Ctrl-C stops me.");
    // Python's `ThreadingTCPServer(address, Handler).serve_forever()`: each client's
    // thread runs the communication loop.
    server.serve_forever(communication_loop);
    ExitCode::SUCCESS
}
// ANCHOR_END: main

/// The command a student types to reach this server, with only the flags it needs.
fn client_command(local_address: SocketAddr) -> String {
    let mut command = String::from("cargo run -p lesson-04 --bin lesson-04-client");
    let host = local_address.ip();
    let needs_host = !(host.is_loopback() && host.is_ipv4() || host.is_unspecified());
    let needs_port = local_address.port() != 8888;
    if needs_host || needs_port {
        command.push_str(" --");
    }
    if needs_host {
        command.push_str(&format!(" --host {host}"));
    }
    if needs_port {
        command.push_str(&format!(" --port {}", local_address.port()));
    }
    command
}
