//! The classroom's exercises: what each one is, and where its pieces live.
//!
//! An exercise is a small change to one lesson's server. Its pieces are spread over
//! the workspace so that each sits where its kind of thing lives, and this registry
//! ties them together by the exercise's stable id, `NN-slug` (`01-greeting`), which is
//! never renumbered because students' progress files and teachers' assignments name it:
//!
//! - the reference solution, `lessons/lesson-NN/solutions/SLUG.rs`, the single source;
//! - the starter, `lessons/lesson-NN/starters/SLUG.rs`, *generated* from the solution
//!   ([`starter`]) and committed: pristine, never edited by anyone;
//! - both are cargo examples of the lesson's package (`NN-slug` and
//!   `NN-slug-solution`), so that `cargo test --workspace` and clippy compile them
//!   with the lesson, and `cargo run -p lesson-NN` never does; `verify` and the
//!   exercises' test build and check them exactly as a student's copy is built
//!   ([`work::build_project`]), so that what passes there passes for a student;
//! - the student's copy, `exercises/NN-slug.rs` at the workspace root, made from the
//!   starter on first use: the student's, not the project's ([`work`]): git-ignored,
//!   built by the runner only, in a cargo package of its own that no workspace
//!   command sees, so a half-finished file never breaks the project;
//! - the statement, under `## Exercises` at the end of the lesson's chapter;
//! - the hints and the check's script, here, one module per lesson;
//! - the expected transcript, `tests/exercises/snapshots/NN-slug.snap`, an insta
//!   snapshot of the solution's conversation ([`check`]).
//!
//! Adding an exercise is a solution file, two `[[example]]` entries, a statement, an
//! entry in its lesson's module below, and its snapshot; `cargo run -p classroom --
//! verify` proves the pieces fit (see the book's "For teachers" chapter).

// The runner must never crash on what a student typed or on a student's broken
// server: no `unwrap`/`expect` outside tests (the harness's own panics are caught).
#![deny(clippy::unwrap_used, clippy::expect_used)]

pub mod check;
pub mod diff;
pub mod keys;
mod lesson_01;
mod lesson_02;
mod lesson_03;
mod lesson_04;
mod lesson_05;
mod lesson_06;
mod lesson_07;
mod lesson_08;
mod lesson_09;
pub mod progress;
pub mod report;
pub mod runner;
pub mod snapshot;
pub mod starter;
pub mod statement;
pub mod verify;
pub mod work;

use std::ffi::OsString;
use std::fmt;
use std::io;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::{OnScript, ServerProcess, Transcript};

/// Every exercise, lesson by lesson, in course order. A new lesson's exercises are a
/// new module and one more line here.
const LESSONS: &[&[Exercise]] = &[
    lesson_01::EXERCISES,
    lesson_02::EXERCISES,
    lesson_03::EXERCISES,
    lesson_04::EXERCISES,
    lesson_05::EXERCISES,
    lesson_06::EXERCISES,
    lesson_07::EXERCISES,
    lesson_08::EXERCISES,
    lesson_09::EXERCISES,
];

/// How long a check waits for a server that should already have spoken (a
/// greeting): short enough that a server which never speaks fails in seconds, long
/// enough for a busy machine, since a correct server speaks at once.
pub const PATIENCE: Duration = Duration::from_secs(3);

/// One exercise: its id and title, its hints, and the conversation that checks it.
#[derive(Debug)]
pub struct Exercise {
    /// `NN-slug`: the lesson's number, a dash, the slug of its files. Stable: never
    /// renumbered or renamed once published.
    pub id: &'static str,
    /// What the student builds, in a few words.
    pub title: &'static str,
    /// About how long it takes a student who has read the chapter, in minutes.
    pub minutes: u32,
    /// Hints, from a nudge to nearly the answer; the first is shown on a failed check.
    pub hints: &'static [&'static str],
    /// Arguments for the server besides `--port 0`.
    pub args: &'static [&'static str],
    /// For a server that serves files (lesson 09's): writes the files the check needs
    /// into a fresh directory, which the check makes before it starts the server and
    /// deletes after it, and returns the server's arguments that point it there
    /// (`--root DIR`). `None` for a server that needs no files.
    pub setup: Option<Setup>,
    /// The scripted conversation: drives the running server with the harness's
    /// [`Client`](crate::Client) or [`UdpClient`](crate::UdpClient), recording into
    /// the transcript. It stops early when the server goes off script (`?` on an
    /// [`OnScript`]: `client.turn("hello", "HELLO")?;`), so that a wrong answer fails
    /// fast, and it may panic as the harness does: the check
    /// catches that and reports it.
    pub script: fn(&mut ServerProcess, &Transcript) -> OnScript,
}

/// An exercise's [`setup`](Exercise::setup): given the check's fresh directory, writes
/// the files the server should find there, and returns the server's arguments that
/// point it there.
pub type Setup = fn(&Path) -> io::Result<Vec<OsString>>;

/// Which of the project's code of an exercise to build and run. (The student's copy
/// is not the project's: see [`work`].)
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Code {
    /// The pristine starter in `starters/`, generated from the solution.
    Starter,
    /// The reference solution in `solutions/`.
    Solution,
}

