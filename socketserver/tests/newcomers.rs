//! The two programs a Python programmer writes first, ported to the crate: the seed
//! tutorial's server (`examples/tutorial.rs`, from `python/tutorial.py`) and the
//! Python documentation's `ThreadedTCPServer` example (`examples/threaded.rs`, from
//! `python/threaded.py`). Each must read almost like its Python, which is measured
//! (at most 1.5 times its lines), and behave like it, which is checked against
//! CPython side by side.
// Test code: a panic (from unwrap) is how a test reports failure.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use classroom::TIMEOUT;

/// The seed server's handler and `main`, compiled here as they are in the example,
/// so the test can serve it on a free port (the example itself takes 8080, as the
/// tutorial does).
#[allow(dead_code)]
mod tutorial {
    include!("../examples/tutorial.rs");

    /// The example's server, on a free port, on its own thread.
    pub fn serve() -> std::net::SocketAddr {
        let server = ThreadingTCPServer::<MyHandler>::new("127.0.0.1:0").unwrap();
        server.set_daemon_threads(true);
        let address = server.server_address();
        std::thread::spawn(move || server.serve_forever());
        address
    }
}

/// Lines of code: not blank, not a comment (`//` in Rust, `#` in Python; a Rust
/// attribute such as `#[derive(Default)]` counts), and inside the `ANCHOR: all`
/// region if the file has one.
fn code_lines(path: &str) -> usize {
    let comment = if path.ends_with(".py") { "#" } else { "//" };
    let text = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(path)).unwrap();
    let region: Vec<&str> = match (text.find("ANCHOR: all"), text.find("ANCHOR_END: all")) {
        (Some(start), Some(end)) => text[start..end].lines().skip(1).collect(),
        _ => text.lines().collect(),
    };
    region
        .iter()
        .map(|line| line.trim())
        .filter(|line| !line.is_empty())
        .filter(|line| !line.starts_with(comment))
        .filter(|line| !line.contains("ANCHOR"))
        .count()
}

/// The measure: a Python programmer's program in at most 1.5 times its
/// Python lines, counting code only (no blank lines, no comments) on both sides.
#[test]
fn each_port_is_at_most_one_and_a_half_times_its_python() {
    for (rust, python) in [
        ("examples/tutorial.rs", "python/tutorial.py"),
        ("examples/threaded.rs", "python/threaded.py"),
    ] {
        let (rust_lines, python_lines) = (code_lines(rust), code_lines(python));
        assert!(
            python_lines > 10,
            "{python}: only {python_lines} lines counted"
        );
        assert!(
            rust_lines * 2 <= python_lines * 3,
            "{rust} has {rust_lines} lines of code, {python} {python_lines}: over 1.5 times"
        );
    }
}

/// CPython's own server: `python/tutorial.py`'s handler on `ThreadingTCPServer`, on
/// a free port (its `__main__` block, which takes 8080, does not run on import).
struct PythonServer {
    child: std::process::Child,
    address: SocketAddr,
}

impl PythonServer {
    fn start() -> PythonServer {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("python");
        let code = "import sys, socketserver\n\
                    sys.path.insert(0, sys.argv[1])\n\
                    import tutorial\n\
                    server = socketserver.ThreadingTCPServer(('127.0.0.1', 0), tutorial.MyHandler)\n\
                    server.daemon_threads = True\n\
                    print(server.server_address[1], flush=True)\n\
                    server.serve_forever()\n";
        let mut child = Command::new("python3")
            .args(["-c", code])
            .arg(script)
            .stdout(Stdio::piped())
            .spawn()
            .expect("python3 is a test requirement");
        let mut port = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut port)
            .unwrap();
        let port: u16 = port
            .trim()
            .parse()
            .expect("Python's server printed no port");
        PythonServer {
            child,
            address: SocketAddr::from(([127, 0, 0, 1], port)),
        }
    }
}

impl Drop for PythonServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// What a server answers to `message`: everything that arrives within a moment
/// after the whole reply length has come, or until the server closes.
fn ask(address: SocketAddr, message: &[u8]) -> Vec<u8> {
    let mut client = TcpStream::connect(address).unwrap();
    client.set_read_timeout(Some(TIMEOUT)).unwrap();
    client.write_all(message).unwrap();
    let mut reply = vec![0; message.len()];
    client.read_exact(&mut reply).unwrap();
    reply
}

/// The same conversations with the Rust port and with CPython running the Python
/// it ports: the same bytes back, whether the message fits one `recv(1024)` or
/// not, ASCII or not.
#[test]
fn the_tutorials_server_answers_as_cpython_runs_it() {
    let python = PythonServer::start();
    let rust = tutorial::serve();
    let long: Vec<u8> = (0..3000).map(|n| b"abcXYZ "[n % 7]).collect();
    for message in [&b"hello"[..], "grüße, Welt".as_bytes(), &long] {
        let expected = ask(python.address, message);
        assert_eq!(ask(rust, message), expected, "for {} bytes", message.len());
        assert_eq!(expected, message.to_ascii_uppercase());
    }
    // A client that resets its connection: both servers go on serving.
    for address in [python.address, rust] {
        let client = TcpStream::connect(address).unwrap();
        socket2::SockRef::from(&client)
            .set_linger(Some(Duration::ZERO))
            .unwrap();
        (&client).write_all(b"bye").unwrap();
        drop(client); // RST
        assert_eq!(ask(address, b"still here"), b"STILL HERE");
    }
}

/// Runs a program to its end (bounded), and returns its standard output.
fn output_of(command: &mut Command) -> String {
    let mut child = command.stdout(Stdio::piped()).spawn().unwrap();
    let deadline = Instant::now() + TIMEOUT;
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("{command:?} did not finish within {TIMEOUT:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let mut out = String::new();
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut out)
        .unwrap();
    out
}

/// Thread numbers and ids differ from run to run and between the two languages.
fn normalise(output: &str) -> Vec<String> {
    output
        .lines()
        .map(|line| {
            if line.starts_with("Server loop running in thread:") {
                return "Server loop running in thread: ...".to_string();
            }
            let mut out = String::new();
            let mut rest = line;
            while let Some(at) = rest.find("Thread-") {
                out.push_str(&rest[..at + "Thread-".len()]);
                rest =
                    rest[at + "Thread-".len()..].trim_start_matches(|c: char| c.is_ascii_digit());
                out.push('N');
            }
            out.push_str(rest);
            out
        })
        .collect()
}

/// The docs' example prints, from both languages: the serving thread, then three
/// replies, each named after the request's thread, `Thread-N
/// (process_request_thread)` in both (the crate names its request threads as Python
/// does).
#[test]
fn the_docs_threaded_example_prints_what_cpythons_prints() {
    let python = output_of(
        Command::new("python3")
            .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("python/threaded.py")),
    );
    let rust = output_of(&mut common::example_command("threaded"));
    assert_eq!(
        normalise(&rust),
        normalise(&python),
        "Rust:\n{rust}\nPython:\n{python}"
    );
    assert_eq!(
        normalise(&python)[1],
        "Received: Thread-N (process_request_thread): Hello World 1"
    );
}
