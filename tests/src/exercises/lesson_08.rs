//! Lesson 08's exercises: new commands in the tutorial's framing, and frames inside a
//! frame.
//!
//! The replies are frames (4 bytes of header length, a JSON header, the body), so the
//! scripts read them frame by frame and write them into the transcript the way lesson
//! 08's own tests do, `15 00 00 00 | {"dataBodyLength": 2} | "hi"`: what a student's
//! server said is readable in the diff, error replies included. A server that does
//! not frame its reply at all is stopped at its first byte, as [`Client::hear`] would.

use std::io::{ErrorKind, Read, Write};

use super::Exercise;
use crate::show::hidden_difference;
use crate::{Client, OnScript, ServerProcess, Transcript, show_bytes};

/// In course order.
pub const EXERCISES: &[Exercise] = &[
    Exercise {
        id: "08-sum",
        title: "A new built-in command: sum N...",
        minutes: 20,
        hints: &[
            "The lesson's `run_command` knows its commands, and yours is one \
             more. Where can your code see a command before `run_command` does?",
            "Recognise the command before the lesson's `run_command` sees it: trim the \
             command with `trim_ascii()`, split it at its first space into a name and the \
             rest, as `run_command` does, and if the name is `b\"sum\"`, answer it \
             yourself. Everything else still goes to `run_command`.",
            "The numbers are words: `String::from_utf8_lossy(rest)` then \
             `.split_ascii_whitespace()`, and `word.parse::<i64>()` for each. A reply is a \
             `Message { body, is_error }`: the total is `total.to_string().into_bytes()`, \
             with `is_error: false`.",
            "A word that does not parse is an error reply, `is_error: true`, with the body \
             `format!(\"sum: {word:?} is not a whole number\")`. Add with \
             `total.checked_add(number)`: `None` means the total does not fit in an i64, \
             `sum: the total does not fit in 64 bits`. Never `+`, which panics on \
             overflow in a debug build.",
        ],
        args: &[],
        setup: None,
        script: sum,
    },
    Exercise {
        id: "08-batch",
        title: "A batch of framed requests, answered in order",
        minutes: 30,
        hints: &[
            "The bytes after `batch ` are frames, the same kind the framed \
             protocol reads from a socket. Which piece of the lesson takes \
             frames apart from bytes, whatever they come from?",
            "A request that starts with `batch ` carries framed requests after that \
             prefix: `request.strip_prefix(b\"batch \")`. Do not trim it: the frames are \
             bytes. Take them apart with the lesson's `Decoder` \
             (`lesson_08::framing::Decoder::new(Limits { max_header: MAX_HEADER, \
             max_body: MAX_COMMAND })`, the lesson's limits for a request), whose \
             `decode(bytes)` returns how many bytes it took and, when one is complete, \
             the request.",
            "Loop while bytes are left: `let (taken, message) = decoder.decode(rest)?;` \
             (with the error turned into an error reply), `rest = &rest[taken..]`, and keep \
             each complete message. At the end, `decoder.end_of_stream()` says whether the \
             bytes stopped inside a request. Decode them all before running any, so that \
             a bad frame means nothing runs.",
            "Run each request's body with the lesson's `run_command`; each inner reply \
             goes into your reply's body as its framed header, \
             `Piece::Bytes(encode_header(reply.body_length(), reply.is_error))`, then \
             its own pieces (`body.extend(reply.body)`): a `Reply { is_error: false, \
             body }`. A bad frame is one error reply whose body is \
             `format!(\"batch: request {number}: {error}\")`, counting from 1. Limit the \
             total: `big` makes 8 MiB a request, and a client holds a reply whole.",
        ],
        args: &[],
        setup: None,
        script: batch,
    },
];

