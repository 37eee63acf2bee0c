//! # Lesson 09 — file transfer on a selector: `put` and `get`
//!
//! The tutorial's last program, `selectFtpServer`, moves whole files over the selector
//! of lesson 05: a client uploads with `put` and downloads with `get`, and one thread
//! serves every client at once. This lesson keeps its wire protocol, byte for byte, so
//! a client written for the tutorial works against it:
//!
//! ```text
//! put:  C: put|notes.txt|1234      S: OK        C: <exactly 1234 bytes>
//! get:  C: get|notes.txt|0         S: YES|1234  C: second_active   S: <1234 bytes>
//!                                  S: NO|0      (no such file)
//! ```
//!
//! The tutorial's server gets the happy path right and much else wrong; each fix below
//! is named where it is made, and the book chapter explains why:
//!
//! - **State per connection.** The tutorial keeps one `hasReceived` counter and one
//!   `dic` for all clients (and replaces the whole dict on every header), so two uploads
//!   at once corrupt each other. Here each `Connection` has its own `Stage`.
//! - **The header and the first file bytes may arrive in one read**, and the last file
//!   bytes and the next header too. The server keeps an inbox and splits it exactly
//!   ([`parse_header`]): a header ends at a newline, or, for the tutorial's clients,
//!   which send none, where its bytes end.
//! - **Partial writes are buffered** in an outbox, with backpressure, as in lesson 05.
//!   The tutorial's `conn.send(line)` on a non-blocking socket loses bytes.
//! - **A re-upload replaces** the file (the tutorial opens it with `'ab'`, appending).
//! - **Names cannot escape** the served directory ([`check_name`]): `..`, absolute paths,
//!   separators, NUL, control characters and empty names are refused.
//! - **Links cannot lead out of it** ([`Dir`]): every file is opened by its name *in*
//!   the directory opened at start, never by a path, and a symbolic link is refused.
//! - **Uploads above `--max-upload` are refused** before a byte is stored.
//! - **A file becomes visible only when complete:** it is written under a temporary
//!   name in the same directory, then renamed ([`PartFile`]).
//! - **A client that vanishes mid-transfer leaves nothing half-written**: dropping an
//!   unfinished [`PartFile`] removes it.
//! - **A server killed mid-upload leaves nothing for long**: the next start removes its
//!   temporary files ([`Files::remove_leftovers`]).
//! - **Out of file descriptors, the server pauses accepting** instead of spinning on a
//!   listener that stays ready while `accept` fails ([`Server`]'s `pause_accept`).
//!
//! | Python (`selectFtpServer`)                       | Rust, below                                  |
//! |--------------------------------------------------|----------------------------------------------|
//! | `self.sel = selectors.DefaultSelector()`         | `Poller::new()`                              |
//! | `self.sel.register(server, EVENT_READ, accept)`  | `register(Socket::Listener(..), accept)`     |
//! | `self.dic[conn] = {}` (shared by all)            | `Connection { stage: Stage::Header, .. }`    |
//! | `cmd, filename, filesize = ...split('|')`        | [`parse_header`], [`Header`]                 |
//! | `os.path.join(BASE_DIR, "upload", fileName)`     | [`check_name`], then [`Files::upload`]       |
//! | `open(os.path.join(BASE_DIR, "download", name))` | [`Dir::open_file`]: `openat`, `O_NOFOLLOW`  |
//! | `open(path, 'ab').write(recv_data)`              | [`PartFile::write`], then [`PartFile::commit`] |
//! | `for line in f: conn.send(line)`                 | `Connection::send_file` into the outbox      |

// Files are opened relative to an open directory (`openat`), which only Unix offers.
#[cfg(not(unix))]
compile_error!("lesson 09's server opens files with openat(2): it needs a Unix (Linux, macOS)");

