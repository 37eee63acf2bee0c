//! Exercise 09-resume: resume a download from where it stopped.
//!
//! This is lesson 09's whole server, from its library, with one method of your
//! own: `get`, which answers like the lesson's for now. Find the `TODO` in it. The
//! statement is at the end of lesson 09's chapter in the book. Check your work
//! with `cargo run -p classroom -- check 09-resume`; stuck? `... -- hint 09-resume`.

use std::io;
use std::process::ExitCode;

use clap::Parser;
use lesson_09::{Answer, Commands, Download, Files, Options, Request, open_to_get, run};

/// Exercise 09-resume: lesson 09's file server, whose downloads resume.
///
/// Speaks the Python tutorial's protocol, as lesson 09's server does, and
/// `get|NAME|OFFSET` sends ROOT/download/NAME from byte OFFSET on (the tutorial's
/// clients send an OFFSET of 0: the whole file). Ctrl-C stops it.
#[derive(Parser)]
#[command(name = "09-resume")]
struct Cli {
    #[command(flatten)]
    options: Options,
}

fn main() -> ExitCode {
    // The lesson's server (its loop, its `put`, its defences), with our `get`.
    run(&Cli::parse().options, Resume)
}

/// The lesson's commands, but for `get`: the trait's provided methods answer the rest.
struct Resume;

impl Commands for Resume {
    // ANCHOR: get
    /// `get|name|offset`: the lesson's `get`, from byte `offset` on.
    fn get(&mut self, request: Request, files: &Files) -> io::Result<Answer> {
        let name = &request.header.name;
        // What the lesson's `get` serves, and how it refuses the rest: a link, a name
        // that leaves the directory, no such file (`NO|0`).
        let (file, size) = match open_to_get(files, name) {
            Ok(found) => found,
            Err(not_served) => return Ok(not_served.answer(&request)),
        };
        // TODO: the header's last field, `request.header.size`, which the
        // tutorial's clients send as 0, is the offset to start from: send the
        // file from that byte on.
        println!("{} get {name:?} ({size} bytes)", request.addr);
        Ok(Answer::Send(Download::new(request.header.name, file, size)))
    }
    // ANCHOR_END: get
}
