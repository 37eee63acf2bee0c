//! The student's commands: `list`, `check`, `hint`, `reset`, `solution`, `watch`, and
//! the maintainers' `verify`, as `cargo run -p classroom -- COMMAND` runs them.
//!
//! Everything here talks to a person, so it says what happened in plain words, what
//! to do next, and never crashes on what it was given: an unknown id, a missing
//! progress file, code that does not build or a server that misbehaves each get a
//! sentence, and an exit code that says whether all went well.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::thread;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use super::check::{self, BuildError, Run};
use super::progress::{self, Progress};
use super::{Code, Exercise, all, diff, find, id_width, snapshot, starter, verify};

/// How often `watch` looks at the files' modification times. Polling works on every
/// file system (shared folders and network mounts included, where change
/// notifications often never come), and a student saves far less often than this.
const POLL: Duration = Duration::from_millis(500);

/// The last lines of the server's output a failed check shows.
const SHOWN_OUTPUT_LINES: usize = 12;

/// The runner: where the workspace and the progress file are, and whether to colour.
pub struct Runner {
    root: PathBuf,
    progress_path: PathBuf,
    colour: bool,
}

impl Default for Runner {
    fn default() -> Runner {
        Runner::new()
    }
}

impl Runner {
    /// A runner for this workspace, colouring only on a terminal.
    pub fn new() -> Runner {
        let root = crate::workspace_root();
        Runner {
            progress_path: progress::path(&root),
            colour: diff::colour_wanted(),
            root,
        }
    }

    // ---- the commands ----

    /// `list`: every exercise in course order, done or not, the next one marked.
    pub fn list(&self) -> ExitCode {
        let progress = self.load_progress();
        let next = self.next_undone(&progress, None);
        let done = all().filter(|e| progress.is_done(e.id)).count();
        let total = all().count();
        println!(
            "{}",
            self.bold(&format!("Exercises: {done} of {total} done"))
        );
        let mut lesson = "";
        for exercise in all() {
            if exercise.lesson() != lesson {
                lesson = exercise.lesson();
                println!("\n{}", self.lesson_title(exercise));
            }
            let mark = if progress.is_done(exercise.id) {
                self.paint("32", "done")
            } else if next.is_some_and(|n| n.id == exercise.id) {
                self.paint("1;33", "next")
            } else {
                "    ".to_string()
            };
            println!(
                "  {mark}  {:<width$} {}",
                exercise.id,
                exercise.title,
                width = id_width()
            );
        }
        println!();
        match next {
            Some(next) => println!(
                "Next: {} ({}).\nRead its statement in the \"Exercises\" section of {},\n\
                 edit {}, then run:\n\n    cargo run -p classroom -- check",
                next.id,
                next.title,
                self.shown(&next.chapter_path(&self.root)),
                self.shown(&next.path(&self.root, Code::Exercise)),
            ),
            None => println!("Every exercise is done. Well done!"),
        }
        ExitCode::SUCCESS
    }

    /// `check [ID]`: build the student's code, hold the conversation, compare.
    pub fn check(&self, id: Option<&str>) -> ExitCode {
        let exercise = match id {
            Some(id) => match self.find(id) {
                Some(exercise) => exercise,
                None => return ExitCode::from(2),
            },
            None => match self.next_undone(&self.load_progress(), None) {
                Some(exercise) => exercise,
                None => {
                    println!(
                        "Every exercise is done. Well done! `cargo run -p classroom -- list` \
                         shows them, and `check ID` checks one again."
                    );
                    return ExitCode::SUCCESS;
                }
            },
        };
        if self.check_one(exercise) {
            ExitCode::SUCCESS
        } else {
            ExitCode::FAILURE
        }
    }

