//! Lesson 09's server: file transfer, `put` and `get`, one thread, every client at once.
//! The whole server is in the library (`src/lib.rs` says in which file each piece is);
//! this file is its command line, and one call to `run`.

use std::process::ExitCode;

use clap::Parser;
use lesson_09::{Options, PutAndGet, run};

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
    options: Options,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    // The tutorial's two commands, answered as the `Commands` trait answers them.
    run(&cli.options, PutAndGet)
}
