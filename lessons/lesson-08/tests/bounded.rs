//! A server's memory per connection is bounded, whatever its clients ask: `big N` is a
//! 12-byte request for up to 8 MiB, and sixteen clients who ask for it and never read
//! must not make the server hold sixteen bodies. Memory is read from /proc (Linux).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::fs;
use std::io::Read;
use std::thread;
use std::time::{Duration, Instant};

use classroom::process::memory;
use classroom::{ServerProcess, TIMEOUT, Transcript};
use common::{Framed, start_server, text};
use lesson_08::{MAX_BIG, WRITE_TIMEOUT, big_body};

/// Clients asking for the largest `big` at once.
const CLIENTS: usize = 16;

/// How much the server may grow while they wait: 1 MiB a client, for a chunk of 64 KiB
/// each, and then some (a thread's stack and heap). Each body held whole, 8 MiB and
/// once framed another 8, was 256 MiB in all; chunks measured 1 MiB.
const MAX_GROWTH: u64 = CLIENTS as u64 * 1024 * 1024;

/// The server's threads, from /proc: its main thread, and one per client it serves.
fn threads(pid: u32) -> usize {
    fs::read_dir(format!("/proc/{pid}/task")).unwrap().count()
}

fn mib(bytes: u64) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

/// The rows of /proc/net/tcp for the server's side of these clients' connections:
/// local port the server's, remote port a client's.
fn server_sockets(server_port: u16, client_ports: &[u16]) -> Vec<Vec<String>> {
    let table = fs::read_to_string("/proc/net/tcp").unwrap();
    let port = |address: &str| u16::from_str_radix(address.rsplit(':').next().unwrap(), 16);
    table
        .lines()
        .skip(1)
        .map(|row| row.split_whitespace().map(String::from).collect::<Vec<_>>())
        .filter(|fields| {
            port(&fields[1]) == Ok(server_port)
                && port(&fields[2]).is_ok_and(|remote| client_ports.contains(&remote))
        })
        .collect()
}

/// Waits (at most [`TIMEOUT`]) until the server has written to every client all that
/// the sockets take: each client's window is closed (its receive buffer is full), so
/// the server's side of the connection runs a zero-window probe timer (`tr` 4 in
/// /proc/net/tcp), with bytes queued that it cannot send.
fn wait_until_the_sockets_are_full(server: &ServerProcess, client_ports: &[u16]) {
    let deadline = Instant::now() + TIMEOUT;
    loop {
        let rows = server_sockets(server.addr().port(), client_ports);
        let full = rows
            .iter()
            .filter(|fields| fields[5].starts_with("04:"))
            .count();
        if full == client_ports.len() {
            return;
        }
        if Instant::now() >= deadline {
            let rows: Vec<String> = rows.iter().map(|fields| fields.join(" ")).collect();
            server.fail(&format!(
                "{full} of {} clients' windows closed in time; the server's sockets:\n{}",
                client_ports.len(),
                rows.join("\n")
            ));
        }
        thread::sleep(Duration::from_millis(10));
    }
}

/// Sends `command` as `protocol` frames requests: bare, or framed.
fn send(client: &mut Framed, protocol: &str, command: &str) {
    match protocol {
        "framed" => client.send_frame(command),
        _ => client.client.send(command),
    }
}

/// Reads one reply to `big`: the bare bytes (`raw`, which must know how many to read),
/// or one frame.
fn read_big(client: &mut Framed, protocol: &str, size: usize) -> Vec<u8> {
    if protocol == "raw" {
        let mut body = vec![0; size];
        client.client.stream().read_exact(&mut body).unwrap();
        return body;
    }
    let reply = client.recv_frame();
    assert!(!reply.is_error, "{}", text(&reply));
    reply.body
}

