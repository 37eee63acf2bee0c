//! Lesson 08's built-in commands and their replies: what the server answers,
//! apart from how the answer is framed. `run_command` knows `help`, `echo`, `upper`,
//! `time` and `big N`, and nothing else: no shell, ever. A [`Reply`] knows its length
//! before a byte of its body is made, because the frame's header needs it first, and
//! `big`'s body is made a chunk at a time as the socket takes it.

use std::io::{self, Write};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::framing::{Message, encode_header};
use crate::{CHUNK, MAX_BIG, printable};

// ANCHOR: commands
/// The built-in commands, as `help` lists them.
pub const HELP: &str = "\
commands:
  help        this list
  echo TEXT   TEXT, as it came
  upper TEXT  TEXT in capitals (ASCII letters only, as Python's bytes.upper())
  time        the server's clock, in UTC
  big N       N bytes of numbered lines (N at most 8388608), longer than one read";

/// Runs one command and returns the reply. No shell, ever: the tutorial ran the
/// request with `subprocess.Popen(command, shell=True)`, which lets anyone who can
/// connect run any program. Here only the commands of [`HELP`] exist.
///
/// The command is trimmed of surrounding whitespace (as the tutorial's client does with
/// `input().strip()`), then split at its first space into a name and its text.
///
/// `big N`'s reply is not made here: it is [`Piece::Big`], N bytes to make as they are
/// written. A 12-byte request must not make the server hold 8 MiB.
pub fn run_command(command: &[u8]) -> Reply {
    let command = command.trim_ascii();
    let (name, text) = match command.iter().position(|&byte| byte == b' ') {
        Some(space) => (&command[..space], &command[space + 1..]),
        None => (command, &b""[..]),
    };
    match name {
        b"help" => reply(HELP.as_bytes().to_vec()),
        b"echo" => reply(text.to_vec()),
        b"upper" => reply(text.to_ascii_uppercase()),
        b"time" => reply(utc_now().into_bytes()),
        b"big" if !text.is_empty() && text.iter().all(u8::is_ascii_digit) => {
            match String::from_utf8_lossy(text).parse() {
                Ok(size) if size <= MAX_BIG => Reply {
                    is_error: false,
                    body: vec![Piece::Big(size)],
                },
                _ => error(format!(
                    "big {}: at most {MAX_BIG} bytes",
                    String::from_utf8_lossy(text)
                )),
            }
        }
        b"big" => error(format!(
            "usage: big N, with N a number of bytes up to {MAX_BIG}"
        )),
        _ => error(format!(
            "unknown command {}: this server runs no shell commands; try \"help\"",
            printable(name)
        )),
    }
}

fn reply(body: Vec<u8>) -> Reply {
    Reply {
        is_error: false,
        body: vec![Piece::Bytes(body)],
    }
}

fn error(text: String) -> Reply {
    Reply {
        is_error: true,
        body: vec![Piece::Bytes(text.into_bytes())],
    }
}
// ANCHOR_END: commands

// ANCHOR: reply
/// A reply, as [`run_command`] returns it: whether it is an error, and its body, in
/// pieces. The body's length is known before a byte of it is made, so the frame's
/// header, which needs it first, can go out first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    /// The header's `"error"` field.
    pub is_error: bool,
    /// The body: these pieces, one after the other.
    pub body: Vec<Piece>,
}

/// A piece of a reply's body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Piece {
    /// Bytes made already: short ones. `echo`'s and `upper`'s are as long as the
    /// command, the others' a few hundred bytes at most (`help`).
    Bytes(Vec<u8>),
    /// `big N`'s body, N bytes ([`big_body`] says which), made [`CHUNK`] bytes at a
    /// time as they are written: never held whole.
    Big(usize),
}

impl Reply {
    /// The body's length, in bytes: the header's `dataBodyLength`.
    pub fn body_length(&self) -> usize {
        self.body
            .iter()
            .map(|piece| match piece {
                Piece::Bytes(bytes) => bytes.len(),
                Piece::Big(size) => *size,
            })
            .sum()
    }

    /// Writes the frame: header length and header, then the body.
    pub fn write_framed(&self, wfile: &mut impl Write) -> io::Result<()> {
        wfile.write_all(&encode_header(self.body_length(), self.is_error))?;
        self.write_body(wfile)
    }

