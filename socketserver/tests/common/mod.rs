//! What several of the crate's test files share: a line client, and a server thread.
// Each test file uses the part it needs.
#![allow(dead_code)]

use std::io::{self, BufRead, BufReader, ErrorKind, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::Arc;
use std::thread::{self, JoinHandle};
use std::time::Duration;

use classroom::TIMEOUT;
use socketserver::{BaseServer, RequestHandler, Stream, StreamRequestHandler};

/// A test client: one connection, read line by line. Dropping it closes it.
pub struct Client {
    pub stream: TcpStream,
    pub reader: BufReader<TcpStream>,
}

pub fn connect(address: SocketAddr) -> Client {
    let stream = TcpStream::connect_timeout(&address, TIMEOUT).unwrap();
    stream.set_read_timeout(Some(TIMEOUT)).unwrap();
    let reader = BufReader::new(stream.try_clone().unwrap());
    Client { stream, reader }
}

impl Client {
    /// Sends `text` as one line.
    pub fn send(&mut self, text: &str) {
        self.stream
            .write_all(format!("{text}\n").as_bytes())
            .unwrap();
    }

    /// One line, without its newline; empty when the server closed.
    pub fn read_line(&mut self) -> String {
        let mut reply = String::new();
        self.reader.read_line(&mut reply).unwrap();
        reply.trim_end().to_string()
    }

    pub fn say(&mut self, text: &str) -> String {
        self.send(text);
        self.read_line()
    }

    /// True if nothing arrives for `wait`: a correct server that must not answer yet
    /// never does, however long we wait.
    pub fn hears_nothing_for(&mut self, wait: Duration) -> bool {
        self.stream.set_read_timeout(Some(wait)).unwrap();
        let mut byte = [0; 1];
        let result = self.stream.peek(&mut byte);
        self.stream.set_read_timeout(Some(TIMEOUT)).unwrap();
        matches!(result, Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut))
    }
}

/// So long that a `shutdown` which waited for it would fail the test by its timeout.
pub const FOREVER: Duration = Duration::from_secs(3600);

/// `serve_forever` on its own thread, as Python's tests run it.
pub fn serve<S: BaseServer>(server: &Arc<S>) -> JoinHandle<io::Result<()>> {
    let server = Arc::clone(server);
    thread::spawn(move || server.serve_forever_polling(FOREVER))
}

/// Upper-cases lines; a line `fail` returns an error, `panic` panics, so tests can
/// check what reaches `handle_error`.
#[derive(Default)]
pub struct UpperLines;

impl RequestHandler for UpperLines {
    type Base = StreamRequestHandler;
    fn handle(&mut self, this: &mut Stream) -> io::Result<()> {
        let mut line = String::new();
        while this.rfile.read_line(&mut line)? > 0 {
            match line.trim() {
                "fail" => return Err(io::Error::other("asked to fail")),
                "panic" => panic!("asked to panic"),
                _ => this.wfile.write_all(line.to_ascii_uppercase().as_bytes())?,
            }
            line.clear();
        }
        Ok(())
    }
}

/// One of the crate's examples, to run as a server process on a free port.
pub fn example(name: &str) -> std::process::Command {
    let mut command = example_command(name);
    command.args(["--port", "0"]);
    command
}

/// One of the crate's examples, to run as it is.
/// `cargo test` builds the examples next to the test binaries:
/// target/debug/deps/<test> -> target/debug/examples/<name>.
pub fn example_command(name: &str) -> std::process::Command {
    let deps = std::env::current_exe().unwrap();
    let path = deps
        .parent()
        .unwrap()
        .parent()
        .unwrap()
        .join("examples")
        .join(name);
    assert!(
        path.exists(),
        "{} is missing: run `cargo test`, which builds the examples",
        path.display()
    );
    std::process::Command::new(path)
}
