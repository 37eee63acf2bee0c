//! Out of file descriptors, the one check every upper-casing server takes: started
//! with few descriptors (as `prlimit --nofile=64` does), met by more clients than it
//! can hold, each saying `client N`, it must not spin on the failing `accept`, must
//! say so without flooding its log, must keep serving the clients it has, and must
//! serve the waiting ones as others leave. Lessons 04 and 05 run it in their own
//! tests, and the hostile suite runs it against every server that holds a descriptor
//! per client. It reads /proc, so it means something on Linux only.

use std::io::{BufReader, Write};
use std::net::{Shutdown, TcpStream};
use std::process::Command;
use std::thread;
use std::time::{Duration, Instant};

use crate::process::{TICKS_PER_SECOND, cpu_ticks_during, limit_descriptors, line_within};
use crate::{ServerProcess, TIMEOUT};

/// The descriptors the server may have: a handful for itself (standard streams, the
/// listener, a selector or a Ctrl-C handler's), the rest for clients, enough for
/// fewer than [`CLIENTS`].
pub const DESCRIPTORS: u64 = 64;

/// The clients that come at once.
pub const CLIENTS: usize = 100;

/// Starts `server` (which must take `--port 0` already) with at most `descriptors`
/// open file descriptors.
pub fn start_with_few_descriptors(mut server: Command, descriptors: u64) -> ServerProcess {
    limit_descriptors(&mut server, descriptors);
    ServerProcess::start(server)
}

/// The clients, each of which has sent `client N`, split into those the server
/// answered (it had a descriptor for them) and those still waiting in the backlog.
pub struct Crowd {
    pub clients: Vec<BufReader<TcpStream>>,
    pub served: Vec<usize>,
    pub waiting: Vec<usize>,
}

/// How many lines of the server's output (stdout and stderr) say it is pausing.
pub fn pausing_lines(server: &ServerProcess) -> usize {
    server
        .stdout()
        .iter()
        .chain(server.stderr().iter())
        .filter(|line| line.contains("pausing"))
        .count()
}

/// Connects [`CLIENTS`] clients, each sending one message, waits until the server
/// says it is pausing, and sorts the clients into served and waiting: some of each.
pub fn more_clients_than_descriptors(server: &ServerProcess) -> Result<Crowd, String> {
    let mut clients = Vec::with_capacity(CLIENTS);
    for n in 0..CLIENTS {
        let stream = TcpStream::connect_timeout(&server.addr(), TIMEOUT)
            .map_err(|e| format!("client {n} cannot connect: {e}"))?;
        (&stream)
            .write_all(format!("client {n}\n").as_bytes())
            .map_err(|e| format!("client {n}: {e}"))?;
        clients.push(BufReader::new(stream));
    }
    let deadline = Instant::now() + TIMEOUT;
    while pausing_lines(server) == 0 {
        if Instant::now() > deadline {
            return Err("never said it ran out of descriptors".to_string());
        }
        thread::sleep(Duration::from_millis(20));
    }
    thread::sleep(Duration::from_millis(200));
    let (mut served, mut waiting) = (Vec::new(), Vec::new());
    for (n, client) in clients.iter_mut().enumerate() {
        match line_within(client, Duration::from_millis(50)) {
            Some(reply) if reply == format!("CLIENT {n}") => served.push(n),
            Some(reply) => return Err(format!("client {n} got {reply:?}")),
            None => waiting.push(n),
        }
    }
    if served.is_empty() || waiting.is_empty() {
        return Err(format!(
            "few descriptors should serve some of {CLIENTS} clients, not all: served \
             {served:?}"
        ));
    }
    Ok(Crowd {
        clients,
        served,
        waiting,
    })
}

/// With the crowd in: the server idles (under a quarter of a core over a second in
/// which nothing changes; a spinning loop uses a whole one), has said it is pausing
/// between once and `most_pause_lines` times, still answers a client it serves, and
/// serves waiting clients, in order, as served ones leave.
pub fn pauses_and_recovers(
    server: &ServerProcess,
    crowd: Crowd,
    most_pause_lines: usize,
) -> Result<(), String> {
    let Crowd {
        mut clients,
        served,
        waiting,
    } = crowd;
    let used = cpu_ticks_during(server.pid(), Duration::from_secs(1));
    if used >= TICKS_PER_SECOND / 4 {
        return Err(format!(
            "used {used} of {TICKS_PER_SECOND} ticks in an idle second: it spins"
        ));
    }
    let said = |pauses: usize| {
        format!("it said {pauses} times that it is pausing: once per burst is enough")
    };
    let pauses = pausing_lines(server);
    if !(1..=most_pause_lines).contains(&pauses) {
        return Err(said(pauses));
    }
    // The clients it has are still served.
    let first = served[0];
    let mut stream = clients[first].get_ref();
    stream
        .write_all(b"still there\n")
        .map_err(|e| format!("client {first}: {e}"))?;
    if line_within(&mut clients[first], TIMEOUT).as_deref() != Some("STILL THERE") {
        return Err("a served client got no answer while out of descriptors".to_string());
    }
    // Served clients leave, freeing their descriptors: as many waiting ones are
    // served (a pool's workers stay with their clients, so with a pool it is exactly
    // as many).
    let leaving = served.len().min(10);
    for &n in served.iter().take(leaving) {
        let _ = clients[n].get_ref().shutdown(Shutdown::Both);
    }
    for &n in waiting.iter().take(leaving) {
        let reply = line_within(&mut clients[n], TIMEOUT);
        if reply.as_deref() != Some(&format!("CLIENT {n}")) {
            return Err(format!(
                "waiting client {n}, after {leaving} served ones left: {reply:?}"
            ));
        }
    }
    let pauses = pausing_lines(server);
    if pauses > most_pause_lines {
        return Err(said(pauses));
    }
    Ok(())
}
