//! CPython for the interop tests, and running any program with a deadline.
//!
//! python3 is a stated test requirement (README): when it is missing, the interop tests
//! fail and say so. They never skip silently, because a green run without them would
//! claim an interop that nobody checked.

use std::io::Write;
use std::process::{Command, Output, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use crate::TIMEOUT;

/// A `python3 -u` command (unbuffered, so its `listening on` line arrives at once).
/// Panics with install advice when python3 is not on the PATH.
pub fn python3() -> Command {
    match Command::new("python3").arg("--version").output() {
        Ok(out) if out.status.success() => {}
        _ => panic!(
            "python3 is required for the interop tests (CPython 3.8+, standard library \
             only): install it (Debian/Ubuntu: apt-get install python3) and run again"
        ),
    }
    let mut command = Command::new("python3");
    command.arg("-u");
    command
}

/// Runs `command` to completion with `stdin` as its input, killing it if it takes
/// longer than [`TIMEOUT`]; returns its output. For clients driven by a script.
pub fn run_with_timeout(mut command: Command, stdin: &str) -> Output {
    let name = format!("{command:?}");
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {name}: {e}"));
    let mut input = child.stdin.take().unwrap();
    let stdin = stdin.to_string();
    let feeder = thread::spawn(move || {
        // The program may exit before reading everything; that is its business.
        let _ = input.write_all(stdin.as_bytes());
    });
    let deadline = Instant::now() + TIMEOUT;
    loop {
        match child.try_wait() {
            Ok(Some(_)) => break,
            Ok(None) if Instant::now() < deadline => thread::sleep(Duration::from_millis(10)),
            Ok(None) => {
                let _ = child.kill();
                let output = child.wait_with_output().unwrap();
                panic!(
                    "{name} did not finish in time\n--- stdout ---\n{}\n--- stderr ---\n{}",
                    String::from_utf8_lossy(&output.stdout),
                    String::from_utf8_lossy(&output.stderr)
                );
            }
            Err(e) => panic!("cannot wait for {name}: {e}"),
        }
    }
    let _ = feeder.join();
    child.wait_with_output().unwrap()
}

/// Runs `binary --help`, checks that it succeeds, and returns the name its snapshot
/// goes by (`help-lesson-04-client`) and what it printed: every lesson snapshots the
/// `--help` of its binaries, since that text is written for students.
pub fn help_of(binary: &str) -> (String, String) {
    let mut command = Command::new(binary);
    command.arg("--help");
    let output = run_with_timeout(command, "");
    assert!(
        output.status.success(),
        "{binary} --help failed: {output:?}"
    );
    let stem = std::path::Path::new(binary)
        .file_stem()
        .map(|stem| stem.to_string_lossy().into_owned())
        .unwrap_or_else(|| binary.to_string());
    (
        format!("help-{stem}"),
        String::from_utf8_lossy(&output.stdout).into_owned(),
    )
}
