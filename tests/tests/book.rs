//! The book cannot drift from the code: every `{{#include file:anchor}}` in it must
//! name a file and an anchor that exist (mdBook itself only warns, or silently
//! includes nothing), every chapter must be reachable from SUMMARY.md, and every
//! lesson must have its chapter.

use std::fs;
use std::path::{Path, PathBuf};

fn book_src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../book/src")
}

fn chapters() -> Vec<PathBuf> {
    let mut chapters: Vec<PathBuf> = fs::read_dir(book_src())
        .expect("book/src exists")
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "md"))
        .collect();
    chapters.sort();
    chapters
}

/// Every `{{#...}}` directive of a Markdown text, without the braces.
fn directives(markdown: &str) -> Vec<&str> {
    markdown
        .split("{{#")
        .skip(1)
        .map(|rest| rest.split("}}").next().unwrap_or(rest).trim())
        .collect()
}

/// Checks one `include PATH[:ANCHOR | :START:END]` directive; returns what is wrong.
fn check_include(chapter: &Path, argument: &str) -> Option<String> {
    let (path, selector) = match argument.split_once(':') {
        Some((path, selector)) => (path, Some(selector)),
        None => (argument, None),
    };
    let file = chapter.parent().unwrap().join(path);
    let Ok(text) = fs::read_to_string(&file) else {
        return Some(format!("{path}: no such file"));
    };
    let selector = selector?;
    let is_line_range = selector
        .split(':')
        .all(|part| part.chars().all(|c| c.is_ascii_digit()));
    if is_line_range {
        let lines: Vec<&str> = text.lines().collect();
        let last_line: usize = selector.split(':').filter_map(|n| n.parse().ok()).max()?;
        if last_line > lines.len() {
            return Some(format!("{path}: past its end"));
        }
        // An insta snapshot is included from just after its header, which ends with
        // `---`: if the header grows or shrinks, say so instead of showing it or
        // dropping a line of the output.
        let first_line: usize = selector.split(':').next()?.parse().ok()?;
        if path.ends_with(".snap") && lines.get(first_line.wrapping_sub(2)) != Some(&"---") {
            return Some(format!(
                "{path}: line {first_line} is not the first after the header"
            ));
        }
        return None;
    }
    let has_marker = |marker: &str| {
        text.lines().any(|line| {
            line.split_once(marker)
                .is_some_and(|(_, name)| name.trim() == selector)
        })
    };
    if !has_marker("ANCHOR:") || !has_marker("ANCHOR_END:") {
        return Some(format!("{path}: no anchor `{selector}`"));
    }
    None
}

#[test]
fn every_include_names_a_real_file_and_anchor() {
    let mut problems = Vec::new();
    for chapter in chapters() {
        let markdown = fs::read_to_string(&chapter).unwrap();
        for directive in directives(&markdown) {
            let name = chapter.file_name().unwrap().to_string_lossy();
            let (command, argument) = directive.split_once(' ').unwrap_or((directive, ""));
            match command {
                "include" | "rustdoc_include" => {
                    if let Some(problem) = check_include(&chapter, argument.trim()) {
                        problems.push(format!("{name}: {{{{#{directive}}}}}: {problem}"));
                    }
                }
                _ => problems.push(format!("{name}: unknown directive {{{{#{directive}}}}}")),
            }
        }
    }
    assert!(
        problems.is_empty(),
        "broken includes:\n{}",
        problems.join("\n")
    );
}

#[test]
fn every_chapter_is_in_the_summary_and_every_lesson_has_one() {
    let summary = fs::read_to_string(book_src().join("SUMMARY.md")).unwrap();
    for chapter in chapters() {
        let name = chapter.file_name().unwrap().to_string_lossy().to_string();
        if name != "SUMMARY.md" {
            assert!(
                summary.contains(&format!("({name})")),
                "{name} is not in SUMMARY.md"
            );
        }
    }
    let lessons = Path::new(env!("CARGO_MANIFEST_DIR")).join("../lessons");
    for lesson in fs::read_dir(lessons).unwrap() {
        let name = lesson.unwrap().file_name().to_string_lossy().to_string();
        let chapter = format!("{name}.md");
        assert!(
            book_src().join(&chapter).exists(),
            "{name} has no chapter book/src/{chapter}"
        );
        assert!(
            summary.contains(&format!("({chapter})")),
            "{chapter} is not in SUMMARY.md"
        );
    }
}

#[test]
fn the_checker_catches_what_it_should() {
    let chapter = book_src().join("introduction.md");
    let lib = "../../lessons/lesson-01/src/lib.rs";
    assert_eq!(check_include(&chapter, &format!("{lib}:listen")), None);
    assert!(check_include(&chapter, &format!("{lib}:no_such_anchor")).is_some());
    assert!(check_include(&chapter, "../../lessons/nowhere.rs").is_some());
    assert!(check_include(&chapter, &format!("{lib}:1:999999")).is_some());
    assert_eq!(
        directives("a {{#include x.rs:y}} b"),
        vec!["include x.rs:y"]
    );
}
