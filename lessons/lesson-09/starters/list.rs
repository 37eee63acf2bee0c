//! Exercise 09-list: list the files there are to get.
//!
//! This is lesson 09's server, cut down to its downloads, yours to change: find
//! the `TODO`s below. The statement is at the end of lesson 09's chapter in the
//! book. Check your work with `cargo run -p classroom -- check 09-list`;
//! stuck? `... -- hint 09-list`.

use std::cmp::min;
use std::collections::HashMap;
use std::io::{self, ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use lesson_09::{
    Address, CHUNK, Command, Files, GO_AHEAD, Header, NO_SUCH_FILE, OUTBOX_LIMIT, Parsed, Reply,
    check_name, is_a_link, listen, parse_header,
};
use polling::{Event, Events, PollMode, Poller};

/// Exercise 09-list: lesson 09's file server, downloads only, which lists them.
///
/// Speaks the Python tutorial's protocol for downloads: `get|NAME|0` is answered
/// `YES|SIZE` (or `NO|...`), then, on `second_active`, the SIZE bytes of
/// ROOT/download/NAME. `list|-|0` is answered the same way, with the names of the
/// files there are to get, one a line, sorted. Uploads are refused. One thread serves
/// every client at once. Ctrl-C stops it.
#[derive(Parser)]
#[command(name = "09-list")]
struct Cli {
    #[command(flatten)]
    address: Address,

    /// The served directory: downloads come from ROOT/download.
    #[arg(long, value_name = "ROOT", default_value = "lesson-09-files")]
    root: PathBuf,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    // No uploads here: an upload limit of 0 bytes, and `put` is refused anyway.
    let files = match Files::prepare(&cli.root, 0) {
        Ok(files) => files,
        Err(error) => {
            let root = cli.root.display();
            eprintln!("error: cannot prepare the directories under {root}: {error}");
            return ExitCode::FAILURE;
        }
    };
    let listener = match listen(&cli.address) {
        Ok(listener) => listener,
        Err(error) => {
            let Address { host, port } = &cli.address;
            eprintln!("error: cannot listen on {host}:{port}: {error}");
            if error.kind() == ErrorKind::AddrInUse {
                eprintln!("hint: another server uses that port; stop it, or pick --port 0");
            }
            return ExitCode::FAILURE;
        }
    };
    let local_address = match listener.local_addr() {
        Ok(address) => address,
        Err(error) => {
            eprintln!("error: {error}");
            return ExitCode::FAILURE;
        }
    };
    let download = files.download.display().to_string();
    let mut server = match Server::new(listener, files) {
        Ok(server) => server,
        Err(error) => {
            eprintln!("error: cannot set up the selector: {error}");
            return ExitCode::FAILURE;
        }
    };
    // The first line is exactly `listening on HOST:PORT`: the check reads the port.
    println!("listening on {local_address}");
    println!("exercise 09-list: get reads from {download}; put is not served here");
    match server.serve_forever() {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}

/// The listening socket's key in the selector; each connection gets the next free one.
const LISTENER: usize = 0;

/// The selector server: one thread, one selector, every socket registered with it.
/// Lesson 09's, with the listener and the connections kept apart instead of behind
/// callbacks.
struct Server {
    selector: Poller,
    listener: TcpListener,
    /// Every connection, by its key in the selector.
    connections: HashMap<usize, Connection>,
    /// The key for the next connection. Keys are never reused.
    next_key: usize,
    files: Files,
}

impl Server {
    fn new(listener: TcpListener, files: Files) -> io::Result<Server> {
        listener.set_nonblocking(true)?;
        let selector = Poller::new()?;
        // SAFETY: polling requires that a socket is deleted from the poller before it
        // is dropped. The listener is deleted in `Drop for Server`, which runs before
        // the fields are dropped; each connection in `close`, or in `Drop for Server`.
        unsafe {
            selector.add_with_mode(&listener, Event::readable(LISTENER), PollMode::Level)?;
        }
        Ok(Server {
            selector,
            listener,
            connections: HashMap::new(),
            next_key: LISTENER + 1,
            files,
        })
    }

    /// The event loop, forever: wait until some sockets are ready, serve each one.
    fn serve_forever(&mut self) -> io::Result<()> {
        let mut events = Events::new();
        loop {
            events.clear();
            self.selector.wait(&mut events, None)?;
            for event in events.iter() {
                if event.key == LISTENER {
                    self.accept();
                } else {
                    self.service(event.key, event);
                }
            }
        }
    }

    /// A client is waiting: accept it, and register it to be told when it is readable.
    fn accept(&mut self) {
        let (conn, addr) = match self.listener.accept() {
            Ok(accepted) => accepted,
            Err(error) if error.kind() == ErrorKind::WouldBlock => return,
            Err(error) => {
                println!("accept failed: {error}");
                return;
            }
        };
        println!("connected: {addr}");
        if let Err(error) = conn.set_nonblocking(true) {
            println!("{addr} error: {error}");
            return;
        }
        let key = self.next_key;
        self.next_key += 1;
        // SAFETY: see `Server::new`; the connection goes into `self.connections` now.
        let added = unsafe {
            self.selector
                .add_with_mode(&conn, Event::readable(key), PollMode::Level)
        };
        if let Err(error) = added {
            println!("{addr} error: {error}");
            return;
        }
        let connection = Connection {
            conn,
            addr,
            inbox: Vec::new(),
            outbox: Vec::new(),
            stage: Stage::Header,
            closing: false,
            watching: (true, false),
        };
        self.connections.insert(key, connection);
    }

    /// One connection is ready: read if readable, move the conversation on as far as
    /// the bytes at hand allow, send what the outbox holds, then tell the selector
    /// what to watch for next, or close the connection. Lesson 09's
    /// `service_connection`.
    fn service(&mut self, key: usize, mask: Event) {
        let Some(connection) = self.connections.get_mut(&key) else {
            return; // closed by an earlier event in this same batch
        };
        let addr = connection.addr;
        let mut result = Ok(());
        if mask.readable && connection.wants_to_read() {
            result = connection.read();
        }
        if result.is_ok() {
            result = connection.advance(&self.files);
        }
        if result.is_ok() {
            result = connection.flush();
        }
        let wanted = connection.wanted_interest();
        match result {
            Err(error) => {
                println!("{addr} error: {error}");
                self.close(key);
            }
            Ok(()) if connection.is_finished() => {
                println!("{addr} closed");
                self.close(key);
            }
            Ok(()) if wanted != connection.watching => {
                connection.watching = wanted;
                let interest = Event::new(key, wanted.0, wanted.1);
                let modified =
                    self.selector
                        .modify_with_mode(&connection.conn, interest, PollMode::Level);
                if let Err(error) = modified {
                    println!("{addr} error: {error}");
                    self.close(key);
                }
            }
            Ok(()) => {}
        }
    }

    /// Python's `sel.unregister(conn)` then `conn.close()`, in that order, as the
    /// SAFETY rule demands: dropping the connection closes it.
    fn close(&mut self, key: usize) {
        if let Some(connection) = self.connections.remove(&key)
            && let Err(error) = self.selector.delete(&connection.conn)
        {
            println!("selector error: {error}");
        }
    }
}

impl Drop for Server {
    /// Keeps the SAFETY rule when the server is dropped.
    fn drop(&mut self) {
        for connection in self.connections.values() {
            let _ = self.selector.delete(&connection.conn);
        }
        let _ = self.selector.delete(&self.listener);
    }
}

/// One client, as the selector loop sees it.
struct Connection {
    conn: TcpStream,
    addr: SocketAddr,
    /// Bytes read but not used yet: part of a header, or the next one.
    inbox: Vec<u8>,
    /// Bytes not sent yet: a non-blocking write may take only part of them.
    outbox: Vec<u8>,
    /// Where this client is in the conversation.
    stage: Stage,
    /// No more reading: the client has closed its side, or was refused. Send the
    /// outbox, then close.
    closing: bool,
    /// What the selector watches this socket for now, (readable, writable).
    watching: (bool, bool),
}

/// Lesson 09's state machine, downloads only:
///
/// ```text
///          get|name|_, YES|size             second_active
///  Header ──────────────────────▶ Offering ───────────────▶ Sending
///  Header ◀──────────────────────────────────────────────── all size bytes sent
/// ```
enum Stage {
    /// Waiting for `cmd|filename|filesize`.
    Header,
    /// `YES|size` sent; waiting for `second_active`.
    Offering(Download),
    /// The file is streaming out through the outbox.
    Sending(Download),
}

// ANCHOR: download
/// A `get` in progress.
struct Download {
    name: String,
    /// Where the bytes come from: any reader, not only a `File`.
    source: Box<dyn Read>,
    /// How many bytes were promised in `YES|size`.
    size: u64,
    /// Bytes of the source not yet moved into the outbox.
    left: u64,
}
// ANCHOR_END: download

impl Connection {
    /// One read into the inbox. An empty read means the client has closed its side.
    fn read(&mut self) -> io::Result<()> {
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

    /// Moves the conversation on, one step after another, until a step has to wait
    /// for the network.
    fn advance(&mut self, files: &Files) -> io::Result<()> {
        loop {
            // Take the stage out; each step puts back the next one.
            let progressed = match std::mem::replace(&mut self.stage, Stage::Header) {
                Stage::Header => self.read_header(files),
                Stage::Offering(download) => self.await_go_ahead(download)?,
                Stage::Sending(download) => self.send_file(download)?,
            };
            if !progressed {
                return Ok(());
            }
        }
    }

    // ANCHOR: read_header
    /// `Header`: is there a whole header in the inbox? Then answer it.
    fn read_header(&mut self, files: &Files) -> bool {
        // TODO: answer `list|-|0` (alone on its line, or alone in the inbox, as
        // any header) with the sorted names of the files there are to get, one a
        // line, offered and sent as a `get` sends a file.
        let header = match parse_header(&self.inbox) {
            Parsed::Incomplete => {
                if self.closing && !self.inbox.trim_ascii().is_empty() {
                    println!(
                        "{} error: the client left in the middle of a header",
                        self.addr
                    );
                    self.inbox.clear();
                }
                return false;
            }
            Parsed::Invalid(why) => {
                self.refuse(format!("bad request: {why}"), true);
                return false;
            }
            Parsed::Complete(header, used) => {
                self.inbox.drain(..used);
                header
            }
        };
        match header.command {
            Command::Get => self.start_get(header, files),
            // The client may be sending the file right behind its header: close.
            Command::Put => self.refuse("put is not served here".into(), true),
        }
        true
    }
    // ANCHOR_END: read_header

    /// Answers `NO|reason`; after a bad header, reads no more and closes once the
    /// answer is out.
    fn refuse(&mut self, reason: String, then_close: bool) {
        println!("{} refused: {reason}", self.addr);
        self.outbox.extend(Reply::No(reason).to_bytes());
        if then_close {
            self.closing = true;
            self.inbox.clear();
        }
    }

    /// `get|name|_`: answer `YES|size` if `download/name` is a file, else `NO|0`, as
    /// the tutorial does. The file is opened now, so the size we announce is the size
    /// of the very file we send; in the download directory, and never through a link
    /// (lesson 09's `Dir` says why).
    fn start_get(&mut self, header: Header, files: &Files) {
        let name = header.name;
        if let Err(why) = check_name(&name) {
            // Nothing follows a `get` header until we answer: the connection stays usable.
            return self.refuse(format!("bad name: {why}"), false);
        }
        let opened = files
            .download
            .open_file(&name)
            .and_then(|file| Ok((file.metadata()?, file)));
        let (metadata, file) = match opened {
            Ok((metadata, file)) if metadata.is_file() => (metadata, file),
            // Missing, a directory, a named pipe: the tutorial's `NO|0`.
            Ok(_) => return self.no_such_file(&name),
            Err(error) if error.kind() == ErrorKind::NotFound => return self.no_such_file(&name),
            Err(error) if is_a_link(&error) => {
                let why =
                    format!("not served: {name:?} is a symbolic link (links are never followed)");
                return self.refuse(why, false);
            }
            Err(error) => {
                println!("{} error: cannot open {name:?}: {error}", self.addr);
                return self.refuse("server error: cannot read the file".into(), false);
            }
        };
        let size = metadata.len();
        println!("{} get {name:?} ({size} bytes)", self.addr);
        self.outbox.extend(Reply::Yes(size).to_bytes());
        self.stage = Stage::Offering(Download {
            name,
            source: Box::new(file),
            size,
            left: size,
        });
    }

    fn no_such_file(&mut self, name: &str) {
        println!("{} get {name:?}: no such file", self.addr);
        self.outbox
            .extend(Reply::No(NO_SUCH_FILE.into()).to_bytes());
    }

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

    /// `Sending`: top up the outbox from the file, never past [`OUTBOX_LIMIT`]; done
    /// when the whole promise has left the outbox.
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

    /// Sends as much of the outbox as the socket takes right now, and keeps the rest
    /// for the next "writable" event.
    fn flush(&mut self) -> io::Result<()> {
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

    /// Read until the client is done, but not while the outbox is full, nor while a
    /// file streams out: a client reads its file before it says more.
    fn wants_to_read(&self) -> bool {
        !self.closing && self.outbox.len() < OUTBOX_LIMIT && !self.is_sending()
    }

    /// (readable, writable): writable while bytes wait, and while a file streams out.
    fn wanted_interest(&self) -> (bool, bool) {
        let writable = !self.outbox.is_empty() || self.is_sending();
        (self.wants_to_read(), writable)
    }

    fn is_sending(&self) -> bool {
        matches!(self.stage, Stage::Sending(_))
    }

    /// Done: the client will say no more, and everything for it has been sent.
    fn is_finished(&self) -> bool {
        self.closing && self.outbox.is_empty() && !self.is_sending()
    }
}
