// SOLUTION-BEGIN
//! Exercise 08-batch, the reference solution: lesson 08's server with framed requests,
//! which also answers a `batch` of framed requests, in order, in one reply.
//!
//! Its starter, `starters/batch.rs`, is generated from this file: the lines between
//! SOLUTION-BEGIN and SOLUTION-END are left out of it, and each `// STARTER:` line
//! becomes the code after it. After changing this file, regenerate the starters with
//! `cargo run -p classroom -- starters` (`verify` insists).
// SOLUTION-END
// STARTER: //! Exercise 08-batch: several framed requests in one, answered in order.
// STARTER: //!
// STARTER: //! This is lesson 08's server, from its library, with commands of your own:
// STARTER: //! find the `TODO` below. The statement is at the end of lesson 08's chapter in
// STARTER: //! the book. Check your work with `cargo run -p classroom -- check 08-batch`;
// STARTER: //! stuck? `... -- hint 08-batch`.

use std::process::ExitCode;

use clap::Parser;
// SOLUTION-BEGIN
use lesson_08::framing::{Decoder, FrameError, Limits, MAX_HEADER, encode_header};
use lesson_08::{MAX_COMMAND, MAX_REPLY, Piece};
// SOLUTION-END
use lesson_08::{Address, Protocol, Reply, Run, exit_code, run_command, serve};

/// Exercise 08-batch: lesson 08's server, framed both ways, which answers batches.
///
/// Answers the lesson's built-in commands (help, echo TEXT, upper TEXT, time, big N),
/// and `batch` followed by several framed requests, which are answered in order, in
/// one reply. Requests and replies are both framed (the lesson's --protocol framed).
/// It never runs shell commands. Ctrl-C stops it.
#[derive(Parser)]
#[command(name = "08-batch")]
struct Cli {
    #[command(flatten)]
    address: Address,
}

fn main() -> ExitCode {
    let address = Cli::parse().address;
    // The lesson's server, framed both ways, running our commands.
    exit_code(&address, serve::<Batch>(Protocol::Framed, &address))
}

/// The lesson's commands, and `batch`.
struct Batch;

impl Run for Batch {
    // ANCHOR: run
    /// Runs one request: a batch, or one of the lesson's commands.
    fn run(request: &[u8]) -> Reply {
        // SOLUTION-BEGIN
        // Not trimmed: the frames are bytes, and their last byte may well be a space.
        if let Some(frames) = request.strip_prefix(b"batch ") {
            return run_batch(frames);
        }
        // SOLUTION-END
        // STARTER: // TODO: answer `batch ` followed by framed requests: run each one, and
        // STARTER: // reply with all their replies, each framed, in order, in one body.
        run_command(request)
    }
    // ANCHOR_END: run
}
// SOLUTION-BEGIN

/// The most a request in a batch may announce, as in the lesson: a header of at most
/// `MAX_HEADER` bytes, a body of at most `MAX_COMMAND`.
const LIMITS: Limits = Limits {
    max_header: MAX_HEADER,
    max_body: MAX_COMMAND,
};

/// `batch FRAMES`: first decode every request, so that a bad frame anywhere means
/// nothing runs; then run each with the lesson's `run_command` (so a batch inside a
/// batch is an unknown command, and a request cannot make us recurse), and put their
/// framed replies one after the other in the body of ours: each one's header, then
/// its pieces, so that a `big` in a batch is made as it is written, like any other.
fn run_batch(frames: &[u8]) -> Reply {
    let mut decoder = Decoder::new(LIMITS);
    let mut requests = Vec::new();
    let mut rest = frames;
    while !rest.is_empty() {
        let number = requests.len() + 1;
        match decoder.decode(rest) {
            Ok((taken, message)) => {
                rest = &rest[taken..];
                requests.extend(message);
            }
            Err(error) => return error_reply(format!("batch: request {number}: {error}")),
        }
    }
    // The bytes ran out: between two requests, or inside one?
    if let Err(FrameError::Truncated {
        part,
        expected,
        got,
    }) = decoder.end_of_stream()
    {
        let number = requests.len() + 1;
        return error_reply(format!(
            "batch: request {number} is cut short: the batch ends {got} bytes into its \
             {expected}-byte {part}"
        ));
    }
    let mut body = Vec::new();
    let mut length = 0;
    for request in &requests {
        let reply = run_command(&request.body);
        let header = encode_header(reply.body_length(), reply.is_error);
        length += header.len() + reply.body_length();
        // Fifty `big 8388608` fit in one small batch. The server makes them as it
        // writes them, but a client holds a reply whole: MAX_REPLY is all it takes.
        if length > MAX_REPLY {
            return error_reply(format!(
                "batch: the replies would be longer than {MAX_REPLY} bytes"
            ));
        }
        body.push(Piece::Bytes(header));
        body.extend(reply.body);
    }
    Reply {
        is_error: false,
        body,
    }
}

/// A reply that says `"error": true` in its header.
fn error_reply(text: String) -> Reply {
    Reply {
        is_error: true,
        body: vec![Piece::Bytes(text.into_bytes())],
    }
}
// SOLUTION-END
