//! Lesson 07's client: one datagram per message, and a timeout for the reply.

use std::io::{self, BufRead, IsTerminal, Write};
use std::net::{SocketAddr, ToSocketAddrs, UdpSocket};
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use lesson_07::{Address, ask};

/// Lesson 07's client: type messages, each goes to the server as one UDP datagram.
///
/// Start the server first (cargo run -p lesson-07), then type at the `>>:` prompt.
/// `close` or end of input (Ctrl-D) quits. There is no connection: if no reply comes
/// within --timeout seconds, the client says so (at the prompt you can simply try
/// again). Scripts can pipe lines into it, or pass messages with -m; there, a missing
/// reply is an error:
///
///     cargo run -p lesson-07 --bin lesson-07-client -- -m hello -m "how are you"
#[derive(Parser)]
#[command(name = "lesson-07-client", version)]
struct Cli {
    #[command(flatten)]
    address: Address,

    /// Send this message instead of reading the keyboard (repeat for several).
    #[arg(short, long = "message", value_name = "MESSAGE")]
    messages: Vec<String>,

    /// How long to wait for each reply, in seconds. UDP never reports a lost
    /// datagram, so without a timeout the client could wait forever.
    #[arg(long, value_name = "SECS", default_value = "2", value_parser = parse_timeout)]
    timeout: Duration,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let Address { host, port } = &cli.address;
    let server = match resolve(host, *port) {
        Ok(server) => server,
        Err(error) => {
            eprintln!("error: cannot resolve {host}:{port}: {error}");
            return ExitCode::FAILURE;
        }
    };
    // Our own socket, on any free port: the server answers to it. No connect: UDP
    // has nothing to connect, and the first datagram simply goes out.
    let any_port: SocketAddr = match server {
        SocketAddr::V4(_) => ([0, 0, 0, 0], 0).into(),
        SocketAddr::V6(_) => (std::net::Ipv6Addr::UNSPECIFIED, 0).into(),
    };
    let socket = match UdpSocket::bind(any_port) {
        Ok(socket) => socket,
        Err(error) => {
            eprintln!("error: cannot open a UDP socket: {error}");
            return ExitCode::FAILURE;
        }
    };
    let interactive = cli.messages.is_empty() && io::stdin().is_terminal();
    let messages: Box<dyn Iterator<Item = String>> = if cli.messages.is_empty() {
        Box::new(typed_lines(interactive))
    } else {
        Box::new(cli.messages.into_iter())
    };
    let mut all_answered = true;
    for message in messages {
        let message = message.trim();
        if message.is_empty() {
            continue;
        }
        if message.eq_ignore_ascii_case("close") {
            break; // like the tutorial's client: quit without sending it
        }
        match ask(&socket, server, message.as_bytes(), cli.timeout) {
            Ok(Some(reply)) => println!("{}", String::from_utf8_lossy(&reply)),
            Ok(None) => {
                eprintln!(
                    "no reply within {:?}: UDP does not retransmit lost datagrams; \
                     is the server running on {server}?",
                    cli.timeout
                );
                all_answered = false;
                if !interactive {
                    return ExitCode::FAILURE;
                }
            }
            Err(error) => {
                eprintln!("error: {error}");
                return ExitCode::FAILURE;
            }
        }
    }
    if all_answered {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// The first address `host:port` names (`localhost` may name several).
fn resolve(host: &str, port: u16) -> io::Result<SocketAddr> {
    (host, port)
        .to_socket_addrs()?
        .next()
        .ok_or_else(|| io::Error::new(io::ErrorKind::NotFound, "no address found"))
}

/// `--timeout`: a number of seconds, more than zero (`2`, `0.5`).
fn parse_timeout(text: &str) -> Result<Duration, String> {
    let seconds: f64 = text
        .parse()
        .map_err(|_| format!("`{text}` is not a number of seconds"))?;
    match Duration::try_from_secs_f64(seconds) {
        Ok(timeout) if !timeout.is_zero() => Ok(timeout),
        _ => Err(format!("`{text}`: the timeout must be more than 0 seconds")),
    }
}

/// Lines from standard input, with the tutorial's `>>: ` prompt when a person is typing.
fn typed_lines(interactive: bool) -> impl Iterator<Item = String> {
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
