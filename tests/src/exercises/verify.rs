//! What `cargo run -p classroom -- verify` proves, for maintainers and CI: that every
//! exercise is whole and works.
//!
//! For every exercise in the registry: its solution exists and its markers are sound;
//! the committed starter is exactly what the solution generates; the lesson's
//! `Cargo.toml` declares both examples; the lesson's chapter states it under
//! `## Exercises`; it has a hint and a snapshot. Then every solution is built and
//! passes its check, and every starter is built and fails it: a starter that passes
//! would teach nothing, and a solution that fails would fail every student. Files in
//! an `exercises/` or `solutions/` directory that no exercise claims are reported too.

use std::fs;
use std::path::Path;

use super::check::{self, Run};
use super::{Code, Exercise, all, diff, snapshot, starter, work};

/// Everything wrong with the exercises that can be seen without running them, one
/// problem per line, each naming its exercise or file.
pub fn static_problems(root: &Path) -> Vec<String> {
    let mut problems: Vec<String> = all()
        .flat_map(|exercise| {
            exercise_problems(root, exercise)
                .into_iter()
                .map(move |problem| format!("{}: {problem}", exercise.id))
        })
        .collect();
    problems.extend(unclaimed_files(root));
    problems
}

/// The longest a starter may be: the file a student edits holds what the exercise is
/// about, not a copy of the lesson.
pub const MAX_STARTER_LINES: usize = 100;

/// What is wrong with one exercise's files, statement, hints and snapshot.
pub fn exercise_problems(root: &Path, exercise: &Exercise) -> Vec<String> {
    let mut problems = Vec::new();
    let solution_path = exercise.path(root, Code::Solution);
    match fs::read_to_string(&solution_path) {
        Err(error) => problems.push(format!("{}: {error}", shown(root, &solution_path))),
        Ok(solution) => match starter::generate(&solution) {
            Err(error) => problems.push(format!("{}: {error}", shown(root, &solution_path))),
            Ok(generated) => {
                let starter_path = exercise.path(root, Code::Starter);
                let committed = fs::read_to_string(&starter_path).unwrap_or_default();
                let lines = generated.lines().count();
                if lines > MAX_STARTER_LINES {
                    problems.push(format!(
                        "{}: {lines} lines: a starter is about its one idea, at most \
                         {MAX_STARTER_LINES} lines (the lesson's library gives the rest)",
                        shown(root, &starter_path)
                    ));
                }
                if committed != generated {
                    problems.push(format!(
                        "{} is not what {} generates: run `cargo run -p classroom -- \
                         starters`",
                        shown(root, &starter_path),
                        shown(root, &solution_path),
                    ));
                }
            }
        },
    }
    problems.extend(manifest_problems(root, exercise));
    if let Some(problem) = statement_problem(root, exercise) {
        problems.push(problem);
    }
    if exercise.hints.is_empty() {
        problems.push("no hint".to_string());
    }
    let snapshot_path = exercise.snapshot_path(root);
    if !snapshot_path.is_file() {
        problems.push(format!(
            "no snapshot {}: run `cargo test -p classroom --test exercises`, review the \
             .snap.new file, and rename it to .snap",
            shown(root, &snapshot_path)
        ));
    }
    problems
}

/// The lesson's `Cargo.toml` must declare the starter and the solution as examples.
fn manifest_problems(root: &Path, exercise: &Exercise) -> Vec<String> {
    let manifest = exercise.lesson_dir(root).join("Cargo.toml");
    let text = fs::read_to_string(&manifest).unwrap_or_default();
    // Each `[[example]]` table, as its (name, path).
    let examples: Vec<(String, String)> = text
        .split("[[example]]")
        .skip(1)
        .map(|table| {
            let table = table.split("\n[").next().unwrap_or(table);
            (value(table, "name"), value(table, "path"))
        })
        .collect();
    [Code::Starter, Code::Solution]
        .into_iter()
        .filter_map(|code| {
            let name = exercise.example(code);
            let path = exercise.path(Path::new(""), code);
            let path = path
                .strip_prefix(format!("lessons/{}", exercise.package()))
                .unwrap_or(&path)
                .to_string_lossy()
                .replace('\\', "/");
            let declared = examples.iter().any(|(n, p)| *n == name && *p == path);
            (!declared).then(|| {
                format!(
                    "{} does not declare the example: [[example]] name = \"{name}\" \
                     path = \"{path}\"",
                    shown(root, &manifest)
                )
            })
        })
        .collect()
}

/// The string value of `key = "..."` in a TOML table's text (empty if absent).
fn value(table: &str, key: &str) -> String {
    table
        .lines()
        .filter_map(|line| line.split_once('='))
        .find(|(k, _)| k.trim() == key)
        .map(|(_, v)| v.trim().trim_matches('"').to_string())
        .unwrap_or_default()
}

