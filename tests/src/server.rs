//! A server under test, running as a child process.
//!
//! Every lesson's server prints `listening on HOST:PORT` as its first line (DESIGN.md);
//! that is how the harness learns the port a `--port 0` server really got. After that
//! line, two threads keep draining stdout and stderr, so a chatty server never blocks on
//! a full pipe, and tests can wait for a log line ("... closed") instead of sleeping.

use std::io::{BufRead, BufReader, Read};
use std::net::SocketAddr;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Condvar, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use crate::TIMEOUT;

/// The lines one output stream of the child has printed so far.
#[derive(Default)]
struct Output {
    lines: Vec<String>,
    closed: bool,
}

/// An output stream being drained by a thread; waiters are woken on each new line.
#[derive(Clone, Default)]
struct Drained(Arc<(Mutex<Output>, Condvar)>);

impl Drained {
    fn start(stream: impl Read + Send + 'static) -> Drained {
        let drained = Drained::default();
        let writer = drained.clone();
        thread::spawn(move || {
            let mut reader = BufReader::new(stream);
            let mut line = Vec::new();
            loop {
                line.clear();
                match reader.read_until(b'\n', &mut line) {
                    Ok(0) | Err(_) => break,
                    Ok(_) => {
                        let text = String::from_utf8_lossy(&line);
                        writer.push(text.trim_end_matches(['\n', '\r']).to_string());
                    }
                }
            }
            let (output, changed) = &*writer.0;
            output.lock().unwrap().closed = true;
            changed.notify_all();
        });
        drained
    }

    fn push(&self, line: String) {
        let (output, changed) = &*self.0;
        output.lock().unwrap().lines.push(line);
        changed.notify_all();
    }

    fn lines(&self) -> Vec<String> {
        self.0.0.lock().unwrap().lines.clone()
    }

    /// Waits until `done` holds for the output, or the deadline passes.
    fn wait_until(&self, deadline: Instant, mut done: impl FnMut(&Output) -> bool) -> bool {
        let (output, changed) = &*self.0;
        let mut output = output.lock().unwrap();
        loop {
            if done(&output) {
                return true;
            }
            let now = Instant::now();
            if now >= deadline {
                return false;
            }
            output = changed.wait_timeout(output, deadline - now).unwrap().0;
        }
    }
}

/// A running server: its address, its output so far, and its process, killed on drop.
pub struct ServerProcess {
    name: String,
    child: Child,
    addr: SocketAddr,
    stdout: Drained,
    stderr: Drained,
}

impl ServerProcess {
    /// Starts `command` (which must make the server listen on port 0 or another free
    /// port) and waits, at most [`TIMEOUT`], for its `listening on HOST:PORT` line.
    ///
    /// Panics, with everything the server printed, if the line does not come, comes
    /// malformed, or the server exits first.
    pub fn start(mut command: Command) -> ServerProcess {
        let name = format!("{command:?}");
        let mut child = command
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start server {name}: {e}"));
        let stdout = Drained::start(child.stdout.take().unwrap());
        let stderr = Drained::start(child.stderr.take().unwrap());
        let mut server = ServerProcess {
            name,
            child,
            addr: SocketAddr::from(([0, 0, 0, 0], 0)),
            stdout,
            stderr,
        };
        let deadline = Instant::now() + TIMEOUT;
        let started = server
            .stdout
            .wait_until(deadline, |out| !out.lines.is_empty() || out.closed);
        let first = server.stdout.lines().into_iter().next();
        match first
            .as_deref()
            .and_then(|l| l.strip_prefix("listening on "))
        {
            Some(addr) => match addr.parse() {
                Ok(addr) => server.addr = addr,
                Err(e) => server.fail(&format!("bad address in `listening on {addr}`: {e}")),
            },
            None if !started => server.fail("no `listening on` line in time"),
            None => server.fail("the first line was not `listening on HOST:PORT`"),
        }
        server
    }

    /// The address the server is listening on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The process id, for sending signals.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Every line the server has printed on stdout so far.
    pub fn stdout(&self) -> Vec<String> {
        self.stdout.lines()
    }

