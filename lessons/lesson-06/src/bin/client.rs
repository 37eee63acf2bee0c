//! Lesson 06's client: lines out, lines back.

use std::io::{self, BufRead, BufReader, IsTerminal, Write};
use std::net::TcpStream;
use std::process::ExitCode;

use clap::Parser;
use lesson_06::{Address, ask};

/// Lesson 06's client: type lines, read the server's replies.
///
/// Start the server first (cargo run -p lesson-06), then type at the `>>:` prompt.
/// `close` or end of input (Ctrl-D) quits. Scripts can pipe lines into it, or pass
/// messages with -m:
///
///     cargo run -p lesson-06 --bin lesson-06-client -- -m hello -m "how are you"
#[derive(Parser)]
#[command(name = "lesson-06-client", version)]
struct Cli {
    #[command(flatten)]
    address: Address,

    /// Send this line instead of reading the keyboard (repeat for several).
    #[arg(short, long = "message", value_name = "MESSAGE")]
    messages: Vec<String>,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let Address { host, port } = &cli.address;
    let mut conn = match TcpStream::connect((host.as_str(), *port)) {
        Ok(conn) => conn,
        Err(error) => {
            eprintln!("error: cannot connect to {host}:{port}: {error}");
            eprintln!("hint: is the server running? start it with: cargo run -p lesson-06");
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
    let messages: Box<dyn Iterator<Item = String>> = if cli.messages.is_empty() {
        Box::new(typed_lines())
    } else {
        Box::new(cli.messages.into_iter())
    };
    for message in messages {
        let message = message.trim();
        if message.is_empty() {
            continue;
        }
        if message.eq_ignore_ascii_case("close") {
            break;
        }
        match ask(&mut conn, &mut replies, message) {
            Ok(Some(reply)) => println!("{reply}"),
            Ok(None) => {
                eprintln!("error: the server closed the connection");
                return ExitCode::FAILURE;
            }
            Err(error) => {
                eprintln!("error: {error}");
                return ExitCode::FAILURE;
            }
        }
    }
    ExitCode::SUCCESS
}

/// Lines from standard input, with the tutorial's `>>: ` prompt when a person is typing.
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
