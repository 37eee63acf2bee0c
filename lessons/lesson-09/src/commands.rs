//! What the server answers to each command: the tutorial's `put` and `get`, and the
//! one place where a server of your own answers differently.
//!
//! The tutorial's server has a method per command and finds it by name,
//! `getattr(self, cmd)(conn)`; a subclass could replace one, or add another. Here the
//! methods are those of the trait [`Commands`], whose provided methods are the
//! lesson's: the lesson's server, [`PutAndGet`], takes them all, and an exercise's
//! server implements `Commands` and writes only the method it changes. A method gets
//! the [`Request`] and the served directories, and decides the [`Answer`]; it never
//! touches the socket. Reading and writing, the stages of a transfer and the selector
//! stay the lesson's ([`crate::connection`], [`crate::server`]), whatever a command
//! answers, and so do their defences.

use std::fs::File;
use std::io::{self, ErrorKind, Read};
use std::net::SocketAddr;

use crate::{Files, Header, NO_SUCH_FILE, PartFile, Reply, check_name, is_a_link, part_name};

// ANCHOR: request
/// One request, as a command's method gets it: the header, and who sent it.
pub struct Request {
    /// `cmd|name|size`, parsed.
    pub header: Header,
    /// The client's address, for the log: `127.0.0.1:45388 get "notes.txt" (6 bytes)`.
    pub addr: SocketAddr,
    /// The connection's key, unique on this server: an upload's temporary file is
    /// named after it.
    pub key: usize,
}

impl Request {
    /// `NO|reason`, and the log line that says so. `then_close`: the client may be
    /// sending bytes we cannot make sense of (the file behind a refused `put`): read
    /// no more, and close once the answer is out. After a refused `get`, nothing can
    /// be on the way, and the connection stays usable.
    pub fn refuse(&self, reason: String, then_close: bool) -> Answer {
        println!("{} refused: {reason}", self.addr);
        Answer::No { reason, then_close }
    }
}

/// What a command's method decides: the reply, and what follows it. The connection
/// sends the reply, and moves to the stage that follows it.
pub enum Answer {
    /// `OK`, then the client's file, into the upload's temporary file (`Receiving`).
    Receive(Upload),
    /// `YES|size`, then, on `second_active`, the download's `size` bytes (`Offering`,
    /// then `Sending`).
    Send(Download),
    /// `NO|reason`; with `then_close`, read no more and close once it is out.
    No { reason: String, then_close: bool },
}

impl Answer {
    /// The reply that begins it: `OK`, `YES|size` or `NO|reason`.
    pub fn reply(&self) -> Reply {
        match self {
            Answer::Receive(_) => Reply::Ok,
            Answer::Send(download) => Reply::Yes(download.size),
            Answer::No { reason, .. } => Reply::No(reason.clone()),
        }
    }
}
// ANCHOR_END: request

// ANCHOR: commands
/// How a server answers each command: a method per command, as the tutorial's
/// server has, found by name as `getattr(self, cmd)` finds them ([`answer`]). The
/// provided methods are the lesson's; a server of your own implements this trait and
/// writes only the method it changes (a Python subclass that overrides one method).
/// An override can still call the lesson's, as Python's `super().get(conn)` does:
/// `PutAndGet.get(request, files)`.
///
/// An `Err` from a method closes the connection, with the error in the log, as any
/// I/O error of a connection does; a refusal is an `Ok`: [`Request::refuse`].
///
/// [`answer`]: Commands::answer
pub trait Commands {
    /// The commands this server knows: Python's `hasattr(self, cmd)`. The header
    /// parser takes these, and refuses any other (`NO|bad request: unknown command`)
    /// before a method runs.
    fn names(&self) -> &'static [&'static str] {
        &["put", "get"]
    }

    /// The method that answers `request`: Python's `getattr(self, cmd)(conn)`.
    fn answer(&mut self, request: Request, files: &Files) -> io::Result<Answer> {
        match request.header.command {
            "put" => self.put(request, files),
            "get" => self.get(request, files),
            _ => self.other(request, files),
        }
    }
    // ANCHOR_END: commands

    // ANCHOR: start_put
    /// `put|name|size`: check the name and the size, before anything touches the disk;
    /// then open a temporary file and answer `OK`.
    fn put(&mut self, request: Request, files: &Files) -> io::Result<Answer> {
        let (name, size) = (&request.header.name, request.header.size);
        if let Err(why) = check_name(name) {
            return Ok(request.refuse(format!("bad name: {why}"), true));
        }
        if size > files.max_upload {
            let limit = files.max_upload;
            let why = format!("too big: {size} bytes, the limit is {limit} bytes");
            return Ok(request.refuse(why, true));
        }
        let temp = part_name(std::process::id(), request.key);
        let part = match PartFile::create(&files.upload, temp) {
            Ok(part) => part,
            Err(error) => {
                println!(
                    "{} error: cannot create a file in the upload directory: {error}",
                    request.addr
                );
                return Ok(request.refuse("server error: cannot store the file".into(), true));
            }
        };
        println!("{} put {name:?} ({size} bytes)", request.addr);
        Ok(Answer::Receive(Upload::new(
            request.header.name,
            size,
            part,
        )))
    }
    // ANCHOR_END: start_put

    // ANCHOR: start_get
    /// `get|name|_`: answer `YES|size` if `download/name` is a file to get, else say
    /// why not ([`open_to_get`]). The file is opened now, so the size we announce is
    /// the size of the very file we send.
    fn get(&mut self, request: Request, files: &Files) -> io::Result<Answer> {
        let name = &request.header.name;
        let (file, size) = match open_to_get(files, name) {
            Ok(found) => found,
            Err(not_served) => return Ok(not_served.answer(&request)),
        };
        println!("{} get {name:?} ({size} bytes)", request.addr);
        Ok(Answer::Send(Download::new(request.header.name, file, size)))
    }
    // ANCHOR_END: start_get

    /// A command of [`names`](Commands::names) other than `put` and `get`. The lesson's
    /// server knows no other, so this never runs there; a server that knows one more
    /// answers it here.
    fn other(&mut self, request: Request, _files: &Files) -> io::Result<Answer> {
        let command = request.header.command;
        Ok(request.refuse(
            format!("bad request: {command:?} is not answered here"),
            true,
        ))
    }
}