    /// Every line the server has printed on stderr so far.
    pub fn stderr(&self) -> Vec<String> {
        self.stderr.lines()
    }

    /// Waits until the server prints a line on stdout containing `needle`, and returns
    /// that line. Lines already printed count. Panics after [`TIMEOUT`].
    pub fn wait_for_line(&self, needle: &str) -> String {
        self.wait_for_lines(needle, 1).pop().unwrap()
    }

    /// Waits until `count` lines on stdout contain `needle`; returns them in order.
    pub fn wait_for_lines(&self, needle: &str, count: usize) -> Vec<String> {
        let found = |out: &Output| out.lines.iter().filter(|l| l.contains(needle)).count();
        let deadline = Instant::now() + TIMEOUT;
        if !self.stdout.wait_until(deadline, |out| found(out) >= count) {
            self.fail(&format!("waited for {count} line(s) containing {needle:?}"));
        }
        let lines = self.stdout.lines();
        lines
            .into_iter()
            .filter(|l| l.contains(needle))
            .take(count)
            .collect()
    }

    /// Waits until the server prints a line on stderr containing `needle` (an error
    /// report, say), and returns it. Panics after [`TIMEOUT`].
    pub fn wait_for_stderr(&self, needle: &str) -> String {
        let deadline = Instant::now() + TIMEOUT;
        let found = |out: &Output| out.lines.iter().any(|l| l.contains(needle));
        if !self.stderr.wait_until(deadline, found) {
            self.fail(&format!("waited for a stderr line containing {needle:?}"));
        }
        let lines = self.stderr.lines();
        lines.into_iter().find(|l| l.contains(needle)).unwrap()
    }

    /// Waits (at most [`TIMEOUT`]) for the server to exit by itself, then for its
    /// output to be fully drained, and returns its exit status.
    pub fn wait_for_exit(&mut self) -> ExitStatus {
        let deadline = Instant::now() + TIMEOUT;
        let status = loop {
            match self.child.try_wait() {
                Ok(Some(status)) => break status,
                Ok(None) if Instant::now() < deadline => thread::sleep(Duration::from_millis(10)),
                Ok(None) => self.fail("the server did not exit in time"),
                Err(e) => self.fail(&format!("cannot wait for the server: {e}")),
            }
        };
        let drained = |out: &Output| out.closed;
        self.stdout.wait_until(deadline, drained);
        self.stderr.wait_until(deadline, drained);
        status
    }

    /// The server's exit status if it exits within `wait` (or has already), once its
    /// output is fully drained; `None` if it is still running. Never panics: for
    /// reports about a server that may have crashed, where the last lines it printed
    /// (a panic message, say) matter most.
    pub fn exited_within(&mut self, wait: Duration) -> Option<ExitStatus> {
        let deadline = Instant::now() + wait;
        let status = loop {
            match self.child.try_wait() {
                Ok(Some(status)) => break status,
                Ok(None) if Instant::now() < deadline => thread::sleep(Duration::from_millis(5)),
                Ok(None) | Err(_) => return None,
            }
        };
        let drained = |out: &Output| out.closed;
        let deadline = Instant::now() + TIMEOUT;
        self.stdout.wait_until(deadline, drained);
        self.stderr.wait_until(deadline, drained);
        Some(status)
    }

    /// Sends SIGINT, as Ctrl-C in a terminal does.
    #[cfg(unix)]
    pub fn interrupt(&self) {
        let status = Command::new("kill")
            .args(["-s", "INT", &self.child.id().to_string()])
            .status()
            .unwrap_or_else(|e| panic!("cannot run `kill`: {e}"));
        assert!(status.success(), "`kill -s INT` failed: {status}");
    }

    /// Panics with `why` and everything the server printed.
    #[track_caller]
    pub fn fail(&self, why: &str) -> ! {
        panic!(
            "server {}: {why}\n--- stdout ---\n{}\n--- stderr ---\n{}",
            self.name,
            self.stdout.lines().join("\n"),
            self.stderr.lines().join("\n"),
        )
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        // A server that is still running at the end of a test is killed, never leaked.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