/// The chapter must have an `## Exercises` section with a `### ` heading naming the
/// exercise's id.
fn statement_problem(root: &Path, exercise: &Exercise) -> Option<String> {
    let chapter = exercise.chapter_path(root);
    let markdown = fs::read_to_string(&chapter).unwrap_or_default();
    let Some(section) = exercises_section(&markdown) else {
        return Some(format!(
            "{} has no `## Exercises` section",
            shown(root, &chapter)
        ));
    };
    let stated = section.lines().any(|line| {
        line.strip_prefix("### ")
            .is_some_and(|heading| heading.split([' ', ':', '`']).any(|w| w == exercise.id))
    });
    (!stated).then(|| {
        format!(
            "no statement in {}: a `### {}: ...` heading under `## Exercises`",
            shown(root, &chapter),
            exercise.id
        )
    })
}

/// The text of a chapter's `## Exercises` section, up to the next `## ` heading.
pub fn exercises_section(markdown: &str) -> Option<&str> {
    let start = markdown.find("\n## Exercises\n")? + 1;
    let rest = &markdown[start..];
    let end = rest[3..].find("\n## ").map_or(rest.len(), |at| at + 4);
    Some(&rest[..end])
}

/// `.rs` files in lessons' `starters/` and `solutions/` that no exercise claims.
fn unclaimed_files(root: &Path) -> Vec<String> {
    let claimed: Vec<_> = all()
        .flat_map(|e| [e.path(root, Code::Starter), e.path(root, Code::Solution)])
        .collect();
    let mut problems = Vec::new();
    let lessons = fs::read_dir(root.join("lessons")).into_iter().flatten();
    for lesson in lessons.flatten() {
        for dir in ["starters", "solutions"] {
            let files = fs::read_dir(lesson.path().join(dir)).into_iter().flatten();
            for file in files.flatten() {
                let path = file.path();
                if path.extension().is_some_and(|ext| ext == "rs") && !claimed.contains(&path) {
                    problems.push(format!(
                        "{}: no exercise in the registry (tests/src/exercises/) claims it",
                        shown(root, &path)
                    ));
                }
            }
        }
    }
    problems.sort();
    problems
}

/// Builds every starter and solution, runs every check, and returns the problems: a
/// solution that fails (with its diff) or a starter that passes. `Err` if the build
/// fails (cargo has shown why).
pub fn run_problems(root: &Path) -> Result<Vec<String>, String> {
    let exercises: Vec<&Exercise> = all().collect();
    let targets: Vec<(&Exercise, Code)> = exercises
        .iter()
        .flat_map(|&e| [(e, Code::Starter), (e, Code::Solution)])
        .collect();
    let target_dir = check::target_dir(root)?;
    let binaries = work::build_project(root, &target_dir, &targets)?;
    let jobs: Vec<_> = targets
        .iter()
        .zip(binaries)
        .map(|(&(e, _), binary)| (e, binary))
        .collect();
    let runs = check::quietly(|| check::run_all(&jobs, root));
    let mut problems = Vec::new();
    for ((exercise, code), run) in targets.iter().zip(&runs) {
        let expected = snapshot::read(&exercise.snapshot_path(root)).ok();
        let Some(expected) = expected else {
            continue; // reported by `static_problems`
        };
        let passes = run.passes(&expected);
        match code {
            Code::Solution if !passes => problems.push(format!(
                "{}: the solution fails its check\n{}",
                exercise.id,
                explain(&expected, run)
            )),
            Code::Starter if passes => problems.push(format!(
                "{}: the starter passes its check (a starter must fail until the student \
                 does the work)",
                exercise.id
            )),
            _ => {}
        }
    }
    Ok(problems)
}

/// A failed run for a maintainer: the diff, and why it stopped if it did.
fn explain(expected: &str, run: &Run) -> String {
    let mut text = diff::render(&diff::diff(expected, &run.transcript), false);
    if let Some(stopped) = &run.stopped {
        text.push_str(&format!("the check stopped: {stopped}\n"));
    }
    text
}

/// `path` relative to the workspace root, for messages.
fn shown(root: &Path, path: &Path) -> String {
    path.strip_prefix(root)
        .unwrap_or(path)
        .display()
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_exercises_section_ends_at_the_next_section() {
        let chapter = "# L\n\n## Run it\n\nx\n\n## Exercises\n\n### 01-a: A\n\n\
                       ## Where this goes in socketserver\n\ny\n";
        assert_eq!(
            exercises_section(chapter),
            Some("## Exercises\n\n### 01-a: A\n\n")
        );
        assert_eq!(exercises_section("# L\n\n## Run it\n"), None);
        assert_eq!(
            exercises_section("\n## Exercises\n### 01-a\n"),
            Some("## Exercises\n### 01-a\n")
        );
    }

    #[test]
    fn toml_values_are_read_from_their_table() {
        let table = "\nname = \"01-greeting\"\npath = \"exercises/greeting.rs\"\n";
        assert_eq!(value(table, "name"), "01-greeting");
        assert_eq!(value(table, "path"), "exercises/greeting.rs");
        assert_eq!(value(table, "other"), "");
    }
}