    /// Writes the body, bare. `write_all`, where the tutorial's `send` may write only
    /// part of a long reply; and `big`'s body a chunk at a time, each made when the
    /// socket has taken the one before: a client who reads slowly, or not at all,
    /// holds the server's thread up, never more of its memory.
    pub fn write_body(&self, wfile: &mut impl Write) -> io::Result<()> {
        let mut chunk = Vec::new();
        for piece in &self.body {
            match piece {
                Piece::Bytes(bytes) => wfile.write_all(bytes)?,
                Piece::Big(size) => {
                    chunk.resize(CHUNK.min(*size), 0);
                    let mut offset = 0;
                    while offset < *size {
                        let chunk = &mut chunk[..CHUNK.min(size - offset)];
                        big_chunk(offset, chunk);
                        wfile.write_all(chunk)?;
                        offset += chunk.len();
                    }
                }
            }
        }
        Ok(())
    }

    /// The whole body, made at once: for tests, and for short replies (an error's
    /// text). Never for a `big` on the server's way to a client.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut body = Vec::with_capacity(self.body_length());
        // Writing to a Vec cannot fail.
        let _ = self.write_body(&mut body);
        body
    }
}

/// A message made whole (the exercises' own replies) is a reply of one piece.
impl From<Message> for Reply {
    fn from(message: Message) -> Reply {
        Reply {
            is_error: message.is_error,
            body: vec![Piece::Bytes(message.body)],
        }
    }
}
// ANCHOR_END: reply

// ANCHOR: big
/// `big N`'s body: numbered lines of 16 bytes (`line 0000000000\n`, ...), cut at
/// `size` bytes. A 1024-byte read ends exactly after line 63, so a leftover is easy to
/// recognise: it starts at `line 0000000064`. The server never calls it: it sends the
/// same bytes made by [`big_chunk`], a chunk at a time.
pub fn big_body(size: usize) -> Vec<u8> {
    let mut body = vec![0; size];
    big_chunk(0, &mut body);
    body
}

/// Fills `chunk` with `big`'s body from byte `offset` on. Every line is 16 bytes, so
/// byte `offset` is in line `offset / 16`, at column `offset % 16`: any chunk can be
/// made without the ones before it.
pub fn big_chunk(offset: usize, chunk: &mut [u8]) {
    let mut filled = 0;
    while filled < chunk.len() {
        let position = offset + filled;
        let line = big_line(position / 16);
        let column = position % 16;
        let take = (16 - column).min(chunk.len() - filled);
        chunk[filled..filled + take].copy_from_slice(&line[column..column + take]);
        filled += take;
    }
}

/// Line `number` of `big`'s body: `line 0000000042\n`, always 16 bytes (the number's
/// last ten digits: more than `MAX_BIG` will ever need).
fn big_line(number: usize) -> [u8; 16] {
    let mut line = *b"line 0000000000\n";
    let mut rest = number;
    for digit in line[5..15].iter_mut().rev() {
        *digit = b'0' + (rest % 10) as u8;
        rest /= 10;
    }
    line
}
// ANCHOR_END: big

/// The time now, as `2024-02-29 13:05:09 UTC` (Python:
/// `time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime())`).
pub fn utc_now() -> String {
    let seconds = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or(Duration::ZERO)
        .as_secs();
    let (days, second) = (seconds / 86_400, seconds % 86_400);
    let (year, month, day) = civil_from_days(days as i64);
    let (hour, minute, second) = (second / 3600, second / 60 % 60, second % 60);
    format!("{year:04}-{month:02}-{day:02} {hour:02}:{minute:02}:{second:02} UTC")
}

