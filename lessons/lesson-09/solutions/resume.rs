// SOLUTION-BEGIN
//! Exercise 09-resume, the reference solution: lesson 09's server, whose `get`
//! reads the header's last field as an offset, `get|NAME|OFFSET`, and sends the file
//! from that byte on, so that an interrupted download can be resumed.
//!
//! Its starter, `starters/resume.rs`, is generated from this file: the lines between
//! SOLUTION-BEGIN and SOLUTION-END are left out of it, and each `// STARTER:` line
//! becomes the code after it. After changing this file, regenerate the starters with
//! `cargo run -p classroom -- starters` (`verify` insists).
// SOLUTION-END
// STARTER: //! Exercise 09-resume: resume a download from where it stopped.
// STARTER: //!
// STARTER: //! This is lesson 09's whole server, from its library, with one method of your
// STARTER: //! own: `get`, which answers like the lesson's for now. Find the `TODO` in it. The
// STARTER: //! statement is at the end of lesson 09's chapter in the book. Check your work
// STARTER: //! with `cargo run -p classroom -- check 09-resume`; stuck? `... -- hint 09-resume`.

// SOLUTION-BEGIN
use std::io::{self, Seek, SeekFrom};
// SOLUTION-END
// STARTER: use std::io;
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
        // SOLUTION-BEGIN
        // The tutorial sends 0 here and its server ignores it: now it is where to start.
        let offset = request.header.size;
        // A number from the network: checked before it is used. An offset at the very
        // end is fine (nothing is left to send); past it, there is nothing to resume.
        // Refused, but the connection goes on, as after any refused `get`.
        if offset > size {
            let why = format!("offset {offset} is past the end of {name:?} ({size} bytes)");
            return Ok(request.refuse(why, false));
        }
        let mut file = file;
        file.seek(SeekFrom::Start(offset))?;
        // What is promised is what is left: `YES|size` counts the bytes that follow.
        let left = size - offset;
        println!(
            "{} get {name:?} from byte {offset} ({left} of {size} bytes)",
            request.addr
        );
        Ok(Answer::Send(Download::new(request.header.name, file, left)))
        // SOLUTION-END
        // STARTER: // TODO: the header's last field, `request.header.size`, which the
        // STARTER: // tutorial's clients send as 0, is the offset to start from: send the
        // STARTER: // file from that byte on.
        // STARTER: println!("{} get {name:?} ({size} bytes)", request.addr);
        // STARTER: Ok(Answer::Send(Download::new(request.header.name, file, size)))
    }
    // ANCHOR_END: get
}
