//! A scripted client: what a student types, as code, with every wait bounded.
//!
//! Each call records what it did in the [`Transcript`]. Every read and write has a
//! timeout ([`TIMEOUT`]), so a server that never answers fails the test in seconds.

use std::io::{ErrorKind, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::thread;
use std::time::Duration;

use crate::show::hidden_difference;
use crate::{TIMEOUT, Transcript, show_bytes};

/// Whether a scripted conversation is still going as the script says: `Some(())`
/// while the server keeps to it, `None` from its first wrong (or missing) reply on.
/// What the server said instead is already in the transcript, so a script just stops
/// there, with `?`: `client.turn("hello", "HELLO")?;`.
pub type OnScript = Option<()>;

/// One client connection, recording into a transcript.
pub struct Client {
    stream: TcpStream,
    transcript: Transcript,
    /// `C: ` / `S: ` prefixes, or `C[A]: ` / `S[A]: ` for a named client.
    said: String,
    heard: String,
    /// How events name this client: `C` or `A`.
    who: String,
}

impl Client {
    /// Connects to `addr` as the transcript's one client, written `C` / `S`.
    pub fn connect(transcript: &Transcript, addr: SocketAddr) -> Client {
        Client::open(transcript, addr, None)
    }

    /// Connects to `addr` as client `name` (say `A`), written `C[A]` / `S[A]`.
    pub fn connect_as(transcript: &Transcript, name: &str, addr: SocketAddr) -> Client {
        Client::open(transcript, addr, Some(name))
    }

    fn open(transcript: &Transcript, addr: SocketAddr, name: Option<&str>) -> Client {
        let stream = TcpStream::connect_timeout(&addr, TIMEOUT)
            .unwrap_or_else(|e| panic!("cannot connect to {addr}: {e}"));
        stream.set_read_timeout(Some(TIMEOUT)).unwrap();
        stream.set_write_timeout(Some(TIMEOUT)).unwrap();
        let who = name.unwrap_or("C").to_string();
        transcript.name_address(stream.local_addr().unwrap(), &format!("[{who}]"));
        let (said, heard) = match name {
            Some(name) => (format!("C[{name}]: "), format!("S[{name}]: ")),
            None => ("C: ".to_string(), "S: ".to_string()),
        };
        let client = Client {
            stream,
            transcript: transcript.clone(),
            said,
            heard,
            who,
        };
        client.event("connects");
        client
    }

    /// This connection's local address (how the server's log names it).
    pub fn local_addr(&self) -> SocketAddr {
        self.stream.local_addr().unwrap()
    }

    /// The socket itself, for what the script does not cover.
    pub fn stream(&self) -> &TcpStream {
        &self.stream
    }

    fn event(&self, what: &str) {
        self.transcript.push(format!("== {} {what}", self.who));
    }

    /// Sends `data` (all of it).
    pub fn send(&mut self, data: impl AsRef<[u8]>) {
        let data = data.as_ref();
        self.transcript
            .push(format!("{}{}", self.said, show_bytes(data)));
        self.stream
            .write_all(data)
            .unwrap_or_else(|e| panic!("{} could not send: {e}", self.who));
    }

    /// Reads exactly `len` bytes, however many reads that takes.
    pub fn recv_exact(&mut self, len: usize) -> Vec<u8> {
        let reply = read_exact_or_report(&mut self.stream, len, &self.who);
        self.transcript
            .push(format!("{}{}", self.heard, show_bytes(&reply)));
        reply
    }

    /// Sends `text` and reads a reply of the same length: what every echo-style lesson
    /// answers, since upper-casing keeps the length. Returns the reply as text.
    pub fn say(&mut self, text: &str) -> String {
        let reply = self.exchange(text.as_bytes(), text.len());
        String::from_utf8_lossy(&reply).into_owned()
    }

    /// Sends `data` while reading a `reply_len`-byte reply, on two threads, so that
    /// data of any size works: a server that answers as it reads would otherwise
    /// block writing to us while we block writing to it.
    pub fn exchange(&mut self, data: &[u8], reply_len: usize) -> Vec<u8> {
        self.transcript
            .push(format!("{}{}", self.said, show_bytes(data)));
        let mut writer = self.stream.try_clone().unwrap();
        let who = self.who.clone();
        let reply = thread::scope(|scope| {
            let sent = scope.spawn(|| writer.write_all(data));
            let reply = read_exact_or_report(&mut self.stream, reply_len, &self.who);
            match sent.join() {
                Ok(Ok(())) => {}
                Ok(Err(e)) => panic!("{who} could not send: {e}"),
                Err(_) => panic!("{who}'s sending thread panicked"),
            }
            reply
        });
        self.transcript
            .push(format!("{}{}", self.heard, show_bytes(&reply)));
        reply
    }

    /// Expects the server to close the connection: the next read returns end of file
    /// (or a reset). Panics if data arrives instead, or nothing happens in time.
    pub fn expect_closed(&mut self) {
        let mut buffer = [0; 1024];
        match self.stream.read(&mut buffer) {
            Ok(0) => self.event("is closed by the server"),
            Ok(n) => panic!(
                "{} expected the server to close, got {}",
                self.who,
                show_bytes(&buffer[..n])
            ),
            Err(e) if e.kind() == ErrorKind::ConnectionReset => {
                self.event("is reset by the server")
            }
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => panic!(
                "{} expected the server to close, but it stayed open for {TIMEOUT:?}",
                self.who
            ),
            Err(e) => panic!("{} expected the server to close, got: {e}", self.who),
        }
    }

    /// Expects no reply for `wait`: proof that the server is busy elsewhere (lesson
    /// 03's second client). A waiting test, not a timing claim: a correct server never
    /// answers here, however slow the machine.
    pub fn expect_no_reply_for(&mut self, wait: Duration) {
        self.stream.set_read_timeout(Some(wait)).unwrap();
        let mut buffer = [0; 1024];
        let result = self.stream.read(&mut buffer);
        self.stream.set_read_timeout(Some(TIMEOUT)).unwrap();
        match result {
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                self.event("hears nothing yet")
            }
            Ok(0) => panic!("{} expected to wait, but the server closed", self.who),
            Ok(n) => panic!(
                "{} expected to wait, but got {}",
                self.who,
                show_bytes(&buffer[..n])
            ),
            Err(e) => panic!("{} expected to wait, got: {e}", self.who),
        }
    }

    /// Reads the reply the script expects, and records what came, without waiting for
    /// bytes that cannot come: it stops as soon as what arrived differs from
    /// `expected`, the server closes, or nothing more arrives for [`TIMEOUT`].
    /// [`OnScript`]: `Some(())` if the reply was `expected`, so a script goes on with
    /// `client.hear("HELLO")?;` and stops at the first wrong reply.
    ///
    /// Unlike [`recv_exact`](Client::recv_exact), a wrong reply is not a panic: the
    /// exercise checks compare the transcript with the one a correct server gives, so
    /// a wrong answer shows up there, as what the server really said.
    pub fn hear(&mut self, expected: impl AsRef<[u8]>) -> OnScript {
        self.hear_within(expected, TIMEOUT)
    }

    /// [`hear`](Client::hear), giving up when nothing arrives for `wait`: for a server
    /// that should speak first, where a server that does not would otherwise hold the
    /// check for the whole [`TIMEOUT`].
    pub fn hear_within(&mut self, expected: impl AsRef<[u8]>, wait: Duration) -> OnScript {
        let expected = expected.as_ref();
        self.stream.set_read_timeout(Some(wait)).unwrap();
        let mut got = Vec::new();
        let mut buffer = vec![0; expected.len()];
        // Read no further than `expected` ends: what follows belongs to the next step.
        let ending = loop {
            if got.len() == expected.len() || !expected.starts_with(&got) {
                break None;
            }
            match self.stream.read(&mut buffer[..expected.len() - got.len()]) {
                Ok(0) => break Some("is closed by the server".to_string()),
                Ok(n) => got.extend_from_slice(&buffer[..n]),
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                    let more = if got.is_empty() { "" } else { " more" };
                    break Some(format!("hears nothing{more} for {}", seconds(wait)));
                }
                Err(e) if e.kind() == ErrorKind::ConnectionReset => {
                    break Some("is reset by the server".to_string());
                }
                Err(e) => break Some(format!("cannot read: {e}")),
            }
        };
        self.stream.set_read_timeout(Some(TIMEOUT)).unwrap();
        if !got.is_empty() {
            self.transcript
                .push(format!("{}{}", self.heard, show_bytes(&got)));
            if let Some(difference) = hidden_difference(&got, expected) {
                self.event(&format!("hears something else from {difference}"));
            }
        }
        if let Some(ending) = ending {
            self.event(&ending);
        }
        (got == expected).then_some(())
    }

    /// One turn of a scripted conversation: [`send`](Client::send) `message`, then
    /// [`hear`](Client::hear) `reply`.
    pub fn turn(&mut self, message: impl AsRef<[u8]>, reply: impl AsRef<[u8]>) -> OnScript {
        self.send(message);
        self.hear(reply)
    }

    /// Expects no reply for `wait`, like
    /// [`expect_no_reply_for`](Client::expect_no_reply_for), but records what came
    /// instead of panicking; [`OnScript`]: `Some(())` if the server kept quiet.
    pub fn silent_for(&mut self, wait: Duration) -> OnScript {
        self.stream.set_read_timeout(Some(wait)).unwrap();
        let mut buffer = [0; 1024];
        let result = loop {
            match self.stream.read(&mut buffer) {
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                result => break result,
            }
        };
        self.stream.set_read_timeout(Some(TIMEOUT)).unwrap();
        match result {
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                self.event("hears nothing yet");
                return Some(());
            }
            Ok(0) => self.event("is closed by the server"),
            Ok(n) => self
                .transcript
                .push(format!("{}{}", self.heard, show_bytes(&buffer[..n]))),
            Err(e) if e.kind() == ErrorKind::ConnectionReset => {
                self.event("is reset by the server")
            }
            Err(e) => self.event(&format!("cannot read: {e}")),
        }
        None
    }

    /// Half-closes: no more data from us (Python's `shutdown(SHUT_WR)`); reading goes on.
    pub fn shutdown_write(&mut self) {
        self.event("half-closes (no more data from it)");
        self.stream.shutdown(Shutdown::Write).unwrap();
    }

    /// Closes normally (FIN).
    pub fn close(self) {
        self.event("closes");
    }

    /// Vanishes abruptly: the kernel sends a reset (RST) instead of a goodbye, as when
    /// a client process is killed mid-conversation.
    pub fn reset(self) {
        self.event("resets the connection");
        let socket = socket2::SockRef::from(&self.stream);
        socket.set_linger(Some(Duration::ZERO)).unwrap();
    }
}

/// Reads exactly `len` bytes or panics saying how many came and why it stopped.
fn read_exact_or_report(stream: &mut TcpStream, len: usize, who: &str) -> Vec<u8> {
    let mut reply = vec![0; len];
    let mut got = 0;
    while got < len {
        match stream.read(&mut reply[got..]) {
            Ok(0) => panic!(
                "{who} expected {len} bytes, the server closed after {got}: {}",
                show_bytes(&reply[..got])
            ),
            Ok(n) => got += n,
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => panic!(
                "{who} expected {len} bytes, got {got} and then nothing for {TIMEOUT:?} ({})",
                show_bytes(&reply[..got])
            ),
            Err(e) => panic!(
                "{who} expected {len} bytes, got {got} then: {e} ({})",
                show_bytes(&reply[..got])
            ),
        }
    }
    reply
}

/// A wait as a person says it: `3 s`, `0.5 s`.
pub fn seconds(wait: Duration) -> String {
    let text = format!("{:.1}", wait.as_secs_f64());
    format!("{} s", text.strip_suffix(".0").unwrap_or(&text))
}