    /// `hint ID [--level N]`: the next hint each time, or hint `N`.
    pub fn hint(&self, id: &str, level: Option<usize>) -> ExitCode {
        let Some(exercise) = self.find(id) else {
            return ExitCode::from(2);
        };
        let count = exercise.hints.len();
        let mut progress = self.load_progress();
        let level = match level {
            Some(level) if (1..=count).contains(&level) => level,
            Some(level) => {
                eprintln!(
                    "error: {} has {count} hint{}: choose --level 1 to {count}, not {level}",
                    exercise.id,
                    if count == 1 { "" } else { "s" }
                );
                return ExitCode::from(2);
            }
            None => (progress.hints_seen(exercise.id) + 1).min(count),
        };
        let Some(hint) = level.checked_sub(1).and_then(|at| exercise.hints.get(at)) else {
            eprintln!("error: {} has no hints yet", exercise.id);
            return ExitCode::FAILURE;
        };
        println!(
            "{}\n",
            self.bold(&format!(
                "Hint {level} of {count} for {} ({}):",
                exercise.id, exercise.title
            ))
        );
        println!("{}\n", wrap(hint, "  "));
        if level < count {
            println!(
                "Still stuck? Run the same command again for hint {}.",
                level + 1
            );
        } else {
            println!(
                "That is the last hint. The reference solution is one command away\n\
                 (cargo run -p classroom -- solution {}), but try once more first.",
                exercise.id
            );
        }
        progress.saw_hint(exercise.id, level);
        self.save_progress(&progress);
        ExitCode::SUCCESS
    }

    /// `reset ID`: the starter again, generated from the solution; the student's
    /// version is kept in `.classroom-backups/`.
    pub fn reset(&self, id: &str) -> ExitCode {
        let Some(exercise) = self.find(id) else {
            return ExitCode::from(2);
        };
        let solution_path = exercise.path(&self.root, Code::Solution);
        let generated = fs::read_to_string(&solution_path)
            .map_err(|error| format!("cannot read {}: {error}", self.shown(&solution_path)))
            .and_then(|solution| {
                starter::generate(&solution)
                    .map_err(|error| format!("{}: {error}", self.shown(&solution_path)))
            });
        let generated = match generated {
            Ok(generated) => generated,
            Err(error) => {
                eprintln!("error: {error}");
                return ExitCode::FAILURE;
            }
        };
        let starter_path = exercise.path(&self.root, Code::Exercise);
        let current = fs::read_to_string(&starter_path).ok();
        let mut progress = self.load_progress();
        progress.set_done(exercise.id, false);
        if current.as_deref() == Some(generated.as_str()) {
            self.save_progress(&progress);
            println!(
                "{} is already its starter: {}",
                exercise.id,
                self.shown(&starter_path)
            );
            return ExitCode::SUCCESS;
        }
        if let Some(current) = current
            && !current.trim().is_empty()
        {
            match self.back_up(exercise, &current) {
                Ok(backup) => println!("Your version is saved in {}.", self.shown(&backup)),
                Err(error) => {
                    eprintln!(
                        "error: cannot save your version before resetting ({error}); \
                         nothing was changed"
                    );
                    return ExitCode::FAILURE;
                }
            }
        }
        if let Some(dir) = starter_path.parent()
            && let Err(error) = fs::create_dir_all(dir)
        {
            eprintln!("error: cannot create {}: {error}", self.shown(dir));
            return ExitCode::FAILURE;
        }
        if let Err(error) = fs::write(&starter_path, generated) {
            eprintln!("error: cannot write {}: {error}", self.shown(&starter_path));
            return ExitCode::FAILURE;
        }
        self.save_progress(&progress);
        println!(
            "{} is back to its starter: {}",
            exercise.id,
            self.shown(&starter_path)
        );
        ExitCode::SUCCESS
    }

    /// `solution ID`: the reference solution, printed.
    pub fn solution(&self, id: &str) -> ExitCode {
        let Some(exercise) = self.find(id) else {
            return ExitCode::from(2);
        };
        let path = exercise.path(&self.root, Code::Solution);
        match fs::read_to_string(&path) {
            Ok(text) => {
                println!(
                    "{}\n",
                    self.bold(&format!(
                        "The reference solution of {} ({}), {}:",
                        exercise.id,
                        exercise.title,
                        self.shown(&path)
                    ))
                );
                println!(
                    "The lines between `// SOLUTION-BEGIN` and `// SOLUTION-END` are what \
                     the starter leaves to you;\nthe `// STARTER:` lines are the starter's \
                     version of them. Yours may well differ and be just as right:\nthe \
                     check only looks at what your server says.\n"
                );
                print!("{text}");
                ExitCode::SUCCESS
            }
            Err(error) => {
                eprintln!("error: cannot read {}: {error}", self.shown(&path));
                ExitCode::FAILURE
            }
        }
    }

