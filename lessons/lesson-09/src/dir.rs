//! A directory, opened once, and the files in it reached by their plain name, never
//! by a path and never through a symbolic link: C's `openat` with `O_NOFOLLOW`,
//! Python's `dir_fd=` arguments. Checking a path and then opening it leaves a gap
//! between the two steps that anyone who can write in the directory can use ([`Dir`]
//! says how); opening a name *in* an open directory leaves none. Every file the server
//! touches, it touches through here.

use std::ffi::CString;
use std::fs::{self, File};
use std::io::{self, ErrorKind};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::path::{Path, PathBuf};

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

    /// The directory `name` in this one, created if missing, then opened as a
    /// directory that is not a link. If it is a link, the error says so, in words.
    pub fn open_or_create_dir(&self, name: &str) -> io::Result<Dir> {
        let path = self.path.join(name);
        // mkdir never follows a link: where one is, the name "already exists".
        match fs::create_dir(&path) {
            Err(error) if error.kind() != ErrorKind::AlreadyExists => return Err(error),
            _ => {}
        }
        self.open_dir(name).map_err(|error| {
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
/// checks every client's name first ([`check_name`](crate::check_name)); this makes
/// `Dir` safe by itself.
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
