//! Lesson 09's client: `put FILE` uploads, `get NAME` downloads, with a progress bar.

use std::ffi::OsStr;
use std::fs::File;
use std::io::{self, BufRead, IsTerminal, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Parser;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use lesson_09::{Address, NO_SUCH_FILE, Outcome, get, put};

/// Lesson 09's client: upload files with `put`, download them with `get`.
///
/// Start the server first (cargo run -p lesson-09), then type commands at the `>>:`
/// prompt: `put FILE` sends FILE (the server stores it in its upload directory),
/// `get NAME` fetches NAME (from the server's download directory) into --dir.
/// `close` or end of input (Ctrl-D) quits. For a script, give one command as
/// arguments, or pipe commands in, one a line:
///
///     cargo run -p lesson-09 --bin lesson-09-client -- put notes.txt
#[derive(Parser)]
#[command(name = "lesson-09-client", version)]
struct Cli {
    #[command(flatten)]
    address: Address,

    /// Where `get` saves the files it downloads.
    #[arg(long, value_name = "DIR", default_value = ".")]
    dir: PathBuf,

    /// One command to run instead of reading the keyboard: `put FILE` or `get NAME`.
    #[arg(value_name = "COMMAND", trailing_var_arg = true)]
    command: Vec<String>,
}

/// Transfers shorter than this get no progress bar: they are over before one is seen.
const PROGRESS_FROM: u64 = 1 << 20;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let Address { host, port } = &cli.address;
    let connect = || TcpStream::connect((host.as_str(), *port));
    // Connect at once, as the tutorial's client does, so a missing server shows early.
    let mut conn = match connect() {
        Ok(conn) => Some(conn),
        Err(error) => {
            eprintln!("error: cannot connect to {host}:{port}: {error}");
            eprintln!("hint: is the server running? start it with: cargo run -p lesson-09");
            return ExitCode::FAILURE;
        }
    };
    let lines: Box<dyn Iterator<Item = String>> = if cli.command.is_empty() {
        Box::new(typed_lines())
    } else {
        Box::new(std::iter::once(cli.command.join(" ")))
    };
    let mut failed = false;
    for line in lines {
        let line = line.trim();
        let (verb, argument) = match line.split_once(char::is_whitespace) {
            Some((verb, argument)) => (verb, argument.trim()),
            None => (line, ""),
        };
        let command = match (verb.to_ascii_lowercase().as_str(), argument) {
            ("", _) => continue,
            ("close", "") => break, // like the tutorial's client: quit, sending nothing
            (command @ ("put" | "get"), argument) if !argument.is_empty() => command.to_string(),
            _ => {
                eprintln!("error: {line:?}: type put FILE, get NAME, or close");
                failed = true;
                continue;
            }
        };
        // The server closes the connection after refusing a put, or after an error:
        // open a new one for the next command.
        let stream = match conn.take().map_or_else(connect, Ok) {
            Ok(stream) => conn.insert(stream),
            Err(error) => {
                eprintln!("error: cannot connect to {host}:{port}: {error}");
                failed = true;
                continue;
            }
        };
        let keep = match command.as_str() {
            "put" => run_put(stream, argument),
            _ => run_get(stream, argument, &cli.dir),
        };
        failed |= !keep.succeeded;
        if !keep.connection {
            conn = None;
        }
    }
    if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

/// How a command went: did it succeed, and is the connection still good?
struct Ran {
    succeeded: bool,
    connection: bool,
}

/// `put FILE`: the server stores FILE's name (without its directories).
fn run_put(conn: &mut TcpStream, path: &str) -> Ran {
    let local_error = |why: String| {
        eprintln!("error: cannot put {path}: {why}");
        Ran {
            succeeded: false,
            connection: true, // nothing was sent
        }
    };
    let Some(name) = Path::new(path).file_name().and_then(OsStr::to_str) else {
        return local_error("not a file name in UTF-8".into());
    };
    let opened = File::open(path).and_then(|file| Ok((file.metadata()?, file)));
    let (size, mut file) = match opened {
        Ok((metadata, file)) if metadata.is_file() => (metadata.len(), file),
        Ok(_) => return local_error("not a file".into()),
        Err(error) => return local_error(error.to_string()),
    };
    let mut progress = Progress::new(format!("put {name}"));
    let outcome = put(conn, name, &mut file, size, &mut |sent| {
        progress.update(sent, size)
    });
    progress.finish();
    match outcome {
        Ok(Outcome::Done(sent)) => {
            println!("put {name}: {sent} bytes sent");
            Ran {
                succeeded: true,
                connection: false, // a put ends its connection (lesson_09::put says why)
            }
        }
        Ok(Outcome::Refused(reason)) => {
            eprintln!("error: the server refused put {name}: {reason}");
            Ran {
                succeeded: false,
                connection: false, // the server closes after a refused put
            }
        }
        Err(error) => {
            eprintln!("error: put {name}: {error}");
            Ran {
                succeeded: false,
                connection: false,
            }
        }
    }
}

/// `get NAME`: saved as DIR/NAME once complete.
fn run_get(conn: &mut TcpStream, name: &str, dir: &Path) -> Ran {
    let mut progress = Progress::new(format!("get {name}"));
    let outcome = get(conn, name, dir, &mut |received, size| {
        progress.update(received, size)
    });
    progress.finish();
    let (succeeded, connection) = match outcome {
        Ok(Outcome::Done(received)) => {
            let saved = dir.join(name);
            println!("get {name}: {received} bytes saved to {}", saved.display());
            (true, true)
        }
        Ok(Outcome::Refused(reason)) if reason == NO_SUCH_FILE => {
            eprintln!("error: the server has no file named {name:?} to get");
            (false, true)
        }
        Ok(Outcome::Refused(reason)) => {
            eprintln!("error: the server refused get {name}: {reason}");
            (false, true)
        }
        Err(error) => {
            eprintln!("error: get {name}: {error}");
            (false, false)
        }
    };
    Ran {
        succeeded,
        connection,
    }
}

/// A progress bar on stdout, for a person watching a long transfer: none when stdout
/// is not a terminal (a script, a test), none for a short transfer. Made on the first
/// update, because a `get` learns the size only from the server's `YES|size`.
struct Progress {
    message: String,
    bar: Option<ProgressBar>,
}

impl Progress {
    fn new(message: String) -> Progress {
        Progress { message, bar: None }
    }

    fn update(&mut self, done: u64, size: u64) {
        if self.bar.is_none() && size >= PROGRESS_FROM && io::stdout().is_terminal() {
            let bar = ProgressBar::with_draw_target(Some(size), ProgressDrawTarget::stdout());
            let template = "{msg} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} {eta}";
            if let Ok(style) = ProgressStyle::with_template(template) {
                bar.set_style(style.progress_chars("=> "));
            }
            bar.set_message(self.message.clone());
            self.bar = Some(bar);
        }
        if let Some(bar) = &self.bar {
            bar.set_position(done);
        }
    }

    /// Clears the bar, so the summary line that follows stands alone.
    fn finish(self) {
        if let Some(bar) = self.bar {
            bar.finish_and_clear();
        }
    }
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
