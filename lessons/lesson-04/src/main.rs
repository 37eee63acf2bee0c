//! Lesson 04's server: a thread per client, until Ctrl-C.

use std::io::ErrorKind;
use std::net::SocketAddr;
use std::process::ExitCode;

use clap::Parser;
use lesson_04::{Address, listen, serve_forever, stop_on_ctrl_c};

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

fn main() -> ExitCode {
    let cli = Cli::parse();
    let listener = match listen(&cli.address) {
        Ok(listener) => listener,
        Err(error) => {
            let Address { host, port } = &cli.address;
            eprintln!("error: cannot listen on {host}:{port}: {error}");
            if error.kind() == ErrorKind::AddrInUse {
                eprintln!("hint: another server uses that port; stop it, or pick --port 0");
            }
            return ExitCode::FAILURE;
        }
    };
    let local_address = match listener.local_addr() {
        Ok(address) => address,
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
    // The first line is exactly `listening on HOST:PORT`: the tests read the port here.
    println!("listening on {local_address}");
    println!("lesson 04: every client gets its own thread. Talk to me from another terminal:");
    println!("    {}", client_command(local_address));
    println!("Start several clients at once: none waits for another. Ctrl-C stops me.");
    serve_forever(&listener, &stopping);
    ExitCode::SUCCESS
}

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