use std::cmp::min;
use std::collections::HashMap;
use std::ffi::{CString, OsStr};
use std::fs::{self, File};
use std::io::{self, ErrorKind, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::path::{Component, Path, PathBuf};
use std::rc::Rc;
use std::time::{Duration, Instant};

use polling::{Event, Events, PollMode, Poller};

/// The most one read takes from a socket or a file. The tutorial reads 1024 bytes at a
/// time; for files of megabytes, 64 KiB means 64 times fewer turns of the loop.
pub const CHUNK: usize = 64 * 1024;

/// The most bytes one connection may have waiting to be sent; beyond it, the server
/// stops reading from that client (and stops reading its file) until it catches up.
pub const OUTBOX_LIMIT: usize = 64 * 1024;

/// The longest header the server waits for: the tutorial reads it with `recv(1024)`.
pub const HEADER_LIMIT: usize = 1024;

/// The longest file name accepted, in bytes (most file systems allow 255; the
/// temporary name adds a few).
pub const MAX_NAME: usize = 200;

/// `--max-upload`'s default: the largest file a client may `put`, 100 MiB.
pub const DEFAULT_MAX_UPLOAD: &str = "100M";

/// What a `get` client sends once it has read `YES|size`: "go ahead, send it".
pub const GO_AHEAD: &[u8] = b"second_active";

/// The tutorial's `get` answer when there is no such file: `NO|0`. Other refusals say
/// why in words, `NO|too big: ...`.
pub const NO_SUCH_FILE: &str = "0";

/// Where the server listens and the client connects: `--host` and `--port`.
#[derive(clap::Args, Debug, Clone)]
pub struct Address {
    /// Host to listen on (server) or connect to (client). 127.0.0.1 means "this
    /// machine only", so nobody on your network can reach a lesson server.
    #[arg(long, default_value = "127.0.0.1")]
    pub host: String,

    /// TCP port. The server accepts 0, which asks the system for any free port; it
    /// prints the port it got on its first line.
    #[arg(long, default_value_t = 8888)]
    pub port: u16,
}

/// Opens the listening socket: Python's `socket()`, `bind()` and `listen()` in one call.
pub fn listen(address: &Address) -> io::Result<TcpListener> {
    TcpListener::bind((address.host.as_str(), address.port))
}

/// A size as a student types it: `5000`, `64K`, `100M`, `2G` (K, M and G count in
/// 1024s). For `--max-upload`.
pub fn parse_size(text: &str) -> Result<u64, String> {
    let text = text.trim();
    let digits = text.len() - text.trim_start_matches(|c: char| c.is_ascii_digit()).len();
    let (number, unit) = text.split_at(digits);
    let multiplier: u64 = match unit.trim().to_ascii_uppercase().as_str() {
        "" | "B" => 1,
        "K" | "KB" | "KIB" => 1 << 10,
        "M" | "MB" | "MIB" => 1 << 20,
        "G" | "GB" | "GIB" => 1 << 30,
        _ => return Err(format!("{text:?} is not a size: try 5000, 64K, 100M or 2G")),
    };
    number
        .parse::<u64>()
        .ok()
        .and_then(|n| n.checked_mul(multiplier))
        .ok_or_else(|| format!("{text:?} is not a size: try 5000, 64K, 100M or 2G"))
}

// ANCHOR: files
/// The served directories, as the tutorial's `BASE_DIR/upload` and `BASE_DIR/download`:
/// `put` stores into `upload`, `get` reads from `download`. Both are opened once, at
/// start, and every file is reached through them ([`Dir`]), never by a path.
pub struct Files {
    /// Shared (`Rc`) with every upload's [`PartFile`], which renames or removes its
    /// file in it. `Rc` and not `Arc`: the server has one thread.
    pub upload: Rc<Dir>,
    pub download: Dir,
    /// The largest file a `put` may announce.
    pub max_upload: u64,
}

impl Files {
    /// The two directories under `root`, created if missing, and opened. If either one
    /// is a symbolic link, the server does not start: the link could lead anywhere.
    pub fn prepare(root: &Path, max_upload: u64) -> io::Result<Files> {
        fs::create_dir_all(root)?;
        // The root is the user's own choice (`--root`): opened as given, links and all.
        let root = Dir::open(root)?;
        Ok(Files {
            upload: Rc::new(served_dir(&root, "upload")?),
            download: served_dir(&root, "download")?,
            max_upload,
        })
    }
}

/// `root/name`, created if missing, then opened as a directory that is not a link.
fn served_dir(root: &Dir, name: &str) -> io::Result<Dir> {
    let path = root.path.join(name);
    // mkdir never follows a link: where one is, the name "already exists".
    match fs::create_dir(&path) {
        Err(error) if error.kind() != ErrorKind::AlreadyExists => return Err(error),
        _ => {}
    }
    root.open_dir(name).map_err(|error| {
        // The open has refused it already; this only says why, in words.
        if fs::symlink_metadata(&path).is_ok_and(|found| found.file_type().is_symlink()) {
            let why = format!(
                "{} is a symbolic link, which could lead anywhere: make it a real directory",
                path.display()
            );
            io::Error::new(ErrorKind::InvalidInput, why)
        } else {
            io::Error::new(error.kind(), format!("{}: {error}", path.display()))
        }
    })
}
// ANCHOR_END: files

// ANCHOR: dir
/// A directory, open. The files in it are opened, created, renamed and removed *in*
/// it, by a plain name: never by a path, and never through a symbolic link. Python's
/// `dir_fd=` arguments: `os.open(name, flags, dir_fd=fd)`, `os.replace(a, b,
/// src_dir_fd=fd, dst_dir_fd=fd)`, `os.unlink(name, dir_fd=fd)`.
///
/// Why not `download/NAME`, checked first? Checking a path (is it a link? where does
/// it really lead? `fs::canonicalize` says) and then opening it is two steps, and
/// anyone who can write in the directory can swap the name for a link between them:
/// the check passes, the open follows the link. A name opened in an open directory
/// leaves no such gap: the directory is the one we opened, wherever it has moved since,
/// and `O_NOFOLLOW` makes the open itself refuse a name that is a link.
pub struct Dir {
    fd: OwnedFd,
    /// Where the directory was when it was opened: for messages, and for listing it.
    /// Private, so that no code is tempted to open `path.join(name)`.
    path: PathBuf,
}

impl Dir {
    /// Opens the directory at `path`, a path the server's user gave: links are
    /// followed here, once, at start.
    pub fn open(path: &Path) -> io::Result<Dir> {
        let file = File::open(path)?;
        if !file.metadata()?.is_dir() {
            let why = format!("{} is not a directory", path.display());
            return Err(io::Error::new(ErrorKind::NotADirectory, why));
        }
        Ok(Dir {
            fd: file.into(),
            path: path.to_path_buf(),
        })
    }

    /// Where the directory was when it was opened, for messages: `{}` prints it.
    pub fn display(&self) -> std::path::Display<'_> {
        self.path.display()
    }

    /// The names in this directory that are UTF-8 (no client could ask for another,
    /// and the server names its own files in ASCII), in no particular order.
    ///
    /// The standard library lists a directory by its path only, so this lists
    /// whatever is at that path *now*: if someone has moved the directory away, the
    /// names may come from somewhere else. Harmless, as long as a name is then used
    /// only in this directory (`open_file`, `remove`), which is how it must be used.
    pub fn names(&self) -> io::Result<Vec<String>> {
        let mut names = Vec::new();
        for entry in fs::read_dir(&self.path)? {
            if let Ok(name) = entry?.file_name().into_string() {
                names.push(name);
            }
        }
        Ok(names)
    }

    /// Opens the directory `name` in this one; a link is refused.
    pub fn open_dir(&self, name: &str) -> io::Result<Dir> {
        let file = self.openat(
            name,
            libc::O_RDONLY | libc::O_DIRECTORY | libc::O_NOFOLLOW,
            0,
        )?;
        Ok(Dir {
            fd: file.into(),
            path: self.path.join(name),
        })
    }

    /// Opens the file `name` in this one, to read; a link is refused (see
    /// [`is_a_link`]). `O_NONBLOCK`, because opening a named pipe (a FIFO) to read
    /// waits for a writer, and this server has one thread: the caller must check that
    /// what it opened is a regular file. Reading a regular file ignores the flag.
    pub fn open_file(&self, name: &str) -> io::Result<File> {
        let flags = libc::O_RDONLY | libc::O_NOFOLLOW | libc::O_NONBLOCK;
        self.openat(name, flags, 0)
    }

    /// Creates the file `name` in this one, to write. It must not exist, not even as a
    /// link: Python's `open(name, "xb")`, in a directory.
    pub fn create_new(&self, name: &str) -> io::Result<File> {
        let flags = libc::O_WRONLY | libc::O_CREAT | libc::O_EXCL | libc::O_NOFOLLOW;
        self.openat(name, flags, 0o666) // less the umask, as for any new file
    }

    /// Renames `from` to `to`, both in this directory, atomically. A `to` that exists
    /// is replaced, even a link: the link goes, nothing is written through it.
    pub fn rename(&self, from: &str, to: &str) -> io::Result<()> {
        let (from, to) = (plain_name(from)?, plain_name(to)?);
        let fd = self.fd.as_raw_fd();
        // SAFETY: both names are NUL-terminated strings that outlive the call, and
        // `fd` is open for as long as `self` is.
        let result = unsafe { libc::renameat(fd, from.as_ptr(), fd, to.as_ptr()) };
        if result != 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(())
    }

    /// Removes the file `name` from this directory (if it is a link, the link only).
    pub fn remove(&self, name: &str) -> io::Result<()> {
        let name = plain_name(name)?;
        // SAFETY: as in `rename`.
        let result = unsafe { libc::unlinkat(self.fd.as_raw_fd(), name.as_ptr(), 0) };
        if result != 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(())
    }

    /// C's `openat(dir, name, flags, mode)`: what `File::open` does, but relative to
    /// this directory. The standard library has no stable one yet (`std::fs::Dir` is
    /// unstable), so we call the C library's; `unsafe`, because the compiler cannot
    /// check C's rules, which the SAFETY comments do.
    fn openat(&self, name: &str, flags: libc::c_int, mode: libc::c_uint) -> io::Result<File> {
        let name = plain_name(name)?;
        // O_CLOEXEC, as the standard library opens every file: a program this server
        // might start does not inherit it.
        let flags = flags | libc::O_CLOEXEC;
        // SAFETY: `name` is a NUL-terminated string that outlives the call, and
        // `self.fd` is open for as long as `self` is.
        let fd = unsafe { libc::openat(self.fd.as_raw_fd(), name.as_ptr(), flags, mode) };
        if fd < 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: `fd` was just opened, and nothing else owns it: the `File` may close it.
        Ok(unsafe { File::from_raw_fd(fd) })
    }
}

