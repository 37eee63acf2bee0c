//! The protocol: what the bytes on the wire mean. A header, `cmd|filename|filesize`,
//! and where it ends ([`parse_header`]); the server's answers ([`Reply`]); and which
//! names a client may use ([`check_name`]). The tutorial does the first in one line,
//! `cmd, filename, filesize = str(data, 'utf-8').split('|')`, and the last not at all.
//! Nothing here touches a socket or a file, so every rule is tested byte by byte, in
//! `src/tests.rs`.

use std::cmp::min;
use std::ffi::OsStr;
use std::path::{Component, Path};

/// The longest header the server waits for: the tutorial reads it with `recv(1024)`.
pub const HEADER_LIMIT: usize = 1024;

/// The longest file name accepted, in bytes (most file systems allow 255; the
/// temporary name adds a few).
pub const MAX_NAME: usize = 200;

/// What a `get` client sends once it has read `YES|size`: "go ahead, send it".
pub const GO_AHEAD: &[u8] = b"second_active";

/// The tutorial's `get` answer when there is no such file: `NO|0`. Other refusals say
/// why in words, `NO|too big: ...`.
pub const NO_SUCH_FILE: &str = "0";

// ANCHOR: header
/// The first message of a transfer, `cmd|filename|filesize`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    /// `put` or `get`: one of the commands the server knows, which it gives the parser
    /// (the lesson's server knows those two; [`Commands::names`](crate::Commands::names)
    /// says how a server knows more).
    pub command: &'static str,
    pub name: String,
    /// For `put`, how many bytes follow; `get` sends it too (the tutorial sends 0) and
    /// the lesson's server ignores it.
    pub size: u64,
}

/// What the inbox holds so far.
#[derive(Debug, PartialEq, Eq)]
pub enum Parsed {
    /// A whole header, and how many bytes of the inbox it took (the rest is file data,
    /// or the next message).
    Complete(Header, usize),
    /// The start of a header: wait for more.
    Incomplete,
    /// Not a header, and more bytes cannot make it one.
    Invalid(String),
}

