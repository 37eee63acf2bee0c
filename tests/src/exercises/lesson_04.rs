//! Lesson 04's exercises: many client threads at once, and what they share.

use super::{Exercise, PATIENCE};
use crate::{Client, OnScript, ServerProcess, Transcript};

/// In course order.
pub const EXERCISES: &[Exercise] = &[
    Exercise {
        id: "04-shared-counter",
        title: "Number every reply, server-wide",
        minutes: 20,
        hints: &[
            "Every client thread must see the same count, so it cannot be a local \
             variable of one thread's loop: make it in `main`, before `serve_forever`, \
             and give each thread a handle to it. A plain `&mut u64` will not do: the \
             threads outlive the borrow, and two of them may count at the same moment.",
            "`let count = Arc::new(AtomicU64::new(0));` in `main`, then \
             `server.serve_forever(move |conn, client_address| communication_loop(conn, \
             client_address, &count))`. The server clones that closure for each client \
             thread, and cloning it clones the `Arc`: a new handle to the same count. \
             Give `communication_loop` an `&AtomicU64` parameter.",
            "`let number = count.fetch_add(1, Ordering::SeqCst) + 1;` adds one and returns \
             the old value in one step, so no two messages get the same number. Then \
             build the reply as in 02-numbered: `format!(\"{number}: \").into_bytes()`, \
             extended with `upper(message)`, in one `write_all`.",
        ],
        args: &[],
        setup: None,
        script: shared_counter,
    },
    Exercise {
        id: "04-busy-limit",
        title: "Serve at most N clients at once",
        minutes: 20,
        hints: &[
            "The server already keeps track of every client it serves. Where does \
             the loop take a new one in, and what could it do there instead?",
            "The server already knows how many clients it is serving: \
             `server.connected()` counts the connections that are open. Decide right \
             after `server.accept()`, in the main thread, before `server.spawn`.",
            "When `server.connected() >= max_clients`, write \
             `format!(\"busy: {max_clients} clients already connected, try again later\\n\")` \
             to the new connection, and `continue`: `conn` is dropped, which closes it. \
             Log a failed write; never `unwrap` it.",
            "A client's place must be free by the time that client sees its connection \
             close: the check's next client connects at that very moment. The lesson's \
             server already gets this right: a client thread forgets its connection, \
             which `connected()` counts, as it drops the last handle to it, which closes \
             it. If you keep a count of your own instead, lower it in the function the \
             client thread runs, before that function returns.",
        ],
        args: &["--max-clients", "2"],
        setup: None,
        script: busy_limit,
    },
    Exercise {
        id: "04-chat",
        title: "A chat room, with channels between the threads",
        minutes: 30,
        hints: &[
            "Think about who owns what: a client's thread owns its socket. Who \
             should own the list of everyone in the room, and how would the \
             others tell it what happened?",
            "Why not give every client thread the other clients' sockets, a \
             `Vec<TcpStream>` behind a `Mutex`? Then every thread writes to sockets it \
             does not own, a client that stops reading blocks a `write_all` made with \
             the lock held (and every other client waits for it), and joining and \
             leaving are changes to a list that every thread reads. Instead, let one \
             thread own the list, the broadcaster: the client threads only *send* it \
             what happens (a client joined, said something, left) through a channel, \
             and it alone reads and changes the list, so nothing needs a lock.",
            "`let (events, inbox) = crossbeam_channel::unbounded();` in `main`, a \
             broadcaster thread that runs `for event in inbox { ... }` over an \
             `enum Event { Joined(SocketAddr, Sender<Vec<u8>>), Said(SocketAddr, \
             Vec<u8>), Left(SocketAddr) }` and keeps a `HashMap<SocketAddr, \
             Sender<Vec<u8>>>`, then `server.serve_forever(move |conn, client_address| \
             chat(conn, client_address, &events))`: the server clones the closure, and \
             `events` with it, for each client thread. In `chat`, start the client's \
             writer: `let (outbox, queue) = bounded(64);` and a thread that owns \
             `conn.try_clone()` and runs `for bytes in queue { conn.write_all(&bytes) \
             ... }`. Send `Event::Joined(client_address, outbox.clone())` before the \
             loop, and `Event::Left(client_address)` after it.",
            "In the loop, the reply goes through `outbox.send(upper(message))`: the \
             writer is the one thread that writes to this socket. Then \
             `events.send(Event::Said(client_address, message.to_vec()))`. On `Said`, \
             the broadcaster builds `format!(\"{from}: \")`, the message without its \
             trailing `\\n` (or `\\r\\n`), and `\\n`, and `try_send`s it to every \
             outbox but the sender's: `try_send`, so a client that does not read never \
             holds it up. After `Left`, `drop(outbox)` and `join` the writer: it ends \
             once the broadcaster has dropped its `Sender` too, so the connection \
             closes after all that was queued for it is written. At shutdown, \
             `serve_forever` returns once every client thread has finished, and drops \
             its closure, with the last `Sender` to the broadcaster: then join the \
             broadcaster.",
        ],
        args: &[],
        setup: None,
        script: chat,
    },
];

