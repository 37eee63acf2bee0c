//! The hostile suite's fast part: every server of the course, attacked (a reset
//! mid-message, a half-close, bytes that are not UTF-8, a mebibyte without a newline,
//! 50 idle clients, 300 connections opened and closed, a client gone before its
//! answer, and, for a server that holds a descriptor per client, running out of them
//! with a limit of 64; lesson 07 gets datagrams instead), and after each attack a
//! normal client must be served, and the server must give back its threads and
//! descriptors. Then Ctrl-C, with clients connected, must stop it within seconds. The slow part is `cargo run -p classroom -- hostile --slow`.
// Test code: a panic (from unwrap) is how a test reports failure.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use classroom::hostile::{TARGETS, attack, build};
use classroom::workspace_root;

#[test]
fn every_stream_server_survives_the_fast_attacks() {
    let binaries = build(&workspace_root()).unwrap();
    let failures: Vec<String> = TARGETS
        .iter()
        .flat_map(|target| attack(target, &binaries))
        .collect();
    assert!(
        failures.is_empty(),
        "{} failure(s):\n{}",
        failures.len(),
        failures.join("\n")
    );
}
