//! Lesson 05's selector server when the process runs out of file descriptors
//! (issue 12).
//!
//! Every connection is a file descriptor, and a process may have only so many
//! (`ulimit -n`). Out of them, `accept()` fails with EMFILE, and the client stays in
//! the listen backlog: the listening socket stays readable, a level-triggered
//! selector reports it again at once, and `accept()` fails again. A loop that retries
//! at once spins at 100 % CPU and floods its log (measured with
//! `prlimit --nofile=64` and 100 clients: 56 MB in two seconds).
//!
//! The server is started with 64 descriptors and 100 clients, each of which sends a
//! message. It must stop watching the listener for a while instead of spinning, say
//! so once, keep serving the clients it has, and accept the waiting ones as
//! descriptors free. These tests read /proc, so they run on Linux only.
#![cfg(target_os = "linux")]
// Test code: a panic (from unwrap) is how a test reports failure, helpers included.
#![allow(clippy::unwrap_used)]

use std::process::Command;

use classroom::ServerProcess;
use classroom::descriptors::{
    DESCRIPTORS, more_clients_than_descriptors, pauses_and_recovers, start_with_few_descriptors,
};

/// The server, on any free port, with at most `descriptors` open file descriptors.
fn start_server_with_few_descriptors(descriptors: u64) -> ServerProcess {
    let mut server = Command::new(env!("CARGO_BIN_EXE_lesson-05"));
    server.args(["--port", "0"]);
    start_with_few_descriptors(server, descriptors)
}

#[test]
fn out_of_descriptors_the_server_pauses_instead_of_spinning_and_recovers() {
    let server = start_server_with_few_descriptors(DESCRIPTORS);
    let outcome = more_clients_than_descriptors(&server)
        .and_then(|crowd| pauses_and_recovers(&server, crowd, 3));
    if let Err(why) = outcome {
        server.fail(&why);
    }
}
