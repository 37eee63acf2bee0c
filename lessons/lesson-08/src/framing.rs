//! The tutorial's message framing: an encoder, and a decoder that never trusts a length.
//!
//! TCP carries a stream of bytes, not messages: one `write` of 1,500 bytes may reach
//! the reader in two reads, and two writes may reach it in one. The tutorial's fix is a
//! frame around every message, which the reader can take apart whatever the reads:
//!
//! ```text
//!  4 bytes             header length bytes               dataBodyLength bytes
//! +-------------------+---------------------------------+----------------------+
//! | header length     | header: JSON, UTF-8             | body                 |
//! | i32, little-endian| {"dataBodyLength": 11}          | hello world          |
//! +-------------------+---------------------------------+----------------------+
//!   struct.pack("i")    json.dumps({...}).encode()
//! ```
//!
//! The header length is Python's `struct.pack("i", n)` on x86: a signed 32-bit
//! integer, little-endian. The header is what Python's `json.dumps` writes, space
//! included. One addition, which Python clients ignore: an error reply says
//! `"error": true` in its header, so that a program can tell `echo unknown command`
//! from a real error; `dataBodyLength` stays as it is.
//!
//! The decoder is *incremental* ("sans I/O"): it is given whatever bytes have
//! arrived, takes what it needs, and says when a message is complete. It never
//! believes a number from the network before checking it against [`Limits`], and it
//! never allocates ahead of the data: a body grows as its bytes arrive, so a peer that
//! announces 16 MiB and sends 10 bytes costs 10 bytes. [`read_message`] drives it
//! from any buffered reader (a socket's `rfile`).

use std::fmt;
use std::io::{self, BufRead};

use serde_json::Value;

// ANCHOR: limits
/// The longest header accepted. Ours are about 40 bytes; 1 KiB leaves room for more
/// fields, and stops a peer from making us buffer megabytes before any check.
pub const MAX_HEADER: usize = 1024;

/// How much a decoder accepts before it has seen a byte of the message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// The longest header, in bytes.
    pub max_header: usize,
    /// The longest body, in bytes.
    pub max_body: usize,
}
// ANCHOR_END: limits

/// One message: its body, and whether the header said `"error": true`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// The body, exactly `dataBodyLength` bytes.
    pub body: Vec<u8>,
    /// The header's `"error"` field (absent means false).
    pub is_error: bool,
}

// ANCHOR: encode
/// Frames `body`: header length, JSON header, body. Python's `encapsulate`:
///
/// ```python
/// head = json.dumps({"dataBodyLength": len(body)}).encode()
/// return struct.pack("<i", len(head)) + head + body
/// ```
pub fn encode(body: &[u8], is_error: bool) -> Vec<u8> {
    let mut frame = encode_header(body.len(), is_error);
    frame.extend_from_slice(body);
    frame
}

/// The frame's start, for a body of `body_length` bytes: header length, then header.
/// The body can follow in as many writes as it likes; only its length must be known
/// first.
pub fn encode_header(body_length: usize, is_error: bool) -> Vec<u8> {
    // Exactly what json.dumps writes, ", " and ": " included. Only numbers and fixed
    // words go in, so there is nothing to escape.
    let header = if is_error {
        format!(r#"{{"dataBodyLength": {body_length}, "error": true}}"#)
    } else {
        format!(r#"{{"dataBodyLength": {body_length}}}"#)
    };
    // A header of at most 60 bytes always fits in an i32.
    let header_length = header.len() as i32;
    let mut frame = Vec::with_capacity(4 + header.len());
    frame.extend_from_slice(&header_length.to_le_bytes()); // struct.pack("<i", n)
    frame.extend_from_slice(header.as_bytes());
    frame
}
// ANCHOR_END: encode

/// What was wrong with the bytes a peer sent. After any of these the stream is out of
/// step (the next byte could be anywhere in a message): the connection must close.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FrameError {
    /// The 4-byte header length is below zero.
    NegativeHeaderLength(i32),
    /// The header length is 0: no header can be empty.
    EmptyHeader,
    /// The header length is above [`Limits::max_header`].
    HeaderTooLong { length: usize, max: usize },
    /// The header is not JSON (or not UTF-8).
    HeaderNotJson(String),
    /// The header is JSON, but has no `dataBodyLength` field (shown: the header).
    NoBodyLength(String),
    /// `dataBodyLength` is negative, fractional, or not a number (shown: its value).
    BadBodyLength(String),
    /// `dataBodyLength` is above [`Limits::max_body`].
    BodyTooLong { length: u64, max: usize },
    /// The stream ended inside a message: `got` of the `expected` bytes of `part`.
    Truncated {
        part: &'static str,
        expected: usize,
        got: usize,
    },
}

impl fmt::Display for FrameError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FrameError::NegativeHeaderLength(length) => {
                write!(f, "header length {length} is negative")
            }
            FrameError::EmptyHeader => write!(f, "header length is 0; a header cannot be empty"),
            FrameError::HeaderTooLong { length, max } => {
                write!(f, "header length {length} is over the limit of {max} bytes")
            }
            FrameError::HeaderNotJson(why) => write!(f, "the header is not JSON: {why}"),
            FrameError::NoBodyLength(header) => {
                write!(f, "the header has no \"dataBodyLength\": {header}")
            }
            FrameError::BadBodyLength(value) => write!(
                f,
                "\"dataBodyLength\" is {value}, not a whole number of bytes"
            ),
            FrameError::BodyTooLong { length, max } => {
                write!(f, "body length {length} is over the limit of {max} bytes")
            }
            FrameError::Truncated {
                part,
                expected,
                got,
            } => write!(
                f,
                "the connection closed {got} bytes into the {expected}-byte {part}"
            ),
        }
    }
}

