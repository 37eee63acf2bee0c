//! Lesson 07's exercises: a UDP handler answers one datagram and forgets it, so what
//! lasts from one datagram to the next lives in the server.
//!
//! A datagram comes whole or not at all, so the scripts read each reply with
//! [`UdpClient::recv`] and stop at the first one that differs from what a correct
//! server sends: the transcript then shows what the server really said.

use super::{Exercise, PATIENCE};
use crate::{OnScript, ServerProcess, Transcript, UdpClient};

/// In course order.
pub const EXERCISES: &[Exercise] = &[
    Exercise {
        id: "07-reverse",
        title: "Answer each datagram reversed",
        minutes: 10,
        hints: &[
            "A datagram is bytes, and reversing its bytes breaks a character \
             like `é` in two. What must the bytes become first, and what if \
             they cannot?",
            "The reply is whatever `handle` writes to `this.wfile`; the datagram is already \
             in `data`. Characters, not bytes: `std::str::from_utf8(&data)` gives a `&str`, \
             or an error when the datagram is not UTF-8.",
            "`text.chars().rev().collect::<String>()` is the text reversed, character by \
             character. Write its bytes with `this.wfile.write_all(reversed.as_bytes())`.",
            "For the `Err` of `from_utf8`, write the message: \
             `write!(this.wfile, \"not UTF-8: {} bytes\", data.len())`. `handle` returns \
             what the write returns, so each arm of a `match` can be the write itself.",
        ],
        args: &[],
        setup: None,
        script: reverse,
    },
    Exercise {
        id: "07-per-client-count",
        title: "Number the replies, client by client",
        minutes: 20,
        hints: &[
            "A new handler is made for every datagram, so a count kept in it \
             starts from zero every time. Where can a count live that outlives \
             one datagram?",
            "A new handler is made for every datagram, so the counts cannot live in the \
             handler: they live in the server, `Counting`, which every handler reaches as \
             `this.server`. One count per client address: a \
             `HashMap<SocketAddr, u64>`.",
            "Handlers run on threads of their own, possibly at the same time, and \
             `this.server` is shared (`&Arc<Counting>`): put the map in a `Mutex`, \
             `counts: Mutex<HashMap<SocketAddr, u64>>`, and create it in `serve` with \
             `Mutex::new(HashMap::new())`.",
            "In `handle`: `let mut counts = this.server.counts.lock()` (no `unwrap`: \
             `.unwrap_or_else(PoisonError::into_inner)`), then \
             `let count = counts.entry(*this.client_address).or_insert(0); *count += 1;`. \
             Write `format!(\"{count}: \")` to `this.wfile` before the upper-cased data.",
        ],
        args: &[],
        setup: None,
        script: per_client_count,
    },
];

/// Sends `datagram` and hears one back: on script if it was `expected`. A correct
/// server answers at once, so a silent one fails after [`PATIENCE`], not the
/// harness's whole timeout.
fn ask(client: &mut UdpClient, datagram: &[u8], expected: &[u8]) -> OnScript {
    client.turn(datagram, expected, PATIENCE)
}

/// Characters reversed, UTF-8 included; an empty datagram is an empty answer; bytes
/// that are not UTF-8 are told so; and a second client is answered the same.
fn reverse(server: &mut ServerProcess, transcript: &Transcript) -> OnScript {
    let mut a = UdpClient::bind_as(transcript, "A", server.addr());
    let turns: [(&[u8], &[u8]); 4] = [
        (b"stressed", b"desserts"),
        ("grüße, 世界".as_bytes(), "界世 ,eßürg".as_bytes()),
        (b"", b""),
        (b"\xff\xfeabc", b"not UTF-8: 5 bytes"),
    ];
    for (datagram, expected) in turns {
        ask(&mut a, datagram, expected)?;
    }
    let mut b = UdpClient::bind_as(transcript, "B", server.addr());
    ask(&mut b, b"live on", b"no evil")?;
    Some(())
}

/// Two clients, taking turns: each one's replies are numbered from 1, apart from the
/// other's; an empty datagram counts too.
fn per_client_count(server: &mut ServerProcess, transcript: &Transcript) -> OnScript {
    let mut a = UdpClient::bind_as(transcript, "A", server.addr());
    let mut b = UdpClient::bind_as(transcript, "B", server.addr());
    for (client, datagram, expected) in [
        ("A", &b"hello"[..], &b"1: HELLO"[..]),
        ("B", b"hi", b"1: HI"),
        ("A", b"again", b"2: AGAIN"),
        ("A", b"", b"3: "),
        ("B", "grüße".as_bytes(), "2: GRüßE".as_bytes()),
    ] {
        let client = if client == "A" { &mut a } else { &mut b };
        ask(client, datagram, expected)?;
    }
    Some(())
}
