//! One client's conversation, as a state machine: what the selector loop does with a
//! connection each time it is ready. Bytes read go to an inbox, which `advance`
//! cuts into headers, file data and `second_active`; what the server says waits in an
//! outbox until the socket takes it. Which answer a header gets is not decided here
//! but by [`Commands`]: this module only carries the answer out, the same way for
//! every command. The tutorial keeps one `hasReceived` and one `dic` for every client;
//! here each `Connection` has its own `Stage`.

use std::cmp::min;
use std::io::{self, ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpStream};

use crate::commands::{Download, Upload};
use crate::{Answer, CHUNK, Commands, Files, GO_AHEAD, Parsed, Request, parse_header};

/// The most bytes one connection may have waiting to be sent; beyond it, the server
/// stops reading from that client (and stops reading its file) until it catches up.
pub const OUTBOX_LIMIT: usize = 64 * 1024;

// ANCHOR: connection
/// One client, as the selector loop sees it: the tutorial's `self.dic[conn]`, but its
/// own, not shared with every other client.
pub(crate) struct Connection {
    pub(crate) conn: TcpStream,
    pub(crate) addr: SocketAddr,
    /// The connection's key, which also makes its temporary file names unique.
    pub(crate) key: usize,
    /// Bytes read but not used yet: part of a header, or file data behind it.
    pub(crate) inbox: Vec<u8>,
    /// Bytes not sent yet: a non-blocking write may take only part of them.
    pub(crate) outbox: Vec<u8>,
    /// Where this client is in the conversation.
    pub(crate) stage: Stage,
    /// No more reading: the client has closed its side, or was refused. Send the
    /// outbox, then close.
    pub(crate) closing: bool,
    /// What the selector watches this socket for now, (readable, writable).
    pub(crate) watching: (bool, bool),
}

/// The state machine of one connection:
///
/// ```text
///            put|name|size, OK                      size bytes stored, renamed
///  Header ─────────────────────────▶ Receiving ──────────────────────────────▶ Header
///    │ get|name|_, YES|size                           second_active
///    └────────────────────────────▶ Offering ───────────────────────────────▶ Sending
///  Header ◀──────────────────────────────────────────────────── all size bytes sent
/// ```
///
/// A refused `get` (`NO|...`) stays in `Header`; a refused `put` or a bad header
/// closes the connection, since the client may already be sending file bytes that
/// cannot be told from a next header.
pub(crate) enum Stage {
    /// Waiting for `cmd|filename|filesize`.
    Header,
    /// `put`: `OK` sent; the next bytes, up to the announced size, are the file.
    Receiving(Upload),
    /// `get`: `YES|size` sent; waiting for `second_active`.
    Offering(Download),
    /// `get`: the file is streaming out through the outbox.
    Sending(Download),
}
// ANCHOR_END: connection

impl Connection {
    /// A client just accepted: nothing read, nothing to send, waiting for a header.
    pub(crate) fn new(conn: TcpStream, addr: SocketAddr, key: usize) -> Connection {
        Connection {
            conn,
            addr,
            key,
            inbox: Vec::new(),
            outbox: Vec::new(),
            stage: Stage::Header,
            closing: false,
            watching: (true, false),
        }
    }

    // ANCHOR: read
    /// One read into the inbox. An empty read means the client has closed its side:
    /// what it sent is still used, then the connection closes.
    pub(crate) fn read(&mut self) -> io::Result<()> {
        let mut buffer = [0; CHUNK];
        match self.conn.read(&mut buffer) {
            Ok(0) => self.closing = true,
            Ok(received) => self.inbox.extend_from_slice(&buffer[..received]),
            // Readiness is a hint, not a promise: if the data is not there, try later.
            Err(error) if error.kind() == ErrorKind::WouldBlock => {}
            Err(error) => return Err(error),
        }
        Ok(())
    }
    // ANCHOR_END: read