impl Exercise {
    /// The lesson's number, `01`.
    pub fn lesson(&self) -> &'static str {
        self.id.get(..2).unwrap_or(self.id)
    }

    /// The name of the exercise's files, `greeting`.
    pub fn slug(&self) -> &'static str {
        self.id.get(3..).unwrap_or(self.id)
    }

    /// The lesson's package, `lesson-01`.
    pub fn package(&self) -> String {
        format!("lesson-{}", self.lesson())
    }

    /// The cargo example that builds `code`: `01-greeting`, `01-greeting-solution`.
    pub fn example(&self, code: Code) -> String {
        match code {
            Code::Starter => self.id.to_string(),
            Code::Solution => format!("{}-solution", self.id),
        }
    }

    /// The lesson's directory under the workspace `root`.
    pub fn lesson_dir(&self, root: &Path) -> PathBuf {
        root.join("lessons").join(self.package())
    }

    /// The file of `code`: `lessons/lesson-01/starters/greeting.rs` or
    /// `lessons/lesson-01/solutions/greeting.rs`.
    pub fn path(&self, root: &Path, code: Code) -> PathBuf {
        let dir = match code {
            Code::Starter => "starters",
            Code::Solution => "solutions",
        };
        self.lesson_dir(root)
            .join(dir)
            .join(format!("{}.rs", self.slug()))
    }

    /// The expected transcript, `tests/exercises/snapshots/01-greeting.snap`.
    pub fn snapshot_path(&self, root: &Path) -> PathBuf {
        snapshot_dir(root).join(format!("{}.snap", self.id))
    }

    /// The lesson's chapter, `book/src/lesson-01.md`, where the statement is.
    pub fn chapter_path(&self, root: &Path) -> PathBuf {
        root.join("book")
            .join("src")
            .join(format!("{}.md", self.package()))
    }
}

/// Where the exercises' snapshots are.
pub fn snapshot_dir(root: &Path) -> PathBuf {
    root.join("tests").join("exercises").join("snapshots")
}

/// Every exercise, in course order.
pub fn all() -> impl Iterator<Item = &'static Exercise> {
    LESSONS.iter().flat_map(|lesson| lesson.iter())
}

/// The length of the longest id: the column of ids in a list of exercises.
pub fn id_width() -> usize {
    all().map(|exercise| exercise.id.len()).max().unwrap_or(0)
}

/// The exercise called `id`, or an error that lists the valid ids.
pub fn find(id: &str) -> Result<&'static Exercise, UnknownExercise> {
    all()
        .find(|exercise| exercise.id == id)
        .ok_or_else(|| UnknownExercise(id.to_string()))
}

/// An id that names no exercise. Its message lists the ones that exist.
#[derive(Debug, PartialEq, Eq)]
pub struct UnknownExercise(pub String);

impl fmt::Display for UnknownExercise {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "there is no exercise `{}`.", self.0)?;
        // `greeting` or `01-greting`: point at the one meant, if it is clear.
        let wanted = self.0.to_ascii_lowercase();
        let close: Vec<&str> = all()
            .filter(|e| e.slug() == wanted || wanted.ends_with(e.slug()) || e.id.contains(&wanted))
            .map(|e| e.id)
            .collect();
        if let [only] = close.as_slice() {
            writeln!(f, "did you mean `{only}`?")?;
        }
        write!(f, "the exercises are:")?;
        for exercise in all() {
            write!(
                f,
                "\n  {:<width$} {}",
                exercise.id,
                exercise.title,
                width = id_width()
            )?;
        }
        Ok(())
    }
}

impl std::error::Error for UnknownExercise {}

/// Waits for the server to exit by itself, and records how it did.
pub(crate) fn record_exit(server: &mut ServerProcess, transcript: &Transcript) {
    let status = server.wait_for_exit();
    if status.success() {
        transcript.push("== the server exits successfully");
    } else {
        transcript.push(format!("== the server exits with {status}"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn ids_are_well_formed_unique_and_in_course_order() {
        let mut seen = HashSet::new();
        let mut lessons = Vec::new();
        for exercise in all() {
            let id = exercise.id;
            let (number, slug) = id.split_once('-').unwrap();
            assert!(
                number.len() == 2 && number.chars().all(|c| c.is_ascii_digit()),
                "{id}"
            );
            assert!(
                !slug.is_empty()
                    && slug
                        .chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'),
                "{id}: a slug is lower-case letters, digits and dashes"
            );
            assert!(seen.insert(id), "{id} twice");
            assert!(!exercise.hints.is_empty(), "{id} has no hint");
            lessons.push(exercise.lesson());
        }
        assert!(lessons.is_sorted(), "not in course order: {lessons:?}");
    }

    #[test]
    fn paths_and_names_follow_the_layout() {
        let exercise = find("01-greeting").unwrap();
        let root = Path::new("/w");
        assert_eq!(exercise.package(), "lesson-01");
        assert_eq!(exercise.example(Code::Starter), "01-greeting");
        assert_eq!(exercise.example(Code::Solution), "01-greeting-solution");
        assert_eq!(
            exercise.path(root, Code::Starter),
            Path::new("/w/lessons/lesson-01/starters/greeting.rs")
        );
        assert_eq!(
            exercise.path(root, Code::Solution),
            Path::new("/w/lessons/lesson-01/solutions/greeting.rs")
        );
        assert_eq!(
            exercise.snapshot_path(root),
            Path::new("/w/tests/exercises/snapshots/01-greeting.snap")
        );
        assert_eq!(
            exercise.chapter_path(root),
            Path::new("/w/book/src/lesson-01.md")
        );
    }

    #[test]
    fn an_unknown_id_is_an_error_that_lists_the_valid_ones() {
        let error = find("01-gretting").unwrap_err();
        let message = error.to_string();
        assert!(message.starts_with("there is no exercise `01-gretting`.\n"));
        for exercise in all() {
            assert!(message.contains(exercise.id), "{message}");
        }
        assert!(!message.contains("did you mean"), "{message}");
        let message = find("greeting").unwrap_err().to_string();
        assert!(message.contains("did you mean `01-greeting`?"), "{message}");
    }
}
