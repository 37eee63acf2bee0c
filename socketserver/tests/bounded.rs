//! The `upper` example's memory is bounded, whatever its clients send: a line without a
//! newline is read and answered in pieces, never gathered whole. Python's
//! `rfile.readline()` has no limit either; lesson 06 gave its server one. Memory is
//! read from /proc (Linux).
//!
//! The server is the example's binary: `cargo test -p socketserver` builds it, and
//! `cargo test -p socketserver --test bounded` alone does not (it may run a stale one).
// Test code: a panic (from unwrap) is how a test reports failure.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::fs;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::thread;
use std::time::{Duration, Instant};

use classroom::process::memory;
use classroom::{ServerProcess, TIMEOUT};
use common::{connect, example};

/// What the client sends: 16 MiB, and not one newline.
const SENT: usize = 16 * 1024 * 1024;

/// How much the server may grow meanwhile. Gathered whole, the line was 16 MiB (and
/// its upper-cased copy 16 more).
const MAX_GROWTH: u64 = 8 * 1024 * 1024;

fn mib(bytes: u64) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

/// Byte `i` of what the client sends: lower-case letters, over and over.
fn sent_byte(i: usize) -> u8 {
    b'a' + (i % 26) as u8
}

/// The `tx_queue` and `rx_queue` of the /proc/net/tcp row whose local and remote
/// ports are these: what the socket holds that the peer has not acknowledged yet, and
/// what it holds that its program has not read yet.
fn queues(local: u16, remote: u16) -> Option<(u64, u64)> {
    let table = fs::read_to_string("/proc/net/tcp").unwrap();
    let port = |address: &str| u16::from_str_radix(address.rsplit(':').next()?, 16).ok();
    table.lines().skip(1).find_map(|row| {
        let fields: Vec<&str> = row.split_whitespace().collect();
        if port(fields[1])? != local || port(fields[2])? != remote {
            return None;
        }
        let (tx, rx) = fields[4].split_once(':')?;
        Some((
            u64::from_str_radix(tx, 16).ok()?,
            u64::from_str_radix(rx, 16).ok()?,
        ))
    })
}

/// Waits (at most [`TIMEOUT`]) until the server has read all the client sent: the
/// client's socket holds nothing unacknowledged, and the server's holds nothing unread.
fn wait_until_the_server_has_read_it_all(server: &ServerProcess, client: &TcpStream) {
    let (ours, theirs) = (client.local_addr().unwrap().port(), server.addr().port());
    let deadline = Instant::now() + TIMEOUT;
    loop {
        let (client_queues, server_queues) = (queues(ours, theirs), queues(theirs, ours));
        if matches!(client_queues, Some((0, _))) && matches!(server_queues, Some((_, 0))) {
            return;
        }
        if Instant::now() >= deadline {
            server.fail(&format!(
                "the server has not read all the client sent: (tx, rx) queues, client's \
                 {client_queues:?}, server's {server_queues:?}"
            ));
        }
        thread::sleep(Duration::from_millis(10));
    }
}

#[test]
fn a_16_mib_line_without_a_newline_is_answered_in_pieces_in_little_memory() {
    let server = ServerProcess::start(example("upper"));
    // Served once first, so that the server has made its thread and its buffers.
    let mut warm_up = connect(server.addr());
    assert_eq!(warm_up.say("hello"), "HELLO");
    drop(warm_up);
    let before = memory(server.pid(), "VmRSS");

    let client = connect(server.addr());
    // Replies are read while the line is still being sent: a server that answers in
    // pieces would otherwise wait for us to read, and we for it.
    let mut replies = client.stream.try_clone().unwrap();
    let reader = thread::spawn(move || -> Result<usize, String> {
        let mut received = 0;
        let mut buffer = vec![0; 64 * 1024];
        while received < SENT {
            let read = match replies.read(&mut buffer) {
                Ok(0) => return Err(format!("the server closed after {received} bytes")),
                Ok(read) => read,
                Err(error) => return Err(format!("nothing after {received} bytes: {error}")),
            };
            for (i, &byte) in buffer[..read].iter().enumerate() {
                let expected = sent_byte(received + i).to_ascii_uppercase();
                if byte != expected {
                    let at = received + i;
                    return Err(format!("reply byte {at} is {byte:?}, not {expected:?}"));
                }
            }
            received += read;
        }
        Ok(received)
    });
    let mut stream = &client.stream;
    stream.set_write_timeout(Some(TIMEOUT)).unwrap();
    let piece: Vec<u8> = (0..26 * 4096).map(sent_byte).collect(); // whole alphabets
    let mut sent = 0;
    while sent < SENT {
        let length = piece.len().min(SENT - sent);
        stream.write_all(&piece[..length]).unwrap();
        sent += length;
    }
    wait_until_the_server_has_read_it_all(&server, &client.stream);
    let (now, peak) = (memory(server.pid(), "VmRSS"), memory(server.pid(), "VmHWM"));
    assert!(
        peak.saturating_sub(before) < MAX_GROWTH,
        "{SENT} bytes without a newline grew the server from {:.1} MiB to {:.1} MiB \
         (peak {:.1} MiB): over {:.0} MiB more",
        mib(before),
        mib(now),
        mib(peak),
        mib(MAX_GROWTH)
    );

    // Every byte came back, upper-cased, without a newline ever sent.
    assert_eq!(reader.join().unwrap(), Ok(SENT));
    let peak = memory(server.pid(), "VmHWM");
    assert!(
        peak.saturating_sub(before) < MAX_GROWTH,
        "after the replies, the server's peak is {:.1} MiB, from {:.1} MiB",
        mib(peak),
        mib(before)
    );

    // The same connection goes on with lines, and a second client is served.
    let mut client = client;
    assert_eq!(client.say(" and the end"), " AND THE END");
    let mut second = connect(server.addr());
    assert_eq!(second.say("second"), "SECOND");
    println!(
        "{:.1} MiB before, peak {:.1} MiB",
        mib(before),
        mib(memory(server.pid(), "VmHWM"))
    );
}
