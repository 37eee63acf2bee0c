//! Lesson 02's exercises: the communication loop keeps state from one message to the
//! next.

use super::{Exercise, record_exit};
use crate::{Client, OnScript, ServerProcess, Transcript};

/// In course order.
pub const EXERCISES: &[Exercise] = &[
    Exercise {
        id: "02-numbered",
        title: "Number the replies",
        minutes: 15,
        hints: &[
            "The number has to be remembered from one message to the next. \
             Where in `communication_loop` does a value live that long?",
            "The count has to survive from one turn of the loop to the next, so it \
             lives outside the loop: `let mut count = 0;` before `loop`, and \
             `count += 1;` for each message you answer.",
            "Build the reply in one `Vec<u8>`: `let mut reply = format!(\"{count}: \")\
             .into_bytes(); reply.extend_from_slice(&upper(message));`, then send it \
             with one `write_all`.",
            "`close` is not answered, so it is not counted: count after the \
             `is_close` check, just before you reply.",
        ],
        args: &[],
        setup: None,
        script: numbered,
    },
    Exercise {
        id: "02-lines",
        title: "Answer line by line, however the lines arrive",
        minutes: 15,
        hints: &[
            "A read is not a line: it may hold half of one, or two. What must \
             the server keep from one read to the next?",
            "A read may hold part of a line, or several lines. Keep what you have read \
             but not yet answered in a `Vec<u8>` that lives outside the loop, append \
             each read to it, and answer every complete line in it.",
            "`pending.iter().position(|&byte| byte == b'\\n')` finds the end of the \
             first complete line; `pending.drain(..=end).collect::<Vec<u8>>()` takes \
             that line, newline included, out of `pending`. Loop until no newline is \
             left: the rest waits for the next read.",
            "Each complete line is one message: `close` ends the conversation \
             (`is_close` ignores the newline), anything else is counted and answered \
             as `N: LINE` with its newline, as in 02-numbered.",
        ],
        args: &[],
        setup: None,
        script: lines,
    },
];

// ANCHOR: numbered
/// Three messages, each answered with its number; `close` is not a message.
fn numbered(server: &mut ServerProcess, transcript: &Transcript) -> OnScript {
    let mut client = Client::connect(transcript, server.addr());
    for (message, reply) in [("hello", "1: HELLO"), ("grüße", "2: GRüßE"), ("x", "3: X")] {
        client.turn(message, reply)?;
    }
    client.send("close");
    client.expect_closed();
    record_exit(server, transcript);
    Some(())
}
// ANCHOR_END: numbered

/// Lines cut across reads and several lines in one read: one numbered answer per line.
fn lines(server: &mut ServerProcess, transcript: &Transcript) -> OnScript {
    let mut client = Client::connect(transcript, server.addr());
    let turns = [
        ("one\ntw", "1: ONE\n"),
        ("o\nthree\nfo", "2: TWO\n3: THREE\n"),
        ("ur\nclose\n", "4: FOUR\n"),
    ];
    for (data, reply) in turns {
        client.turn(data, reply)?;
    }
    client.expect_closed();
    record_exit(server, transcript);
    Some(())
}
