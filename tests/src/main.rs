//! `cargo run -p classroom -- …`: the classroom's command line.
//!
//! For now it builds the book, for readers without mdBook installed: mdBook comes in
//! as a library, so `cargo` is all one needs.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use classroom::book;

/// The socketserver-rs classroom: build the book.
#[derive(Parser)]
#[command(name = "classroom", version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Build the book (HTML) and print where it is. Open that file in a browser.
    Book {
        /// Where to write the HTML. Default: target/book in the workspace.
        #[arg(long)]
        out: Option<PathBuf>,
    },
}

fn main() -> ExitCode {
    match Cli::parse().command {
        Command::Book { out } => build_book(out),
    }
}

fn build_book(out: Option<PathBuf>) -> ExitCode {
    let out = out.unwrap_or_else(|| book::workspace_root().join("target").join("book"));
    if let Err(error) = book::build(&out) {
        eprintln!("error: the book did not build: {error}");
        return ExitCode::FAILURE;
    }
    // The book test fails on these; a reader is only warned.
    let problems = book::source_problems(
        &book::book_root().join("src"),
        &book::workspace_root().join("lessons"),
    )
    .into_iter()
    .chain(book::built_problems(&out));
    for problem in problems {
        eprintln!("warning: {problem}");
    }
    println!("the book is at {}", out.join("index.html").display());
    ExitCode::SUCCESS
}