/// The calendar date of a day counted from 1970-01-01 (Howard Hinnant's
/// `civil_from_days`, public domain): what Python's `time.gmtime` does for us.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let days = days + 719_468; // counted from 0000-03-01, so that leap days come last
    let era = days.div_euclid(146_097); // 400-year cycles
    let day_of_era = days.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_from_march = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_from_march + 2) / 5 + 1;
    let month = if month_from_march < 10 {
        month_from_march + 3
    } else {
        month_from_march - 9
    };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month as u32, day as u32)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::RECV_SIZE;
    use crate::framing::encode_header;

    fn run(command: &str) -> (String, bool) {
        let reply = run_command(command.as_bytes());
        (
            String::from_utf8_lossy(&reply.to_bytes()).into(),
            reply.is_error,
        )
    }

    #[test]
    fn the_built_in_commands() {
        assert_eq!(run("echo hello world"), ("hello world".into(), false));
        assert_eq!(run("  echo  two spaces \n"), (" two spaces".into(), false));
        assert_eq!(run("echo"), ("".into(), false));
        assert_eq!(run("upper grüße"), ("GRüßE".into(), false));
        assert_eq!(run("help"), (HELP.into(), false));
        assert_eq!(run("big 20"), ("line 0000000000\nline".into(), false));
        let largest = run_command(b"big 8388608");
        assert_eq!(largest.body, [Piece::Big(MAX_BIG)], "made as it is written");
        assert_eq!(largest.body_length(), MAX_BIG);
        assert!(largest.to_bytes() == big_body(MAX_BIG));
    }

    #[test]
    fn everything_else_is_an_error_and_nothing_runs() {
        assert_eq!(
            run("ls -l"),
            (
                "unknown command \"ls\": this server runs no shell commands; try \"help\"".into(),
                true
            )
        );
        assert_eq!(
            run("big 8388609"),
            ("big 8388609: at most 8388608 bytes".into(), true)
        );
        assert!(run("big").1 && run("big -1").1 && run("big +5").1 && run("").1);
        assert!(run("ECHO hi").1, "names are case-sensitive, like a shell's");
    }

    /// What `big` has always sent: Python's `b"".join(b"line %010d\n" % n ...)`.
    fn lines_joined(size: usize) -> Vec<u8> {
        let mut body: Vec<u8> = (0..=size / 16)
            .flat_map(|number| format!("line {number:010}\n").into_bytes())
            .collect();
        body.truncate(size);
        body
    }

    #[test]
    fn big_is_the_numbered_lines_whichever_chunk_it_starts_at() {
        for size in [0, 1, 15, 16, 17, 1023, 1024, 1025, 5000] {
            assert_eq!(big_body(size), lines_joined(size), "big {size}");
        }
        let whole = lines_joined(3 * CHUNK + 7);
        for offset in [0, 1, 15, 16, 17, 1000, CHUNK - 1, CHUNK, 2 * CHUNK + 3] {
            for length in [0, 1, 16, 33, CHUNK] {
                let mut chunk = vec![0; length];
                big_chunk(offset, &mut chunk);
                assert_eq!(chunk, whole[offset..offset + length], "{offset}+{length}");
            }
        }
        assert_eq!(&big_line(9_999_999_999)[..], b"line 9999999999\n");
    }

    #[test]
    fn a_reply_is_written_as_its_pieces_and_big_a_chunk_at_a_time() {
        /// Records the length of every write.
        #[derive(Default)]
        struct Writes(Vec<usize>, Vec<u8>);
        impl Write for Writes {
            fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
                self.0.push(bytes.len());
                self.1.extend_from_slice(bytes);
                Ok(bytes.len())
            }
            fn flush(&mut self) -> io::Result<()> {
                Ok(())
            }
        }
        let size = 2 * CHUNK + 100;
        let reply = Reply {
            is_error: false,
            body: vec![Piece::Bytes(b"head ".to_vec()), Piece::Big(size)],
        };
        assert_eq!(reply.body_length(), 5 + size);
        let mut writes = Writes::default();
        reply.write_framed(&mut writes).unwrap();
        let header = encode_header(5 + size, false);
        assert_eq!(writes.0, [header.len(), 5, CHUNK, CHUNK, 100]);
        assert!(writes.1 == [header, b"head ".to_vec(), big_body(size)].concat());
        assert!(reply.to_bytes() == [b"head ".to_vec(), big_body(size)].concat());
    }

    #[test]
    fn a_1024_byte_read_of_big_ends_at_a_line() {
        let body = big_body(1500);
        assert_eq!(body.len(), 1500);
        assert!(body[RECV_SIZE..].starts_with(b"line 0000000064\n"));
    }

    #[test]
    fn dates_are_those_python_gives() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(11_017), (2000, 3, 1));
        assert_eq!(civil_from_days(19_782), (2024, 2, 29));
        assert_eq!(civil_from_days(-1), (1969, 12, 31));
        let now = utc_now();
        assert_eq!(now.len(), "2024-02-29 13:05:09 UTC".len(), "{now}");
    }
}
