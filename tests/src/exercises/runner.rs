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
use super::{
    Code, Exercise, all, diff, find, id_width, keys, report, snapshot, starter, statement, verify,
    work,
};

/// How often `watch` looks at the student's file (and waits for a key): a student
/// saves far less often than this.
const POLL: Duration = Duration::from_millis(300);

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

    /// `list`: every exercise in course order, done or not, the current one marked.
    pub fn list(&self) -> ExitCode {
        let progress = self.load_progress();
        let current = current(&progress);
        println!("{}", self.bold(&format!("Exercises: {}", bar(&progress))));
        let mut lesson = "";
        for exercise in all() {
            if exercise.lesson() != lesson {
                lesson = exercise.lesson();
                println!("\n{}", self.lesson_title(exercise));
            }
            let mark = if progress.is_done(exercise.id) {
                self.paint("32", "done")
            } else if current.is_some_and(|n| n.id == exercise.id) {
                self.paint("1;33", "next")
            } else {
                "    ".to_string()
            };
            println!(
                "  {mark}  {:<width$} {} (~{} min)",
                exercise.id,
                exercise.title,
                exercise.minutes,
                width = id_width()
            );
        }
        println!();
        match current {
            Some(next) => println!("{}", self.what_next(next)),
            None => println!("Every exercise is done. Well done!"),
        }
        ExitCode::SUCCESS
    }

    /// `show [ID]`: the statement, where it is in the book, and the student's file
    /// (made from the starter if there is none yet).
    pub fn show(&self, id: Option<&str>) -> ExitCode {
        let Some(exercise) = self.chosen(id) else {
            return ExitCode::from(2);
        };
        let Some(file) = self.copy(exercise) else {
            return ExitCode::FAILURE;
        };
        self.print_statement(exercise, &file);
        ExitCode::SUCCESS
    }

    /// `check [ID]`: build the student's code, hold the conversation, compare.
    pub fn check(&self, id: Option<&str>) -> ExitCode {
        let Some(exercise) = self.chosen(id) else {
            return ExitCode::from(2);
        };
        if self.check_one(exercise) {
            ExitCode::SUCCESS
        } else {
            ExitCode::FAILURE
        }
    }

    /// `hint [ID] [--level N]`: the next hint each time, or hint `N`. Without an id:
    /// the current exercise's, the one `check` takes.
    pub fn hint(&self, id: Option<&str>, level: Option<usize>) -> ExitCode {
        let Some(exercise) = self.chosen(id) else {
            return ExitCode::from(2);
        };
        let count = exercise.hints.len();
        let level = match level {
            Some(level) if (1..=count).contains(&level) => Some(level),
            Some(level) => {
                eprintln!(
                    "error: {} has {count} hint{}: choose --level 1 to {count}, not {level}",
                    exercise.id,
                    if count == 1 { "" } else { "s" }
                );
                return ExitCode::from(2);
            }
            None => None,
        };
        if self.print_hint(exercise, level) {
            ExitCode::SUCCESS
        } else {
            ExitCode::FAILURE
        }
    }

    /// `reset ID [--undone]`: the student's copy back to its starter, their version
    /// saved first in `.classroom-backups/`. The exercise stays done unless `undone`.
    pub fn reset(&self, id: &str, undone: bool) -> ExitCode {
        let Some(exercise) = self.find(id) else {
            return ExitCode::from(2);
        };
        let starter_path = exercise.path(&self.root, Code::Starter);
        let starter = match fs::read_to_string(&starter_path) {
            Ok(starter) => starter,
            Err(error) => {
                eprintln!("error: cannot read {}: {error}", self.shown(&starter_path));
                return ExitCode::FAILURE;
            }
        };
        let copy = work::path(&self.root, exercise);
        let current = fs::read_to_string(&copy).ok();
        if undone {
            let mut progress = self.load_progress();
            progress.set_done(exercise.id, false);
            self.save_progress(&progress);
        }
        if current.is_none() || current.as_deref() == Some(starter.as_str()) {
            if current.is_none()
                && let Err(error) = work::ensure_copy(&self.root, exercise)
            {
                eprintln!("error: cannot write {}: {error}", self.shown(&copy));
                return ExitCode::FAILURE;
            }
            println!("{} is its starter: {}", exercise.id, self.shown(&copy));
            return ExitCode::SUCCESS;
        }
        if let Some(current) = current {
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
        if let Err(error) = fs::write(&copy, starter) {
            eprintln!("error: cannot write {}: {error}", self.shown(&copy));
            return ExitCode::FAILURE;
        }
        let kept = if !undone && self.load_progress().is_done(exercise.id) {
            " (it stays done: `reset --undone` forgets that too)"
        } else {
            ""
        };
        println!(
            "{} is back to its starter: {}{kept}",
            exercise.id,
            self.shown(&copy)
        );
        ExitCode::SUCCESS
    }

    /// `solution ID`: what the reference solution changes in the starter, as a diff.
    pub fn solution(&self, id: &str) -> ExitCode {
        let Some(exercise) = self.find(id) else {
            return ExitCode::from(2);
        };
        let path = exercise.path(&self.root, Code::Solution);
        let texts = fs::read_to_string(&path)
            .map_err(|e| e.to_string())
            .and_then(|text| Ok((starter::generate(&text)?, starter::clean_solution(&text)?)));
        let (starter_text, solution) = match texts {
            Ok(texts) => texts,
            Err(error) => {
                eprintln!("error: {}: {error}", self.shown(&path));
                return ExitCode::FAILURE;
            }
        };
        println!(
            "{}\n",
            self.bold(&format!(
                "The reference solution of {} ({}): what it changes in the starter.",
                exercise.id, exercise.title
            ))
        );
        println!(
            "`-` lines are the starter's, `+` lines the solution's. Yours may well differ \
             and be just as right:\nthe check only looks at what your server says.\n"
        );
        print!(
            "{}",
            diff::render_hunks(&diff::matched(&starter_text, &solution), 3, self.colour)
        );
        ExitCode::SUCCESS
    }

    /// `run ID [ARGS]`: builds the student's copy and runs it here, on this terminal,
    /// until it exits (Ctrl-C stops it): to try it by hand with `nc` or a client.
    pub fn run(&self, id: &str, args: &[String]) -> ExitCode {
        let Some(exercise) = self.find(id) else {
            return ExitCode::from(2);
        };
        if self.copy(exercise).is_none() {
            return ExitCode::FAILURE;
        }
        let binary = check::target_dir(&self.root)
            .map_err(BuildError::NoCargo)
            .and_then(|target_dir| work::build(&self.root, &target_dir, exercise));
        let binary = match binary {
            Ok(binary) => binary,
            Err(error) => {
                eprintln!("error: {error}");
                return ExitCode::FAILURE;
            }
        };
        match std::process::Command::new(&binary)
            .current_dir(&self.root)
            .args(args)
            .status()
        {
            Ok(status) if status.success() => ExitCode::SUCCESS,
            Ok(status) => {
                eprintln!("your server exited with {status}");
                ExitCode::FAILURE
            }
            Err(error) => {
                eprintln!("error: cannot run {}: {error}", binary.display());
                ExitCode::FAILURE
            }
        }
    }

    /// `starters`: every starter generated again from its solution (maintainers).
    pub fn starters(&self) -> ExitCode {
        let mut failed = false;
        for exercise in all() {
            let solution_path = exercise.path(&self.root, Code::Solution);
            let generated = fs::read_to_string(&solution_path)
                .map_err(|error| error.to_string())
                .and_then(|solution| starter::generate(&solution));
            let starter_path = exercise.path(&self.root, Code::Starter);
            match generated {
                Ok(generated)
                    if fs::read_to_string(&starter_path).ok().as_deref()
                        == Some(generated.as_str()) => {}
                Ok(generated) => match fs::write(&starter_path, generated) {
                    Ok(()) => println!("wrote {}", self.shown(&starter_path)),
                    Err(error) => {
                        eprintln!("error: {}: {error}", self.shown(&starter_path));
                        failed = true;
                    }
                },
                Err(error) => {
                    eprintln!("error: {}: {error}", self.shown(&solution_path));
                    failed = true;
                }
            }
        }
        if failed {
            ExitCode::FAILURE
        } else {
            println!("every starter is its solution's");
            ExitCode::SUCCESS
        }
    }

    /// `report [--name NAME] [--out FILE]`: the student's progress, as a line to read
    /// and a JSON file to collect.
    pub fn report(&self, name: Option<&str>, out: Option<&Path>) -> ExitCode {
        let progress = self.load_progress();
        let name = name.map_or_else(|| git_user_name(&self.root), str::to_string);
        let report = report::Report::of(&progress, &name, now());
        let out = out.map_or_else(
            || self.root.join("classroom-report.json"),
            Path::to_path_buf,
        );
        println!("{}", report.line());
        match fs::write(&out, report.json()) {
            Ok(()) => {
                println!("written to {}", self.shown(&out));
                ExitCode::SUCCESS
            }
            Err(error) => {
                eprintln!("error: cannot write {}: {error}", self.shown(&out));
                ExitCode::FAILURE
            }
        }
    }

    /// `watch [ID]`: check, then check again each time the student's file changes;
    /// after a pass, go straight on to the next exercise (unless an id was given).
    /// On a terminal, keys: `h` a hint, `n` the next exercise, `l` the list, `q` quit.
    pub fn watch(&self, id: Option<&str>) -> ExitCode {
        let Some(mut exercise) = self.chosen(id) else {
            return ExitCode::from(2);
        };
        let keys = keys::Keys::start();
        let mut run_check = true;
        // A fresh screen for each check, except the one right after a pass: the
        // student should see the pass, and the next exercise's first check under it.
        let mut clear = true;
        loop {
            if run_check {
                if clear {
                    self.clear_screen();
                }
                clear = true;
                if self.check_one(exercise) && id.is_none() {
                    match current(&self.load_progress()) {
                        Some(next) => {
                            exercise = next;
                            println!();
                            clear = false;
                            continue;
                        }
                        None => return ExitCode::SUCCESS,
                    }
                }
            }
            run_check = true;
            println!(
                "\n{}  {}\n{}",
                self.bold(&bar(&self.load_progress())),
                self.paint(
                    "2",
                    &format!(
                        "watching {}: save it to check again",
                        self.shown(&work::path(&self.root, exercise))
                    )
                ),
                self.paint(
                    "2",
                    if keys.is_some() {
                        "keys: h hint · n next exercise · l list · q quit"
                    } else {
                        "Ctrl-C stops"
                    }
                )
            );
            let file = work::path(&self.root, exercise);
            let before = fingerprint(&file);
            loop {
                let key = match &keys {
                    Some(keys) => keys.next_within(POLL),
                    None => {
                        thread::sleep(POLL);
                        None
                    }
                };
                match key {
                    Some('q') => return ExitCode::SUCCESS,
                    Some('h') => {
                        println!();
                        self.print_hint(exercise, None);
                        run_check = false;
                        break;
                    }
                    Some('l') => {
                        println!();
                        self.list();
                        run_check = false;
                        break;
                    }
                    Some('n') => {
                        let progress = self.load_progress();
                        if let Some(next) = after(&progress, exercise) {
                            exercise = next;
                        }
                        break;
                    }
                    _ => {}
                }
                if fingerprint(&file) != before {
                    // Editors save in several steps: wait until the file settles.
                    let mut settled = fingerprint(&file);
                    loop {
                        thread::sleep(POLL / 2);
                        let again = fingerprint(&file);
                        if again == settled {
                            break;
                        }
                        settled = again;
                    }
                    break;
                }
            }
        }
    }

    /// `verify`: every exercise is whole (for maintainers and CI). It looks only at
    /// the project's files, never at a student's copies.
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

    /// Builds, runs and judges the student's copy of `exercise` (made first if there
    /// is none), prints the verdict, records progress, and says whether it passed.
    fn check_one(&self, exercise: &Exercise) -> bool {
        let Some(copy) = self.copy(exercise) else {
            return false;
        };
        println!(
            "{}",
            self.bold(&format!(
                "Checking {} ({}), your file {}",
                exercise.id,
                exercise.title,
                self.shown(&copy)
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
        let target_dir = match check::target_dir(&self.root) {
            Ok(target_dir) => target_dir,
            Err(error) => {
                eprintln!("error: {error}");
                return false;
            }
        };
        let binary = match work::build(&self.root, &target_dir, exercise) {
            Ok(binary) => binary,
            Err(BuildError::Failed) => {
                println!(
                    "\n{} {} does not build yet: fix what cargo says above, in {}.",
                    self.paint("1;31", "✗"),
                    exercise.id,
                    self.shown(&copy)
                );
                self.record(exercise, false);
                return false;
            }
            Err(error) => {
                eprintln!("error: {error}");
                return false;
            }
        };
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
        match current(&self.load_progress()) {
            Some(next) => println!("\n{}", self.what_next(next)),
            None => println!("\nThat was the last one: every exercise is done!"),
        }
    }

    fn report_failure(&self, exercise: &Exercise, expected: &str, run: &Run) {
        println!(
            "\n{} {} does not pass yet.",
            self.paint("1;31", "✗"),
            exercise.id
        );
        if let Some(turn) = diff::first_wrong_turn(expected, &run.transcript) {
            let silent = turn
                .instead
                .first()
                .and_then(|line| line.split_once(" hears nothing"))
                .and_then(|(_, rest)| rest.rsplit_once(" for "))
                .map(|(_, wait)| wait.to_string());
            match (silent, turn.expected) {
                (Some(wait), Some(wanted)) => println!(
                    "Your server said nothing for {wait} where a correct server says:\n    \
                     {wanted}\n"
                ),
                _ => println!(
                    "The conversation up to its first wrong turn: `-` what a correct server \
                     does there, `+` what yours did instead.\n"
                ),
            }
            for line in diff::render_wrong_turn(&turn, self.colour).lines() {
                println!("    {line}");
            }
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
        // The first hint, unless the student has seen it; `hint` then gives the next.
        let mut progress = self.load_progress();
        if progress.hints_seen(exercise.id) == 0
            && let Some(hint) = exercise.hints.first()
        {
            println!(
                "\n{}\n{}",
                self.bold(&format!("Hint 1 of {}:", exercise.hints.len())),
                wrap(hint, "    ")
            );
            progress.saw_hint(exercise.id, 1);
            self.save_progress(&progress);
        }
        println!(
            "\nMore: cargo run -p classroom -- hint    (the next hint)\n      \
             cargo run -p classroom -- show    (the statement)"
        );
    }

    // ---- helpers ----

    /// Prints hint `level`, or the next one the student has not seen (the last one
    /// again once all are seen), and records it. Whether there was one.
    fn print_hint(&self, exercise: &Exercise, level: Option<usize>) -> bool {
        let count = exercise.hints.len();
        let mut progress = self.load_progress();
        let level = level.unwrap_or_else(|| (progress.hints_seen(exercise.id) + 1).min(count));
        let Some(hint) = level.checked_sub(1).and_then(|at| exercise.hints.get(at)) else {
            eprintln!("error: {} has no hints yet", exercise.id);
            return false;
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
            println!("Still stuck? Ask again for hint {}.", level + 1);
        } else {
            println!(
                "That is the last hint. The reference solution is one command away\n\
                 (cargo run -p classroom -- solution {}), but try once more first.",
                exercise.id
            );
        }
        progress.saw_hint(exercise.id, level);
        self.save_progress(&progress);
        true
    }

    /// The statement, its place in the book, and the file to edit.
    fn print_statement(&self, exercise: &Exercise, file: &Path) {
        let target_dir = check::target_dir(&self.root).ok();
        match statement::markdown(&self.root, exercise) {
            Some(markdown) => {
                let text = statement::render(&self.root, exercise, &markdown);
                let (heading, body) = text.split_once('\n').unwrap_or((&text, ""));
                println!("{}", self.bold(heading));
                println!("{}", body.trim_end());
            }
            None => println!(
                "{}",
                self.bold(&format!("{}: {}", exercise.id, exercise.title))
            ),
        }
        let link = statement::html_link(&self.root, target_dir.as_deref(), exercise);
        let page = link
            .trim_start_matches("file://")
            .split('#')
            .next()
            .unwrap_or("");
        let build_first = if Path::new(page).exists() {
            ""
        } else {
            "\n  (build the book first: cargo run -p classroom -- book)"
        };
        println!(
            "\n{}\n  In the book: {link}{build_first}\n  Your file:   {}\n  \
             About {} minutes. Check it with: cargo run -p classroom -- check",
            self.bold("Where things are"),
            self.shown(file),
            exercise.minutes,
        );
    }

    /// What to do next, after `list` or a pass.
    fn what_next(&self, next: &Exercise) -> String {
        format!(
            "Next: {} ({}, about {} minutes), in {}.\n\
             Read its statement with `cargo run -p classroom -- show`, then check it with\n\n    \
             cargo run -p classroom -- check",
            next.id,
            next.title,
            next.minutes,
            self.shown(&work::path(&self.root, next)),
        )
    }

    /// The student's copy of `exercise`, made from the starter (and announced) if it
    /// did not exist; `None` after saying why it cannot be.
    fn copy(&self, exercise: &Exercise) -> Option<PathBuf> {
        match work::ensure_copy(&self.root, exercise) {
            Ok((path, made)) => {
                if made {
                    println!(
                        "{}",
                        self.paint(
                            "2",
                            &format!(
                                "Made your copy of {}, {}, from its starter: it is yours to edit.",
                                exercise.id,
                                self.shown(&path)
                            )
                        )
                    );
                }
                Some(path)
            }
            Err(error) => {
                eprintln!(
                    "error: cannot make your copy of {} in {}: {error}",
                    exercise.id,
                    self.shown(&work::dir(&self.root))
                );
                None
            }
        }
    }

    /// The exercise `id`, or the current one (the first not done) without an id;
    /// `None` after saying why there is none.
    fn chosen(&self, id: Option<&str>) -> Option<&'static Exercise> {
        match id {
            Some(id) => self.find(id),
            None => {
                let current = current(&self.load_progress());
                if current.is_none() {
                    println!(
                        "Every exercise is done. Well done! `cargo run -p classroom -- list` \
                         shows them, and an id (`check 01-greeting`) takes one again."
                    );
                }
                current
            }
        }
    }

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

    /// Records a check of `exercise`: one more attempt, and whether it passes. A
    /// failed check of a done exercise (the student is changing it again) undoes it.
    fn record(&self, exercise: &Exercise, done: bool) {
        let mut progress = self.load_progress();
        progress.checked(exercise.id, now());
        progress.set_done(exercise.id, done);
        self.save_progress(&progress);
    }

    /// Saves the student's version of an exercise before a reset overwrites it, as
    /// `.classroom-backups/05-broadcast-2026-11-25T16-40-12Z.rs`.
    fn back_up(&self, exercise: &Exercise, text: &str) -> std::io::Result<PathBuf> {
        let dir = self.root.join(".classroom-backups");
        fs::create_dir_all(&dir)?;
        let stamp = progress::utc(now()).replace(':', "-");
        let mut path = dir.join(format!("{}-{stamp}.rs", exercise.id));
        let mut n = 1;
        while path.exists() {
            n += 1;
            path = dir.join(format!("{}-{stamp}-{n}.rs", exercise.id));
        }
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

    /// A fresh screen for each run of `watch`, on a terminal.
    fn clear_screen(&self) {
        if self.colour {
            print!("\x1b[2J\x1b[H");
        }
    }
}

/// The current exercise: the first one not done, in course order. `check`, `hint`,
/// `show` and `watch` without an id take it, and "Next" names it.
fn current(progress: &Progress) -> Option<&'static Exercise> {
    all().find(|e| !progress.is_done(e.id))
}

/// The first exercise not done after `from`, wrapping around (`watch`'s `n` key).
fn after(progress: &Progress, from: &Exercise) -> Option<&'static Exercise> {
    let undone = |e: &&Exercise| !progress.is_done(e.id) && e.id != from.id;
    all()
        .skip_while(|e| e.id != from.id)
        .skip(1)
        .find(undone)
        .or_else(|| all().find(undone))
}

/// `7/20 [#######-------------]`: how many are done.
fn bar(progress: &Progress) -> String {
    let total = all().count();
    let done = all().filter(|e| progress.is_done(e.id)).count();
    format!(
        "{done}/{total} done [{}{}]",
        "#".repeat(done),
        "-".repeat(total - done)
    )
}

/// Now, in seconds since 1970.
fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_secs())
}

