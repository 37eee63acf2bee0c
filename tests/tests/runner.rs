//! The runner's command line as a student meets it: what `list`, `hint`, `reset`,
//! `solution` and a mistyped id print, and the progress they keep. Each test has a
//! progress file of its own (`CLASSROOM_PROGRESS`), so the student's real one is
//! never touched. Checking is tested in `exercises.rs`, through the same code.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::fs;
use std::path::PathBuf;
use std::process::{Command, Output};

use classroom::run_with_timeout;

/// A progress file under the system's temporary directory, removed on drop.
struct ProgressFile(PathBuf);

impl ProgressFile {
    fn new(name: &str, text: &str) -> ProgressFile {
        let path =
            std::env::temp_dir().join(format!("classroom-progress-{name}-{}", std::process::id()));
        fs::write(&path, text).unwrap();
        ProgressFile(path)
    }

    fn text(&self) -> String {
        fs::read_to_string(&self.0).unwrap()
    }

    /// Runs `classroom ARGS` with this progress file and no colour.
    fn run(&self, args: &[&str]) -> Output {
        let mut command = Command::new(env!("CARGO_BIN_EXE_classroom"));
        command
            .args(args)
            .env("CLASSROOM_PROGRESS", &self.0)
            .env("NO_COLOR", "1");
        run_with_timeout(command, "")
    }
}

impl Drop for ProgressFile {
    fn drop(&mut self) {
        let _ = fs::remove_file(&self.0);
    }
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn list_shows_what_is_done_and_what_is_next() {
    let progress = ProgressFile::new("list", "01-greeting done\n");
    let output = progress.run(&["list"]);
    assert!(output.status.success(), "{output:?}");
    let text = stdout(&output);
    assert!(text.starts_with("Exercises: 1 of "), "{text}");
    assert!(text.contains("  done  01-greeting "), "{text}");
    assert!(text.contains("  next  01-whole-line "), "{text}");
    assert!(text.contains("        02-numbered "), "{text}");
    assert!(
        text.contains("Lesson 01 — the single-shot echo server"),
        "{text}"
    );
    assert!(text.contains("Next: 01-whole-line"), "{text}");
    assert!(!text.contains('\x1b'), "NO_COLOR is set, yet: {text:?}");
}

#[test]
fn hints_come_one_level_at_a_time_and_are_remembered() {
    let progress = ProgressFile::new("hints", "");
    let first = progress.run(&["hint", "02-numbered"]);
    assert!(first.status.success(), "{first:?}");
    assert!(stdout(&first).starts_with("Hint 1 of 3 for 02-numbered"));
    assert_eq!(progress.text(), "02-numbered hints 1\n");
    let second = progress.run(&["hint", "02-numbered"]);
    assert!(stdout(&second).starts_with("Hint 2 of 3 for 02-numbered"));
    let again = progress.run(&["hint", "02-numbered", "--level", "1"]);
    assert!(stdout(&again).starts_with("Hint 1 of 3 for 02-numbered"));
    assert_eq!(progress.text(), "02-numbered hints 2\n");
    let last = progress.run(&["hint", "02-numbered", "--level", "3"]);
    assert!(stdout(&last).contains("That is the last hint"), "{last:?}");
    let after_last = progress.run(&["hint", "02-numbered"]);
    assert!(
        stdout(&after_last).starts_with("Hint 3 of 3"),
        "{after_last:?}"
    );

    let too_far = progress.run(&["hint", "02-numbered", "--level", "9"]);
    assert_eq!(too_far.status.code(), Some(2));
    assert!(
        stderr(&too_far).contains("02-numbered has 3 hints: choose --level 1 to 3, not 9"),
        "{too_far:?}"
    );
}

#[test]
fn an_unknown_id_is_a_clear_error_listing_the_valid_ones() {
    let progress = ProgressFile::new("unknown", "");
    for command in ["check", "hint", "reset", "solution", "watch"] {
        let output = progress.run(&[command, "01-greting"]);
        assert_eq!(output.status.code(), Some(2), "{command}: {output:?}");
        let error = stderr(&output);
        assert!(
            error.starts_with("error: there is no exercise `01-greting`.\n"),
            "{command}: {error}"
        );
        // Ids in a column as wide as the longest, then titles.
        let greeting = error
            .lines()
            .find(|line| line.starts_with("  01-greeting "));
        assert!(
            greeting.is_some_and(|line| line.ends_with(" Greet the client first")),
            "{error}"
        );
        assert!(error.contains("\n  03-quit "), "{error}");
    }
    let output = progress.run(&["hint", "quit"]);
    assert!(
        stderr(&output).contains("did you mean `03-quit`?"),
        "{output:?}"
    );
    assert_eq!(progress.text(), "", "a failed command records nothing");
}

#[test]
fn solution_prints_the_reference_and_reset_of_a_fresh_starter_changes_nothing() {
    let progress = ProgressFile::new("solution", "01-whole-line done\n");
    let output = progress.run(&["solution", "01-whole-line"]);
    assert!(output.status.success(), "{output:?}");
    let text = stdout(&output);
    assert!(
        text.contains("lessons/lesson-01/solutions/whole-line.rs"),
        "{text}"
    );
    assert!(text.contains("message.extend_from_slice"), "{text}");

    // The committed starter is what the solution generates (the exercises' test
    // proves it), so a reset only marks the exercise as not done.
    let output = progress.run(&["reset", "01-whole-line"]);
    assert!(output.status.success(), "{output:?}");
    assert!(
        stdout(&output).starts_with("01-whole-line is already its starter"),
        "{output:?}"
    );
    assert_eq!(progress.text(), "");
}
