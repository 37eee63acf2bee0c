//! Exercise 09-list: list the files there are to get.
//!
//! This is lesson 09's whole server, from its library, with two methods of your
//! own: `names`, the commands it knows, and `other`, which answers the ones that
//! are neither `put` nor `get`. Find the `TODO`s in them. The statement is at the
//! end of lesson 09's chapter in the book. Check your work with
//! `cargo run -p classroom -- check 09-list`; stuck? `... -- hint 09-list`.

use std::io;
use std::process::ExitCode;

use clap::Parser;
use lesson_09::{Answer, Commands, Files, Options, PutAndGet, Request, run};

/// Exercise 09-list: lesson 09's file server, which lists what there is to get.
///
/// Speaks the Python tutorial's protocol, as lesson 09's server does, and answers
/// `list|-|0` the way it answers a `get`: `YES|SIZE`, then, on `second_active`, the
/// names of the files in ROOT/download that a `get` would serve, one a line, sorted.
/// Ctrl-C stops it.
#[derive(Parser)]
#[command(name = "09-list")]
struct Cli {
    #[command(flatten)]
    options: Options,
}

fn main() -> ExitCode {
    // The lesson's server (its loop, its `put` and `get`, its defences), and `list`.
    run(&Cli::parse().options, Listing)
}

/// The lesson's commands, and one more.
struct Listing;

impl Commands for Listing {
    // ANCHOR: list
    /// The commands this server knows: the header parser refuses any other.
    fn names(&self) -> &'static [&'static str] {
        // TODO: a third command.
        &["put", "get"]
    }

    /// A command of `names` that is neither `put` nor `get`: here, `list|-|0`.
    fn other(&mut self, request: Request, files: &Files) -> io::Result<Answer> {
        // TODO: answer `list|-|0` with the sorted names of the files there are
        // to get, one a line, offered and sent as a `get` sends a file. For now,
        // the lesson's answer (Python's `super().other(...)`): a refusal.
        PutAndGet.other(request, files)
    }
    // ANCHOR_END: list
}