    /// `watch [ID]`: check, then check again each time a file of the lesson changes;
    /// after a pass, go on to the next exercise (unless an id was given).
    pub fn watch(&self, id: Option<&str>) -> ExitCode {
        let mut exercise = match id {
            Some(id) => match self.find(id) {
                Some(exercise) => exercise,
                None => return ExitCode::from(2),
            },
            None => match self.next_undone(&self.load_progress(), None) {
                Some(exercise) => exercise,
                None => {
                    println!("Every exercise is done. Well done!");
                    return ExitCode::SUCCESS;
                }
            },
        };
        loop {
            if self.check_one(exercise) && id.is_none() {
                match self.next_undone(&self.load_progress(), Some(exercise)) {
                    Some(next) => exercise = next,
                    None => return ExitCode::SUCCESS,
                }
            }
            let dir = exercise.lesson_dir(&self.root);
            println!(
                "\n{}",
                self.paint(
                    "2",
                    &format!(
                        "Watching {} for changes: each save checks {} (Ctrl-C stops).",
                        self.shown(&dir),
                        exercise.id
                    )
                )
            );
            let before = fingerprint(&dir);
            loop {
                thread::sleep(POLL);
                let now = fingerprint(&dir);
                if now != before {
                    // Editors save in several steps: wait until the files settle.
                    let mut settled = now;
                    loop {
                        thread::sleep(POLL);
                        let again = fingerprint(&dir);
                        if again == settled {
                            break;
                        }
                        settled = again;
                    }
                    break;
                }
            }
            println!();
        }
    }

    /// `verify`: every exercise is whole (for maintainers and CI).
    pub fn verify(&self) -> ExitCode {
        let total = all().count();
        println!("Verifying {total} exercises: files, statements, hints, snapshots…");
        let mut problems = verify::static_problems(&self.root);
        println!("Building every starter and solution, and checking each…");
        match verify::run_problems(&self.root) {
            Ok(found) => problems.extend(found),
            Err(error) => problems.push(error),
        }
        if problems.is_empty() {
            println!(
                "verify: all {total} exercises are whole: every starter fails its check, \
                 every solution passes it, and each has a statement, hints and a snapshot."
            );
            ExitCode::SUCCESS
        } else {
            for problem in &problems {
                eprintln!("{} {problem}", self.paint("31", "problem:"));
            }
            eprintln!("verify: {} problem(s)", problems.len());
            ExitCode::FAILURE
        }
    }

    // ---- checking one exercise, for `check` and `watch` ----

    /// Builds, runs and judges the student's code of `exercise`, prints the verdict,
    /// records progress, and returns whether it passed.
    fn check_one(&self, exercise: &Exercise) -> bool {
        let file = self.shown(&exercise.path(&self.root, Code::Exercise));
        println!(
            "{}",
            self.bold(&format!(
                "Checking {} ({}), your file {file}",
                exercise.id, exercise.title
            ))
        );
        let expected = match snapshot::read(&exercise.snapshot_path(&self.root)) {
            Ok(expected) => expected,
            Err(error) => {
                eprintln!(
                    "error: the expected conversation, {}, cannot be read ({error}). That \
                     is a problem of the course, not of your code: tell your teacher.",
                    self.shown(&exercise.snapshot_path(&self.root))
                );
                return false;
            }
        };
        match check::build(&self.root, &[(exercise, Code::Exercise)]) {
            Ok(()) => {}
            Err(BuildError::Failed) => {
                println!(
                    "\n{} {} does not build yet: fix what cargo says above, in {file}.",
                    self.paint("1;31", "✗"),
                    exercise.id
                );
                self.record(exercise, false);
                return false;
            }
            Err(error) => {
                eprintln!("error: {error}");
                return false;
            }
        }
        let target_dir = match check::target_dir(&self.root) {
            Ok(target_dir) => target_dir,
            Err(error) => {
                eprintln!("error: {error}");
                return false;
            }
        };
        let binary = check::binary(&target_dir, exercise, Code::Exercise);
        let run = check::quietly(|| check::run(exercise, &binary, &self.root));
        let passed = run.passes(&expected);
        self.record(exercise, passed);
        if passed {
            self.report_pass(exercise);
        } else {
            self.report_failure(exercise, &expected, &run);
        }
        passed
    }

    fn report_pass(&self, exercise: &Exercise) {
        println!(
            "\n{} {} passes: your server holds the whole conversation. Well done!",
            self.paint("1;32", "✓"),
            exercise.id
        );
        match self.next_undone(&self.load_progress(), Some(exercise)) {
            Some(next) => println!(
                "\nNext: {} ({}), in {}.\nIts statement is in the \"Exercises\" section of \
                 {}; check it with\n\n    cargo run -p classroom -- check",
                next.id,
                next.title,
                self.shown(&next.path(&self.root, Code::Exercise)),
                self.shown(&next.chapter_path(&self.root)),
            ),
            None => println!("\nThat was the last one: every exercise is done!"),
        }
    }