impl std::error::Error for FrameError {}

/// A framing error as an I/O error (`InvalidData`, or `UnexpectedEof` for a message
/// cut short), so that it travels with `?` like any other; [`frame_error`] gets it back.
impl From<FrameError> for io::Error {
    fn from(error: FrameError) -> io::Error {
        let kind = match error {
            FrameError::Truncated { .. } => io::ErrorKind::UnexpectedEof,
            _ => io::ErrorKind::InvalidData,
        };
        io::Error::new(kind, error)
    }
}

/// The framing error inside an I/O error, if that is what it is.
pub fn frame_error(error: &io::Error) -> Option<&FrameError> {
    error.get_ref()?.downcast_ref::<FrameError>()
}

// ANCHOR: decoder
/// Which part of a message the decoder is reading.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Part {
    /// The 4-byte header length.
    HeaderLength,
    /// The header, of this many bytes (already checked against the limit).
    Header(usize),
    /// The body, of this many bytes (already checked against the limit).
    Body { length: usize, is_error: bool },
}

/// An incremental decoder: feed it bytes as they arrive, in pieces of any size.
#[derive(Debug)]
pub struct Decoder {
    limits: Limits,
    part: Part,
    /// The bytes of the current part received so far; never more than the part's
    /// length, which has been checked against the limits.
    buffer: Vec<u8>,
}

impl Decoder {
    /// A decoder waiting for the first byte of a message.
    pub fn new(limits: Limits) -> Decoder {
        Decoder {
            limits,
            part: Part::HeaderLength,
            buffer: Vec::new(),
        }
    }

    /// Takes bytes from `input` until a message is complete or `input` runs out.
    /// Returns how many bytes it took, and the message if one is complete. Bytes past
    /// the end of a message are not taken: they belong to the next one.
    pub fn decode(&mut self, input: &[u8]) -> Result<(usize, Option<Message>), FrameError> {
        let mut taken = 0;
        loop {
            let wanted = self.part_length() - self.buffer.len();
            let take = wanted.min(input.len() - taken);
            self.buffer.extend_from_slice(&input[taken..taken + take]);
            taken += take;
            if take < wanted {
                return Ok((taken, None)); // the part is not complete yet
            }
            match self.part {
                Part::HeaderLength => {
                    let length = i32::from_le_bytes([
                        self.buffer[0],
                        self.buffer[1],
                        self.buffer[2],
                        self.buffer[3],
                    ]); // struct.unpack("<i", ...)
                    self.part = Part::Header(self.check_header_length(length)?);
                }
                Part::Header(_) => {
                    let (length, is_error) = self.parse_header()?;
                    self.part = Part::Body { length, is_error };
                }
                Part::Body { is_error, .. } => {
                    self.part = Part::HeaderLength;
                    let body = std::mem::take(&mut self.buffer);
                    return Ok((taken, Some(Message { body, is_error })));
                }
            }
            self.buffer.clear();
        }
    }

