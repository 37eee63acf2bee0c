//! Failing to bind leaks no socket (CPython's test_tcpserver_bind_leak). Alone in
//! its test binary, so no other test opens files while this one counts them.
#![cfg(target_os = "linux")]
// Test code: a panic (from unwrap) is how a test reports failure.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io;

use socketserver::{RequestHandler, SocketServer, Stream, StreamRequestHandler, TCPServer};

#[derive(Default)]
struct Nothing;

impl RequestHandler for Nothing {
    type Base = StreamRequestHandler;
    fn handle(&mut self, _this: &mut Stream) -> io::Result<()> {
        Ok(())
    }
}

fn open_files() -> usize {
    std::fs::read_dir("/proc/self/fd").unwrap().count()
}

#[test]
fn repeated_bind_failures_leak_no_socket() {
    let taken = TCPServer::<Nothing>::new("127.0.0.1:0").unwrap();
    let address = taken.server_address();
    let before = open_files();
    for _ in 0..100 {
        let error = TCPServer::<Nothing>::new(address).err().unwrap();
        assert_eq!(error.kind(), io::ErrorKind::AddrInUse);
    }
    assert_eq!(open_files(), before, "every failed bind closed its socket");
}