/// `name` as C wants it, ending in a NUL byte, if it is one plain name: a `/` would
/// walk through other directories (and links), `..` up out of this one. The server
/// checks every client's name first ([`check_name`]); this makes `Dir` safe by itself.
fn plain_name(name: &str) -> io::Result<CString> {
    if name.is_empty() || name == "." || name == ".." || name.contains('/') {
        let why = format!("{name:?} is not a plain name");
        return Err(io::Error::new(ErrorKind::InvalidInput, why));
    }
    CString::new(name).map_err(|_| io::Error::new(ErrorKind::InvalidInput, "a NUL in a name"))
}

/// Did an open with `O_NOFOLLOW` fail because the name is a symbolic link? Linux and
/// macOS say `ELOOP` ("too many levels of symbolic links"), FreeBSD `EMLINK`.
pub fn is_a_link(error: &io::Error) -> bool {
    matches!(error.raw_os_error(), Some(libc::ELOOP | libc::EMLINK))
}
// ANCHOR_END: dir

// ANCHOR: header
/// The two commands of the protocol.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Command {
    Put,
    Get,
}

/// The first message of a transfer, `cmd|filename|filesize`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    pub command: Command,
    pub name: String,
    /// For `put`, how many bytes follow; `get` sends it too (the tutorial sends 0) and
    /// the server ignores it.
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

