//! The record of a conversation, as a snapshot-ready text.
//!
//! Lines look like what a student sees, labelled by who spoke:
//!
//! ```text
//! == C connects
//! C: "hello"
//! S: "HELLO"
//! == C closes
//! ```
//!
//! With several clients each has a name: `C[A]: ...`, `S[A]: ...`. Everything that
//! changes from run to run is redacted: the server's address reads `[server]`, its port
//! `[port]`, a client's address `[A]` (or `[C]`), any other loopback address `[addr]`.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use crate::ServerProcess;

#[derive(Default)]
struct Inner {
    lines: Vec<String>,
    /// Exact texts to replace, longest first when applied: (text, replacement).
    redactions: Vec<(String, String)>,
    server_port: Option<u16>,
}

/// A shared, append-only conversation record. Clones share the record.
#[derive(Clone, Default)]
pub struct Transcript(Arc<Mutex<Inner>>);

impl Transcript {
    /// A transcript of conversations with `server`, whose address and port it redacts.
    pub fn new(server: &ServerProcess) -> Transcript {
        let transcript = Transcript::default();
        transcript.name_address(server.addr(), "[server]");
        transcript.0.lock().unwrap().server_port = Some(server.addr().port());
        transcript
    }

    /// From now on, `addr` is written as `name` (a client registers itself).
    pub fn name_address(&self, addr: SocketAddr, name: &str) {
        let mut inner = self.0.lock().unwrap();
        inner.redactions.push((addr.to_string(), name.to_string()));
        // A server bound to 0.0.0.0 or [::] is reached as loopback: name that too.
        if addr.ip().is_unspecified() {
            let loopback = SocketAddr::from(([127, 0, 0, 1], addr.port()));
            inner
                .redactions
                .push((loopback.to_string(), name.to_string()));
        }
    }

    /// Appends one line, redacted.
    pub fn push(&self, line: impl AsRef<str>) {
        let line = self.redact(line.as_ref());
        self.0.lock().unwrap().lines.push(line);
    }

    /// Appends the server's stdout so far (redacted), under a `--- server log ---` rule.
    /// Only deterministic when the test has waited for the lines it expects.
    pub fn push_server_log(&self, server: &ServerProcess) {
        self.push("--- server log ---");
        for line in server.stdout() {
            self.push(line);
        }
    }

    /// The transcript as one text, a line per event, for `insta::assert_snapshot!`.
    pub fn render(&self) -> String {
        let mut text = self.0.lock().unwrap().lines.join("\n");
        text.push('\n');
        text
    }

    /// Replaces every address and port that changes between runs.
    pub fn redact(&self, text: &str) -> String {
        let inner = self.0.lock().unwrap();
        let mut redactions = inner.redactions.clone();
        redactions.sort_by_key(|(from, _)| std::cmp::Reverse(from.len()));
        let mut text = text.to_string();
        for (from, to) in &redactions {
            text = text.replace(from, to);
        }
        let text = redact_loopback_ports(&text);
        match inner.server_port {
            Some(port) => replace_number(&text, port, "[port]"),
            None => text,
        }
    }
}

/// `127.0.0.1:54321` and `[::1]:54321` → `[addr]`: a loopback address nobody named.
fn redact_loopback_ports(text: &str) -> String {
    let mut text = text.to_string();
    for host in ["127.0.0.1:", "[::1]:"] {
        let mut out = String::new();
        let mut rest = text.as_str();
        while let Some(at) = rest.find(host) {
            let after = &rest[at + host.len()..];
            let digits = after.len() - after.trim_start_matches(|c: char| c.is_ascii_digit()).len();
            if digits == 0 {
                out.push_str(&rest[..at + host.len()]);
            } else {
                out.push_str(&rest[..at]);
                out.push_str("[addr]");
            }
            rest = &after[digits..];
        }
        out.push_str(rest);
        text = out;
    }
    text
}

/// Replaces `number` where it stands as a whole number (not inside a longer one).
fn replace_number(text: &str, number: u16, with: &str) -> String {
    let needle = number.to_string();
    let mut out = String::new();
    let mut rest = text;
    while let Some(at) = rest.find(&needle) {
        out.push_str(&rest[..at]);
        let before = out.chars().last();
        let after = rest[at + needle.len()..].chars().next();
        let is_digit = |c: Option<char>| c.is_some_and(|c| c.is_ascii_digit());
        let whole = !is_digit(before) && !is_digit(after);
        out.push_str(if whole { with } else { &needle });
        rest = &rest[at + needle.len()..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn named_addresses_and_ports_are_redacted() {
        let transcript = Transcript::default();
        transcript.name_address("127.0.0.1:4242".parse().unwrap(), "[server]");
        transcript.0.lock().unwrap().server_port = Some(4242);
        transcript.name_address("127.0.0.1:50000".parse().unwrap(), "[A]");
        transcript.push("listening on 127.0.0.1:4242");
        transcript.push("try --port 4242, not 14242 or 42420");
        transcript.push("connected: 127.0.0.1:50000, and 127.0.0.1:6 and [::1]:7");
        insta::assert_snapshot!(transcript.render(), @r"
        listening on [server]
        try --port [port], not 14242 or 42420
        connected: [A], and [addr] and [addr]
        ");
    }
}