    // ANCHOR: advance
    /// Moves the conversation on, one step after another, until a step has to wait for
    /// the network. One read may hold the end of an upload and the next header: the
    /// loop takes both.
    pub(crate) fn advance(&mut self, files: &Files, commands: &mut dyn Commands) -> io::Result<()> {
        loop {
            // Take the stage out; each step puts back the next one.
            let progressed = match std::mem::replace(&mut self.stage, Stage::Header) {
                Stage::Header => self.read_header(files, commands)?,
                Stage::Receiving(upload) => self.receive(upload)?,
                Stage::Offering(download) => self.await_go_ahead(download)?,
                Stage::Sending(download) => self.send_file(download)?,
            };
            if !progressed {
                return Ok(());
            }
        }
    }
    // ANCHOR_END: advance

    // ANCHOR: read_header
    /// `Header`: is there a whole header in the inbox? Then ask `commands` what to
    /// answer, and start that.
    fn read_header(&mut self, files: &Files, commands: &mut dyn Commands) -> io::Result<bool> {
        let header = match parse_header(&self.inbox, commands.names()) {
            Parsed::Incomplete => {
                if self.closing && !self.inbox.trim_ascii().is_empty() {
                    println!(
                        "{} error: the client left in the middle of a header",
                        self.addr
                    );
                    self.inbox.clear();
                }
                return Ok(false);
            }
            Parsed::Invalid(why) => {
                let reason = format!("bad request: {why}");
                println!("{} refused: {reason}", self.addr);
                self.start(Answer::No {
                    reason,
                    then_close: true,
                });
                return Ok(false);
            }
            Parsed::Complete(header, used) => {
                self.inbox.drain(..used);
                header
            }
        };
        let request = Request {
            header,
            addr: self.addr,
            key: self.key,
        };
        let answer = commands.answer(request, files)?;
        self.start(answer);
        Ok(true)
    }

    /// Sends the answer's reply, and moves to the stage that follows it. After a
    /// refused `put` or a bad header, the client may be sending bytes we cannot make
    /// sense of: read no more, and close once the answer is out.
    fn start(&mut self, answer: Answer) {
        self.outbox.extend(answer.reply().to_bytes());
        match answer {
            Answer::Receive(upload) => self.stage = Stage::Receiving(upload),
            Answer::Send(download) => self.stage = Stage::Offering(download),
            Answer::No {
                then_close: true, ..
            } => {
                self.closing = true;
                self.inbox.clear();
            }
            Answer::No { .. } => {}
        }
    }
    // ANCHOR_END: read_header

    // ANCHOR: receive
    /// `Receiving`: exactly `size` bytes of the inbox are the file; anything behind
    /// them is the next message, and stays in the inbox.
    fn receive(&mut self, mut upload: Upload) -> io::Result<bool> {
        let wanted = usize::try_from(upload.size - upload.received).unwrap_or(usize::MAX);
        let take = min(wanted, self.inbox.len());
        upload.part.write(&self.inbox[..take])?;
        self.inbox.drain(..take);
        upload.received += take as u64;
        if upload.received == upload.size {
            let Upload {
                name, size, part, ..
            } = upload;
            part.commit(&name)?;
            println!("{} stored {name:?} ({size} bytes)", self.addr);
            return Ok(true); // back to Header
        }
        if self.closing {
            // The client closed its side before the whole file came.
            println!(
                "{} error: the client left in the middle of the upload",
                self.addr
            );
            upload.abandon(self.addr);
            return Ok(false);
        }
        self.stage = Stage::Receiving(upload);
        Ok(take > 0)
    }

    /// The connection is closing on an error: if an upload was under way, abandon it.
    pub(crate) fn abandon(&mut self) {
        if let Stage::Receiving(upload) = std::mem::replace(&mut self.stage, Stage::Header) {
            upload.abandon(self.addr);
        }
    }
    // ANCHOR_END: receive

