//! A student's work never breaks the project: with every exercise solved, or with a
//! half-finished file that does not compile, `cargo test --workspace` builds exactly
//! what it builds without them, and `verify` looks only at the project's files.
//!
//! The students' copies live in `exercises/` at the workspace root. These tests put
//! theirs there, under the ids a real student has no copy of (a real student's files
//! are never touched), ask cargo to build every target of the workspace as
//! `cargo test --workspace` does (already built by this very run, so it is quick),
//! and remove what they wrote.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use classroom::exercises::{self, Code, work};
use classroom::workspace_root;

/// Files this test wrote into the student's directory, removed on drop, and the
/// directory too if the test made it.
struct Written {
    files: Vec<PathBuf>,
    made_dir: Option<PathBuf>,
}

impl Drop for Written {
    fn drop(&mut self) {
        for path in &self.files {
            let _ = fs::remove_file(path);
        }
        if let Some(dir) = &self.made_dir {
            let _ = fs::remove_dir_all(dir);
        }
    }
}

/// Writes `text(id)` as the student's copy of every exercise that has none yet.
fn write_missing_copies(root: &Path, text: impl Fn(&str) -> String) -> Written {
    let dir = root.join("exercises");
    let made_dir = (!dir.exists()).then(|| dir.clone());
    fs::create_dir_all(&dir).unwrap();
    let mut written = Vec::new();
    for exercise in exercises::all() {
        let path = dir.join(format!("{}.rs", exercise.id));
        if !path.exists() {
            fs::write(&path, text(exercise.id)).unwrap();
            written.push(path);
        }
    }
    Written {
        files: written,
        made_dir,
    }
}

/// `cargo test --workspace --no-run`: every target the test command builds.
fn workspace_builds(root: &Path) {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let output = Command::new(cargo)
        .current_dir(root)
        .args(["test", "--workspace", "--no-run", "--quiet"])
        .env_remove("CLASSROOM_EXERCISES")
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "cargo test --workspace --no-run failed with the student's files in place:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// Every target cargo knows in the workspace: none is a student's file.
fn no_target_is_a_students_file(root: &Path) {
    let metadata = exercises::check::metadata(root).unwrap();
    let students = root.join("exercises");
    for package in metadata["packages"].as_array().unwrap() {
        for target in package["targets"].as_array().unwrap() {
            let source = Path::new(target["src_path"].as_str().unwrap());
            assert!(
                !source.starts_with(&students),
                "{} builds a student's file, {}",
                package["name"],
                source.display()
            );
        }
    }
}

/// One test, two students in turn: both write into the same directory.
#[test]
fn every_exercise_solved_or_a_broken_half_finished_file_the_workspace_stays_green() {
    let root = workspace_root();
    let solution = |id: &str| {
        let exercise = exercises::find(id).unwrap();
        let text = fs::read_to_string(exercise.path(&root, Code::Solution)).unwrap();
        exercises::starter::clean_solution(&text).unwrap()
    };
    {
        let _solved = write_missing_copies(&root, solution);
        no_target_is_a_students_file(&root);
        workspace_builds(&root);
        assert_eq!(
            exercises::verify::static_problems(&root),
            Vec::<String>::new()
        );
    }
    {
        let _broken = write_missing_copies(&root, |_| "fn main() {\n    let x = \n".to_string());
        no_target_is_a_students_file(&root);
        workspace_builds(&root);
        assert_eq!(
            exercises::verify::static_problems(&root),
            Vec::<String>::new()
        );
    }
}

#[test]
fn the_students_directory_is_git_ignored() {
    let root = workspace_root();
    let copy = root.join("exercises").join("01-greeting.rs");
    // `None`: no git here (a source archive); nothing to ignore then.
    if let Some(ignored) = work::is_ignored(&root, &copy) {
        assert!(ignored, "git would commit a student's {}", copy.display());
    }
    let backup = root.join(".classroom-backups").join("01-greeting-x.rs");
    assert_ne!(work::is_ignored(&root, &backup), Some(false));
}
