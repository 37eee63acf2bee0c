//! The Unix-domain servers: the same handlers, the same loop, a path for an address.
#![cfg(unix)]
// Test code: a panic (from unwrap) is how a test reports failure.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{self, BufRead, BufReader, Read, Write};
use std::os::unix::net::{UnixDatagram, UnixStream};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;
use std::time::Duration;

use classroom::TIMEOUT;
use socketserver::{
    BaseServer, DatagramRequestHandler, DatagramState, RequestHandler, SocketServer, Stream,
    StreamRequestHandler, ThreadingUnixDatagramServer, ThreadingUnixStreamServer,
    UnixDatagramServer, UnixDatagramTransport, UnixStreamServer, UnixStreamTransport,
};

/// A fresh directory for this test's socket files, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new() -> TempDir {
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let n = COUNTER.fetch_add(1, Ordering::SeqCst);
        let dir =
            std::env::temp_dir().join(format!("socketserver-test-{}-{n}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[derive(Default)]
struct UpperLines;

impl<S: SocketServer<Transport = UnixStreamTransport>> RequestHandler<S> for UpperLines {
    type Base = StreamRequestHandler;
    fn handle(&mut self, this: &mut Stream<'_, S>) -> io::Result<()> {
        let mut line = Vec::new();
        while this.rfile.read_until(b'\n', &mut line)? > 0 {
            this.wfile.write_all(&line.to_ascii_uppercase())?;
            line.clear();
        }
        Ok(())
    }
}

#[derive(Default)]
struct UpperPacket;

impl<S: SocketServer<Transport = UnixDatagramTransport>> RequestHandler<S> for UpperPacket {
    type Base = DatagramRequestHandler;
    fn handle(&mut self, this: &mut DatagramState<'_, S>) -> io::Result<()> {
        let mut packet = Vec::new();
        this.rfile.read_to_end(&mut packet)?;
        this.wfile.write_all(&packet.to_ascii_uppercase())
    }
}

fn serve_then_stop<S: BaseServer>(server: S, conversation: impl FnOnce()) {
    let server = Arc::new(server);
    let serving = {
        let server = Arc::clone(&server);
        thread::spawn(move || server.serve_forever(Duration::from_secs(3600)))
    };
    conversation();
    server.shutdown();
    serving.join().unwrap().unwrap();
    server.server_close();
}

fn talk_stream(path: &std::path::Path) {
    let stream = UnixStream::connect(path).unwrap();
    stream.set_read_timeout(Some(TIMEOUT)).unwrap();
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    for word in ["hello", "grüße"] {
        (&stream).write_all(format!("{word}\n").as_bytes()).unwrap();
        let mut reply = String::new();
        reader.read_line(&mut reply).unwrap();
        assert_eq!(reply, format!("{}\n", word.to_ascii_uppercase()));
    }
}

fn talk_datagram(dir: &std::path::Path, server: &std::path::Path) {
    // A client must bind its own socket to a path, or the server has nowhere to answer.
    let client = UnixDatagram::bind(dir.join("client")).unwrap();
    client.set_read_timeout(Some(TIMEOUT)).unwrap();
    client.send_to(b"packet", server).unwrap();
    let mut buffer = [0; 64];
    let received = client.recv(&mut buffer).unwrap();
    assert_eq!(&buffer[..received], b"PACKET");
}

#[test]
fn unix_stream_servers_echo() {
    let dir = TempDir::new();
    let path = dir.0.join("serial");
    serve_then_stop(UnixStreamServer::<UpperLines>::new(&path).unwrap(), || {
        talk_stream(&path)
    });
    let path = dir.0.join("threading");
    serve_then_stop(
        ThreadingUnixStreamServer::<UpperLines>::new(&path).unwrap(),
        || talk_stream(&path),
    );
}

#[test]
fn unix_datagram_servers_echo() {
    let dir = TempDir::new();
    let path = dir.0.join("serial");
    serve_then_stop(
        UnixDatagramServer::<UpperPacket>::new(&path).unwrap(),
        || talk_datagram(&dir.0, &path),
    );
    let _ = std::fs::remove_file(dir.0.join("client"));
    let path = dir.0.join("threading");
    serve_then_stop(
        ThreadingUnixDatagramServer::<UpperPacket>::new(&path).unwrap(),
        || talk_datagram(&dir.0, &path),
    );
}

#[test]
fn binding_to_an_existing_path_fails_as_in_python() {
    let dir = TempDir::new();
    let path = dir.0.join("taken");
    let first = UnixStreamServer::<UpperLines>::new(&path).unwrap();
    first.server_close(); // Python leaves the file behind, and so do we
    let error = UnixStreamServer::<UpperLines>::new(&path).err().unwrap();
    assert_eq!(error.kind(), io::ErrorKind::AddrInUse);
}