/// The lesson's frame around `body`: the header length as 4 little-endian bytes, the
/// JSON header exactly as Python's `json.dumps` writes it, the body.
fn frame(body: &[u8], is_error: bool) -> Vec<u8> {
    let header = if is_error {
        format!(r#"{{"dataBodyLength": {}, "error": true}}"#, body.len())
    } else {
        format!(r#"{{"dataBodyLength": {}}}"#, body.len())
    };
    let mut frame = (header.len() as u32).to_le_bytes().to_vec();
    frame.extend_from_slice(header.as_bytes());
    frame.extend_from_slice(body);
    frame
}

/// `batch ` and then `requests`, each framed: the body of a batch request.
fn batch_of(requests: &[&[u8]]) -> Vec<u8> {
    let mut body = b"batch ".to_vec();
    for request in requests {
        body.extend(frame(request, false));
    }
    body
}

/// The longest header a frame may have (the lesson's `MAX_HEADER`).
const MAX_HEADER: usize = 1024;

/// The longest body the scripts read (the lesson's `MAX_REPLY`).
const MAX_BODY: u64 = 16 * 1024 * 1024;

/// The header length and body length of the frame at the start of `bytes`, as far as
/// they can be read: `None` where they cannot (too few bytes, or not a header).
fn lengths(bytes: &[u8]) -> (Option<usize>, Option<u64>) {
    let Some(&[a, b, c, d]) = bytes.get(..4) else {
        return (None, None);
    };
    let header_length = i32::from_le_bytes([a, b, c, d]);
    let Some(header_length) = usize::try_from(header_length)
        .ok()
        .filter(|&length| (1..=MAX_HEADER).contains(&length))
    else {
        return (None, None);
    };
    let body_length = bytes
        .get(4..4 + header_length)
        .and_then(|header| serde_json::from_slice::<serde_json::Value>(header).ok())
        .and_then(|header| header.get("dataBodyLength")?.as_u64());
    (Some(header_length), body_length)
}

/// A frame, whole or not, as the transcript shows it:
/// `15 00 00 00 | {"dataBodyLength": 2} | "hi"`. Frames inside its body (a batch's)
/// are shown the same way, in brackets.
fn show_frame(frame: &[u8]) -> String {
    let (Some(header_length), _) = lengths(frame) else {
        return show_bytes(frame);
    };
    let length: Vec<String> = frame[..4].iter().map(|b| format!("{b:02x}")).collect();
    let header_end = (4 + header_length).min(frame.len());
    let header = String::from_utf8_lossy(&frame[4..header_end]);
    let body = show_body(&frame[header_end..]);
    format!("{} | {header} | {body}", length.join(" "))
}

/// A body: shown as bytes, except the whole frames in it (after `batch `, if it
/// starts so), which are shown as frames, in brackets.
fn show_body(body: &[u8]) -> String {
    let (prefix, mut rest) = match body.strip_prefix(b"batch ") {
        Some(rest) => (&body[..6], rest),
        None => (&body[..0], body),
    };
    let mut frames = Vec::new();
    while let (Some(header_length), Some(body_length)) = lengths(rest) {
        let end = usize::try_from(body_length)
            .ok()
            .and_then(|body_length| (4 + header_length).checked_add(body_length))
            .filter(|&end| end <= rest.len());
        let Some(end) = end else {
            break;
        };
        frames.push(format!("[{}]", show_frame(&rest[..end])));
        rest = &rest[end..];
    }
    if frames.is_empty() {
        return show_bytes(body);
    }
    let mut shown = Vec::new();
    if !prefix.is_empty() {
        shown.push(show_bytes(prefix));
    }
    shown.extend(frames);
    if !rest.is_empty() {
        shown.push(show_bytes(rest));
    }
    shown.join(" ")
}

/// Sends `body` framed, as the lesson's `--protocol framed` client does.
fn send_frame(client: &Client, transcript: &Transcript, body: &[u8]) {
    let frame = frame(body, false);
    transcript.push(format!("C: {}", show_frame(&frame)));
    let mut stream = client.stream();
    stream
        .write_all(&frame)
        .unwrap_or_else(|error| panic!("C could not send: {error}"));
}

/// Reads one framed reply and records it: on script if it is the frame `expected`.
///
/// Like [`Client::hear`], it never waits for bytes that cannot come: a reply whose
/// first bytes are not a header length is recorded as it came, at once. Once the
/// header has said how long the body is, the whole frame is read (the server has said
/// what it is sending), so a wrong reply shows whole in the transcript.
fn hear_frame(client: &Client, transcript: &Transcript, expected: &[u8]) -> OnScript {
    let mut got = Vec::new();
    let ending = read_frame(client, expected, &mut got);
    if !got.is_empty() {
        transcript.push(format!("S: {}", show_frame(&got)));
        if show_frame(&got) == show_frame(expected)
            && let Some(difference) = hidden_difference(&got, expected)
        {
            transcript.push(format!("== C hears something else from {difference}"));
        }
    }
    if let Some(ending) = ending {
        transcript.push(format!("== C {ending}"));
    }
    (got == expected).then_some(())
}

/// Reads a frame into `got`: why it stopped early, if it did.
fn read_frame(client: &Client, expected: &[u8], got: &mut Vec<u8>) -> Option<String> {
    let mut stream = client.stream();
    // The header length, read no further than bytes that could still be one: a reply
    // that is not framed would leave us waiting for bytes it will never send.
    while got.len() < 4 {
        if let Some(ending) = read_some(&mut stream, got, 4) {
            return Some(ending);
        }
        if !expected.starts_with(got) && !could_be_length(got) {
            return None; // not a frame: recorded as it came
        }
    }
    let header_length = lengths(got).0?;
    if let Some(ending) = read_all(&mut stream, got, 4 + header_length) {
        return Some(ending);
    }
    let body_length = lengths(got).1.filter(|&length| length <= MAX_BODY)?;
    let end = 4 + header_length + usize::try_from(body_length).ok()?;
    read_all(&mut stream, got, end)
}

/// Whether `start`, at most 4 bytes, could begin a header length the lesson allows
/// (1 to 1024, as a little-endian i32: the second byte at most 4, the others zero).
fn could_be_length(start: &[u8]) -> bool {
    start.get(1).is_none_or(|&byte| byte <= 4) && start.iter().skip(2).all(|&byte| byte == 0)
}

/// Reads until `got` holds `len` bytes; why it stopped early, if it did.
fn read_all(stream: &mut impl Read, got: &mut Vec<u8>, len: usize) -> Option<String> {
    while got.len() < len {
        if let Some(ending) = read_some(stream, got, len) {
            return Some(ending);
        }
    }
    None
}

/// One read of at most `len - got.len()` bytes, appended to `got`; why it could not,
/// if it could not (the socket's read timeout bounds the wait).
fn read_some(stream: &mut impl Read, got: &mut Vec<u8>, len: usize) -> Option<String> {
    let mut buffer = vec![0; (len - got.len()).min(64 * 1024)];
    loop {
        return match stream.read(&mut buffer) {
            Ok(0) => Some("is closed by the server".to_string()),
            Ok(n) => {
                got.extend_from_slice(&buffer[..n]);
                None
            }
            Err(error) if error.kind() == ErrorKind::Interrupted => continue,
            Err(error) if matches!(error.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                let more = if got.is_empty() { "" } else { " more" };
                Some(format!("hears nothing{more}"))
            }
            Err(error) if error.kind() == ErrorKind::ConnectionReset => {
                Some("is reset by the server".to_string())
            }
            Err(error) => Some(format!("cannot read: {error}")),
        };
    }
}

/// `sum` adds whole numbers; bad input gets an error reply, in the same framing, and
/// the conversation goes on.
fn sum(server: &mut ServerProcess, transcript: &Transcript) -> OnScript {
    let mut client = Client::connect(transcript, server.addr());
    let turns = [
        ("sum 1 2 3", "6", false),
        ("sum 40 -2 +4", "42", false),
        ("sum", "0", false),
        ("sum 1 two 3", "sum: \"two\" is not a whole number", true),
        (
            "sum 9223372036854775807 1",
            "sum: the total does not fit in 64 bits",
            true,
        ),
        ("echo still here", "still here", false),
    ];
    for (command, body, is_error) in turns {
        client.send(command);
        hear_frame(&client, transcript, &frame(body.as_bytes(), is_error))?;
    }
    client.close();
    Some(())
}

/// Framed requests: one as in the lesson, then batches: three requests answered in
/// one reply, in order, each with its own error flag; a bad frame inside a batch,
/// answered with one error, after which the connection goes on; an empty batch.
fn batch(server: &mut ServerProcess, transcript: &Transcript) -> OnScript {
    let client = Client::connect(transcript, server.addr());
    let unknown = "unknown command \"nope\": this server runs no shell commands; try \"help\"";
    let mut bad = batch_of(&[b"echo a"]);
    bad.extend((-1i32).to_le_bytes());
    let replies = [
        frame(b"one", false),
        frame(b"TWO", false),
        frame(unknown.as_bytes(), true),
    ];
    let turns = [
        (b"echo hi".to_vec(), frame(b"hi", false)),
        (
            batch_of(&[b"echo one", b"upper two", b"nope"]),
            frame(&replies.concat(), false),
        ),
        (
            bad,
            frame(b"batch: request 2: header length -1 is negative", true),
        ),
        (b"echo still here".to_vec(), frame(b"still here", false)),
        (batch_of(&[]), frame(b"", false)),
    ];
    for (request, reply) in turns {
        send_frame(&client, transcript, &request);
        hear_frame(&client, transcript, &reply)?;
    }
    client.close();
    Some(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use std::net::TcpListener;
    use std::thread;

    #[test]
    fn frames_are_shown_as_lesson_08_shows_them_and_a_batch_s_frames_in_brackets() {
        assert_eq!(
            show_frame(&frame(b"hi", false)),
            r#"15 00 00 00 | {"dataBodyLength": 2} | "hi""#
        );
        let mut body = batch_of(&[b"echo a"]);
        body.extend(b"?");
        assert_eq!(
            show_frame(&frame(&body, false)),
            r#"16 00 00 00 | {"dataBodyLength": 38} | "batch " [15 00 00 00 | {"dataBodyLength": 6} | "echo a"] "?""#
        );
        // Not frames: shown as bytes.
        assert_eq!(show_frame(b"hello"), r#""hello""#);
        assert_eq!(show_body(b"batch \xff"), r#""batch \xff""#);
    }

    /// A one-shot server that sends `reply` to its first client, and the client's
    /// transcript of hearing it.
    fn hear_from(reply: &'static [u8], expected: &[u8]) -> (bool, String) {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let server = thread::spawn(move || {
            let (mut conn, _) = listener.accept().unwrap();
            conn.write_all(reply).unwrap();
            conn // kept open: the client must not wait for more
        });
        let transcript = Transcript::default();
        let client = Client::connect(&transcript, addr);
        let conn = server.join().unwrap();
        let heard = hear_frame(&client, &transcript, expected).is_some();
        drop(conn);
        (heard, transcript.render())
    }

    #[test]
    fn a_reply_that_is_not_framed_is_recorded_at_once_as_it_came() {
        let (heard, transcript) = hear_from(b"hi", &frame(b"hi", false));
        assert!(!heard);
        assert!(transcript.ends_with("S: \"hi\"\n"), "{transcript}");
    }

    #[test]
    fn a_wrong_frame_is_read_whole() {
        let wrong = b"\x24\0\0\0{\"dataBodyLength\": 4, \"error\": true}oops";
        assert_eq!(&wrong[..], frame(b"oops", true));
        let (heard, transcript) = hear_from(wrong, &frame(b"fine", false));
        assert!(!heard);
        assert!(
            transcript.ends_with(
                "S: 24 00 00 00 | {\"dataBodyLength\": 4, \"error\": true} | \"oops\"\n"
            ),
            "{transcript}"
        );
        assert!(hear_from(b"\x15\0\0\0{\"dataBodyLength\": 2}ok", &frame(b"ok", false)).0);
    }
}
