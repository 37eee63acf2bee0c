//! What lesson 09's tests share: scratch directories, file contents, checksums, and
//! the server with its served directory.

#![allow(dead_code)] // each test file uses its own part of this

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

use classroom::{ServerProcess, Transcript};

/// A fresh directory under the system's temporary directory, deleted on drop.
pub struct TempDir(PathBuf);

impl TempDir {
    pub fn new(what: &str) -> TempDir {
        static COUNT: AtomicUsize = AtomicUsize::new(0);
        let n = COUNT.fetch_add(1, Ordering::Relaxed);
        let path =
            std::env::temp_dir().join(format!("lesson-09-{what}-{}-{n}", std::process::id()));
        let _ = fs::remove_dir_all(&path);
        fs::create_dir_all(&path).unwrap();
        TempDir(path)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }

    pub fn join(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

/// The Rust server on any free port, serving `root`, with `extra` arguments.
pub fn start_server(root: &Path, extra: &[&str]) -> ServerProcess {
    let mut server = Command::new(env!("CARGO_BIN_EXE_lesson-09"));
    server.args(["--port", "0", "--root"]).arg(root).args(extra);
    ServerProcess::start(server)
}

/// `size` bytes that differ from file to file (`seed`) and from byte to byte, so a
/// lost, doubled or misplaced piece changes the checksum.
pub fn content(size: usize, seed: u64) -> Vec<u8> {
    let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..size)
        .map(|_| {
            // xorshift64: cheap, and no two seeds give the same bytes.
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state as u8
        })
        .collect()
}

/// FNV-1a, 64 bits: the checksum the tests compare, sent against received.
pub fn checksum(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, &byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// Panics unless `file` holds exactly `expected`, comparing lengths and checksums.
pub fn assert_file_is(file: &Path, expected: &[u8]) {
    let got = fs::read(file).unwrap_or_else(|e| panic!("cannot read {}: {e}", file.display()));
    assert_eq!(
        (got.len(), checksum(&got)),
        (expected.len(), checksum(expected)),
        "{} differs (length, checksum)",
        file.display()
    );
}

/// Everything in `dir`, hidden files included, sorted.
pub fn listing(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()))
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// The server's log so far into `transcript`, with the served directory as `[root]`.
pub fn push_log(transcript: &Transcript, server: &ServerProcess, root: &Path) {
    transcript.push("--- server log ---");
    let root = root.display().to_string();
    for line in server.stdout() {
        transcript.push(line.replace(&root, "[root]"));
    }
}
