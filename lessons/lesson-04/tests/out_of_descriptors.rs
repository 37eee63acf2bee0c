//! Lesson 04's server when the process runs out of file descriptors (issue 12).
//!
//! Every connection is a file descriptor, and a process may have only so many
//! (`ulimit -n`). Out of them, `accept()` fails with EMFILE, and the client stays in
//! the listen backlog: the next `accept()` fails again at once. A loop that retries
//! at once spins at 100 % CPU and floods its log (measured with
//! `prlimit --nofile=64` and 100 clients: 141 MB in two seconds), and its Ctrl-C,
//! which wakes `accept` by connecting, has no descriptor to connect with.
//!
//! The server is started with 64 descriptors and 100 clients, each of which sends a
//! message. It must pause instead of spinning, say so once, keep serving the clients
//! it has, accept the waiting ones as descriptors free, and still stop on Ctrl-C.
//! These tests read /proc, so they run on Linux only.
#![cfg(target_os = "linux")]
// Test code: a panic (from unwrap) is how a test reports failure, helpers included.
#![allow(clippy::unwrap_used)]

use std::process::Command;

use classroom::descriptors::{
    DESCRIPTORS, more_clients_than_descriptors, pauses_and_recovers, start_with_few_descriptors,
};
use classroom::{ServerProcess, TIMEOUT};

/// The server, on any free port, with at most `descriptors` open file descriptors.
fn start_server_with_few_descriptors(descriptors: u64) -> ServerProcess {
    let mut server = Command::new(env!("CARGO_BIN_EXE_lesson-04"));
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

/// Each client takes two descriptors, so the server runs out either at `accept` or
/// at the second handle of a client it has just accepted, depending on whether an
/// odd or an even number is left after its own: one limit of the two is each case.
#[test]
fn ctrl_c_stops_the_server_while_it_is_out_of_descriptors() {
    for descriptors in [DESCRIPTORS, DESCRIPTORS + 1] {
        let mut server = start_server_with_few_descriptors(descriptors);
        let crowd = more_clients_than_descriptors(&server).unwrap_or_else(|why| server.fail(&why));
        // No descriptor is free: the Ctrl-C handler cannot open its wake-up knock
        // with one of its own.
        server.interrupt();
        let Some(status) = server.exited_within(TIMEOUT) else {
            panic!(
                "with {descriptors} descriptors, the server was still running \
                 {TIMEOUT:?} after Ctrl-C; it had served {} clients, {} were waiting",
                crowd.served.len(),
                crowd.waiting.len()
            );
        };
        assert!(status.success(), "exit status {status}");
        assert_eq!(server.stdout().last().map(String::as_str), Some("bye"));
    }
}
