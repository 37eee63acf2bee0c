//! Lesson 06's exercises: the parts of a `socketserver` server you write, the
//! handler's and the server's hooks, and where each keeps its state.

use super::Exercise;
use crate::{Client, OnScript, ServerProcess, Transcript};

/// In course order.
pub const EXERCISES: &[Exercise] = &[
    Exercise {
        id: "06-goodbye",
        title: "Say goodbye in the handler's finish",
        minutes: 10,
        hints: &[
            "Python's handler has three methods, and one of them runs after \
             `handle`, however `handle` ended. Which one? The crate's \
             `RequestHandler` has the same three.",
            "`RequestHandler` has three methods, Python's `setup`, `handle` and \
             `finish`; `finish` has a default that does nothing. Define your own in \
             the `impl`: `fn finish(&mut self, this: &mut Stream) -> \
             io::Result<()>`. It runs after `handle`, however `handle` ended.",
            "The count belongs to one conversation, so it lives in the handler itself \
             (`self`), not in `this`, which the base class made: change \
             `struct Goodbye;` into `struct Goodbye { lines: u64 }` (`#[derive(Default)]` \
             starts it at 0), and `self.lines += 1` after each reply.",
            "In `finish`, `writeln!(this.wfile, \"goodbye: {} line(s) answered\", \
             self.lines)` writes the line and its newline. Return its result: if the \
             client is gone, the error goes to the server's `handle_error`, as \
             `handle`'s errors do.",
        ],
        args: &[],
        setup: None,
        script: goodbye,
    },
    Exercise {
        id: "06-counter-state",
        title: "Keep counts in the server, for every handler",
        minutes: 20,
        hints: &[
            "A handler lives for one client, so it cannot count them all. Where \
             does Python keep what every handler shares?",
            "A handler lives for one client, so counts of all the clients cannot live in \
             it. Python keeps them on the server (`self.server.count`), and so can you: \
             `Counting` is your own type, and every handler reaches it as \
             `this.server`.",
            "Many request threads use the server at once, and they only get `&Counting` \
             (the crate shares it in an `Arc`): a plain `u64` field could not be \
             changed. Give `Counting` two `AtomicU64` fields, `clients` and `lines`, \
             start them at `AtomicU64::new(0)` in `serve`, and change them with \
             `this.server.lines.fetch_add(1, Ordering::SeqCst)`.",
            "Count a client in the handler's `setup` (Python's `setup`, run once before \
             `handle`): `fn setup(&mut self, this: &mut Stream<Counting>) -> \
             io::Result<()>`. Answer `stats` (recognised as `close` is) with \
             `writeln!(this.wfile, \"clients: {}, lines: {}\", ...)`, reading both \
             with `.load(Ordering::SeqCst)`, and `continue` without counting it.",
        ],
        args: &[],
        setup: None,
        script: counter_state,
    },
    Exercise {
        id: "06-busy-limit",
        title: "Serve at most N clients at once, with the crate's hooks",
        minutes: 15,
        hints: &[
            "In Python this is a server subclass that overrides one hook: the \
             one that may refuse a request before it is processed. \
             06-counter-state shows how to make a server type of your own.",
            "Python would write `class Limited(ThreadingMixIn, TCPServer)` and override \
             `verify_request`. Do the same as 06-counter-state's `Counting`: a struct \
             with a `ServerCore<Tcp>` and `Threads`, and `compose! { impl BaseServer \
             for Limited(ThreadingMixIn, TCPServer) { type Handler = Upper; ... } }` \
             with your hooks in its body (or the three `impl`s it stands for, by hand: \
             `SocketServer`, `BaseServer` taking `process_request` and `server_close` \
             from `ThreadingMixIn`, and `ThreadingMixIn`). Add `max_clients: usize` and \
             a count, `active: AtomicUsize`.",
            "`verify_request(&self, request: &TcpStream, client_address: &SocketAddr) -> \
             bool` runs on the serving thread for every new client; returning `false` \
             makes the crate close the connection unserved. Before that, write the busy \
             line to it: `&TcpStream` implements `Write`, so \
             `let mut conn = request; conn.write_all(...)`.",
            "Every request, served or turned away, ends in `shutdown_request`, exactly \
             once. So count every request in `verify_request` (`fetch_add`, and refuse \
             when the new count is above `max_clients`), and count it out in your own \
             `shutdown_request`: `fetch_sub` first, then what the default does, \
             Python's `super().shutdown_request(request)`: \
             `defaults::shutdown_request(self, request);`.",
        ],
        args: &["--max-clients", "2"],
        setup: None,
        script: busy_limit,
    },
];

/// A conversation ended by `close`, and one ended by a half-close: `finish` says
/// goodbye after both.
fn goodbye(server: &mut ServerProcess, transcript: &Transcript) -> OnScript {
    let addr = server.addr();
    let mut a = Client::connect_as(transcript, "A", addr);
    for (line, reply) in [("hello\n", "HELLO\n"), ("grüße\n", "GRüßE\n")] {
        a.turn(line, reply)?;
    }
    a.turn("close\n", "goodbye: 2 line(s) answered\n")?;
    a.expect_closed();
    // B says one line, then "no more from me": `handle` ends, and `finish` still runs.
    let mut b = Client::connect_as(transcript, "B", addr);
    b.turn("x\n", "X\n")?;
    b.shutdown_write();
    b.hear("goodbye: 1 line(s) answered\n")?;
    b.expect_closed();
    Some(())
}

/// Two clients at once, then a third: every handler sees the same counts.
fn counter_state(server: &mut ServerProcess, transcript: &Transcript) -> OnScript {
    let addr = server.addr();
    let mut a = Client::connect_as(transcript, "A", addr);
    a.turn("hello\n", "HELLO\n")?;
    let mut b = Client::connect_as(transcript, "B", addr);
    for (line, reply) in [
        ("stats\n", "clients: 2, lines: 1\n"),
        ("how are you?\n", "HOW ARE YOU?\n"),
    ] {
        b.turn(line, reply)?;
    }
    a.turn(" Stats \n", "clients: 2, lines: 2\n")?;
    a.send("close\n");
    a.expect_closed();
    let mut c = Client::connect_as(transcript, "C", addr);
    c.turn("STATS\n", "clients: 3, lines: 2\n")?;
    c.close();
    b.close();
    Some(())
}

/// With `--max-clients 2`, as 04-busy-limit, but line by line: A and B are served, C
/// is turned away, and once A has gone D takes its place.
fn busy_limit(server: &mut ServerProcess, transcript: &Transcript) -> OnScript {
    super::lesson_04::busy_limit_conversation(server, transcript, "\n")
}