/// Finds the header at the start of `inbox`. Where does it end? The tutorial's client
/// sends it in one `send`, with no end marker, and waits for the answer; its server
/// takes whatever one `recv(1024)` returns. That breaks as soon as a client sends the
/// header and the first file bytes together. So:
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
/// clients never send one there: a `put` ends its connection (see [`put`]).
pub fn parse_header(inbox: &[u8]) -> Parsed {
    let skipped = inbox
        .iter()
        .take_while(|&&b| b == b'\n' || b == b'\r')
        .count();
    let rest = &inbox[skipped..];
    let searched = &rest[..min(rest.len(), HEADER_LIMIT + 1)];
    if let Some(end) = searched.iter().position(|&b| b == b'\n') {
        let line = &rest[..end];
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        return match Header::parse(line) {
            Ok(header) => Parsed::Complete(header, skipped + end + 1),
            Err(why) => Parsed::Invalid(why),
        };
    }
    if rest.len() > HEADER_LIMIT {
        return Parsed::Invalid(format!("no header within {HEADER_LIMIT} bytes"));
    }
    match Header::parse(rest) {
        Ok(header) => Parsed::Complete(header, inbox.len()),
        Err(_) if could_still_become_a_header(rest) => Parsed::Incomplete,
        Err(why) => Parsed::Invalid(why),
    }
}

