//! `cargo run -p classroom -- …`: the classroom's command line.
//!
//! It builds the book, for readers without mdBook installed (mdBook comes in as a
//! library, so `cargo` is all one needs), and it runs the exercises: a student lists
//! them, checks their work, asks for hints, starts over; a maintainer verifies that
//! every exercise is whole. The work is in `classroom::exercises::runner`; this file
//! is only the command line.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use classroom::book;
use classroom::exercises::runner::Runner;

/// The socketserver-rs classroom: exercises for every lesson, and the book.
///
/// Start with `list`, then `check`: it checks the next exercise you have not done.
#[derive(Parser)]
#[command(name = "classroom", version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// List every exercise in course order: which are done, and which is next.
    List,
    /// Show an exercise's statement, where it is in the book, and your file (made
    /// from its starter the first time). Without ID: the next one not done.
    Show {
        /// The exercise, say `01-greeting` (see `list`).
        id: Option<String>,
    },
    /// Check an exercise: build your code, talk to your server, compare the
    /// conversation with the expected one. Without ID: the next one not done.
    Check {
        /// The exercise, say `01-greeting` (see `list`).
        id: Option<String>,
    },
    /// Show a hint: the next one each time you ask. Without ID: for the next
    /// exercise not done, the one `check` takes.
    Hint {
        /// The exercise, say `01-greeting`.
        id: Option<String>,
        /// Show this hint (1 is the first) instead of the next one.
        #[arg(long)]
        level: Option<usize>,
    },
    /// Start an exercise over: your file back to its starter (your version is saved
    /// in .classroom-backups/ first). It stays done unless you say --undone.
    Reset {
        /// The exercise, say `01-greeting`.
        id: String,
        /// Mark it not done, too.
        #[arg(long)]
        undone: bool,
    },
    /// Build your copy of an exercise and run it, to try it by hand; what follows the
    /// id goes to your server (`run 02-lines -- --port 9999`).
    Run {
        /// The exercise, say `01-greeting`.
        id: String,
        /// Your server's arguments.
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<String>,
    },
    /// Show what the reference solution changes in the starter, as a diff.
    Solution {
        /// The exercise, say `01-greeting`.
        id: String,
    },
    /// Check, then check again every time you save your file; after a pass, go on
    /// to the next exercise. Keys: h hint, n next, l list, q quit.
    Watch {
        /// Keep to this exercise. Without it: the next one not done, then onwards.
        id: Option<String>,
    },
    /// Your progress for your teacher: a line to read, and a JSON file to hand in
    /// (classroom-report.json).
    Report {
        /// Your name, as the report gives it. Default: git's user.name.
        #[arg(long)]
        name: Option<String>,
        /// Where to write the JSON file.
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// For maintainers: write every starter again from its solution.
    Starters,
    /// For maintainers and CI: every exercise is whole (every starter fails its check,
    /// every solution passes, each has a statement, hints and a snapshot).
    Verify,
    /// For maintainers: attack every stream server (resets, half-closes, bytes that are
    /// not UTF-8, a mebibyte without a newline, idle clients, churn) and check that a
    /// normal client is served after each. With --slow: 10,000 connections opened and
    /// closed, and 1,000 clients x 100 messages in each server's protocol, with figures.
    Hostile {
        /// Run the slow attacks too.
        #[arg(long)]
        slow: bool,
        /// Attack only the servers whose name contains this, say `lesson-08`.
        #[arg(long)]
        only: Option<String>,
    },
    /// Build the book (HTML) and print where it is. Open that file in a browser.
    Book {
        /// Where to write the HTML. Default: target/book in the workspace.
        #[arg(long)]
        out: Option<PathBuf>,
    },
}

fn main() -> ExitCode {
    quiet_on_closed_pipe();
    let runner = Runner::new();
    match Cli::parse().command {
        Command::List => runner.list(),
        Command::Show { id } => runner.show(id.as_deref()),
        Command::Check { id } => runner.check(id.as_deref()),
        Command::Hint { id, level } => runner.hint(id.as_deref(), level),
        Command::Reset { id, undone } => runner.reset(&id, undone),
        Command::Solution { id } => runner.solution(&id),
        Command::Run { id, args } => runner.run(&id, &args),
        Command::Watch { id } => runner.watch(id.as_deref()),
        Command::Report { name, out } => runner.report(name.as_deref(), out.as_deref()),
        Command::Starters => runner.starters(),
        Command::Verify => runner.verify(),
        Command::Book { out } => build_book(out),
        Command::Hostile { slow, only } => hostile(slow, only.as_deref()),
    }
}

/// `hostile [--slow] [--only NAME]`: the suite, a line per target and attack.
fn hostile(slow: bool, only: Option<&str>) -> ExitCode {
    let binaries = match classroom::hostile::build(&classroom::workspace_root()) {
        Ok(binaries) => binaries,
        Err(error) => {
            eprintln!("error: {error}");
            return ExitCode::FAILURE;
        }
    };
    let mut failed = false;
    let chosen = classroom::hostile::TARGETS
        .iter()
        .filter(|target| only.is_none_or(|only| target.name.contains(only)));
    for target in chosen {
        let failures = classroom::hostile::attack(target, &binaries);
        if failures.is_empty() {
            println!("{:<30} fast attacks: all served", target.name);
        }
        for failure in &failures {
            println!("FAIL {failure}");
        }
        failed |= !failures.is_empty();
        if slow {
            for line in classroom::hostile::slow(target, &binaries) {
                failed |= line.starts_with("FAIL");
                println!("{line}");
            }
        }
    }
    if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

/// `cargo run -p classroom -- list | head` closes our stdout early. Rust ignores
/// SIGPIPE, so `println!` would panic there; restoring the default makes the runner
/// end quietly instead, as `ls | head` does. Children are unaffected (std resets the
/// signal for them), and sockets never raise it (std sends with MSG_NOSIGNAL).
fn quiet_on_closed_pipe() {
    #[cfg(unix)]
    // SAFETY: called first thing in `main`, before any other thread exists; setting a
    // signal's disposition to its default has no other effect on this process.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}

fn build_book(out: Option<PathBuf>) -> ExitCode {
    let out = out.unwrap_or_else(|| classroom::workspace_root().join("target").join("book"));
    if let Err(error) = book::build(&out) {
        eprintln!("error: the book did not build: {error}");
        return ExitCode::FAILURE;
    }
    // The book test fails on these; a reader is only warned.
    let problems = book::source_problems(
        &book::book_root().join("src"),
        &classroom::workspace_root().join("lessons"),
    )
    .into_iter()
    .chain(book::built_problems(&out));
    for problem in problems {
        eprintln!("warning: {problem}");
    }
    println!("the book is at {}", out.join("index.html").display());
    ExitCode::SUCCESS
}
