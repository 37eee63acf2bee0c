//! `classroom` — the one test harness every lesson's tests use.
//!
//! A lesson's test does what a student does by hand: start the server, wait for its
//! `listening on HOST:PORT` line, connect, type, read the answer. This crate does the
//! same from code, with every wait bounded so that a hung server fails a test in
//! seconds instead of hanging CI:
//!
//! - [`ServerProcess`] starts a server binary (ours, or CPython's), reads its address
//!   from the first line, keeps draining its output, and kills it on drop.
//! - [`Client`] is a scripted client with connect, read and write timeouts.
//! - [`Transcript`] records the conversation as `C: ...` / `S: ...` lines, with
//!   addresses and ports redacted, ready for an insta snapshot.
//! - [`exercises`] (with the `runner` feature) is the classroom's exercises: their
//!   registry, and the student's runner that checks them with this same harness.
//! - [`hostile`] (with the `runner` feature) is the hostile suite: every stream
//!   server attacked, and a normal client served after each attack.
//! - [`process`] reads a server's CPU time and memory from /proc, and starts one
//!   with few file descriptors; [`descriptors`] is the out-of-descriptors check
//!   built on it.
//! - [`python3`] finds CPython for the interop tests, and fails clearly when it is
//!   missing: python3 is a stated test requirement, not a silent skip.
//!
//! The harness panics with a full report (the server's output included) instead of
//! returning errors: in a test, the panic *is* the failure message.

#[cfg(feature = "runner")]
pub mod book;
mod client;
pub mod descriptors;
#[cfg(feature = "runner")]
pub mod exercises;
#[cfg(feature = "runner")]
pub mod hostile;
pub mod process;
mod python;
mod server;
mod show;
mod transcript;
mod udp;

pub use client::{Client, OnScript};
pub use python::{help_of, python3, run_with_timeout};
pub use server::ServerProcess;
pub use show::show_bytes;
pub use transcript::Transcript;
pub use udp::UdpClient;

use std::time::Duration;

/// How long the harness waits for anything a healthy server does at once: its
/// `listening on` line, a reply, a log line, its exit. Generous, because CI machines
/// are slow and busy; a hung server still fails in seconds.
pub const TIMEOUT: Duration = Duration::from_secs(10);

/// The workspace's root directory: this crate lives in `tests/`, one level below it.
pub fn workspace_root() -> std::path::PathBuf {
    let manifest = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest
        .parent()
        .map_or_else(|| manifest.to_path_buf(), std::path::Path::to_path_buf)
}