    fn report_failure(&self, exercise: &Exercise, expected: &str, run: &Run) {
        println!(
            "\n{} {} does not pass yet. The conversation, with `-` before what a correct \
             server does\nand `+` before what yours did instead:\n",
            self.paint("1;31", "✗"),
            exercise.id
        );
        let lines = diff::diff(expected, &run.transcript);
        for line in diff::render(&lines, self.colour).lines() {
            println!("    {line}");
        }
        if let Some(stopped) = &run.stopped {
            println!("\nThe check stopped early:\n{}", indent(stopped, "    "));
        }
        for (name, output) in [("stdout", &run.stdout), ("stderr", &run.stderr)] {
            // Blank lines at either end (a panic message starts with one) say nothing.
            let start = output.iter().position(|line| !line.trim().is_empty());
            let end = output.iter().rposition(|line| !line.trim().is_empty());
            let (Some(start), Some(end)) = (start, end) else {
                continue;
            };
            let output = &output[start..=end];
            let skipped = output.len().saturating_sub(SHOWN_OUTPUT_LINES);
            let more = if skipped > 0 {
                format!(" (its last {SHOWN_OUTPUT_LINES} lines)")
            } else {
                String::new()
            };
            println!("\nYour server printed on {name}{more}:");
            for line in &output[skipped..] {
                println!("    {line}");
            }
        }
        if let Some(status) = run.exit.filter(|status| !status.success()) {
            println!("\nYour server exited with {status}.");
        }
        if let Some(hint) = exercise.hints.first() {
            println!("\n{}\n{}", self.bold("Hint:"), wrap(hint, "    "));
        }
        println!(
            "\nMore hints: cargo run -p classroom -- hint {}\nThe statement: the \"Exercises\" \
             section of {}",
            exercise.id,
            self.shown(&exercise.chapter_path(&self.root))
        );
    }

    // ---- helpers ----

