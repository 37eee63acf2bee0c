//! Checking an exercise: build it with cargo, start it, hold the scripted
//! conversation, and compare the transcript with the expected one.
//!
//! Three things can go wrong, and none of them may crash the runner: the code does not
//! build (cargo's own messages are shown, as cargo shows them), the server does not
//! start or goes off script (the harness panics, as it does in tests; [`run`] catches
//! the panic and keeps its message and the transcript so far), or it answers
//! differently (the transcripts differ). The runner, `verify` and the exercises' tests
//! all check through this module, so a check means the same everywhere.

use std::any::Any;
use std::ffi::OsString;
use std::fs;
use std::io;
use std::panic::{self, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;
use std::time::Duration;

use super::{Exercise, Setup, snapshot};
use crate::{ServerProcess, Transcript};

/// How long a check waits, after its conversation, for a server that is exiting.
const EXIT_GRACE: Duration = Duration::from_millis(100);

/// The cargo to run: the one running us (`cargo run` sets `CARGO`), else `cargo`.
pub(crate) fn cargo() -> Command {
    let program = std::env::var_os("CARGO").unwrap_or_else(|| OsString::from("cargo"));
    Command::new(program)
}

/// Why a build failed.
#[derive(Debug, PartialEq, Eq)]
pub enum BuildError {
    /// Cargo ran and found errors, which it has shown.
    Failed,
    /// Cargo itself could not be run: why.
    NoCargo(String),
}

impl std::fmt::Display for BuildError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            BuildError::Failed => write!(f, "cargo build failed (see its messages above)"),
            BuildError::NoCargo(why) => write!(f, "cannot run cargo: {why}"),
        }
    }
}

impl From<BuildError> for String {
    fn from(error: BuildError) -> String {
        error.to_string()
    }
}

/// Cargo's metadata of the workspace at `root` (its own packages only).
pub fn metadata(root: &Path) -> Result<serde_json::Value, String> {
    let output = cargo()
        .current_dir(root)
        .args([
            "metadata",
            "--format-version",
            "1",
            "--no-deps",
            "--offline",
        ])
        .stderr(Stdio::inherit())
        .output()
        .map_err(|error| format!("cannot run cargo metadata: {error}"))?;
    if !output.status.success() {
        return Err(format!("cargo metadata failed ({})", output.status));
    }
    serde_json::from_slice(&output.stdout)
        .map_err(|error| format!("cargo metadata printed something unexpected: {error}"))
}

/// Cargo's target directory for the workspace at `root` (`CARGO_TARGET_DIR` and
/// cargo's configuration included), as `cargo metadata` reports it.
pub fn target_dir(root: &Path) -> Result<PathBuf, String> {
    metadata(root)?["target_directory"]
        .as_str()
        .map(PathBuf::from)
        .ok_or_else(|| "cargo metadata did not say where the target directory is".to_string())
}

/// What happened when a server was checked.
#[derive(Clone, Debug, Default)]
pub struct Run {
    /// The conversation, redacted as in every test.
    pub transcript: String,
    /// Why the check stopped before its end, if it did: the harness's panic message
    /// (the server did not start, or went silent, or broke the conversation).
    pub stopped: Option<String>,
    /// What the server printed on stdout, then on stderr.
    pub stdout: Vec<String>,
    pub stderr: Vec<String>,
    /// How the server exited, if it had by the end of the conversation.
    pub exit: Option<ExitStatus>,
}

impl Run {
    /// Whether the conversation went to its end and matches `expected`.
    pub fn passes(&self, expected: &str) -> bool {
        self.stopped.is_none() && snapshot::same(expected, &self.transcript)
    }
}

/// Starts `binary` (an exercise's server, already built) in the workspace `root`,
/// holds the exercise's conversation with it, and kills it. Never panics: a panic of
/// the harness or the script becomes [`Run::stopped`].
pub fn run(exercise: &Exercise, binary: &Path, root: &Path) -> Run {
    let mut command = Command::new(binary);
    command
        .current_dir(root)
        .args(["--port", "0"])
        .args(exercise.args)
        // A panicking server's message, not pages of backtrace, is what helps.
        .env("RUST_BACKTRACE", "0");
    // The files of a server that serves files. Declared before the server, so that
    // they are deleted after the server is killed.
    let _scratch = match exercise.setup.map(|setup| prepare(exercise, setup)) {
        None => None,
        Some(Ok((scratch, args))) => {
            command.args(args);
            Some(scratch)
        }
        Some(Err(error)) => {
            return Run {
                stopped: Some(format!("cannot prepare the check's files: {error}")),
                ..Run::default()
            };
        }
    };
    let mut server: Option<ServerProcess> = None;
    let mut transcript: Option<Transcript> = None;
    let result = panic::catch_unwind(AssertUnwindSafe(|| {
        let server = server.insert(ServerProcess::start(command));
        let transcript = transcript.insert(Transcript::new(server));
        // Off script or not, the transcript says what happened: it is what is compared.
        let _on_script = (exercise.script)(server, transcript);
    }));
    // A server that crashed mid-conversation may still be on its way out: give it a
    // moment, so that its last words (a panic message) make the report.
    let exit = server
        .as_mut()
        .and_then(|server| server.exited_within(EXIT_GRACE));
    let output = |lines: fn(&ServerProcess) -> Vec<String>| server.as_ref().map(lines);
    Run {
        transcript: transcript.map(|t| t.render()).unwrap_or_default(),
        stopped: result.err().map(|payload| panic_message(payload.as_ref())),
        stdout: output(ServerProcess::stdout).unwrap_or_default(),
        stderr: output(ServerProcess::stderr).unwrap_or_default(),
        exit,
    }
    // `server` is dropped here, which kills it if it is still running.
}

