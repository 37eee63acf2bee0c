//! Lesson 03's exercises: the connection loop outlives its clients, so it can keep
//! state across them, and decide when to stop.

use super::{Exercise, record_exit};
use crate::{Client, OnScript, ServerProcess, Transcript};

/// In course order.
pub const EXERCISES: &[Exercise] = &[
    Exercise {
        id: "03-stats",
        title: "Count clients and messages across connections",
        minutes: 20,
        hints: &[
            "The counts are about every client the server has served, and \
             `communication_loop` serves only one. Which function lives as long \
             as the server?",
            "The counts must outlive each client, so they cannot live in \
             `communication_loop`: keep them in `serve_forever`, before its `loop`, and \
             lend them to `communication_loop` as a `&mut` parameter.",
            "A small struct keeps them together: \
             `struct Stats { clients: u64, messages: u64 }`. Count a client right after \
             `accept`, and a message just before you answer it in upper case.",
            "Recognise `stats` as the lesson recognises `close`: \
             `message.trim_ascii().eq_ignore_ascii_case(b\"stats\")`. Answer it with \
             `format!(\"clients: {}, messages: {}\\n\", stats.clients, stats.messages)` \
             and `continue` the loop without counting it.",
        ],
        args: &[],
        setup: None,
        script: stats,
    },
    Exercise {
        id: "03-quit",
        title: "Stop the server from a client",
        minutes: 15,
        hints: &[
            "Only `serve_forever` can stop the server, and only \
             `communication_loop` sees `quit`. How can one tell the other how a \
             conversation ended?",
            "`communication_loop` must tell `serve_forever` how the conversation ended: \
             return an enum, say `enum Ending { Closed, Quit }`, inside the `Ok`.",
            "`serve_forever` can no longer return `!` (never): make it return `()`, and \
             `break` out of its loop when the conversation ended with `Ending::Quit`. \
             Then `main` returns `ExitCode::SUCCESS` after it.",
            "On `quit`, send the goodbye with `write_all` before you return \
             `Ok(Ending::Quit)`; the connection closes when `conn` is dropped, and the \
             listening socket when `serve_forever` returns and `listener` is dropped.",
        ],
        args: &[],
        setup: None,
        script: quit,
    },
];

/// Two clients, one after the other; `stats` counts both and all their messages.
fn stats(server: &mut ServerProcess, transcript: &Transcript) -> OnScript {
    let addr = server.addr();
    let mut a = Client::connect_as(transcript, "A", addr);
    for (message, reply) in [
        ("hello", "HELLO"),
        ("stats", "clients: 1, messages: 1\n"),
        ("how are you?", "HOW ARE YOU?"),
    ] {
        a.turn(message, reply)?;
    }
    a.close();
    let mut b = Client::connect_as(transcript, "B", addr);
    for (message, reply) in [
        ("Stats", "clients: 2, messages: 2\n"),
        ("fine", "FINE"),
        ("stats\n", "clients: 2, messages: 3\n"),
    ] {
        b.turn(message, reply)?;
    }
    b.close();
    Some(())
}

/// `close` ends one conversation, as in the lesson; `quit` ends the server.
fn quit(server: &mut ServerProcess, transcript: &Transcript) -> OnScript {
    let mut a = Client::connect_as(transcript, "A", server.addr());
    a.turn("hello", "HELLO")?;
    a.send("close");
    a.expect_closed();
    let mut b = Client::connect_as(transcript, "B", server.addr());
    b.turn("quit", "bye: the server is stopping\n")?;
    b.expect_closed();
    record_exit(server, transcript);
    Some(())
}
