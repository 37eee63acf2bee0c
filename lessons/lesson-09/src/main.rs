//! Lesson 09's server: file transfer, `put` and `get`, one thread, every client at once.

use std::io::ErrorKind;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use lesson_09::{Address, DEFAULT_MAX_UPLOAD, Files, Server, listen, parse_size};

/// Lesson 09: a file server — clients upload with `put` and download with `get`.
///
/// Speaks the Python tutorial's protocol (`put|NAME|SIZE`, `get|NAME|0`), so the
/// tutorial's clients work with it. Uploads are stored in ROOT/upload; downloads are
/// read from ROOT/download (put a file there to offer it). Both are created if missing.
/// One thread serves every client at once, as in lesson 05. Stop it with Ctrl-C.
/// Start it, then, in another terminal:
///
///     cargo run -p lesson-09 --bin lesson-09-client -- put Cargo.toml
#[derive(Parser)]
#[command(name = "lesson-09", version)]
struct Cli {
    #[command(flatten)]
    address: Address,

    /// The served directory: uploads go to ROOT/upload, downloads come from
    /// ROOT/download.
    #[arg(long, value_name = "ROOT", default_value = "lesson-09-files")]
    root: PathBuf,

    /// The largest upload accepted, in bytes, or with K, M or G (1024s): 5000, 64K,
    /// 100M. A client announcing more is refused before a byte is stored.
    #[arg(long, value_name = "SIZE", default_value = DEFAULT_MAX_UPLOAD, value_parser = parse_size)]
    max_upload: u64,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let files = match Files::prepare(&cli.root, cli.max_upload) {
        Ok(files) => files,
        Err(error) => {
            let root = cli.root.display();
            eprintln!("error: cannot prepare the directories under {root}: {error}");
            return ExitCode::FAILURE;
        }
    };
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
    let upload = files.upload.display().to_string();
    let download = files.download.display().to_string();
    let max_upload = files.max_upload;
    let mut server = match Server::new(listener, files) {
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
