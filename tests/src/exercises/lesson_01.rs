//! Lesson 01's exercises: the single-shot server, changed a little.
//!
//! Each script is the conversation a correct server holds, written so that it stops
//! as soon as a server goes off script: a starter fails in a moment, and its
//! transcript shows exactly where it parted from the expected one.

use std::time::Duration;

use super::{Exercise, PATIENCE, record_exit};
use crate::{Client, OnScript, ServerProcess, Transcript};

/// In course order.
pub const EXERCISES: &[Exercise] = &[
    Exercise {
        id: "01-greeting",
        title: "Greet the client first",
        minutes: 10,
        hints: &[
            "The greeting goes out right after `accept`, before the `read`: the server \
             speaks first. Sending is what the server already does with its reply.",
            "`client_address` is a `SocketAddr`, which prints as `127.0.0.1:50000`, so \
             `format!(\"welcome, {client_address}! say something.\\n\")` is the whole \
             greeting. Send its bytes with `conn.write_all(greeting.as_bytes())`.",
            "A failed write is the client's problem, not the server's: log it with \
             `println!(\"{client_address} error: {error}\")` and `return Ok(())`, as the \
             reply's `write_all` does a few lines below.",
        ],
        args: &[],
        setup: None,
        script: greeting,
    },
    Exercise {
        id: "01-whole-line",
        title: "Read the whole line, however it arrives",
        minutes: 10,
        hints: &[
            "TCP delivers a stream of bytes, not messages: one `read` returns whatever \
             has arrived, which may be part of a line. Keep reading until the bytes \
             you have contain a newline.",
            "Collect into a `Vec<u8>`: read into the buffer, \
             `message.extend_from_slice(&buffer[..received])`, and loop while \
             `!message.contains(&b'\\n')`. Stop early if `read` returns 0 (the client \
             closed) or the message reaches `BUFFER_SIZE` bytes.",
            "To never read past `BUFFER_SIZE` in total, read into \
             `&mut buffer[..BUFFER_SIZE - message.len()]`. After the loop, answer \
             `upper(&message)` and log `printable(&message)` as before.",
        ],
        args: &[],
        setup: None,
        script: whole_line,
    },
];

/// The greeting names the client; then the lesson's one question and answer.
fn greeting(server: &mut ServerProcess, transcript: &Transcript) -> OnScript {
    let mut client = Client::connect(transcript, server.addr());
    let greeting = format!("welcome, {}! say something.\n", client.local_addr());
    client.hear_within(greeting, PATIENCE)?;
    client.turn("hello", "HELLO")?;
    client.expect_closed();
    record_exit(server, transcript);
    Some(())
}

/// A line sent in three pieces: nothing may come back until its newline has.
fn whole_line(server: &mut ServerProcess, transcript: &Transcript) -> OnScript {
    // As lesson 03's test of a waiting client: a correct server never answers within
    // this, however slow the machine; one that answers a piece answers at once.
    let quiet = Duration::from_millis(500);
    let mut client = Client::connect(transcript, server.addr());
    for piece in ["hel", "lo, wor"] {
        client.send(piece);
        client.silent_for(quiet)?;
    }
    client.turn("ld\n", "HELLO, WORLD\n")?;
    client.expect_closed();
    record_exit(server, transcript);
    Some(())
}
