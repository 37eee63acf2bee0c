//! Lesson 01's client: connect, send one message, print the reply.

use std::io::ErrorKind;
use std::net::TcpStream;
use std::process::ExitCode;

use clap::Parser;
use lesson_01::{Address, BUFFER_SIZE, ask};

/// Lesson 01's client: sends one message to the server and prints its reply.
///
/// Start the server first (cargo run -p lesson-01), then:
///
///     cargo run -p lesson-01 --bin lesson-01-client -- "hello there"
#[derive(Parser)]
#[command(name = "lesson-01-client", version)]
struct Cli {
    #[command(flatten)]
    address: Address,

    /// The message to send.
    #[arg(default_value = "hello")]
    message: String,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let Address { host, port } = &cli.address;
    let mut conn = match TcpStream::connect((host.as_str(), *port)) {
        Ok(conn) => conn,
        Err(error) => {
            eprintln!("error: cannot connect to {host}:{port}: {error}");
            eprintln!("hint: is the server running? start it with: cargo run -p lesson-01");
            return ExitCode::FAILURE;
        }
    };
    match ask(&mut conn, cli.message.as_bytes()) {
        Ok(reply) => {
            println!("{}", String::from_utf8_lossy(&reply));
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("error: {error}");
            if error.kind() == ErrorKind::ConnectionReset {
                // The single-shot server reads at most 1024 bytes, then closes with the
                // rest unread: the kernel answers that with a reset, not a goodbye,
                // and the reset throws away the reply that was on its way.
                eprintln!(
                    "hint: the server read only the first {BUFFER_SIZE} bytes and closed with \
                     the rest unread, which resets the connection; send less"
                );
            }
            ExitCode::FAILURE
        }
    }
}