#[test]
fn sixteen_clients_who_ask_for_the_largest_big_and_never_read_cost_little_memory() {
    for protocol in ["raw", "tutorial", "framed"] {
        let server = start_server(protocol);
        let transcript = Transcript::new(&server);
        let mut clients: Vec<Framed> = (0..CLIENTS)
            .map(|n| Framed::connect_as(&transcript, &n.to_string(), server.addr()))
            .collect();
        // Every connection served once first, so that each has its thread already.
        for client in &mut clients {
            send(client, protocol, "big 16");
            assert_eq!(read_big(client, protocol, 16), big_body(16));
        }
        let before = memory(server.pid(), "VmRSS");

        let command = format!("big {MAX_BIG}");
        for client in &mut clients {
            send(client, protocol, &command);
        }
        let ports: Vec<u16> = clients
            .iter()
            .map(|c| c.client.local_addr().port())
            .collect();
        wait_until_the_sockets_are_full(&server, &ports);
        let (now, peak) = (memory(server.pid(), "VmRSS"), memory(server.pid(), "VmHWM"));
        assert!(
            peak.saturating_sub(before) < MAX_GROWTH,
            "--protocol {protocol}: {CLIENTS} clients asked for {MAX_BIG} bytes each and \
             read none: the server grew from {:.1} MiB to {:.1} MiB (peak {:.1} MiB), \
             over {:.0} MiB more",
            mib(before),
            mib(now),
            mib(peak),
            mib(MAX_GROWTH)
        );

        // One of them reads its body now: all of it, exactly the bytes of `big_body`.
        let mut reader = clients.pop().unwrap();
        let body = read_big(&mut reader, protocol, MAX_BIG);
        assert!(
            body == big_body(MAX_BIG),
            "--protocol {protocol}: the body is not big_body({MAX_BIG})"
        );
        let peak = memory(server.pid(), "VmHWM");
        assert!(
            peak.saturating_sub(before) < MAX_GROWTH,
            "--protocol {protocol}: after one body was read, the server's peak is {:.1} \
             MiB, from {:.1} MiB",
            mib(peak),
            mib(before)
        );

        // And a new client is served as usual, while fifteen still wait.
        let mut next = Framed::connect_as(&transcript, "next", server.addr());
        send(&mut next, protocol, "big 1500");
        assert_eq!(read_big(&mut next, protocol, 1500), big_body(1500));
        if protocol != "raw" {
            send(&mut next, protocol, "echo still here");
            assert_eq!(text(&next.recv_frame()), "still here");
        }
        println!(
            "--protocol {protocol}: {:.1} MiB before, peak {:.1} MiB",
            mib(before),
            mib(memory(server.pid(), "VmHWM"))
        );
    }
}

#[test]
fn a_client_who_never_reads_its_reply_is_let_go_after_the_write_timeout() {
    let server = start_server("tutorial");
    let transcript = Transcript::new(&server);
    let mut idle = Framed::connect_as(&transcript, "idle", server.addr());
    send(&mut idle, "tutorial", "echo here");
    assert_eq!(text(&idle.recv_frame()), "here");
    let with_one_client = threads(server.pid());

    // Asks for the largest body and never reads a byte of it: the server's thread for
    // it blocks in a write as soon as the socket buffers are full.
    let mut stuck = Framed::connect_as(&transcript, "stuck", server.addr());
    send(&mut stuck, "tutorial", &format!("big {MAX_BIG}"));
    let port = stuck.client.local_addr().port();
    wait_until_the_sockets_are_full(&server, &[port]);
    assert_eq!(threads(server.pid()), with_one_client + 1);

    // WRITE_TIMEOUT later the write fails, the thread ends, the server says why.
    let deadline = Instant::now() + WRITE_TIMEOUT + TIMEOUT;
    while threads(server.pid()) > with_one_client {
        if Instant::now() > deadline {
            server.fail(&format!(
                "the thread of a client who reads nothing is still there {:?} after its \
                 request ({} threads, {with_one_client} with one client): a client can \
                 hold a thread for ever",
                WRITE_TIMEOUT + TIMEOUT,
                threads(server.pid())
            ));
        }
        thread::sleep(Duration::from_millis(50));
    }
    server.wait_for_line("took none of its reply");

    // The client who reads is still served, on the same connection as before.
    send(&mut idle, "tutorial", "echo still here");
    assert_eq!(text(&idle.recv_frame()), "still here");
}
