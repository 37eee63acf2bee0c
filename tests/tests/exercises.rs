//! Every exercise works, as `cargo test --workspace` sees it: each solution holds its
//! conversation exactly as its snapshot records it, each starter does not, each
//! starter is what its solution generates, and each exercise has its statement, hints
//! and snapshot. `cargo run -p classroom -- verify` checks the same through the
//! runner; here, insta owns the snapshots: a new or changed conversation is written
//! to `tests/exercises/snapshots/NN-slug.snap.new` for review (and fails under
//! `CI=true`).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;
use std::thread;

use classroom::exercises::check::{self, Run};
use classroom::exercises::{self, Code, Exercise, snapshot, verify, work};
use classroom::workspace_root;

/// Builds the `code` of every exercise as a student's copy is built (a package per
/// lesson, the lesson's normal dependencies only) and runs every check at once;
/// returns each exercise with its run, in course order.
fn run_every(code: Code) -> Vec<(&'static Exercise, Run)> {
    let root = workspace_root();
    let exercises: Vec<&Exercise> = exercises::all().collect();
    let targets: Vec<_> = exercises.iter().map(|&e| (e, code)).collect();
    let target_dir = check::target_dir(&root).unwrap();
    let binaries = work::build_project(&root, &target_dir, &targets).unwrap();
    let jobs: Vec<_> = exercises.iter().copied().zip(binaries).collect();
    let runs = check::run_all(&jobs, &root);
    exercises.into_iter().zip(runs).collect()
}

#[test]
fn every_solution_holds_the_conversation_of_its_snapshot() {
    let runs = run_every(Code::Solution);
    // Each assertion on its own thread, so that one failure still lets insta write
    // every other pending snapshot; then all failures are reported together.
    let failures: Vec<String> = thread::scope(|scope| {
        let handles: Vec<_> = runs
            .iter()
            .map(|(exercise, run)| {
                scope.spawn(move || {
                    assert_eq!(run.stopped, None, "{}: the check stopped", exercise.id);
                    let mut settings = insta::Settings::clone_current();
                    settings.set_snapshot_path("../exercises/snapshots");
                    settings.set_prepend_module_to_snapshot(false);
                    settings.set_description(format!("{}: {}", exercise.id, exercise.title));
                    let transcript = run.transcript.as_str();
                    settings.bind(|| insta::assert_snapshot!(exercise.id, transcript));
                })
            })
            .collect();
        handles
            .into_iter()
            .zip(&runs)
            .filter_map(|(handle, (exercise, _))| handle.join().err().map(|_| exercise.id))
            .map(|id| format!("{id}: see its panic above"))
            .collect()
    });
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_starter_fails_its_check() {
    let root = workspace_root();
    for (exercise, run) in run_every(Code::Starter) {
        let expected = snapshot::read(&exercise.snapshot_path(&root)).unwrap_or_default();
        assert!(
            !run.passes(&expected),
            "{}: the starter passes its check; a starter must leave the work to the \
             student. Its transcript:\n{}",
            exercise.id,
            run.transcript
        );
        // It does build and start: it fails in the conversation, which is what the
        // student sees first.
        assert!(
            !run.transcript.is_empty(),
            "{}: the starter did not even start: {:?}",
            exercise.id,
            run.stopped
        );
    }
}

#[test]
fn every_exercise_is_whole() {
    let problems = verify::static_problems(&workspace_root());
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn the_snapshot_directory_holds_only_known_exercises() {
    let dir = exercises::snapshot_dir(&workspace_root());
    let mut unknown: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "snap"))
        .filter(|path| {
            let id = path.file_stem().unwrap().to_string_lossy();
            exercises::find(&id).is_err()
        })
        .collect();
    unknown.sort();
    assert!(unknown.is_empty(), "snapshots of no exercise: {unknown:?}");
}
