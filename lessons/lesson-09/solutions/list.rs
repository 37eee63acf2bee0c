// SOLUTION-BEGIN
//! Exercise 09-list, the reference solution: lesson 09's server, which knows a third
//! command, `list|-|0`, and answers it with the names of the files there are to get,
//! one a line, sorted, offered and sent exactly as a `get` sends a file.
//!
//! Its starter, `starters/list.rs`, is generated from this file: the lines between
//! SOLUTION-BEGIN and SOLUTION-END are left out of it, and each `// STARTER:` line
//! becomes the code after it. After changing this file, regenerate the starters with
//! `cargo run -p classroom -- starters` (`verify` insists).
// SOLUTION-END
// STARTER: //! Exercise 09-list: list the files there are to get.
// STARTER: //!
// STARTER: //! This is lesson 09's whole server, from its library, with two methods of your
// STARTER: //! own: `names`, the commands it knows, and `other`, which answers the ones that
// STARTER: //! are neither `put` nor `get`. Find the `TODO`s in them. The statement is at the
// STARTER: //! end of lesson 09's chapter in the book. Check your work with
// STARTER: //! `cargo run -p classroom -- check 09-list`; stuck? `... -- hint 09-list`.

// SOLUTION-BEGIN
use std::io::{self, Cursor};
// SOLUTION-END
// STARTER: use std::io;
use std::process::ExitCode;

use clap::Parser;
// SOLUTION-BEGIN
use lesson_09::{Answer, Commands, Download, Files, Options, Request, open_to_get, run};
// SOLUTION-END
// STARTER: use lesson_09::{Answer, Commands, Files, Options, PutAndGet, Request, run};

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
        // SOLUTION-BEGIN
        &["put", "get", "list"]
        // SOLUTION-END
        // STARTER: // TODO: a third command.
        // STARTER: &["put", "get"]
    }

    /// A command of `names` that is neither `put` nor `get`: here, `list|-|0`.
    fn other(&mut self, request: Request, files: &Files) -> io::Result<Answer> {
        // SOLUTION-BEGIN
        // Only what `get` would serve, asked the way `get` asks: a name `check_name`
        // accepts (no hidden files, none of the server's temporary ones), opened in
        // the download directory as a regular file (no directory, no link).
        // `names()` gives only the UTF-8 names: no client could ask for another.
        let mut names = Vec::new();
        for name in files.download.names()? {
            if open_to_get(files, &name).is_ok() {
                names.push(name);
            }
        }
        names.sort();
        // One name a line: no name has a newline in it, `check_name` saw to that.
        let mut listing = Vec::new();
        for name in &names {
            listing.extend_from_slice(name.as_bytes());
            listing.push(b'\n');
        }
        let size = listing.len() as u64;
        println!(
            "{} list ({} names, {size} bytes)",
            request.addr,
            names.len()
        );
        // Offered and sent as `get` sends a file: bytes in memory read like one.
        Ok(Answer::Send(Download::new(
            "list",
            Cursor::new(listing),
            size,
        )))
        // SOLUTION-END
        // STARTER: // TODO: answer `list|-|0` with the sorted names of the files there are
        // STARTER: // to get, one a line, offered and sent as a `get` sends a file. For now,
        // STARTER: // the lesson's answer (Python's `super().other(...)`): a refusal.
        // STARTER: PutAndGet.other(request, files)
    }
    // ANCHOR_END: list
}
