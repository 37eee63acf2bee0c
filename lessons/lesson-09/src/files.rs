//! Files on disk: the two served directories, opened once at start ([`Files`]); an
//! upload written under a temporary name and renamed when whole ([`PartFile`]); and
//! what a server killed mid-upload left behind, removed at the next start
//! ([`Files::remove_leftovers`]). The tutorial appends to `upload/NAME` as the bytes
//! come, so a reader may see half a file, and a vanished client leaves one.

use std::fs::{self, File};
use std::io::{self, Write};
use std::path::Path;
use std::rc::Rc;

use crate::Dir;

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
    /// is a symbolic link, the server does not start: the link could lead anywhere
    /// ([`Dir::open_or_create_dir`] says so).
    pub fn prepare(root: &Path, max_upload: u64) -> io::Result<Files> {
        fs::create_dir_all(root)?;
        // The root is the user's own choice (`--root`): opened as given, links and all.
        let root = Dir::open(root)?;
        Ok(Files {
            upload: Rc::new(root.open_or_create_dir("upload")?),
            download: root.open_or_create_dir("download")?,
            max_upload,
        })
    }
}
// ANCHOR_END: files

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
pub(crate) fn part_owner(name: &str) -> Option<u32> {
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