/// Three clients take turns; the numbers count every message of every client.
fn shared_counter(server: &mut ServerProcess, transcript: &Transcript) -> OnScript {
    let addr = server.addr();
    let mut a = Client::connect_as(transcript, "A", addr);
    a.turn("hello", "1: HELLO")?;
    // B comes while A is still connected: its first message is the server's second.
    let mut b = Client::connect_as(transcript, "B", addr);
    b.turn("hi", "2: HI")?;
    a.turn("again", "3: AGAIN")?;
    b.send("close");
    b.expect_closed();
    let mut c = Client::connect_as(transcript, "C", addr);
    c.turn("grüße", "4: GRüßE")?;
    a.send("close");
    a.expect_closed();
    c.turn("x", "5: X")?;
    c.close();
    Some(())
}

/// With `--max-clients 2`: A and B are served, C is turned away, and once A has gone
/// D takes its place.
fn busy_limit(server: &mut ServerProcess, transcript: &Transcript) -> OnScript {
    busy_limit_conversation(server, transcript, "")
}

/// 04-busy-limit's conversation, with `end` after every message and reply: nothing
/// here, a newline for lesson 06's line-by-line server (06-busy-limit).
pub(super) fn busy_limit_conversation(
    server: &mut ServerProcess,
    transcript: &Transcript,
    end: &str,
) -> OnScript {
    let addr = server.addr();
    let line = |text: &str| format!("{text}{end}");
    let mut a = Client::connect_as(transcript, "A", addr);
    a.turn(line("hello"), line("HELLO"))?;
    let mut b = Client::connect_as(transcript, "B", addr);
    b.turn(line("hi"), line("HI"))?;
    // A third client while two are connected: the server speaks first, then closes.
    let mut c = Client::connect_as(transcript, "C", addr);
    c.hear_within(
        "busy: 2 clients already connected, try again later\n",
        PATIENCE,
    )?;
    c.expect_closed();
    // The two who are in are still served.
    a.turn(line("still here"), line("STILL HERE"))?;
    // A leaves; once the server has closed A's connection, its place is free.
    a.send(line("close"));
    a.expect_closed();
    let mut d = Client::connect_as(transcript, "D", addr);
    d.turn(line("my turn"), line("MY TURN"))?;
    b.turn(line("bye"), line("BYE"))?;
    d.close();
    b.close();
    Some(())
}

/// A chat room: each new client says something (and is answered, so its thread has
/// surely joined the room) before the others expect to hear from it. 05-broadcast
/// holds the same conversation with lesson 05's selector server.
pub(super) fn chat(server: &mut ServerProcess, transcript: &Transcript) -> OnScript {
    let addr = server.addr();
    let mut a = Client::connect_as(transcript, "A", addr);
    a.turn("hello", "HELLO")?;
    let mut b = Client::connect_as(transcript, "B", addr);
    b.turn("hi\n", "HI\n")?;
    // A hears what B said, with B's address first (the transcript writes it `[B]`).
    a.hear_within(format!("{}: hi\n", b.local_addr()), PATIENCE)?;
    // A's words go to the others, never back to A: after its reply, the next thing A
    // hears is from C.
    a.turn("welcome", "WELCOME")?;
    b.hear_within(format!("{}: welcome\n", a.local_addr()), PATIENCE)?;
    let mut c = Client::connect_as(transcript, "C", addr);
    c.turn("hey all", "HEY ALL")?;
    let said = format!("{}: hey all\n", c.local_addr());
    a.hear_within(&said, PATIENCE)?;
    b.hear_within(&said, PATIENCE)?;
    // `close` is not passed on: the next thing A and C hear is from each other.
    b.send("close");
    b.expect_closed();
    c.turn("bye\r\n", "BYE\r\n")?;
    a.hear_within(format!("{}: bye\n", c.local_addr()), PATIENCE)?;
    a.turn("see you", "SEE YOU")?;
    c.hear_within(format!("{}: see you\n", a.local_addr()), PATIENCE)?;
    c.close();
    a.close();
    Some(())
}
