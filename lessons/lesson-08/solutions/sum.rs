// SOLUTION-BEGIN
//! Exercise 08-sum, the reference solution: lesson 08's server, with a new built-in
//! command, `sum N...`, whose bad input gets an error reply in the same framing.
//!
//! Its starter, `starters/sum.rs`, is generated from this file: the lines between
//! SOLUTION-BEGIN and SOLUTION-END are left out of it, and each `// STARTER:` line
//! becomes the code after it. After changing this file, regenerate the starters with
//! `cargo run -p classroom -- starters` (`verify` insists).
// SOLUTION-END
// STARTER: //! Exercise 08-sum: a new built-in command, `sum N...`.
// STARTER: //!
// STARTER: //! This is lesson 08's server, from its library, with commands of your own:
// STARTER: //! find the `TODO` below. The statement is at the end of lesson 08's chapter in
// STARTER: //! the book. Check your work with `cargo run -p classroom -- check 08-sum`;
// STARTER: //! stuck? `... -- hint 08-sum`.

// SOLUTION-BEGIN
use std::num::IntErrorKind;
// SOLUTION-END
use std::process::ExitCode;

use clap::Parser;
// SOLUTION-BEGIN
use lesson_08::framing::Message;
// SOLUTION-END
use lesson_08::{Address, Protocol, Reply, Run, exit_code, run_command, serve};

/// Exercise 08-sum: lesson 08's server, which also adds numbers.
///
/// Answers the lesson's built-in commands (help, echo TEXT, upper TEXT, time, big N)
/// and `sum N...`, in the tutorial's protocol: each request is one read, each reply
/// is framed. It never runs shell commands. Ctrl-C stops it.
#[derive(Parser)]
#[command(name = "08-sum")]
struct Cli {
    #[command(flatten)]
    address: Address,
}

fn main() -> ExitCode {
    let address = Cli::parse().address;
    // The lesson's server, in its default protocol, running our commands.
    exit_code(&address, serve::<Sum>(Protocol::Tutorial, &address))
}

/// The lesson's commands, and `sum`.
struct Sum;

impl Run for Sum {
    // ANCHOR: run
    /// Runs one command: the lesson's, and ours.
    fn run(command: &[u8]) -> Reply {
        // SOLUTION-BEGIN
        // Trimmed and split at its first space, as the lesson's `run_command` does.
        let command = command.trim_ascii();
        let (name, numbers) = match command.iter().position(|&byte| byte == b' ') {
            Some(space) => (&command[..space], &command[space + 1..]),
            None => (command, &b""[..]),
        };
        if name == b"sum" {
            return sum(numbers).into(); // a Message made whole is a Reply of one piece
        }
        // SOLUTION-END
        // STARTER: // TODO: answer `sum N...` with the sum of the whole numbers N, in a
        // STARTER: // reply; answer bad input with an error reply that says what is wrong.
        // STARTER: // (A `lesson_08::framing::Message` you make is a reply with `.into()`.)
        run_command(command)
    }
    // ANCHOR_END: run
}
// SOLUTION-BEGIN

/// `sum N...`: the whole numbers, separated by spaces, added up. Every number comes
/// from the network, so every step is checked: a word that is not a number, a number
/// or a total that does not fit in 64 bits, each gets an error reply, never a panic.
fn sum(numbers: &[u8]) -> Message {
    let numbers = String::from_utf8_lossy(numbers);
    let mut total: i64 = 0;
    for word in numbers.split_ascii_whitespace() {
        let number: i64 = match word.parse() {
            Ok(number) => number,
            Err(error)
                if matches!(
                    error.kind(),
                    IntErrorKind::PosOverflow | IntErrorKind::NegOverflow
                ) =>
            {
                return error_reply(format!("sum: {word} does not fit in 64 bits"));
            }
            Err(_) => return error_reply(format!("sum: {word:?} is not a whole number")),
        };
        // `total + number` would panic on overflow in a debug build, and wrap around
        // in a release build: neither is an answer.
        total = match total.checked_add(number) {
            Some(total) => total,
            None => return error_reply("sum: the total does not fit in 64 bits".into()),
        };
    }
    Message {
        body: total.to_string().into_bytes(),
        is_error: false,
    }
}

/// A reply that says `"error": true` in its header.
fn error_reply(text: String) -> Message {
    Message {
        body: text.into_bytes(),
        is_error: true,
    }
}
// SOLUTION-END
