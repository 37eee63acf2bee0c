//! Lesson 05's exercises: one thread holds every connection, so it can reach them
//! all, and its selector can wait for time as well as for sockets.

use std::time::Duration;

use super::{Exercise, PATIENCE};
use crate::{Client, OnScript, ServerProcess, Transcript};

/// In course order.
pub const EXERCISES: &[Exercise] = &[
    Exercise {
        id: "05-broadcast",
        title: "Pass every message on to the other clients",
        minutes: 15,
        hints: &[
            "One thread holds every connection, so reaching another client is no harder \
             than answering this one: `Upper.received` answers with the `server` your \
             hook is given. See what else a hook may do with it in lesson 05's \
             `src/service.rs`, after the `Service` trait.",
            "`server.clients()` lists everyone connected, the sender too; \
             `server.send(client, bytes)` queues bytes for one of them, and the event \
             loop sends them when that socket is writable. Compare each client with \
             `from` (a `Client` is `PartialEq`), and leave `close` out: `lesson_05::is_close`.",
            "The line: `let mut line = format!(\"{}: \", from.addr).into_bytes();`, then \
             the message without its line ending (`message.strip_suffix(b\"\\n\")\
             .unwrap_or(message)`, then the same for `b\"\\r\"`), then \
             `line.push(b'\\n')`. Then `for client in server.clients() { if client != \
             from { server.send(client, &line); } }`.",
        ],
        args: &[],
        setup: None,
        // The same chat room as 04-chat: the conversation cannot tell threads from a
        // selector, which is the point.
        script: super::lesson_04::chat,
    },
    Exercise {
        id: "05-idle-timeout",
        title: "Close the clients that say nothing",
        minutes: 20,
        hints: &[
            "Every client may stay quiet, so no socket will wake the event loop when \
             time is up. Two hooks of the `Service` trait (lesson 05's \
             `src/service.rs`) are about time: see where `serve_forever` in \
             `src/lib.rs` calls them, and what it does with what they return.",
            "`wake_at` tells the loop the latest moment it may sleep until, as the \
             timeout of Python's `sel.select(timeout)`: the earliest of your \
             `deadlines`. `service_actions` runs after every turn of the loop, whatever \
             woke it: there, compare each deadline with `Instant::now()`.",
            "`fn wake_at(&self) -> Option<Instant> { self.deadlines.values().min().copied() }`. \
             In `service_actions`, first collect the clients whose deadline is \
             `<= now` (the map cannot change while you go through it), then for each: \
             `server.send(client, b\"bye: idle for too long\\n\")`, \
             `server.close(client)` (it closes once the goodbye is sent), and remove its \
             deadline, so that the loop stops waking up for it.",
        ],
        args: &["--idle", "1"],
        setup: None,
        script: idle_timeout,
    },
];

/// How long the client keeps quiet between messages, with the server started with
/// `--idle 1`. Twice this is longer than a second, so a server that does not start
/// the idle time again on each message closes A during the second wait; once is well
/// under a second, so a correct server never does, however slow the machine.
const QUIET: Duration = Duration::from_millis(600);

/// `--idle 1`: A talks, keeps quiet a while, talks again, and is closed only after a
/// whole second of silence; B never says a word and is closed too.
fn idle_timeout(server: &mut ServerProcess, transcript: &Transcript) -> OnScript {
    let addr = server.addr();
    let goodbye = "bye: idle for too long\n";
    let mut b = Client::connect_as(transcript, "B", addr);
    let mut a = Client::connect_as(transcript, "A", addr);
    a.turn("one", "ONE")?;
    a.silent_for(QUIET)?;
    a.turn("two", "TWO")?;
    a.silent_for(QUIET)?;
    a.hear_within(goodbye, PATIENCE)?;
    a.expect_closed();
    // B's goodbye came long ago, a second after it connected: it is waiting to be read.
    b.hear_within(goodbye, PATIENCE)?;
    b.expect_closed();
    Some(())
}
