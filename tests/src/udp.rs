//! A scripted UDP client: datagrams out, datagrams back, every wait bounded.
//!
//! UDP has no connection, so there is nothing to connect or close: a [`UdpClient`] is
//! a socket of its own that sends datagrams to the server's address and reads the
//! datagrams that come back. Each send and receive is recorded in the [`Transcript`]
//! as `C: ...` / `S: ...`, like [`Client`](crate::Client)'s. Every receive has a
//! timeout ([`TIMEOUT`]): a lost datagram, or a server that never answers, fails the
//! test in seconds.

use std::io::ErrorKind;
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr, UdpSocket};
use std::time::Duration;

use crate::show::hidden_difference;
use crate::{OnScript, TIMEOUT, Transcript, show_bytes};

/// Larger than any datagram (65,507 bytes of payload over IPv4, 65,527 over IPv6),
/// so a reply is never cut.
const MAX_DATAGRAM: usize = 65_536;

/// One UDP client socket, talking to one server, recording into a transcript.
pub struct UdpClient {
    socket: UdpSocket,
    server: SocketAddr,
    transcript: Transcript,
    /// `C: ` / `S: ` prefixes, or `C[A]: ` / `S[A]: ` for a named client.
    said: String,
    heard: String,
    /// How events name this client: `C` or `A`.
    who: String,
}

impl UdpClient {
    /// Opens a socket to talk to `server` as the transcript's one client, written
    /// `C` / `S`.
    pub fn bind(transcript: &Transcript, server: SocketAddr) -> UdpClient {
        UdpClient::open(transcript, server, None)
    }

    /// Opens a socket to talk to `server` as client `name` (say `A`), written
    /// `C[A]` / `S[A]`.
    pub fn bind_as(transcript: &Transcript, name: &str, server: SocketAddr) -> UdpClient {
        UdpClient::open(transcript, server, Some(name))
    }

    fn open(transcript: &Transcript, server: SocketAddr, name: Option<&str>) -> UdpClient {
        // A server bound to 0.0.0.0 or [::] is reached, and answers, on loopback.
        let server = match server {
            SocketAddr::V4(v4) if v4.ip().is_unspecified() => {
                SocketAddr::from((Ipv4Addr::LOCALHOST, v4.port()))
            }
            SocketAddr::V6(v6) if v6.ip().is_unspecified() => {
                SocketAddr::from((Ipv6Addr::LOCALHOST, v6.port()))
            }
            server => server,
        };
        // Bound to loopback, so the server's log names us as the transcript does.
        let local = match server {
            SocketAddr::V4(_) => SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
            SocketAddr::V6(_) => SocketAddr::from((Ipv6Addr::LOCALHOST, 0)),
        };
        let socket =
            UdpSocket::bind(local).unwrap_or_else(|e| panic!("cannot bind a UDP socket: {e}"));
        socket.set_read_timeout(Some(TIMEOUT)).unwrap();
        let who = name.unwrap_or("C").to_string();
        transcript.name_address(socket.local_addr().unwrap(), &format!("[{who}]"));
        let (said, heard) = match name {
            Some(name) => (format!("C[{name}]: "), format!("S[{name}]: ")),
            None => ("C: ".to_string(), "S: ".to_string()),
        };
        UdpClient {
            socket,
            server,
            transcript: transcript.clone(),
            said,
            heard,
            who,
        }
    }

    /// This socket's local address (how the server's log names it).
    pub fn local_addr(&self) -> SocketAddr {
        self.socket.local_addr().unwrap()
    }

    /// The socket itself, for what the script does not cover.
    pub fn socket(&self) -> &UdpSocket {
        &self.socket
    }

    /// Sends `data` to the server as one datagram (which may be empty).
    pub fn send(&mut self, data: impl AsRef<[u8]>) {
        let data = data.as_ref();
        self.transcript
            .push(format!("{}{}", self.said, show_bytes(data)));
        let sent = self
            .socket
            .send_to(data, self.server)
            .unwrap_or_else(|e| panic!("{} could not send: {e}", self.who));
        assert_eq!(
            sent,
            data.len(),
            "{} sent only part of a datagram",
            self.who
        );
    }

    /// Receives one datagram, which must come from the server within [`TIMEOUT`].
    pub fn recv(&mut self) -> Vec<u8> {
        let mut buffer = vec![0; MAX_DATAGRAM];
        let (received, from) = match self.socket.recv_from(&mut buffer) {
            Ok(received) => received,
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => panic!(
                "{} expected a datagram from the server, and none came for {TIMEOUT:?}",
                self.who
            ),
            Err(e) => panic!("{} expected a datagram, got: {e}", self.who),
        };
        buffer.truncate(received);
        assert_eq!(
            from,
            self.server,
            "{} got a datagram from {from}, not the server: {}",
            self.who,
            show_bytes(&buffer)
        );
        self.transcript
            .push(format!("{}{}", self.heard, show_bytes(&buffer)));
        buffer
    }

