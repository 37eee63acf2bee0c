//! An exercise's statement, for the terminal: its section of the lesson's chapter
//! (`### 05-broadcast: ...` under `## Exercises`), with the book's `{{#include}}`s
//! resolved and the Markdown made readable as plain text; and where the same section
//! is in the built HTML book.
//!
//! The chapter is the single source of a statement: the runner shows it, it does not
//! keep a copy.

use std::fs;
use std::path::{Path, PathBuf};

use super::Exercise;
use super::verify::exercises_section;

/// The exercise's section of its chapter, as Markdown, from its `###` heading up to
/// the next heading of its level or above. `None` if the chapter has none.
pub fn markdown(root: &Path, exercise: &Exercise) -> Option<String> {
    let chapter = fs::read_to_string(exercise.chapter_path(root)).ok()?;
    let section = exercises_section(&chapter)?;
    let heading = format!("### {}:", exercise.id);
    let start = section.find(&heading)?;
    let rest = &section[start..];
    let end = rest[heading.len()..]
        .find("\n### ")
        .or_else(|| rest[heading.len()..].find("\n## "))
        .map_or(rest.len(), |at| at + heading.len() + 1);
    Some(rest[..end].trim_end().to_string())
}

/// The heading's text as mdBook makes an `id` of it: letters and digits lower-cased,
/// spaces as dashes, everything else dropped (`` `finish` `` loses its backticks).
pub fn html_id(heading: &str) -> String {
    heading
        .chars()
        .filter_map(|c| {
            if c.is_alphanumeric() || c == '_' || c == '-' {
                Some(c.to_ascii_lowercase())
            } else if c.is_whitespace() {
                Some('-')
            } else {
                None
            }
        })
        .collect()
}

/// Where the statement is in the HTML book that `cargo run -p classroom -- book`
/// builds into `target/book`: the page, and the `#section`.
pub fn html_link(root: &Path, target_dir: Option<&Path>, exercise: &Exercise) -> String {
    let book = target_dir
        .map_or_else(|| root.join("target"), Path::to_path_buf)
        .join("book");
    let page: PathBuf = book.join(format!("{}.html", exercise.package()));
    let heading = markdown(root, exercise)
        .and_then(|text| text.lines().next().map(|line| line[4..].to_string()))
        .unwrap_or_default();
    format!("file://{}#{}", page.display(), html_id(&heading))
}

/// The statement as plain text for a terminal: the heading, paragraphs as written,
/// code blocks indented (an included file's lines in place of the `{{#include}}`,
/// without the margin they share, as the book shows them), links as their text.
pub fn render(root: &Path, exercise: &Exercise, markdown: &str) -> String {
    let chapter_dir = exercise
        .chapter_path(root)
        .parent()
        .map_or_else(|| root.to_path_buf(), Path::to_path_buf);
    let expanded: Vec<String> = markdown
        .lines()
        .map(|line| {
            line.trim()
                .strip_prefix("{{#include ")
                .and_then(|rest| rest.strip_suffix("}}"))
                .map_or_else(
                    || line.to_string(),
                    |argument| include(&chapter_dir, argument),
                )
        })
        .collect();
    let markdown = crate::book::dedent_code_blocks(&expanded.join("\n"));
    let mut out = String::new();
    let mut in_code = false;
    for line in markdown.lines() {
        if line.starts_with("```") {
            in_code = !in_code;
            continue;
        }
        if in_code {
            out.push_str(format!("    {line}").trim_end());
            out.push('\n');
            continue;
        }
        match line.strip_prefix("### ") {
            Some(heading) => out.push_str(&format!("{}\n", plain(heading))),
            None => out.push_str(&format!("{}\n", plain(line))),
        }
    }
    out.trim_end().to_string()
}

/// A line of Markdown prose as plain text: `[text](link)` becomes `text`, and `**`
/// marks go. Code spans keep their backticks: they say "type this".
fn plain(line: &str) -> String {
    let mut out = String::new();
    let mut rest = line;
    while let Some(open) = rest.find('[') {
        let after = &rest[open + 1..];
        let Some(close) = after.find("](") else {
            break;
        };
        let Some(end) = after[close + 2..].find(')') else {
            break;
        };
        out.push_str(&rest[..open]);
        out.push_str(&after[..close]);
        rest = &after[close + 2 + end + 1..];
    }
    out.push_str(rest);
    out.replace("**", "")
}

/// The text an `{{#include PATH[:ANCHOR | :START[:END]]}}` stands for, as mdBook
/// includes it; a short note in its place if the file cannot be read.
fn include(chapter_dir: &Path, argument: &str) -> String {
    let (path, selector) = match argument.split_once(':') {
        Some((path, selector)) => (path, Some(selector)),
        None => (argument, None),
    };
    let Ok(text) = fs::read_to_string(chapter_dir.join(path)) else {
        return format!("(see {path})");
    };
    let Some(selector) = selector else {
        return text;
    };
    let numbers: Vec<&str> = selector.split(':').collect();
    if numbers
        .iter()
        .all(|part| part.chars().all(|c| c.is_ascii_digit()))
    {
        let lines: Vec<&str> = text.lines().collect();
        let start = numbers
            .first()
            .and_then(|n| n.parse::<usize>().ok())
            .unwrap_or(1)
            .saturating_sub(1);
        let end = numbers
            .get(1)
            .and_then(|n| n.parse::<usize>().ok())
            .unwrap_or(lines.len())
            .min(lines.len());
        return lines.get(start..end).unwrap_or_default().join("\n");
    }
    let mut inside = false;
    let mut kept = Vec::new();
    for line in text.lines() {
        let marker = |kind: &str| {
            line.split_once(kind)
                .is_some_and(|(_, name)| name.trim() == selector)
        };
        if marker("ANCHOR_END:") {
            break;
        }
        if inside && !line.contains("ANCHOR:") && !line.contains("ANCHOR_END:") {
            kept.push(line);
        }
        if marker("ANCHOR:") {
            inside = true;
        }
    }
    kept.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_follow_mdbook() {
        assert_eq!(
            html_id("06-goodbye: say goodbye in the handler's `finish`"),
            "06-goodbye-say-goodbye-in-the-handlers-finish"
        );
    }

    #[test]
    fn prose_loses_link_targets_and_bold_marks() {
        assert_eq!(
            plain("see [the crate](socketserver.md#x) and **this**, `code`"),
            "see the crate and this, `code`"
        );
    }

    #[test]
    fn every_exercise_has_a_statement_that_renders_without_includes() {
        let root = crate::workspace_root();
        for exercise in super::super::all() {
            let markdown = markdown(&root, exercise)
                .unwrap_or_else(|| panic!("{}: no statement", exercise.id));
            let text = render(&root, exercise, &markdown);
            assert!(text.starts_with(exercise.id), "{}: {text}", exercise.id);
            assert!(!text.contains("{{#"), "{}: {text}", exercise.id);
            assert!(!text.contains("(see "), "{}: {text}", exercise.id);
        }
    }
}
