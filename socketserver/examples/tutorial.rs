//! The seed tutorial's server, on the crate: a `BaseRequestHandler` whose `handle`
//! loops `recv(1024)` and sends back the data upper-cased, served by
//! `ThreadingTCPServer` on 127.0.0.1:8080. `python/tutorial.py` is the Python it
//! ports, line for line; the book shows them side by side, and
//! `tests/newcomers.rs` holds the two to the same conversation and the Rust to at
//! most 1.5 times the Python's lines.
//!
//!     cargo run -p socketserver --example tutorial
// ANCHOR: all
use std::io::{self, Read, Write};

use socketserver::prelude::*;

#[derive(Default)]
struct MyHandler;

impl RequestHandler for MyHandler {
    type Base = BaseRequestHandler;
    fn handle(&mut self, this: &mut Base) -> io::Result<()> {
        let mut data = [0; 1024];
        loop {
            match this.request.read(&mut data) {
                Ok(0) => return Ok(()),
                Ok(n) => this.request.write_all(&data[..n].to_ascii_uppercase())?,
                Err(e) if e.kind() == io::ErrorKind::ConnectionReset => return Ok(()),
                Err(e) => return Err(e),
            }
        }
    }
}

fn main() -> io::Result<()> {
    ThreadingTCPServer::<MyHandler>::new("127.0.0.1:8080")?.serve_forever()
}
// ANCHOR_END: all