    fn part_length(&self) -> usize {
        match self.part {
            Part::HeaderLength => 4,
            Part::Header(length) | Part::Body { length, .. } => length,
        }
    }

    fn check_header_length(&self, length: i32) -> Result<usize, FrameError> {
        let Ok(length) = usize::try_from(length) else {
            return Err(FrameError::NegativeHeaderLength(length));
        };
        if length == 0 {
            return Err(FrameError::EmptyHeader);
        }
        if length > self.limits.max_header {
            let max = self.limits.max_header;
            return Err(FrameError::HeaderTooLong { length, max });
        }
        Ok(length)
    }

    /// `json.loads(header)["dataBodyLength"]`, checked, and the `error` field.
    fn parse_header(&self) -> Result<(usize, bool), FrameError> {
        let header: Value = serde_json::from_slice(&self.buffer)
            .map_err(|error| FrameError::HeaderNotJson(error.to_string()))?;
        let Some(length) = header.get("dataBodyLength") else {
            let text = String::from_utf8_lossy(&self.buffer);
            return Err(FrameError::NoBodyLength(shorten(&text)));
        };
        let Some(length) = length.as_u64() else {
            return Err(FrameError::BadBodyLength(shorten(&length.to_string())));
        };
        let max = self.limits.max_body;
        let too_long = FrameError::BodyTooLong { length, max };
        let length = usize::try_from(length).map_err(|_| too_long.clone())?;
        if length > max {
            return Err(too_long);
        }
        let is_error = header.get("error").and_then(Value::as_bool) == Some(true);
        Ok((length, is_error))
    }

    /// True between messages: nothing of the next one has arrived.
    pub fn is_between_messages(&self) -> bool {
        self.part == Part::HeaderLength && self.buffer.is_empty()
    }

    /// How many bytes the decoder holds (never more than the limits allow).
    pub fn buffered(&self) -> usize {
        self.buffer.len()
    }

    /// The stream has ended. Fine between messages; an error inside one.
    pub fn end_of_stream(&self) -> Result<(), FrameError> {
        if self.is_between_messages() {
            return Ok(());
        }
        let part = match self.part {
            Part::HeaderLength => "header length",
            Part::Header(_) => "header",
            Part::Body { .. } => "body",
        };
        Err(FrameError::Truncated {
            part,
            expected: self.part_length(),
            got: self.buffer.len(),
        })
    }
}
// ANCHOR_END: decoder

/// A peer's text, cut short for an error message.
fn shorten(text: &str) -> String {
    if text.chars().count() <= 60 {
        text.to_string()
    } else {
        let head: String = text.chars().take(60).collect();
        format!("{head}…")
    }
}

// ANCHOR: read_message
/// Reads one message from `reader`: `Ok(None)` if the stream ends cleanly between
/// messages. The decoder takes only this message's bytes, so whatever follows stays
/// in `reader` for the next call.
pub fn read_message(
    reader: &mut impl BufRead,
    decoder: &mut Decoder,
) -> io::Result<Option<Message>> {
    loop {
        let input = match reader.fill_buf() {
            Ok(input) => input,
            Err(error) if error.kind() == io::ErrorKind::Interrupted => continue,
            Err(error) => return Err(error),
        };
        if input.is_empty() {
            decoder.end_of_stream()?; // end of file: clean, or in the middle of a message
            return Ok(None);
        }
        let (taken, message) = decoder.decode(input)?;
        reader.consume(taken);
        if message.is_some() {
            return Ok(message);
        }
    }
}
// ANCHOR_END: read_message

#[cfg(test)]
mod tests {
    use super::*;

    const LIMITS: Limits = Limits {
        max_header: MAX_HEADER,
        max_body: 100,
    };

    fn decode_all(input: &[u8]) -> Result<Vec<Message>, FrameError> {
        let mut decoder = Decoder::new(LIMITS);
        let mut messages = Vec::new();
        let mut rest = input;
        while !rest.is_empty() {
            let (taken, message) = decoder.decode(rest)?;
            messages.extend(message);
            rest = &rest[taken..];
        }
        decoder.end_of_stream()?;
        Ok(messages)
    }

    fn with_header(header: &str) -> Vec<u8> {
        let mut bytes = (header.len() as i32).to_le_bytes().to_vec();
        bytes.extend_from_slice(header.as_bytes());
        bytes
    }

