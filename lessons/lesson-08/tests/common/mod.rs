//! What lesson 08's tests share: starting a server, and a scripted client that speaks
//! the tutorial's framing and writes frames into the transcript readably:
//!
//! ```text
//! C: "echo hi"                                  a bare request, as the harness shows it
//! S: 15 00 00 00 | {"dataBodyLength": 2} | "hi" a frame: header length, header, body
//! ```
#![allow(clippy::unwrap_used, clippy::expect_used, dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::Command;

use classroom::{Client, ServerProcess, Transcript, show_bytes};
use lesson_08::MAX_REPLY;
use lesson_08::framing::{Decoder, Limits, MAX_HEADER, Message, encode};

pub fn start_server(protocol: &str) -> ServerProcess {
    let mut server = Command::new(env!("CARGO_BIN_EXE_lesson-08"));
    server.args(["--port", "0", "--protocol", protocol]);
    ServerProcess::start(server)
}

pub fn start_python_server(protocol: &str) -> ServerProcess {
    let mut server = classroom::python3();
    server
        .arg(python_file("framed_server.py"))
        .args(["--port", "0", "--protocol", protocol]);
    ServerProcess::start(server)
}

pub fn python_file(name: &str) -> String {
    format!("{}/python/{name}", env!("CARGO_MANIFEST_DIR"))
}

/// A frame as the transcript shows it: the four length bytes in hex, the JSON header
/// as text, and the body as the harness shows bytes.
pub fn show_frame(frame: &[u8]) -> String {
    let header_length = i32::from_le_bytes(frame[..4].try_into().unwrap()) as usize;
    let header = String::from_utf8_lossy(&frame[4..4 + header_length]);
    let body = &frame[4 + header_length..];
    let length: Vec<String> = frame[..4].iter().map(|b| format!("{b:02x}")).collect();
    format!("{} | {header} | {}", length.join(" "), show_bytes(body))
}

/// Bytes read bare, showing both ends of long data: a glued reply ends with its
/// stowaway, and the harness's `show_bytes` shows only the head.
pub fn show_both_ends(data: &[u8]) -> String {
    if data.len() <= 64 {
        return show_bytes(data);
    }
    let head = show_bytes(&data[..32]);
    let tail = show_bytes(&data[data.len() - 32..]);
    format!("{head} … {tail} ({} bytes)", data.len())
}

/// A client connection that reads framed replies (and can send framed requests).
pub struct Framed {
    pub client: Client,
    replies: BufReader<TcpStream>,
    transcript: Transcript,
    said: String,
    heard: String,
}

impl Framed {
    pub fn connect(transcript: &Transcript, addr: SocketAddr) -> Framed {
        Framed::open(Client::connect(transcript, addr), transcript, "C: ", "S: ")
    }

    pub fn connect_as(transcript: &Transcript, name: &str, addr: SocketAddr) -> Framed {
        let client = Client::connect_as(transcript, name, addr);
        let (said, heard) = (format!("C[{name}]: "), format!("S[{name}]: "));
        Framed::open(client, transcript, &said, &heard)
    }

    fn open(client: Client, transcript: &Transcript, said: &str, heard: &str) -> Framed {
        // A clone of the socket shares its read timeout: every read here is bounded.
        let replies = BufReader::new(client.stream().try_clone().unwrap());
        Framed {
            client,
            replies,
            transcript: transcript.clone(),
            said: said.to_string(),
            heard: heard.to_string(),
        }
    }

    /// Sends `body` framed: `--protocol framed`.
    pub fn send_frame(&mut self, body: impl AsRef<[u8]>) {
        self.send_frames(&[body.as_ref()]);
    }

    /// Sends several framed requests in one write.
    pub fn send_frames(&mut self, bodies: &[&[u8]]) {
        let mut bytes = Vec::new();
        for body in bodies {
            let frame = encode(body, false);
            self.transcript
                .push(format!("{}{}", self.said, show_frame(&frame)));
            bytes.extend(frame);
        }
        self.client.stream().write_all(&bytes).unwrap();
    }

    /// Reads one framed reply with the lesson's decoder, recording the bytes it took.
    pub fn recv_frame(&mut self) -> Message {
        self.recv_frame_bytes().0
    }

    /// Reads one framed reply: the message, and the bytes of its frame.
    pub fn recv_frame_bytes(&mut self) -> (Message, Vec<u8>) {
        let limits = Limits {
            max_header: MAX_HEADER,
            max_body: MAX_REPLY,
        };
        let mut decoder = Decoder::new(limits);
        let mut frame = Vec::new();
        loop {
            let input = self
                .replies
                .fill_buf()
                .unwrap_or_else(|e| panic!("no reply after {}: {e}", show_bytes(&frame)));
            assert!(
                !input.is_empty(),
                "the server closed after {}",
                show_bytes(&frame)
            );
            let (taken, message) = decoder
                .decode(input)
                .unwrap_or_else(|e| panic!("a bad reply after {}: {e}", show_bytes(&frame)));
            frame.extend_from_slice(&input[..taken]);
            self.replies.consume(taken);
            if let Some(message) = message {
                self.transcript
                    .push(format!("{}{}", self.heard, show_frame(&frame)));
                return (message, frame);
            }
        }
    }

    /// Sends `command` bare (the tutorial's request) and reads the framed reply.
    pub fn ask(&mut self, command: &str) -> Message {
        self.client.send(command);
        self.recv_frame()
    }

    /// Sends `command` framed and reads the framed reply.
    pub fn ask_framed(&mut self, command: &str) -> Message {
        self.send_frame(command);
        self.recv_frame()
    }

    /// Closes the connection (the reading clone too).
    pub fn close(self) {
        drop(self.replies);
        self.client.close();
    }

    /// Vanishes with a reset (RST), as a killed client does.
    pub fn reset(self) {
        drop(self.replies);
        self.client.reset();
    }

    /// Asks `command` in `protocol`: framed for `framed`, bare for `tutorial`.
    pub fn ask_in(&mut self, protocol: &str, command: &str) -> Message {
        match protocol {
            "framed" => self.ask_framed(command),
            "tutorial" => self.ask(command),
            _ => panic!("ask_in: no framed replies in --protocol {protocol}"),
        }
    }

    /// Expects the server to close the connection.
    pub fn expect_closed(&mut self) {
        assert!(self.replies.buffer().is_empty(), "unread reply bytes");
        self.client.expect_closed();
    }
}

/// The tutorial's first client: `client.recv(1024)`, whatever one read returns.
pub fn recv_once(client: &Client, transcript: &Transcript) -> Vec<u8> {
    let mut buffer = [0; lesson_08::RECV_SIZE];
    let read = client
        .stream()
        .read(&mut buffer)
        .unwrap_or_else(|e| panic!("no reply: {e}"));
    let data = buffer[..read].to_vec();
    transcript.push(format!("S: {}", show_both_ends(&data)));
    data
}

/// The body of a reply, as text.
pub fn text(message: &Message) -> String {
    String::from_utf8_lossy(&message.body).into_owned()
}