/// The student's name as git knows it, for `report`; `unknown` if it does not.
fn git_user_name(root: &Path) -> String {
    std::process::Command::new("git")
        .current_dir(root)
        .args(["config", "user.name"])
        .output()
        .ok()
        .filter(|output| output.status.success())
        .map(|output| String::from_utf8_lossy(&output.stdout).trim().to_string())
        .filter(|name| !name.is_empty())
        .unwrap_or_else(|| "unknown".to_string())
}

/// The student's file's modification time and size: what `watch` compares between
/// polls. Polling works on every file system (shared folders and network mounts
/// included, where change notifications often never come).
fn fingerprint(file: &Path) -> Option<(Option<SystemTime>, u64)> {
    fs::metadata(file)
        .ok()
        .map(|metadata| (metadata.modified().ok(), metadata.len()))
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
    fn the_current_exercise_is_the_first_not_done_and_n_skips_ahead() {
        let ids: Vec<&str> = all().map(|e| e.id).collect();
        let mut progress = Progress::default();
        let id = |e: Option<&Exercise>| e.map(|e| e.id);
        assert_eq!(id(current(&progress)), Some(ids[0]));
        progress.set_done(ids[0], true);
        progress.set_done(ids[2], true);
        assert_eq!(id(current(&progress)), Some(ids[1]));
        // After a pass of a later one, "next" is still the first not done: what
        // `check` takes.
        progress.set_done(ids[8], true);
        assert_eq!(id(current(&progress)), Some(ids[1]));
        // `n` in watch: the next not done after this one, wrapping around.
        let this = find(ids[1]).unwrap();
        assert_eq!(id(after(&progress, this)), Some(ids[3]));
        let last = find(ids[ids.len() - 1]).unwrap();
        assert_eq!(id(after(&progress, last)), Some(ids[1]));
        for id in &ids {
            progress.set_done(id, true);
        }
        assert_eq!(id(current(&progress)), None);
        assert_eq!(
            bar(&progress),
            format!("{0}/{0} done [{1}]", ids.len(), "#".repeat(ids.len()))
        );
    }
}