    // ANCHOR: send_file
    /// `Offering`: wait for exactly `second_active`. Anything else is a client that
    /// does not speak this protocol: an error, which closes the connection.
    fn await_go_ahead(&mut self, download: Download) -> io::Result<bool> {
        let seen = min(self.inbox.len(), GO_AHEAD.len());
        if self.inbox[..seen] != GO_AHEAD[..seen] {
            let got = String::from_utf8_lossy(&self.inbox[..seen]).into_owned();
            let why = format!("expected \"second_active\" after YES, got {got:?}");
            return Err(io::Error::new(ErrorKind::InvalidData, why));
        }
        if seen < GO_AHEAD.len() {
            self.stage = Stage::Offering(download);
            return Ok(false);
        }
        self.inbox.drain(..seen);
        self.stage = Stage::Sending(download);
        Ok(true)
    }

    /// `Sending`: top up the outbox from the download's source (the file, for a
    /// `get`), never past [`OUTBOX_LIMIT`]; done when the whole promise has left the
    /// outbox. Exactly `size` bytes go out, even if
    /// the file grows meanwhile; if it shrinks, the client cannot get what we promised,
    /// and the connection closes with an error.
    fn send_file(&mut self, mut download: Download) -> io::Result<bool> {
        while download.left > 0 && self.outbox.len() < OUTBOX_LIMIT {
            let room = OUTBOX_LIMIT - self.outbox.len();
            let want = usize::try_from(download.left).map_or(room, |left| min(left, room));
            let start = self.outbox.len();
            self.outbox.resize(start + want, 0);
            let got = download.source.read(&mut self.outbox[start..])?;
            self.outbox.truncate(start + got);
            if got == 0 {
                let why = format!("{:?} shrank while being sent", download.name);
                return Err(io::Error::new(ErrorKind::UnexpectedEof, why));
            }
            download.left -= got as u64;
        }
        if download.left == 0 && self.outbox.is_empty() {
            println!(
                "{} sent {:?} ({} bytes)",
                self.addr, download.name, download.size
            );
            return Ok(true); // back to Header
        }
        self.stage = Stage::Sending(download);
        Ok(false)
    }
    // ANCHOR_END: send_file

    // ANCHOR: flush
    /// Sends as much of the outbox as the socket takes right now, and keeps the rest
    /// for the next "writable" event. Never blocks, and never loses a byte.
    pub(crate) fn flush(&mut self) -> io::Result<()> {
        while !self.outbox.is_empty() {
            match self.conn.write(&self.outbox) {
                Ok(0) => return Err(ErrorKind::WriteZero.into()),
                Ok(sent) => {
                    self.outbox.drain(..sent);
                }
                Err(error) if error.kind() == ErrorKind::WouldBlock => return Ok(()),
                Err(error) => return Err(error),
            }
        }
        Ok(())
    }
    // ANCHOR_END: flush

    // ANCHOR: interest
    /// Read until the client is done, but not while the outbox is full (backpressure)
    /// nor while a file streams out: a client reads its file before it says more.
    pub(crate) fn wants_to_read(&self) -> bool {
        !self.closing && self.outbox.len() < OUTBOX_LIMIT && !self.is_sending()
    }

    /// (readable, writable): writable while bytes wait, and while a file streams out,
    /// so that `send_file` is called again to top up the outbox.
    pub(crate) fn wanted_interest(&self) -> (bool, bool) {
        let writable = !self.outbox.is_empty() || self.is_sending();
        (self.wants_to_read(), writable)
    }

    pub(crate) fn is_sending(&self) -> bool {
        matches!(self.stage, Stage::Sending(_))
    }

    /// Done: the client will say no more, and everything for it has been sent.
    pub(crate) fn is_finished(&self) -> bool {
        self.closing && self.outbox.is_empty() && !self.is_sending()
    }
    // ANCHOR_END: interest
}
