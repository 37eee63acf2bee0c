//! Lesson 08's client: commands out, framed replies back.

use std::io::{self, BufRead, BufReader, IsTerminal, Write};
use std::net::TcpStream;
use std::process::ExitCode;

use clap::Parser;
use lesson_08::framing::frame_error;
use lesson_08::{Address, Protocol, ask};

/// Lesson 08's client: type commands, read the server's replies.
///
/// Start the server first (cargo run -p lesson-08), then type at the `>>:` prompt:
/// help, echo TEXT, upper TEXT, time, big N. `close` (or the tutorial's `exit`) or
/// end of input (Ctrl-D) quits. Scripts can pipe commands into it, or pass them
/// with -m:
///
///     cargo run -p lesson-08 --bin lesson-08-client -- -m "echo hello" -m "big 5000"
///
/// A reply the server marks as an error is printed on standard error, and the
/// client's exit status is then 1. With --protocol raw, each reply is whatever one
/// read of 1024 bytes returns: try `big 1500`, then `echo hello`.
#[derive(Parser)]
#[command(name = "lesson-08-client", version)]
struct Cli {
    #[command(flatten)]
    address: Address,

    /// How requests and replies are cut into messages (use the server's).
    #[arg(long, value_enum, default_value = "tutorial")]
    protocol: Protocol,

    /// Send this command instead of reading the keyboard (repeat for several).
    #[arg(short, long = "message", value_name = "COMMAND")]
    messages: Vec<String>,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let Address { host, port } = &cli.address;
    let mut conn = match TcpStream::connect((host.as_str(), *port)) {
        Ok(conn) => conn,
        Err(error) => {
            eprintln!("error: cannot connect to {host}:{port}: {error}");
            eprintln!("hint: is the server running? start it with: cargo run -p lesson-08");
            return ExitCode::FAILURE;
        }
    };
    let mut replies = match conn.try_clone() {
        Ok(reading) => BufReader::new(reading),
        Err(error) => {
            eprintln!("error: {error}");
            return ExitCode::FAILURE;
        }
    };
    let commands: Box<dyn Iterator<Item = String>> = if cli.messages.is_empty() {
        Box::new(typed_lines())
    } else {
        Box::new(cli.messages.into_iter())
    };
    let mut status = ExitCode::SUCCESS;
    for command in commands {
        let command = command.trim();
        if command.is_empty() {
            continue;
        }
        if command == "close" || command == "exit" {
            break;
        }
        match ask(&mut conn, &mut replies, cli.protocol, command) {
            Ok(Some(reply)) if reply.is_error => {
                eprintln!(
                    "error from the server: {}",
                    String::from_utf8_lossy(&reply.body)
                );
                status = ExitCode::FAILURE;
            }
            Ok(Some(reply)) => {
                // Python's print(body.decode()): the body, then a newline.
                let mut stdout = io::stdout().lock();
                let _ = stdout.write_all(&reply.body);
                let _ = stdout.write_all(b"\n");
                let _ = stdout.flush();
            }
            Ok(None) => {
                eprintln!("error: the server closed the connection");
                return ExitCode::FAILURE;
            }
            Err(error) => {
                match frame_error(&error) {
                    Some(_) => eprintln!("error: the server sent a bad reply: {error}"),
                    None => eprintln!("error: {error}"),
                }
                return ExitCode::FAILURE;
            }
        }
    }
    status
}

/// Lines from standard input, with the `>>: ` prompt when a person is typing.
fn typed_lines() -> impl Iterator<Item = String> {
    let interactive = io::stdin().is_terminal();
    let mut input = io::stdin().lock();
    std::iter::from_fn(move || {
        if interactive {
            print!(">>: ");
            let _ = io::stdout().flush();
        }
        let mut line = String::new();
        match input.read_line(&mut line) {
            Ok(0) => None,
            Ok(_) => Some(line),
            Err(error) => {
                eprintln!("error: cannot read input: {error}");
                None
            }
        }
    })
}
