//! # Lesson 09 — file transfer on a selector: `put` and `get`
//!
//! The tutorial's last program, `selectFtpServer`, moves whole files over the selector
//! of lesson 05: a client uploads with `put` and downloads with `get`, and one thread
//! serves every client at once. This lesson keeps its wire protocol, byte for byte, so
//! a client written for the tutorial works against it:
//!
//! ```text
//! put:  C: put|notes.txt|1234      S: OK        C: <exactly 1234 bytes>
//! get:  C: get|notes.txt|0         S: YES|1234  C: second_active   S: <1234 bytes>
//!                                  S: NO|0      (no such file)
//! ```
//!
//! The tutorial's server gets the happy path right and much else wrong; each fix below
//! is named where it is made, and the book chapter explains why:
//!
//! - **State per connection.** The tutorial keeps one `hasReceived` counter and one
//!   `dic` for all clients (and replaces the whole dict on every header), so two uploads
//!   at once corrupt each other. Here each connection has its own `Stage`.
//! - **The header and the first file bytes may arrive in one read**, and the last file
//!   bytes and the next header too. The server keeps an inbox and splits it exactly
//!   ([`parse_header`]): a header ends at a newline, or, for the tutorial's clients,
//!   which send none, where its bytes end.
//! - **Partial writes are buffered** in an outbox, with backpressure, as in lesson 05.
//!   The tutorial's `conn.send(line)` on a non-blocking socket loses bytes.
//! - **A re-upload replaces** the file (the tutorial opens it with `'ab'`, appending).
//! - **Names cannot escape** the served directory ([`check_name`]): `..`, absolute paths,
//!   separators, NUL, control characters and empty names are refused.
//! - **Links cannot lead out of it** ([`Dir`]): every file is opened by its name *in*
//!   the directory opened at start, never by a path, and a symbolic link is refused.
//! - **Uploads above `--max-upload` are refused** before a byte is stored.
//! - **A file becomes visible only when complete:** it is written under a temporary
//!   name in the same directory, then renamed ([`PartFile`]).
//! - **A client that vanishes mid-transfer leaves nothing half-written**: dropping an
//!   unfinished [`PartFile`] removes it.
//! - **A server killed mid-upload leaves nothing for long**: the next start removes its
//!   temporary files ([`Files::remove_leftovers`]).
//! - **Out of file descriptors, the server pauses accepting** instead of spinning on a
//!   listener that stays ready while `accept` fails ([`Server`]'s `pause_accept`).
//!
//! ## One idea a file
//!
//! Read the modules in this order; each holds one idea, and says what and why at its
//! top:
//!
//! 1. [`protocol`]: the bytes on the wire. Headers and where they end, the answers,
//!    the names a client may use. No sockets, no files.
//! 2. [`dir`]: a directory opened once, and its files opened by name in it, never by a
//!    path, never through a link (`openat`, `O_NOFOLLOW`).
//! 3. [`files`]: the served directories; an upload written aside and renamed when
//!    whole; what a killed server left, removed at start.
//! 4. [`commands`]: what the server answers to `put` and `get`, one method per command,
//!    as the tutorial's `getattr(self, cmd)` finds them: the trait [`Commands`], which
//!    a server of your own implements to answer differently, or to answer more.
//! 5. [`connection`]: one client's conversation, a state machine with an inbox and an
//!    outbox, which carries out what a command answered.
//! 6. [`server`]: lesson 05's selector loop, with the accept pause.
//! 7. [`client`]: the client's `put` and `get`.
//!
//! This file holds what they share, the server's options, and [`run`], which starts a
//! server: the lesson's `main` is one call to it, and so is every exercise's.
//!
//! | Python (`selectFtpServer`)                       | Rust, in the modules                         |
//! |--------------------------------------------------|----------------------------------------------|
//! | `self.sel = selectors.DefaultSelector()`         | `Poller::new()`                              |
//! | `self.sel.register(server, EVENT_READ, accept)`  | `register(Socket::Listener(..), accept)`     |
//! | `self.dic[conn] = {}` (shared by all)            | `Connection { stage: Stage::Header, .. }`    |
//! | `cmd, filename, filesize = ...split('|')`        | [`parse_header`], [`Header`]                 |
//! | `hasattr(self, cmd)`, `getattr(self, cmd)(conn)` | [`Commands::names`], [`Commands::answer`]    |
//! | `os.path.join(BASE_DIR, "upload", fileName)`     | [`check_name`], then [`Files::upload`]       |
//! | `open(os.path.join(BASE_DIR, "download", name))` | [`Dir::open_file`]: `openat`, `O_NOFOLLOW`  |
//! | `open(path, 'ab').write(recv_data)`              | [`PartFile::write`], then [`PartFile::commit`] |
//! | `for line in f: conn.send(line)`                 | `Connection::send_file` into the outbox      |

// Files are opened relative to an open directory (`openat`), which only Unix offers.
#[cfg(not(unix))]
compile_error!("lesson 09's server opens files with openat(2): it needs a Unix (Linux, macOS)");

pub mod client;
pub mod commands;
pub mod connection;
pub mod dir;
pub mod files;
pub mod protocol;
pub mod server;

use std::io::{self, ErrorKind};
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::ExitCode;

