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
        minutes: 30,
        hints: &[
            "Sending to another client is what the server already does with replies: \
             put the bytes in that connection's `outbox`, and the event loop sends them \
             when the socket is writable. But the selector only says \"writable\" if it \
             is watching for it: after changing another connection's outbox, call \
             `settle` for it, which tells the selector.",
            "`read` has to hand the message back: make it return \
             `io::Result<Option<Vec<u8>>>`, `Some(message.to_vec())` for a message it \
             answered, `None` otherwise (nothing read, end of input, `close`). In \
             `service_connection`, keep the message and the client's `addr`, and pass \
             the message on after `settle(server, key, result)`: by then the borrow \
             of `connection` has ended, and the map of registrations is yours again.",
            "To visit the others, first collect their keys, \
             `server.registrations.keys().copied().filter(|&k| k != key).collect::<Vec<_>>()`, \
             then for each one `get_mut` it, skip the listener and any connection that \
             is `closing`, `extend_from_slice` the line onto its `outbox`, and \
             `settle(server, other, Ok(()))`. The line is `format!(\"{addr}: \")` plus \
             the message without its trailing newline, plus `\\n`.",
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
        minutes: 30,
        hints: &[
            "The selector's `wait(&mut events, timeout)` sleeps until a socket is ready \
             *or* the timeout passes (`None`: no limit), like Python's \
             `sel.select(timeout)`. So the loop can wake up in time for the first client \
             whose idle time runs out, even when no socket is ready.",
            "Give `Connection` a `last_heard: Instant`, set to `Instant::now()` in \
             `accept` and again in `read` whenever data arrives. Keep the idle \
             `Duration` in `Server` (pass it to `Server::new`). The timeout for `wait` \
             is the earliest `last_heard + idle` among the connections that are not \
             `closing`, minus now: `deadline.saturating_duration_since(Instant::now())`.",
            "After the `for event` loop, find the connections with \
             `now.duration_since(last_heard) >= idle` that are not `closing` (collect \
             their keys first), and for each: queue `bye: idle for too long\\n` in its \
             outbox, set `closing`, `flush()`, and `settle(self, key, result)`: the \
             connection closes once the goodbye is sent, as after `close`.",
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
