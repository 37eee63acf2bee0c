//! The client's half of the protocol: `put` and `get` as functions, for the client
//! binary (`src/bin/client.rs`) and the tests. A client is simpler than the server: it
//! has one conversation, and may block, so it reads and writes in a plain loop, the
//! way the tutorial's client does.

use std::cmp::min;
use std::io::{self, ErrorKind, Read, Write};
use std::net::{Shutdown, TcpStream};
use std::path::Path;
use std::rc::Rc;

use crate::{CHUNK, Dir, GO_AHEAD, Header, PartFile, Reply, check_name};

// ANCHOR: client
/// How a client's transfer ended, when the conversation itself went fine.
#[derive(Debug, PartialEq, Eq)]
pub enum Outcome {
    /// The whole file went (`put`) or came (`get`): this many bytes.
    Done(u64),
    /// The server said `NO|reason`.
    Refused(String),
}

/// Reads the server's answer: one read, as the tutorial's `recv(1024)`. Sound here,
/// because the conversation is lock-step: the server writes its answer in one short
/// write and sends nothing more until we speak again.
pub fn read_reply(conn: &mut TcpStream) -> io::Result<Reply> {
    let mut buffer = [0; 1024];
    let received = conn.read(&mut buffer)?;
    if received == 0 {
        return Err(io::Error::new(
            ErrorKind::UnexpectedEof,
            "the server closed the connection",
        ));
    }
    Reply::parse(&buffer[..received]).map_err(|why| io::Error::new(ErrorKind::InvalidData, why))
}

/// The client's `put`: announce `name` and `size`, wait for `OK`, then send exactly
/// `size` bytes of `file`. `progress` hears how many bytes have gone so far.
///
/// The protocol has no answer after the file, so the client cannot tell when the
/// server has it all, and a next header would travel right behind the file's last
/// bytes, where the network may cut it anywhere. So a `put` ends its connection: the
/// client half-closes (no more data), and waits for the server to close in turn,
/// which it does once it has stored the file (or failed to).
pub fn put(
    conn: &mut TcpStream,
    name: &str,
    file: &mut impl Read,
    size: u64,
    progress: &mut dyn FnMut(u64),
) -> io::Result<Outcome> {
    let header = Header {
        command: "put",
        name: name.to_string(),
        size,
    };
    conn.write_all(&header.to_bytes())?;
    match read_reply(conn)? {
        Reply::Ok => {}
        Reply::No(reason) => return Ok(Outcome::Refused(reason)),
        other => return Err(unexpected(&other)),
    }
    let mut buffer = vec![0; CHUNK];
    let mut sent = 0;
    while sent < size {
        let want = usize::try_from(size - sent).map_or(CHUNK, |left| min(left, CHUNK));
        let got = file.read(&mut buffer[..want])?;
        if got == 0 {
            let why = format!("the file shrank while being sent ({sent} of {size} bytes)");
            return Err(io::Error::new(ErrorKind::UnexpectedEof, why));
        }
        conn.write_all(&buffer[..got])?;
        sent += got as u64;
        progress(sent);
    }
    // Python's conn.shutdown(socket.SHUT_WR), then recv() until it returns b''.
    conn.shutdown(Shutdown::Write)?;
    let mut rest = Vec::new();
    conn.read_to_end(&mut rest)?;
    if !rest.is_empty() {
        let why = format!("the server sent {} bytes after OK", rest.len());
        return Err(io::Error::new(ErrorKind::InvalidData, why));
    }
    Ok(Outcome::Done(sent))
}

/// The client's `get`: ask for `name`; on `YES|size` send `second_active` and receive
/// exactly `size` bytes into `dir/name`, through a temporary file, like the server.
/// `progress` hears (bytes so far, size).
pub fn get(
    conn: &mut TcpStream,
    name: &str,
    dir: &Path,
    progress: &mut dyn FnMut(u64, u64),
) -> io::Result<Outcome> {
    let header = Header {
        command: "get",
        name: name.to_string(),
        size: 0,
    };
    conn.write_all(&header.to_bytes())?;
    let size = match read_reply(conn)? {
        Reply::Yes(size) => size,
        Reply::No(reason) => return Ok(Outcome::Refused(reason)),
        other => return Err(unexpected(&other)),
    };
    // The name is ours, but a server that says YES to anything must not make us
    // write outside `dir`.
    check_name(name).map_err(|why| io::Error::new(ErrorKind::InvalidData, why))?;
    // The client's own directory, opened as given (the user chose it), like `--root`.
    let dir = Rc::new(Dir::open(dir)?);
    let temp = format!(".{name}.part");
    let _ = dir.remove(&temp); // left over from a client that was killed
    let mut part = PartFile::create(&dir, temp)?;
    conn.write_all(GO_AHEAD)?;
    progress(0, size);
    let mut buffer = vec![0; CHUNK];
    let mut received = 0;
    while received < size {
        let want = usize::try_from(size - received).map_or(CHUNK, |left| min(left, CHUNK));
        let got = conn.read(&mut buffer[..want])?;
        if got == 0 {
            let why = format!("the server closed after {received} of {size} bytes");
            return Err(io::Error::new(ErrorKind::UnexpectedEof, why));
        }
        part.write(&buffer[..got])?;
        received += got as u64;
        progress(received, size);
    }
    part.commit(name)?;
    Ok(Outcome::Done(received))
}

fn unexpected(reply: &Reply) -> io::Error {
    let text = String::from_utf8_lossy(&reply.to_bytes()).into_owned();
    io::Error::new(
        ErrorKind::InvalidData,
        format!("unexpected answer {text:?}"),
    )
}
// ANCHOR_END: client