pub use client::{Outcome, get, put, read_reply};
pub use commands::{
    Answer, Commands, Download, NotServed, PutAndGet, Request, Upload, open_to_get,
};
pub use connection::OUTBOX_LIMIT;
pub use dir::{Dir, is_a_link};
pub use files::{Files, PartFile, part_name};
pub use protocol::{
    GO_AHEAD, HEADER_LIMIT, Header, MAX_NAME, NO_SUCH_FILE, Parsed, Reply, check_name, parse_header,
};
pub use server::{FIRST_PAUSE, LONGEST_PAUSE, Server};

/// The most one read takes from a socket or a file. The tutorial reads 1024 bytes at a
/// time; for files of megabytes, 64 KiB means 64 times fewer turns of the loop.
pub const CHUNK: usize = 64 * 1024;

/// `--max-upload`'s default: the largest file a client may `put`, 100 MiB.
pub const DEFAULT_MAX_UPLOAD: &str = "100M";

/// Where the server listens and the client connects: `--host` and `--port`.
#[derive(clap::Args, Debug, Clone)]
pub struct Address {
    /// Host to listen on (server) or connect to (client). 127.0.0.1 means "this
    /// machine only", so nobody on your network can reach a lesson server.
    #[arg(long, default_value = "127.0.0.1")]
    pub host: String,

    /// TCP port. The server accepts 0, which asks the system for any free port; it
    /// prints the port it got on its first line.
    #[arg(long, default_value_t = 8888)]
    pub port: u16,
}

/// Opens the listening socket: Python's `socket()`, `bind()` and `listen()` in one call.
pub fn listen(address: &Address) -> io::Result<TcpListener> {
    TcpListener::bind((address.host.as_str(), address.port))
}

/// A size as a student types it: `5000`, `64K`, `100M`, `2G` (K, M and G count in
/// 1024s). For `--max-upload`.
pub fn parse_size(text: &str) -> Result<u64, String> {
    let text = text.trim();
    let digits = text.len() - text.trim_start_matches(|c: char| c.is_ascii_digit()).len();
    let (number, unit) = text.split_at(digits);
    let multiplier: u64 = match unit.trim().to_ascii_uppercase().as_str() {
        "" | "B" => 1,
        "K" | "KB" | "KIB" => 1 << 10,
        "M" | "MB" | "MIB" => 1 << 20,
        "G" | "GB" | "GIB" => 1 << 30,
        _ => return Err(format!("{text:?} is not a size: try 5000, 64K, 100M or 2G")),
    };
    number
        .parse::<u64>()
        .ok()
        .and_then(|n| n.checked_mul(multiplier))
        .ok_or_else(|| format!("{text:?} is not a size: try 5000, 64K, 100M or 2G"))
}

/// A lesson 09 server's options: where it listens, what it serves, how much it takes.
/// The lesson's `main` and every exercise's flatten these into their own command line,
/// which has its own name and `--help` text.
#[derive(clap::Args, Debug, Clone)]
pub struct Options {
    #[command(flatten)]
    pub address: Address,

    /// The served directory: uploads go to ROOT/upload, downloads come from
    /// ROOT/download.
    #[arg(long, value_name = "ROOT", default_value = "lesson-09-files")]
    pub root: PathBuf,

    /// The largest upload accepted, in bytes, or with K, M or G (1024s): 5000, 64K,
    /// 100M. A client announcing more is refused before a byte is stored.
    #[arg(long, value_name = "SIZE", default_value = DEFAULT_MAX_UPLOAD, value_parser = parse_size)]
    pub max_upload: u64,
}

// ANCHOR: run
/// Starts a server with `options`, answering as `commands` says, and serves until it
/// is stopped: prepares the served directories, listens, says where, removes what a
/// killed server left, then runs the loop. The lesson's `main` calls it with
/// [`PutAndGet`]; an exercise, with a server of its own. What stops it is said on
/// stderr, with a failing exit status.
pub fn run(options: &Options, commands: impl Commands + 'static) -> ExitCode {
    let files = match Files::prepare(&options.root, options.max_upload) {
        Ok(files) => files,
        Err(error) => {
            let root = options.root.display();
            eprintln!("error: cannot prepare the directories under {root}: {error}");
            return ExitCode::FAILURE;
        }
    };
    let listener = match listen(&options.address) {
        Ok(listener) => listener,
        Err(error) => {
            let Address { host, port } = &options.address;
            eprintln!("error: cannot listen on {host}:{port}: {error}");
            if error.kind() == ErrorKind::AddrInUse {
                eprintln!(
                    "hint: another server uses that port; stop it, or pick any free port: \
                     cargo run -p lesson-09 -- --port 0"
                );
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
    let upload = files.upload.display().to_string();
    let download = files.download.display().to_string();
    let max_upload = files.max_upload;
    let mut server = match Server::new(listener, files, commands) {
        Ok(server) => server,
        Err(error) => {
            eprintln!("error: cannot set up the selector: {error}");
            return ExitCode::FAILURE;
        }
    };
    // The first line is exactly `listening on HOST:PORT`: the tests read the port here.
    println!("listening on {local_address}");
    println!(
        "put stores in {upload} (at most {max_upload} bytes a file); get reads from {download}"
    );
    // Before the first client is served: what a server killed mid-upload left behind.
    server.files().remove_leftovers();
    let port = match local_address.port() {
        8888 => String::new(),
        port => format!(" --port {port}"),
    };
    println!("send me a file: cargo run -p lesson-09 --bin lesson-09-client --{port} put FILE");
    match server.serve_forever() {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}
// ANCHOR_END: run

// Unit tests of the protocol (headers, names, replies) and of the connection's steps,
// driven by hand on real sockets. The tests in tests/ drive the real binaries.
#[cfg(test)]
mod tests;