    /// The exercise `id`, or `None` after saying which ones exist.
    fn find(&self, id: &str) -> Option<&'static Exercise> {
        match find(id) {
            Ok(exercise) => Some(exercise),
            Err(error) => {
                eprintln!("error: {error}");
                None
            }
        }
    }

    /// The first exercise not done: after `from` if given (wrapping around to the
    /// start), else from the start of the course.
    fn next_undone(
        &self,
        progress: &Progress,
        from: Option<&Exercise>,
    ) -> Option<&'static Exercise> {
        let undone = |e: &&Exercise| !progress.is_done(e.id);
        from.and_then(|from| {
            let mut rest = all().skip_while(|e| e.id != from.id).skip(1);
            rest.find(undone)
        })
        .or_else(|| all().find(undone))
        .filter(|e| from.is_none_or(|from| from.id != e.id))
    }

    fn load_progress(&self) -> Progress {
        Progress::load(&self.progress_path).unwrap_or_else(|error| {
            eprintln!(
                "warning: cannot read your progress in {} ({error}); starting from none",
                self.progress_path.display()
            );
            Progress::default()
        })
    }

    fn save_progress(&self, progress: &Progress) {
        if let Err(error) = progress.save(&self.progress_path) {
            eprintln!(
                "warning: cannot save your progress in {}: {error}",
                self.progress_path.display()
            );
        }
    }

    fn record(&self, exercise: &Exercise, done: bool) {
        let mut progress = self.load_progress();
        if progress.is_done(exercise.id) != done {
            progress.set_done(exercise.id, done);
            self.save_progress(&progress);
        }
    }

    /// Saves the student's version of an exercise before a reset overwrites it.
    fn back_up(&self, exercise: &Exercise, text: &str) -> std::io::Result<PathBuf> {
        let dir = self.root.join(".classroom-backups");
        fs::create_dir_all(&dir)?;
        let seconds = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |elapsed| elapsed.as_secs());
        let path = dir.join(format!("{}-{seconds}.rs", exercise.id));
        fs::write(&path, text)?;
        Ok(path)
    }

    /// `Lesson 01 — the single-shot echo server`: the chapter's title.
    fn lesson_title(&self, exercise: &Exercise) -> String {
        let chapter = fs::read_to_string(exercise.chapter_path(&self.root)).unwrap_or_default();
        let title = chapter
            .lines()
            .next()
            .and_then(|line| line.strip_prefix("# "))
            .map_or_else(|| format!("Lesson {}", exercise.lesson()), str::to_string);
        // Markdown's code marks mean nothing on a terminal.
        self.bold(&title.replace('`', ""))
    }

    /// `path` relative to the workspace root.
    fn shown(&self, path: &Path) -> String {
        path.strip_prefix(&self.root)
            .unwrap_or(path)
            .display()
            .to_string()
    }

    fn bold(&self, text: &str) -> String {
        self.paint("1", text)
    }

    /// `text` in an ANSI style (`31` red, `32` green, `1` bold...) when colouring.
    fn paint(&self, style: &str, text: &str) -> String {
        if self.colour {
            format!("\x1b[{style}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }
}

/// Modification times and sizes of every file in a lesson's directory (its `target`
/// aside, should it have one): what `watch` compares between polls.
fn fingerprint(dir: &Path) -> Vec<(PathBuf, Option<SystemTime>, u64)> {
    let mut files = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(dir) = pending.pop() {
        for entry in fs::read_dir(&dir).into_iter().flatten().flatten() {
            let path = entry.path();
            let Ok(metadata) = entry.metadata() else {
                continue;
            };
            if metadata.is_dir() {
                if entry.file_name() != "target" {
                    pending.push(path);
                }
            } else {
                files.push((path, metadata.modified().ok(), metadata.len()));
            }
        }
    }
    files.sort();
    files
}

/// `text` broken into lines of at most about 88 characters, each after `prefix`.
/// A `code span` is never broken: a student copies it whole.
fn wrap(text: &str, prefix: &str) -> String {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in unbreakable(text) {
        if !line.is_empty() && line.len() + 1 + word.len() > 88 - prefix.len() {
            lines.push(format!("{prefix}{line}"));
            line.clear();
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(&word);
    }
    if !line.is_empty() {
        lines.push(format!("{prefix}{line}"));
    }
    lines.join("\n")
}

/// The words of `text`, a code span between backticks counting as one word.
fn unbreakable(text: &str) -> Vec<String> {
    let mut words: Vec<String> = Vec::new();
    for word in text.split_whitespace() {
        match words.last_mut() {
            // An odd number of backticks so far: the last word opened a span.
            Some(open) if open.matches('`').count() % 2 == 1 => {
                open.push(' ');
                open.push_str(word);
            }
            _ => words.push(word.to_string()),
        }
    }
    words
}

/// Every line of `text` after `prefix`.
fn indent(text: &str, prefix: &str) -> String {
    text.lines()
        .map(|line| format!("{prefix}{line}"))
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrap_breaks_between_words() {
        let text = "word ".repeat(40);
        let wrapped = wrap(&text, "  ");
        assert!(
            wrapped
                .lines()
                .all(|l| l.starts_with("  word") && l.len() <= 88)
        );
        assert_eq!(wrapped.split_whitespace().count(), 40);
        assert_eq!(wrap("a  b\n c", "> "), "> a b c");
        let code = format!("{} `let count = 0;` after", "word ".repeat(16));
        let wrapped = wrap(&code, "");
        assert!(
            wrapped.lines().any(|l| l.contains("`let count = 0;`")),
            "{wrapped}"
        );
    }

    #[test]
    fn the_next_undone_exercise_follows_the_course() {
        let runner = Runner {
            root: PathBuf::from("."),
            progress_path: PathBuf::from("unused"),
            colour: false,
        };
        let ids: Vec<&str> = all().map(|e| e.id).collect();
        let mut progress = Progress::default();
        let next = |progress: &Progress, from: Option<&str>| {
            let from = from.map(|id| find(id).unwrap());
            runner.next_undone(progress, from).map(|e| e.id)
        };
        assert_eq!(next(&progress, None), Some(ids[0]));
        progress.set_done(ids[0], true);
        assert_eq!(next(&progress, None), Some(ids[1]));
        // After a pass, the next undone one after it, wrapping around to the start.
        progress.set_done(ids[2], true);
        assert_eq!(next(&progress, Some(ids[2])), Some(ids[3]));
        for id in &ids[1..] {
            progress.set_done(id, true);
        }
        progress.set_done(ids[1], false);
        assert_eq!(next(&progress, Some(ids[3])), Some(ids[1]));
        progress.set_done(ids[1], true);
        assert_eq!(next(&progress, None), None);
    }
}