    /// Sends `text` as one datagram and receives the reply, as text.
    pub fn say(&mut self, text: &str) -> String {
        self.send(text);
        String::from_utf8_lossy(&self.recv()).into_owned()
    }

    /// Receives one datagram and records it, as [`recv`](UdpClient::recv) does, but a
    /// wrong or missing one is not a panic: [`OnScript`] is `Some(())` if the datagram
    /// was `expected`, and nothing within `wait` is recorded as `hears nothing`. For
    /// the exercise checks, whose transcripts show what the server really did.
    pub fn hear_within(&mut self, expected: impl AsRef<[u8]>, wait: Duration) -> OnScript {
        self.socket.set_read_timeout(Some(wait)).unwrap();
        let mut buffer = vec![0; MAX_DATAGRAM];
        let result = self.socket.recv_from(&mut buffer);
        self.socket.set_read_timeout(Some(TIMEOUT)).unwrap();
        let got = match result {
            Ok((received, from)) if from == self.server => &buffer[..received],
            Ok((received, from)) => {
                self.transcript.push(format!(
                    "== {} gets a datagram from {from}, not the server: {}",
                    self.who,
                    show_bytes(&buffer[..received])
                ));
                return None;
            }
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                self.transcript
                    .push(format!("== {} hears nothing", self.who));
                return None;
            }
            Err(e) => {
                self.transcript
                    .push(format!("== {} cannot receive: {e}", self.who));
                return None;
            }
        };
        self.transcript
            .push(format!("{}{}", self.heard, show_bytes(got)));
        let expected = expected.as_ref();
        if let Some(difference) = hidden_difference(got, expected) {
            self.transcript.push(format!(
                "== {} hears something else from {difference}",
                self.who
            ));
        }
        (got == expected).then_some(())
    }

    /// One turn of a scripted conversation: [`send`](UdpClient::send) `datagram`, then
    /// [`hear_within`](UdpClient::hear_within) `reply`, for as long as `wait`.
    pub fn turn(
        &mut self,
        datagram: impl AsRef<[u8]>,
        reply: impl AsRef<[u8]>,
        wait: Duration,
    ) -> OnScript {
        self.send(datagram);
        self.hear_within(reply, wait)
    }

    /// Expects no datagram for `wait`: what a UDP client sees of a server that is
    /// gone (or of a lost datagram). A waiting test, not a timing claim: a correct
    /// server never answers here, however slow the machine.
    pub fn expect_no_reply_for(&mut self, wait: Duration) {
        self.socket.set_read_timeout(Some(wait)).unwrap();
        let mut buffer = vec![0; MAX_DATAGRAM];
        let result = self.socket.recv_from(&mut buffer);
        self.socket.set_read_timeout(Some(TIMEOUT)).unwrap();
        match result {
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                self.transcript
                    .push(format!("== {} hears nothing back", self.who));
            }
            Ok((n, from)) => panic!(
                "{} expected no reply, but {from} sent {}",
                self.who,
                show_bytes(&buffer[..n])
            ),
            Err(e) => panic!("{} expected no reply, got: {e}", self.who),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A fake server: answers the first datagram with `reply`, if any.
    fn server(reply: Option<&'static [u8]>) -> (SocketAddr, std::thread::JoinHandle<()>) {
        let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
        let addr = socket.local_addr().unwrap();
        let serving = std::thread::spawn(move || {
            let mut buffer = [0; 64];
            let (_, from) = socket.recv_from(&mut buffer).unwrap();
            if let Some(reply) = reply {
                socket.send_to(reply, from).unwrap();
            }
        });
        (addr, serving)
    }

    #[test]
    fn hear_records_a_wrong_datagram_and_says_it_is_off_script() {
        let (addr, serving) = server(Some(b"WRONG"));
        let transcript = Transcript::default();
        let mut client = UdpClient::bind(&transcript, addr);
        assert_eq!(client.turn("x", "right", TIMEOUT), None);
        serving.join().unwrap();
        assert!(
            transcript.render().ends_with("S: \"WRONG\"\n"),
            "{}",
            transcript.render()
        );
    }

    #[test]
    fn hear_records_silence_instead_of_panicking() {
        let (addr, serving) = server(None);
        let transcript = Transcript::default();
        let mut client = UdpClient::bind(&transcript, addr);
        assert_eq!(client.turn("x", "right", Duration::from_millis(100)), None);
        serving.join().unwrap();
        assert!(
            transcript.render().ends_with("== C hears nothing\n"),
            "{}",
            transcript.render()
        );
    }
}