// ANCHOR: put_and_get
/// The lesson's server: the tutorial's two commands, answered as [`Commands`]'s
/// provided methods answer them.
pub struct PutAndGet;

impl Commands for PutAndGet {}
// ANCHOR_END: put_and_get

// ANCHOR: open_to_get
/// The file a `get` of `name` sends, opened, and its size; or why there is none. The
/// name must pass [`check_name`]; the file is opened in the download directory, and a
/// link is refused ([`Dir`](crate::Dir) says why); so is anything that is not a
/// regular file. It asks nothing of the client, and logs nothing: any command may use
/// it to ask "would `get` serve this name?".
pub fn open_to_get(files: &Files, name: &str) -> Result<(File, u64), NotServed> {
    check_name(name).map_err(NotServed::BadName)?;
    let opened = files
        .download
        .open_file(name)
        .and_then(|file| Ok((file.metadata()?, file)));
    match opened {
        Ok((metadata, file)) if metadata.is_file() => Ok((file, metadata.len())),
        // Missing, a directory, a named pipe: the tutorial's `NO|0`.
        Ok(_) => Err(NotServed::NoSuchFile),
        Err(error) if error.kind() == ErrorKind::NotFound => Err(NotServed::NoSuchFile),
        Err(error) if is_a_link(&error) => Err(NotServed::Link),
        Err(error) => Err(NotServed::Error(error)),
    }
}

/// Why `get` serves no file under a name.
#[derive(Debug)]
pub enum NotServed {
    /// The name is not a plain file name: [`check_name`]'s reason.
    BadName(String),
    /// Nothing there, or nothing that is a regular file.
    NoSuchFile,
    /// A symbolic link: never followed.
    Link,
    /// The system refused to open it (out of descriptors, no permission, ...).
    Error(io::Error),
}

impl NotServed {
    /// The answer to `request` that says so, in the tutorial's words where it has
    /// them (`NO|0`), and the log line. Every one keeps the connection: nothing follows
    /// a `get` header until we answer.
    pub fn answer(self, request: &Request) -> Answer {
        let (name, addr) = (&request.header.name, request.addr);
        match self {
            NotServed::BadName(why) => request.refuse(format!("bad name: {why}"), false),
            NotServed::NoSuchFile => {
                println!("{addr} get {name:?}: no such file");
                let reason = NO_SUCH_FILE.to_string();
                Answer::No {
                    reason,
                    then_close: false,
                }
            }
            NotServed::Link => {
                let why =
                    format!("not served: {name:?} is a symbolic link (links are never followed)");
                request.refuse(why, false)
            }
            NotServed::Error(error) => {
                println!("{addr} error: cannot open {name:?}: {error}");
                request.refuse("server error: cannot read the file".into(), false)
            }
        }
    }
}
// ANCHOR_END: open_to_get

// ANCHOR: transfers
/// A `put` in progress: the `Receiving` stage's.
pub struct Upload {
    pub(crate) name: String,
    pub(crate) size: u64,
    pub(crate) received: u64,
    pub(crate) part: PartFile,
}

impl Upload {
    /// `size` bytes to come, into `part`, which is renamed `name` when they are all in.
    pub fn new(name: String, size: u64, part: PartFile) -> Upload {
        Upload {
            name,
            size,
            received: 0,
            part,
        }
    }

    /// Gives up on this upload: its temporary file is deleted (by `PartFile`'s drop),
    /// then the log says so.
    pub(crate) fn abandon(self, addr: SocketAddr) {
        let Upload {
            name,
            size,
            received,
            part,
        } = self;
        drop(part);
        println!("{addr} abandoned {name:?} after {received} of {size} bytes: nothing stored");
    }
}

/// A `get` in progress: the `Offering` and `Sending` stages'.
pub struct Download {
    /// What is sent, for the log: `sent "notes.txt" (6 bytes)`.
    pub(crate) name: String,
    /// Where the bytes come from: the file, for a `get`; but any reader will do, and
    /// bytes in memory stream through the outbox like a file (`io::Cursor`).
    pub(crate) source: Box<dyn Read>,
    /// How many bytes were promised, in `YES|size`.
    pub(crate) size: u64,
    /// Bytes of the source not yet moved into the outbox.
    pub(crate) left: u64,
}

impl Download {
    /// The first `size` bytes of `source`, announced as `YES|size`: exactly that many
    /// are sent, however much more the source holds.
    pub fn new(name: impl Into<String>, source: impl Read + 'static, size: u64) -> Download {
        Download {
            name: name.into(),
            source: Box::new(source),
            size,
            left: size,
        }
    }
}
// ANCHOR_END: transfers
