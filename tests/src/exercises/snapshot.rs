//! Reading an exercise's expected transcript from its insta snapshot file.
//!
//! The snapshots are written and reviewed with insta, by the exercises' `cargo test`
//! (`tests/tests/exercises.rs`), so maintainers manage them like every other
//! snapshot. The runner only needs to read one, and insta's file format is simple: a
//! `---` line, a header of `key: value` lines, a `---` line, then the snapshot.
//! Reading it here keeps insta a test-only dependency.

use std::fs;
use std::io;
use std::path::Path;

/// The snapshot's contents: the text after the header.
pub fn read(path: &Path) -> io::Result<String> {
    fs::read_to_string(path).map(|text| body(&text).to_string())
}

/// The text after insta's `---` header (all of `text` if it has none).
pub fn body(text: &str) -> &str {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let Some(rest) = text
        .strip_prefix("---\n")
        .or_else(|| text.strip_prefix("---\r\n"))
    else {
        return text;
    };
    let mut offset = 0;
    for line in rest.split_inclusive('\n') {
        offset += line.len();
        if line.trim_end() == "---" {
            return &rest[offset..];
        }
    }
    text
}

/// Whether two transcripts say the same, as insta compares them: line endings and
/// blank lines at either end do not count.
pub fn same(expected: &str, actual: &str) -> bool {
    normalize(expected) == normalize(actual)
}

/// `text` with `\n` line endings, no trailing spaces, and no blank lines at either end.
pub fn normalize(text: &str) -> String {
    let lines: Vec<&str> = text.lines().map(str::trim_end).collect();
    lines.join("\n").trim_matches('\n').to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_header_is_stripped() {
        let file = "---\nsource: tests/tests/exercises.rs\nexpression: transcript\n---\n== C connects\nS: \"---\"\n";
        assert_eq!(body(file), "== C connects\nS: \"---\"\n");
        assert_eq!(body("no header\n"), "no header\n");
        assert_eq!(body("---\nunterminated\n"), "---\nunterminated\n");
    }

    #[test]
    fn comparison_ignores_line_endings_and_blank_ends() {
        assert!(same("a\r\nb\n\n", "\na\nb"));
        assert!(!same("a\nb\n", "a\nc\n"));
        assert_eq!(normalize("a  \r\nb\n"), "a\nb");
    }
}
