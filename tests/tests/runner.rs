//! The runner's command line as a student meets it: what `list`, `show`, `hint`,
//! `check`, `reset`, `solution`, `report` and a mistyped id print, and the progress
//! they keep. Each test is a student of its own: a progress file and an exercises
//! directory under the system's temporary directory (`CLASSROOM_PROGRESS`,
//! `CLASSROOM_EXERCISES`), so a real student's are never touched.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::fs;
use std::path::PathBuf;
use std::process::{Command, Output};

use classroom::run_with_timeout;

/// A student: their progress file and their exercises directory, removed on drop.
struct Student {
    progress: PathBuf,
    exercises: PathBuf,
}

impl Student {
    fn new(name: &str, progress: &str) -> Student {
        let base = std::env::temp_dir().join(format!("classroom-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&base);
        fs::create_dir_all(&base).unwrap();
        let student = Student {
            progress: base.join("progress"),
            exercises: base.join("exercises"),
        };
        fs::write(&student.progress, progress).unwrap();
        student
    }

    fn text(&self) -> String {
        fs::read_to_string(&self.progress).unwrap()
    }

    /// Their copy of exercise `id`.
    fn copy(&self, id: &str) -> PathBuf {
        self.exercises.join(format!("{id}.rs"))
    }

    /// Runs `classroom ARGS` as this student, with no colour.
    fn run(&self, args: &[&str]) -> Output {
        let mut command = Command::new(env!("CARGO_BIN_EXE_classroom"));
        command
            .args(args)
            .env("CLASSROOM_PROGRESS", &self.progress)
            .env("CLASSROOM_EXERCISES", &self.exercises)
            .env("NO_COLOR", "1");
        run_with_timeout(command, "")
    }
}

impl Drop for Student {
    fn drop(&mut self) {
        if let Some(base) = self.progress.parent() {
            let _ = fs::remove_dir_all(base);
        }
    }
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// The reference solution of `id` as a student would have written it.
fn solved(id: &str) -> String {
    let exercise = classroom::exercises::find(id).unwrap();
    let root = classroom::workspace_root();
    let solution =
        fs::read_to_string(exercise.path(&root, classroom::exercises::Code::Solution)).unwrap();
    classroom::exercises::starter::clean_solution(&solution).unwrap()
}

#[test]
fn list_shows_what_is_done_and_what_is_next() {
    let progress = Student::new("list", "01-greeting done\n");
    let output = progress.run(&["list"]);
    assert!(output.status.success(), "{output:?}");
    let text = stdout(&output);
    assert!(text.starts_with("Exercises: 1/"), "{text}");
    assert!(text.contains(" done [#---"), "{text}");
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
    let progress = Student::new("hints", "");
    let first = progress.run(&["hint", "02-numbered"]);
    assert!(first.status.success(), "{first:?}");
    assert!(stdout(&first).starts_with("Hint 1 of 4 for 02-numbered"));
    assert_eq!(progress.text(), "02-numbered hints 1\n");
    let second = progress.run(&["hint", "02-numbered"]);
    assert!(stdout(&second).starts_with("Hint 2 of 4 for 02-numbered"));
    let again = progress.run(&["hint", "02-numbered", "--level", "1"]);
    assert!(stdout(&again).starts_with("Hint 1 of 4 for 02-numbered"));
    assert_eq!(progress.text(), "02-numbered hints 2\n");
    let last = progress.run(&["hint", "02-numbered", "--level", "4"]);
    assert!(stdout(&last).contains("That is the last hint"), "{last:?}");
    let after_last = progress.run(&["hint", "02-numbered"]);
    assert!(
        stdout(&after_last).starts_with("Hint 4 of 4"),
        "{after_last:?}"
    );

    let too_far = progress.run(&["hint", "02-numbered", "--level", "9"]);
    assert_eq!(too_far.status.code(), Some(2));
    assert!(
        stderr(&too_far).contains("02-numbered has 4 hints: choose --level 1 to 4, not 9"),
        "{too_far:?}"
    );
}

#[test]
fn an_unknown_id_is_a_clear_error_listing_the_valid_ones() {
    let progress = Student::new("unknown", "");
    for command in ["check", "show", "hint", "reset", "solution", "watch", "run"] {
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
    assert!(
        !progress.exercises.exists(),
        "a failed command makes no copy"
    );
}

#[test]
fn hint_without_an_id_is_for_the_current_exercise() {
    let student = Student::new("current-hint", "01-greeting done\n");
    let output = student.run(&["hint"]);
    assert!(stdout(&output).starts_with("Hint 1 of "), "{output:?}");
    assert!(stdout(&output).contains("for 01-whole-line"), "{output:?}");
}

#[test]
fn show_makes_the_copy_and_prints_the_statement_and_where_it_is() {
    let student = Student::new("show", "");
    let output = student.run(&["show", "02-lines"]);
    assert!(output.status.success(), "{output:?}");
    let text = stdout(&output);
    assert!(text.contains("Made your copy of 02-lines"), "{text}");
    assert!(text.contains("02-lines: "), "{text}");
    assert!(!text.contains("{{#include"), "{text}");
    assert!(text.contains("/book/lesson-02.html#02-lines-"), "{text}");
    let starter = classroom::workspace_root().join("lessons/lesson-02/starters/lines.rs");
    assert_eq!(
        fs::read_to_string(student.copy("02-lines")).unwrap(),
        fs::read_to_string(starter).unwrap()
    );
    // Asked again, the copy is the student's: left as it is.
    fs::write(student.copy("02-lines"), "// mine\n").unwrap();
    let again = student.run(&["show", "02-lines"]);
    assert!(!stdout(&again).contains("Made your copy"), "{again:?}");
    assert_eq!(
        fs::read_to_string(student.copy("02-lines")).unwrap(),
        "// mine\n"
    );
}

#[test]
fn solution_is_a_diff_without_markers_and_reset_keeps_a_timestamped_backup() {
    let student = Student::new("solution", "01-whole-line done\n");
    let output = student.run(&["solution", "01-whole-line"]);
    assert!(output.status.success(), "{output:?}");
    let text = stdout(&output);
    assert!(text.contains("@@ line "), "{text}");
    assert!(text.contains("+ ") && text.contains("- "), "{text}");
    assert!(text.contains("extend_from_slice"), "{text}");
    for marker in [
        "SOLUTION-BEGIN",
        "SOLUTION-END",
        "STARTER:",
        "cargo run -p classroom -- starters",
    ] {
        assert!(!text.contains(marker), "{marker} in {text}");
    }

    // A reset of the student's own version saves it, under a readable time, and
    // keeps the exercise done.
    let output = student.run(&["show", "01-whole-line"]);
    assert!(output.status.success(), "{output:?}");
    fs::write(student.copy("01-whole-line"), "// my attempt\n").unwrap();
    let output = student.run(&["reset", "01-whole-line"]);
    assert!(output.status.success(), "{output:?}");
    let said = stdout(&output);
    assert!(said.contains("Your version is saved in "), "{said}");
    assert!(said.contains("it stays done"), "{said}");
    let backup = said
        .split("saved in ")
        .nth(1)
        .and_then(|rest| rest.split(".rs").next())
        .unwrap();
    // 01-whole-line-2026-11-25T16-40-12Z
    let stamp = backup.rsplit("01-whole-line-").next().unwrap();
    assert_eq!(stamp.len(), "2026-11-25T16-40-12Z".len(), "{backup}");
    assert!(
        stamp.ends_with('Z') && stamp.as_bytes()[10] == b'T',
        "{backup}"
    );
    let backup_path = classroom::workspace_root().join(format!("{backup}.rs"));
    assert_eq!(fs::read_to_string(&backup_path).unwrap(), "// my attempt\n");
    let _ = fs::remove_file(&backup_path);
    assert!(
        student.text().contains("01-whole-line done"),
        "{}",
        student.text()
    );
    assert_ne!(
        fs::read_to_string(student.copy("01-whole-line")).unwrap(),
        "// my attempt\n"
    );

    // `--undone` forgets that it was done.
    let output = student.run(&["reset", "01-whole-line", "--undone"]);
    assert!(output.status.success(), "{output:?}");
    assert!(
        !student.text().contains("01-whole-line done"),
        "{}",
        student.text()
    );
}

#[test]
fn a_failed_check_shows_hint_1_and_hint_then_gives_2_and_next_is_what_check_takes() {
    let student = Student::new("check", "");
    // The starter, untouched: the server says nothing where it should greet.
    let output = student.run(&["check"]);
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    let text = stdout(&output);
    assert!(text.contains("Checking 01-greeting"), "{text}");
    assert!(
        text.contains("Your server said nothing for 3 s where a correct server says:"),
        "{text}"
    );
    assert!(text.contains("(not reached: the "), "{text}");
    assert!(text.contains("Hint 1 of "), "{text}");
    let hint = student.run(&["hint"]);
    assert!(stdout(&hint).starts_with("Hint 2 of "), "{hint:?}");

    // 04-busy-limit solved while 01-whole-line is not: "Next" is what `check` takes.
    let output = student.run(&["show", "04-busy-limit"]);
    assert!(output.status.success(), "{output:?}");
    fs::write(student.copy("04-busy-limit"), solved("04-busy-limit")).unwrap();
    let output = student.run(&["check", "04-busy-limit"]);
    assert!(output.status.success(), "{output:?}");
    assert!(stdout(&output).contains("Next: 01-greeting"), "{output:?}");
    let progress = student.text();
    assert!(progress.contains("04-busy-limit done"), "{progress}");
    assert!(
        progress.contains("04-busy-limit checks 1 first "),
        "{progress}"
    );
    assert!(
        progress.contains("01-greeting checks 1 first "),
        "{progress}"
    );

    // A half-finished file is its own check's problem, with cargo's words.
    fs::write(student.copy("01-greeting"), "fn main() {\n").unwrap();
    let output = student.run(&["check"]);
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    assert!(
        stdout(&output).contains("01-greeting does not build yet"),
        "{output:?}"
    );

    // And the report a teacher collects says all of it.
    let out = student.exercises.join("report.json");
    let output = student.run(&["report", "--name", "Ada", "--out", out.to_str().unwrap()]);
    assert!(output.status.success(), "{output:?}");
    assert!(stdout(&output).starts_with("Ada: 1/"), "{output:?}");
    let json = fs::read_to_string(&out).unwrap();
    assert!(json.contains("\"id\": \"04-busy-limit\""), "{json}");
    assert!(json.contains("\"attempts\": 2"), "{json}");
}