    #[test]
    fn the_frame_is_what_python_writes() {
        assert_eq!(encode(b"hi", false), b"\x15\0\0\0{\"dataBodyLength\": 2}hi");
        assert_eq!(
            encode(b"", true),
            b"\x24\0\0\0{\"dataBodyLength\": 0, \"error\": true}"
        );
        let mut frame = encode_header(2, false);
        frame.extend_from_slice(b"hi");
        assert_eq!(
            frame,
            encode(b"hi", false),
            "a header, and its body after it"
        );
    }

    #[test]
    fn messages_come_back_and_the_next_one_is_left_alone() {
        let mut stream = encode(b"one", false);
        stream.extend(encode(b"", true));
        stream.extend(encode(b"three", false));
        let messages = decode_all(&stream).unwrap();
        let bodies: Vec<&[u8]> = messages.iter().map(|m| &m.body[..]).collect();
        assert_eq!(bodies, [&b"one"[..], b"", b"three"]);
        assert!(messages[1].is_error);

        let mut decoder = Decoder::new(LIMITS);
        let (taken, message) = decoder.decode(&stream).unwrap();
        assert_eq!(taken, encode(b"one", false).len());
        assert_eq!(message.unwrap().body, b"one");
    }

    #[test]
    fn python_headers_with_other_spacing_and_fields_are_accepted() {
        let mut stream = with_header(r#"{"dataBodyLength":2,"type":"text"}"#);
        stream.extend(b"ok");
        assert_eq!(decode_all(&stream).unwrap()[0].body, b"ok");
    }

    #[test]
    fn every_bad_header_is_named() {
        let error = |bytes: &[u8]| decode_all(bytes).unwrap_err().to_string();
        assert_eq!(
            error(&(-1i32).to_le_bytes()),
            "header length -1 is negative"
        );
        assert_eq!(
            error(&0i32.to_le_bytes()),
            "header length is 0; a header cannot be empty"
        );
        assert_eq!(
            error(&2000i32.to_le_bytes()),
            "header length 2000 is over the limit of 1024 bytes"
        );
        assert!(error(&with_header("hello")).starts_with("the header is not JSON: "));
        assert_eq!(
            error(&with_header(r#"{"length": 5}"#)),
            r#"the header has no "dataBodyLength": {"length": 5}"#
        );
        assert_eq!(
            error(&with_header(r#"[1, 2]"#)),
            r#"the header has no "dataBodyLength": [1, 2]"#
        );
        for (value, shown) in [("-5", "-5"), ("2.5", "2.5"), (r#""5""#, r#""5""#)] {
            assert_eq!(
                error(&with_header(&format!(r#"{{"dataBodyLength": {value}}}"#))),
                format!(r#""dataBodyLength" is {shown}, not a whole number of bytes"#)
            );
        }
        assert_eq!(
            error(&with_header(r#"{"dataBodyLength": 101}"#)),
            "body length 101 is over the limit of 100 bytes"
        );
    }

    #[test]
    fn a_stream_that_ends_inside_a_message_is_truncated() {
        let frame = encode(b"0123456789", false);
        let error = |bytes: &[u8]| decode_all(bytes).unwrap_err().to_string();
        assert_eq!(
            error(&frame[..2]),
            "the connection closed 2 bytes into the 4-byte header length"
        );
        assert_eq!(
            error(&frame[..10]),
            "the connection closed 6 bytes into the 22-byte header"
        );
        assert_eq!(
            error(&frame[..frame.len() - 3]),
            "the connection closed 7 bytes into the 10-byte body"
        );
        assert_eq!(decode_all(b"").unwrap(), []);
    }

    #[test]
    fn a_huge_announced_body_is_not_allocated_ahead_of_its_bytes() {
        let limits = Limits {
            max_header: MAX_HEADER,
            max_body: usize::MAX,
        };
        let mut decoder = Decoder::new(limits);
        let (_, message) = decoder
            .decode(&with_header(r#"{"dataBodyLength": 1000000000000}"#))
            .unwrap();
        assert!(message.is_none());
        decoder.decode(b"abc").unwrap();
        assert_eq!(decoder.buffered(), 3);
        assert!(decoder.buffer.capacity() < 1024);
    }
}