impl Header {
    /// Parses one whole header, `cmd|filename|filesize`, as the tutorial's
    /// `str(data, 'utf-8').split('|')` and `int(filesize)` do, strictly.
    pub fn parse(line: &[u8]) -> Result<Header, String> {
        let text = std::str::from_utf8(line).map_err(|_| "the header is not UTF-8")?;
        let fields: Vec<&str> = text.split('|').collect();
        let [command, name, size] = fields[..] else {
            return Err(format!("expected cmd|filename|filesize, got {text:?}"));
        };
        let command = match command {
            "put" => Command::Put,
            "get" => Command::Get,
            other => return Err(format!("unknown command {other:?}: expected put or get")),
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
        let command = match self.command {
            Command::Put => "put",
            Command::Get => "get",
        };
        format!("{command}|{}|{}\n", self.name, self.size).into_bytes()
    }
}

/// Could more bytes turn `start` into a header? `pu`, `put|not` and `put|notes.txt|`
/// could; `hello` and `delete|x` never will.
fn could_still_become_a_header(start: &[u8]) -> bool {
    let fields: Vec<&[u8]> = start.split(|&b| b == b'|').collect();
    let command = fields[0];
    match fields.len() {
        1 => b"put".starts_with(command) || b"get".starts_with(command),
        2 => command == b"put" || command == b"get",
        3 => (command == b"put" || command == b"get") && fields[2].is_empty(),
        _ => false,
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

// ANCHOR: part_file
/// A file being written under a temporary name beside its real one. Nobody sees it
/// under the real name until [`commit`](PartFile::commit) renames it, which replaces
/// any older file of that name whole (a rename never shows half of either). Dropped
/// without a commit, say because the client vanished, it deletes itself.
pub struct PartFile {
    file: File,
    /// The directory it is in, where its real name will be too.
    dir: Rc<Dir>,
    temp: String,
    committed: bool,
}

impl PartFile {
    /// Creates the temporary file `temp` in `dir`. It must be the directory the real
    /// name will be in: a rename across file systems is a copy, visible half-done.
    pub fn create(dir: &Rc<Dir>, temp: String) -> io::Result<PartFile> {
        // Create, never open: we never write into a file someone else is writing, nor
        // through a link someone left under that name.
        let file = dir.create_new(&temp)?;
        Ok(PartFile {
            file,
            dir: Rc::clone(dir),
            temp,
            committed: false,
        })
    }

    pub fn write(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.file.write_all(bytes)
    }

    /// Gives the file its real name, atomically: Python's `os.replace(temp, name)`.
    pub fn commit(mut self, name: &str) -> io::Result<()> {
        self.dir.rename(&self.temp, name)?;
        self.committed = true;
        Ok(())
    }
}

impl Drop for PartFile {
    fn drop(&mut self) {
        if !self.committed {
            let _ = self.dir.remove(&self.temp);
        }
    }
}
// ANCHOR_END: part_file

// ANCHOR: leftovers
/// The temporary name of an upload: `.PID-KEY.part`, after the server's process id
/// and the connection's key. Unique per server and connection, hidden, and never a
/// name a client may use (`check_name` refuses a leading dot).
pub fn part_name(pid: u32, key: usize) -> String {
    format!(".{pid}-{key}.part")
}

/// Whose upload `name` is (the process id in it), if it is one of our temporary names.
fn part_owner(name: &str) -> Option<u32> {
    let middle = name.strip_prefix('.')?.strip_suffix(".part")?;
    let (pid, key) = middle.split_once('-')?;
    let is_number = |text: &str| !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit());
    if !is_number(pid) || !is_number(key) {
        return None;
    }
    pid.parse().ok()
}

impl Files {
    /// Removes what a server killed in the middle of an upload left in `upload/`: its
    /// temporary files. A [`PartFile`] dropped unfinished removes itself, but a killed
    /// process runs no code at all (SIGKILL, a crash, a power cut): its `.part` files
    /// would stay, hidden, for ever. Called at start, before any client is served.
    ///
    /// Not every `.part` file is a leftover: another server may be running on the same
    /// root, writing its own. The name says whose it is: a file whose process no
    /// longer runs is a leftover, and so is one named after our own process id, since
    /// we have not begun an upload yet (an earlier server had our id).
    pub fn remove_leftovers(&self) {
        let names = match self.upload.names() {
            Ok(names) => names,
            Err(error) => {
                let upload = self.upload.display();
                println!("cannot look for leftovers in {upload}: {error}");
                return;
            }
        };
        let me = std::process::id();
        for name in names {
            let Some(pid) = part_owner(&name) else {
                continue;
            };
            if pid != me && process_is_running(pid) {
                println!("kept {name:?}: process {pid} is running (another server on this root?)");
                continue;
            }
            // In the directory we opened: a name listed from elsewhere removes nothing.
            match self.upload.remove(&name) {
                Ok(()) => {
                    println!("removed {name:?}: an upload cut short when process {pid} stopped")
                }
                Err(error) => println!("cannot remove {name:?}: {error}"),
            }
        }
    }
}

/// Is process `pid` running? `kill` with signal 0 sends nothing: it only checks.
/// Python's `os.kill(pid, 0)`, which raises `ProcessLookupError` if it is not.
fn process_is_running(pid: u32) -> bool {
    // 0 and negative numbers name groups of processes, not one.
    let pid = libc::pid_t::try_from(pid).unwrap_or(0);
    if pid <= 0 {
        return false;
    }
    // SAFETY: `kill` takes two integers and touches no memory; signal 0 is no signal.
    if unsafe { libc::kill(pid, 0) } == 0 {
        return true;
    }
    // EPERM: the process exists, but is someone else's.
    io::Error::last_os_error().raw_os_error() == Some(libc::EPERM)
}
// ANCHOR_END: leftovers

// ANCHOR: registration
/// What to do when a registered socket is ready: Python's `key.data`. It gets the
/// server (to register, modify, unregister), the socket's key, and the event (`mask`).
type Callback = fn(&mut Server, usize, Event);

/// One registered socket, as Python's `SelectorKey`.
struct Registration {
    /// The socket itself: `key.fileobj`.
    fileobj: Socket,
    /// The function to call when it is ready: `key.data`.
    data: Callback,
}

/// The two kinds of socket the server registers.
enum Socket {
    Listener(TcpListener),
    Connection(Connection),
}
// ANCHOR_END: registration

// ANCHOR: connection
/// One client, as the selector loop sees it: the tutorial's `self.dic[conn]`, but its
/// own, not shared with every other client.
struct Connection {
    conn: TcpStream,
    addr: SocketAddr,
    /// The connection's key, which also makes its temporary file names unique.
    key: usize,
    /// Bytes read but not used yet: part of a header, or file data behind it.
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
enum Stage {
    /// Waiting for `cmd|filename|filesize`.
    Header,
    /// `put`: `OK` sent; the next bytes, up to the announced size, are the file.
    Receiving(Upload),
    /// `get`: `YES|size` sent; waiting for `second_active`.
    Offering(Download),
    /// `get`: the file is streaming out through the outbox.
    Sending(Download),
}

/// A `put` in progress.
struct Upload {
    name: String,
    size: u64,
    received: u64,
    part: PartFile,
}

impl Upload {
    /// Gives up on this upload: its temporary file is deleted (by `PartFile`'s drop),
    /// then the log says so.
    fn abandon(self, addr: SocketAddr) {
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

/// A `get` in progress.
struct Download {
    name: String,
    file: File,
    size: u64,
    /// Bytes of the file not yet moved into the outbox.
    left: u64,
}
// ANCHOR_END: connection

/// The selector server: one thread, one selector, every socket registered with it.
pub struct Server {
    /// Python's `self.sel`: waits until one or more registered sockets are ready.
    selector: Poller,
    /// Every registered socket, by key. The selector only hands back keys.
    registrations: HashMap<usize, Registration>,
    /// The key for the next registration. Keys are never reused.
    next_key: usize,
    /// Where files are stored and read.
    files: Files,
    /// Out of file descriptors: the listener (its key) is not watched until then.
    accept_paused: Option<(usize, Instant)>,
    /// How long the next pause lasts: [`FIRST_PAUSE`], doubling up to
    /// [`LONGEST_PAUSE`] while accepts keep failing.
    next_pause: Duration,
    /// Failed accepts since the last one that worked: 0 when all is well.
    failed_accepts: u32,
}

/// The first pause of accepting when out of file descriptors.
pub const FIRST_PAUSE: Duration = Duration::from_millis(10);

/// The longest: a client waits at most this long after a descriptor frees.
pub const LONGEST_PAUSE: Duration = Duration::from_millis(500);

impl Server {
    /// Prepares to serve `files` on `listener`: Python's `server.setblocking(False)` and
    /// `self.sel.register(server, selectors.EVENT_READ, self.accept)`.
    pub fn new(listener: TcpListener, files: Files) -> io::Result<Server> {
        let mut server = Server {
            selector: Poller::new()?,
            registrations: HashMap::new(),
            next_key: 0,
            files,
            accept_paused: None,
            next_pause: FIRST_PAUSE,
            failed_accepts: 0,
        };
        listener.set_nonblocking(true)?;
        server.register(Socket::Listener(listener), accept)?;
        Ok(server)
    }

    /// The served directories.
    pub fn files(&self) -> &Files {
        &self.files
    }

    // ANCHOR: register
    /// Python's `sel.register(fileobj, EVENT_READ, data)`: from now on, when `fileobj`
    /// is readable, the event loop calls `data`.
    fn register(&mut self, fileobj: Socket, data: Callback) -> io::Result<()> {
        let key = self.next_key;
        self.next_key += 1;
        let interest = Event::readable(key);
        // Level-triggered, like Python's selectors: as long as a socket stays ready,
        // every `wait` reports it again, so a callback may do one step and leave the
        // rest for the next turn of the loop.
        //
        // SAFETY: polling requires that a socket is deleted from the poller before it
        // is dropped (closed). Every registered socket lives in `self.registrations`,
        // and the only ways out of it are `unregister` and `Drop for Server`, which both
        // call `selector.delete` first. If `add` fails, nothing was registered.
        let added = unsafe {
            match &fileobj {
                Socket::Listener(listener) => {
                    self.selector
                        .add_with_mode(listener, interest, PollMode::Level)
                }
                Socket::Connection(connection) => {
                    self.selector
                        .add_with_mode(&connection.conn, interest, PollMode::Level)
                }
            }
        };
        added?;
        self.registrations
            .insert(key, Registration { fileobj, data });
        Ok(())
    }
    // ANCHOR_END: register

    /// Python's `sel.unregister(conn)` then `conn.close()`: forget the socket, then
    /// close it (dropping it closes it), in that order, as the SAFETY rule demands.
    /// Dropping a connection drops its unfinished upload, which deletes its temporary
    /// file.
    fn unregister(&mut self, key: usize) {
        if let Some(registration) = self.registrations.remove(&key) {
            delete_from(&self.selector, &registration.fileobj);
        }
    }

    // ANCHOR: serve_forever
    /// The event loop, forever: wait until some sockets are ready, call each one's
    /// callback, wait again. Returns only if the selector itself fails. The tutorial's
    /// `handle()`.
    pub fn serve_forever(&mut self) -> io::Result<()> {
        let mut events = Events::new();
        loop {
            // events = self.sel.select(timeout): no timeout, unless accepting is paused;
            // then wake up when the pause is over, even if no socket is ready.
            events.clear();
            let timeout = self
                .accept_paused
                .map(|(_, until)| until.saturating_duration_since(Instant::now()));
            self.selector.wait(&mut events, timeout)?;
            self.resume_accept_if_due();
            for event in events.iter() {
                // callback = key.data; callback(key.fileobj, mask)
                let Some(registration) = self.registrations.get(&event.key) else {
                    continue; // closed by an earlier callback in this same batch
                };
                let callback = registration.data;
                callback(self, event.key, event);
            }
        }
    }
    // ANCHOR_END: serve_forever
}

impl Drop for Server {
    /// Keeps the SAFETY rule of `register` even when the server is dropped.
    fn drop(&mut self) {
        for registration in self.registrations.values() {
            delete_from(&self.selector, &registration.fileobj);
        }
    }
}

/// Tells the selector to stop watching a socket (before the socket is dropped).
fn delete_from(selector: &Poller, fileobj: &Socket) {
    let deleted = match fileobj {
        Socket::Listener(listener) => selector.delete(listener),
        Socket::Connection(connection) => selector.delete(&connection.conn),
    };
    if let Err(error) = deleted {
        println!("selector error: {error}");
    }
}

// ANCHOR: accept
/// The listening socket's callback: a client is waiting, accept it and register it
/// with its own callback, [`service_connection`]. The tutorial's `accept`, with its
/// `self.dic[conn] = {}` replaced by a fresh [`Connection`].
fn accept(server: &mut Server, key: usize, _mask: Event) {
    let Some(Registration {
        fileobj: Socket::Listener(listener),
        ..
    }) = server.registrations.get(&key)
    else {
        return;
    };
    let (conn, addr) = match listener.accept() {
        Ok(accepted) => accepted,
        Err(error) if error.kind() == ErrorKind::WouldBlock => return,
        Err(error) if is_out_of_descriptors(&error) => return server.pause_accept(key, &error),
        Err(error) => {
            println!("accept failed: {error}");
            return;
        }
    };
    server.accepting_again();
    println!("connected: {addr}");
    if let Err(error) = conn.set_nonblocking(true) {
        println!("{addr} error: {error}");
        return;
    }
    let connection = Connection {
        conn,
        addr,
        key: server.next_key, // the key `register` is about to give it
        inbox: Vec::new(),
        outbox: Vec::new(),
        stage: Stage::Header,
        closing: false,
        watching: (true, false),
    };
    if let Err(error) = server.register(Socket::Connection(connection), service_connection) {
        println!("{addr} error: {error}");
    }
}
// ANCHOR_END: accept

// ANCHOR: pause_accept
/// Did `accept` fail for want of a file descriptor? EMFILE: this process has as many
/// open as its limit allows (`ulimit -n`); ENFILE: the whole system has.
fn is_out_of_descriptors(error: &io::Error) -> bool {
    matches!(error.raw_os_error(), Some(libc::EMFILE | libc::ENFILE))
}

impl Server {
    /// `accept` failed for want of a descriptor. The client it was for is still
    /// waiting in the listen queue, so the listener is still readable, and a
    /// level-triggered selector reports it again at once: retrying straight away
    /// spins at 100 % CPU, a log line a try, until some descriptor frees. So stop
    /// watching the listener for a while, and serve the connections we have: their
    /// closing is what frees descriptors. One log line for the whole burst.
    fn pause_accept(&mut self, key: usize, error: &io::Error) {
        if self.failed_accepts == 0 {
            println!(
                "accept failed: {error}; pausing accept until a descriptor frees \
                 (open connections are still served)"
            );
        }
        self.failed_accepts = self.failed_accepts.saturating_add(1);
        // Python: self.sel.unregister(server), since its selectors refuse to watch a
        // socket for nothing; `polling` watches it for nothing, `Event::none`.
        self.watch_listener(key, Event::none(key));
        self.accept_paused = Some((key, Instant::now() + self.next_pause));
        self.next_pause = min(self.next_pause * 2, LONGEST_PAUSE);
    }

    /// Called by `serve_forever` after every wait: is the pause over?
    fn resume_accept_if_due(&mut self) {
        if let Some((key, until)) = self.accept_paused
            && Instant::now() >= until
        {
            self.accept_paused = None;
            self.watch_listener(key, Event::readable(key));
        }
    }

    /// An `accept` worked: if a burst of failures is over, say so, and start the next
    /// one's pauses short again.
    fn accepting_again(&mut self) {
        if self.failed_accepts > 0 {
            println!(
                "accepting again after {} failed attempts",
                self.failed_accepts
            );
            self.failed_accepts = 0;
            self.next_pause = FIRST_PAUSE;
        }
    }

    /// Python's `sel.modify(server, events)` for the listener.
    fn watch_listener(&self, key: usize, interest: Event) {
        if let Some(Registration {
            fileobj: Socket::Listener(listener),
            ..
        }) = self.registrations.get(&key)
            && let Err(error) = self
                .selector
                .modify_with_mode(listener, interest, PollMode::Level)
        {
            println!("selector error: {error}");
        }
    }
}
// ANCHOR_END: pause_accept

// ANCHOR: service_connection
/// A connection's callback: read if readable, move the conversation on as far as the
/// bytes at hand allow, send what the outbox holds, then tell the selector what to
/// watch for next, or close the connection.
fn service_connection(server: &mut Server, key: usize, mask: Event) {
    let Some(Registration {
        fileobj: Socket::Connection(connection),
        ..
    }) = server.registrations.get_mut(&key)
    else {
        return;
    };
    let addr = connection.addr;
    let mut result = Ok(());
    if mask.readable && connection.wants_to_read() {
        result = connection.read();
    }
    if result.is_ok() {
        result = connection.advance(&server.files);
    }
    if result.is_ok() {
        result = connection.flush();
    }
    let wanted = connection.wanted_interest();
    match result {
        Err(error) => {
            println!("{addr} error: {error}");
            connection.abandon();
            server.unregister(key);
        }
        Ok(()) if connection.is_finished() => {
            println!("{addr} closed");
            server.unregister(key);
        }
        Ok(()) if wanted != connection.watching => {
            // sel.modify(conn, events): read or not, write or not, from now on.
            connection.watching = wanted;
            let interest = Event::new(key, wanted.0, wanted.1);
            let selector = &server.selector;
            if let Err(error) =
                selector.modify_with_mode(&connection.conn, interest, PollMode::Level)
            {
                println!("{addr} error: {error}");
                connection.abandon();
                server.unregister(key);
            }
        }
        Ok(()) => {}
    }
}
// ANCHOR_END: service_connection

impl Connection {
    // ANCHOR: read
    /// One read into the inbox. An empty read means the client has closed its side:
    /// what it sent is still used, then the connection closes.
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
    // ANCHOR_END: read

    // ANCHOR: advance
    /// Moves the conversation on, one step after another, until a step has to wait for
    /// the network. One read may hold the end of an upload and the next header: the
    /// loop takes both.
    fn advance(&mut self, files: &Files) -> io::Result<()> {
        loop {
            // Take the stage out; each step puts back the next one.
            let progressed = match std::mem::replace(&mut self.stage, Stage::Header) {
                Stage::Header => self.read_header(files)?,
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
    /// `Header`: is there a whole header in the inbox? Then start its transfer.
    fn read_header(&mut self, files: &Files) -> io::Result<bool> {
        let header = match parse_header(&self.inbox) {
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
                self.refuse(format!("bad request: {why}"), true);
                return Ok(false);
            }
            Parsed::Complete(header, used) => {
                self.inbox.drain(..used);
                header
            }
        };
        match header.command {
            Command::Put => self.start_put(header, files),
            Command::Get => self.start_get(header, files),
        }
        Ok(true)
    }

    /// Answers `NO|reason`. After a refused `put` or a bad header, the client may be
    /// sending bytes we cannot make sense of: read no more, and close once the answer
    /// is out.
    fn refuse(&mut self, reason: String, then_close: bool) {
        println!("{} refused: {reason}", self.addr);
        self.outbox.extend(Reply::No(reason).to_bytes());
        if then_close {
            self.closing = true;
            self.inbox.clear();
        }
    }
    // ANCHOR_END: read_header

    // ANCHOR: start_put
    /// `put|name|size`: check the name and the size, before anything touches the disk;
    /// then open a temporary file and answer `OK`.
    fn start_put(&mut self, header: Header, files: &Files) {
        let Header { name, size, .. } = header;
        if let Err(why) = check_name(&name) {
            return self.refuse(format!("bad name: {why}"), true);
        }
        if size > files.max_upload {
            let limit = files.max_upload;
            let why = format!("too big: {size} bytes, the limit is {limit} bytes");
            return self.refuse(why, true);
        }
        let temp = part_name(std::process::id(), self.key);
        let part = match PartFile::create(&files.upload, temp) {
            Ok(part) => part,
            Err(error) => {
                println!(
                    "{} error: cannot create a file in the upload directory: {error}",
                    self.addr
                );
                return self.refuse("server error: cannot store the file".into(), true);
            }
        };
        println!("{} put {name:?} ({size} bytes)", self.addr);
        self.outbox.extend(Reply::Ok.to_bytes());
        self.stage = Stage::Receiving(Upload {
            name,
            size,
            received: 0,
            part,
        });
    }
    // ANCHOR_END: start_put

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
    fn abandon(&mut self) {
        if let Stage::Receiving(upload) = std::mem::replace(&mut self.stage, Stage::Header) {
            upload.abandon(self.addr);
        }
    }
    // ANCHOR_END: receive

    // ANCHOR: start_get
    /// `get|name|_`: answer `YES|size` if `download/name` is a file, else `NO|0`, as
    /// the tutorial does. The file is opened now, so the size we announce is the size
    /// of the very file we send. It is opened in the download directory, and a link
    /// is refused ([`Dir`] says why); so is anything that is not a regular file.
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
            file,
            size,
            left: size,
        });
    }

    fn no_such_file(&mut self, name: &str) {
        println!("{} get {name:?}: no such file", self.addr);
        self.outbox
            .extend(Reply::No(NO_SUCH_FILE.into()).to_bytes());
    }
    // ANCHOR_END: start_get

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

    /// `Sending`: top up the outbox from the file, never past [`OUTBOX_LIMIT`]; done
    /// when the whole file has left the outbox. Exactly `size` bytes go out, even if
    /// the file grows meanwhile; if it shrinks, the client cannot get what we promised,
    /// and the connection closes with an error.
    fn send_file(&mut self, mut download: Download) -> io::Result<bool> {
        while download.left > 0 && self.outbox.len() < OUTBOX_LIMIT {
            let room = OUTBOX_LIMIT - self.outbox.len();
            let want = usize::try_from(download.left).map_or(room, |left| min(left, room));
            let start = self.outbox.len();
            self.outbox.resize(start + want, 0);
            let got = download.file.read(&mut self.outbox[start..])?;
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
    // ANCHOR_END: flush

    // ANCHOR: interest
    /// Read until the client is done, but not while the outbox is full (backpressure)
    /// nor while a file streams out: a client reads its file before it says more.
    fn wants_to_read(&self) -> bool {
        !self.closing && self.outbox.len() < OUTBOX_LIMIT && !self.is_sending()
    }

    /// (readable, writable): writable while bytes wait, and while a file streams out,
    /// so that `send_file` is called again to top up the outbox.
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
    // ANCHOR_END: interest
}

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
        command: Command::Put,
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
        command: Command::Get,
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

// Unit tests of the protocol (headers, names, replies) and of the connection's steps,
// driven by hand on real sockets. The tests in tests/ drive the real binaries.
#[cfg(test)]
mod tests;