/// A fresh directory for one check's files (an exercise's `setup`), under the
/// system's temporary directory, deleted when dropped.
struct Scratch(PathBuf);

impl Scratch {
    fn new(exercise: &Exercise) -> io::Result<Scratch> {
        // Unique per process and per check: a solution and its starter may be checked
        // at the same time.
        static COUNT: AtomicUsize = AtomicUsize::new(0);
        let n = COUNT.fetch_add(1, Ordering::Relaxed);
        let name = format!("classroom-{}-{}-{n}", exercise.id, std::process::id());
        let path = std::env::temp_dir().join(name);
        let _ = fs::remove_dir_all(&path); // left over from a killed run of the same pid
        fs::create_dir_all(&path)?;
        Ok(Scratch(path))
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

/// Makes the check's scratch directory and runs the exercise's `setup` in it: the
/// directory, and the server's arguments that point it there.
fn prepare(exercise: &Exercise, setup: Setup) -> io::Result<(Scratch, Vec<OsString>)> {
    let scratch = Scratch::new(exercise)?;
    let args = setup(&scratch.0)?;
    Ok((scratch, args))
}

/// Runs several checks at once (the servers are independent, and most of a check is
/// waiting), and returns their runs in the same order.
pub fn run_all(jobs: &[(&Exercise, PathBuf)], root: &Path) -> Vec<Run> {
    thread::scope(|scope| {
        let handles: Vec<_> = jobs
            .iter()
            .map(|(exercise, binary)| scope.spawn(move || run(exercise, binary, root)))
            .collect();
        handles
            .into_iter()
            .map(|handle| {
                // `run` catches every panic, so this is only a safety net.
                handle.join().unwrap_or_else(|payload| Run {
                    stopped: Some(panic_message(payload.as_ref())),
                    ..Run::default()
                })
            })
            .collect()
    })
}

/// Runs `f` with the default panic message turned off, so that a check that the
/// harness stops does not print a raw panic report over the runner's own. Only for
/// the runner: in tests, panic output belongs to the test that panicked.
pub fn quietly<R>(f: impl FnOnce() -> R) -> R {
    let previous = panic::take_hook();
    panic::set_hook(Box::new(|_| {}));
    let result = f();
    panic::set_hook(previous);
    result
}

/// A panic's message, when it has one.
fn panic_message(payload: &(dyn Any + Send)) -> String {
    if let Some(message) = payload.downcast_ref::<&str>() {
        message.to_string()
    } else if let Some(message) = payload.downcast_ref::<String>() {
        message.clone()
    } else {
        "the check stopped (a panic without a message)".to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_server_that_cannot_start_is_a_stopped_run_not_a_crash() {
        let exercise = super::super::find("01-greeting").unwrap();
        let run = run(exercise, Path::new("/no/such/server"), Path::new("."));
        let stopped = run.stopped.unwrap();
        assert!(stopped.contains("cannot start server"), "{stopped}");
        assert_eq!(run.transcript, "");
        assert!(!Run::default().passes("anything"));
    }

    #[test]
    fn a_setup_that_fails_stops_the_check_before_any_server_starts() {
        fn fails(_dir: &Path) -> io::Result<Vec<OsString>> {
            Err(io::Error::other("disk full"))
        }
        let exercise = Exercise {
            setup: Some(fails),
            ..*super::super::find("01-greeting").unwrap()
        };
        let run = run(&exercise, Path::new("/no/such/server"), Path::new("."));
        let stopped = run.stopped.unwrap();
        assert_eq!(stopped, "cannot prepare the check's files: disk full");
        assert_eq!(run.transcript, "");
    }

    #[test]
    fn the_setup_gets_a_fresh_directory_which_is_deleted_after_the_check() {
        static PREPARED: std::sync::Mutex<Option<PathBuf>> = std::sync::Mutex::new(None);
        fn writes_a_file(dir: &Path) -> io::Result<Vec<OsString>> {
            assert_eq!(fs::read_dir(dir)?.count(), 0, "not fresh");
            fs::write(dir.join("hello.txt"), "hello")?;
            *PREPARED.lock().unwrap() = Some(dir.to_path_buf());
            Ok(vec!["--root".into(), dir.into()])
        }
        let exercise = Exercise {
            setup: Some(writes_a_file),
            ..*super::super::find("01-greeting").unwrap()
        };
        // The server cannot start, but the files were made for it, and are gone.
        let run = run(&exercise, Path::new("/no/such/server"), Path::new("."));
        assert!(run.stopped.unwrap().contains("cannot start server"));
        let prepared = PREPARED.lock().unwrap().clone().unwrap();
        assert!(prepared.starts_with(std::env::temp_dir()), "{prepared:?}");
        assert!(!prepared.exists(), "{prepared:?} was not deleted");
    }

    #[test]
    fn a_run_passes_only_when_it_finished_and_matches() {
        let finished = Run {
            transcript: "== C connects\n".to_string(),
            ..Run::default()
        };
        assert!(finished.passes("== C connects"));
        assert!(!finished.passes("== C connects\nS: \"hi\""));
        let stopped = Run {
            stopped: Some("boom".to_string()),
            ..finished
        };
        assert!(!stopped.passes("== C connects"));
    }
}