/// Finds the header at the start of `inbox`, for a server that knows `commands`
/// (`["put", "get"]`). Where does it end? The tutorial's client sends it in one `send`,
/// with no end marker, and waits for the answer; its server takes whatever one
/// `recv(1024)` returns. That breaks as soon as a client sends the header and the first
/// file bytes together. So:
///
/// 1. A header ends at a newline (`\n`, or `\r\n`); what follows is file data or the
///    next message. Our clients send one, so they may send more right behind it.
/// 2. Without a newline, the header ends where the bytes received so far end, once
///    they read as a whole `cmd|name|size`: the tutorial's rule, sound for its clients,
///    which send nothing more until they have the answer.
///
/// Blank lines before a header are skipped.
///
/// Rule 2 has a blind spot: a header cut by the network inside its size, or just
/// before its newline (`put|a.txt|1` now, `2\n` later), reads as complete. That can
/// only happen to a header sent behind other bytes still in flight, which is why our
/// clients never send one there: a `put` ends its connection (see [`put`](crate::put)).
pub fn parse_header(inbox: &[u8], commands: &[&'static str]) -> Parsed {
    let skipped = inbox
        .iter()
        .take_while(|&&b| b == b'\n' || b == b'\r')
        .count();
    let rest = &inbox[skipped..];
    let searched = &rest[..min(rest.len(), HEADER_LIMIT + 1)];
    if let Some(end) = searched.iter().position(|&b| b == b'\n') {
        let line = &rest[..end];
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        return match Header::parse(line, commands) {
            Ok(header) => Parsed::Complete(header, skipped + end + 1),
            Err(why) => Parsed::Invalid(why),
        };
    }
    if rest.len() > HEADER_LIMIT {
        return Parsed::Invalid(format!("no header within {HEADER_LIMIT} bytes"));
    }
    match Header::parse(rest, commands) {
        Ok(header) => Parsed::Complete(header, inbox.len()),
        Err(_) if could_still_become_a_header(rest, commands) => Parsed::Incomplete,
        Err(why) => Parsed::Invalid(why),
    }
}

impl Header {
    /// Parses one whole header, `cmd|filename|filesize`, as the tutorial's
    /// `str(data, 'utf-8').split('|')` and `int(filesize)` do, strictly: the command
    /// must be one of `commands`.
    pub fn parse(line: &[u8], commands: &[&'static str]) -> Result<Header, String> {
        let text = std::str::from_utf8(line).map_err(|_| "the header is not UTF-8")?;
        let fields: Vec<&str> = text.split('|').collect();
        let [command, name, size] = fields[..] else {
            return Err(format!("expected cmd|filename|filesize, got {text:?}"));
        };
        // Python's `hasattr(self, cmd)`: is it a command this server knows?
        let Some(&command) = commands.iter().find(|&&known| known == command) else {
            let expected = one_of(commands);
            return Err(format!("unknown command {command:?}: expected {expected}"));
        };
        let size = Some(size)
            .filter(|size| !size.is_empty() && size.bytes().all(|b| b.is_ascii_digit()))
            .and_then(|size| size.parse().ok())
            .ok_or_else(|| format!("the size {size:?} is not a number of bytes"))?;
        Ok(Header {
            command,
            name: name.to_string(),
            size,
        })
    }

    /// The header as our clients send it: with a newline, so that the file may follow
    /// at once.
    pub fn to_bytes(&self) -> Vec<u8> {
        format!("{}|{}|{}\n", self.command, self.name, self.size).into_bytes()
    }
}

/// Could more bytes turn `start` into a header? `pu`, `put|not` and `put|notes.txt|`
/// could; `hello` and `delete|x` never will.
fn could_still_become_a_header(start: &[u8], commands: &[&str]) -> bool {
    let fields: Vec<&[u8]> = start.split(|&b| b == b'|').collect();
    let command = fields[0];
    let known = commands.iter().any(|known| known.as_bytes() == command);
    match fields.len() {
        1 => commands
            .iter()
            .any(|known| known.as_bytes().starts_with(command)),
        2 => known,
        3 => known && fields[2].is_empty(),
        _ => false,
    }
}

/// `put or get`, `put, get or list`: the commands, for a message.
fn one_of(commands: &[&str]) -> String {
    match commands {
        [] => "no command at all".to_string(),
        [only] => only.to_string(),
        [first @ .., last] => format!("{} or {last}", first.join(", ")),
    }
}
// ANCHOR_END: header

// ANCHOR: check_name
/// Is `name` a plain file name, one that stays inside the served directory? The
/// tutorial joins whatever the client sent to its directory, so `../../etc/passwd`
/// walks out of it, and `/etc/passwd` replaces it (Python's `os.path.join` drops
/// everything before an absolute path).
pub fn check_name(name: &str) -> Result<(), String> {
    if name.is_empty() {
        return Err("the name is empty".into());
    }
    if name == "." || name == ".." {
        return Err(format!("{name:?} names a directory, not a file"));
    }
    if name.contains(['/', '\\']) {
        return Err(format!("{name:?} contains a path separator (/ or \\)"));
    }
    if name.contains('\0') {
        return Err(format!("{name:?} contains a NUL byte"));
    }
    if name.chars().any(char::is_control) {
        return Err(format!("{name:?} contains a control character"));
    }
    if name.starts_with('.') {
        return Err(format!(
            "{name:?} starts with a dot (hidden files, and the server's temporary files, do)"
        ));
    }
    if name.len() > MAX_NAME {
        return Err(format!("the name is longer than {MAX_NAME} bytes"));
    }
    // Belt and braces: whatever this system calls a path, it must be one plain name.
    if !Path::new(name)
        .components()
        .eq([Component::Normal(OsStr::new(name))])
    {
        return Err(format!("{name:?} is not a plain file name"));
    }
    Ok(())
}
// ANCHOR_END: check_name

// ANCHOR: reply
/// The server's answers, as the tutorial sends them: no newline, one short write each.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reply {
    /// `OK`: send the file (`put`).
    Ok,
    /// `YES|size`: the file exists; send `second_active` to receive it (`get`).
    Yes(u64),
    /// `NO|0` (no such file, as in the tutorial) or `NO|reason` (refused).
    No(String),
}

impl Reply {
    pub fn to_bytes(&self) -> Vec<u8> {
        match self {
            Reply::Ok => b"OK".to_vec(),
            Reply::Yes(size) => format!("YES|{size}").into_bytes(),
            Reply::No(reason) => format!("NO|{reason}").into_bytes(),
        }
    }

    /// The client's half: what did the server answer?
    pub fn parse(bytes: &[u8]) -> Result<Reply, String> {
        let text = String::from_utf8_lossy(bytes);
        match text.split_once('|') {
            None if text == "OK" => Ok(Reply::Ok),
            Some(("YES", size)) => size
                .parse()
                .map(Reply::Yes)
                .map_err(|_| format!("a YES with a bad size: {text:?}")),
            Some(("NO", reason)) => Ok(Reply::No(reason.to_string())),
            _ => Err(format!("an answer this client does not know: {text:?}")),
        }
    }
}
// ANCHOR_END: reply
