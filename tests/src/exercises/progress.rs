//! A student's progress: which exercises pass, and how many hints they have seen.
//!
//! It lives in `.classroom-progress` at the workspace root (git-ignored: it is the
//! student's, not the course's), as plain text a person can read and edit:
//!
//! ```text
//! 01-greeting done
//! 01-whole-line hints 2
//! ```
//!
//! Entries are keyed by the exercise's stable id, so reordering the course keeps
//! everyone's progress. Lines this version does not understand (an exercise that was
//! removed, a comment) are kept as they are when the file is written back.

use std::collections::BTreeMap;
use std::io::{self, ErrorKind};
use std::path::{Path, PathBuf};
use std::{env, fs};

/// The progress file's name, at the workspace root.
pub const FILE_NAME: &str = ".classroom-progress";

/// The progress file: `$CLASSROOM_PROGRESS` if set (the runner's tests use a
/// temporary one), else `.classroom-progress` in the workspace `root`.
pub fn path(root: &Path) -> PathBuf {
    match env::var_os("CLASSROOM_PROGRESS") {
        Some(path) if !path.is_empty() => PathBuf::from(path),
        _ => root.join(FILE_NAME),
    }
}

/// What one exercise's entry records.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct Entry {
    done: bool,
    hints: usize,
}

/// Everything the file records.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Progress {
    entries: BTreeMap<String, Entry>,
    /// Lines that were not understood, written back unchanged.
    other: Vec<String>,
}

impl Progress {
    /// Reads the file at `path`; a missing file is no progress yet.
    pub fn load(path: &Path) -> io::Result<Progress> {
        match fs::read_to_string(path) {
            Ok(text) => Ok(Progress::parse(&text)),
            Err(error) if error.kind() == ErrorKind::NotFound => Ok(Progress::default()),
            Err(error) => Err(error),
        }
    }

    /// Writes the progress to `path`. No progress and no file yet: nothing to write,
    /// so a `reset` of an untouched exercise leaves no empty file behind.
    pub fn save(&self, path: &Path) -> io::Result<()> {
        let text = self.render();
        if text.is_empty() && !path.exists() {
            return Ok(());
        }
        fs::write(path, text)
    }

    /// Parses the file's text. Never fails: a line it does not understand is kept.
    pub fn parse(text: &str) -> Progress {
        let mut progress = Progress::default();
        for line in text.lines() {
            let words: Vec<&str> = line.split_whitespace().collect();
            match words.as_slice() {
                [] => {}
                [id, "done"] if !id.starts_with('#') => progress.entry(id).done = true,
                [id, "hints", count] if !id.starts_with('#') => match count.parse() {
                    Ok(count) => progress.entry(id).hints = count,
                    Err(_) => progress.other.push(line.to_string()),
                },
                _ => progress.other.push(line.to_string()),
            }
        }
        progress
    }

    /// The file's text.
    pub fn render(&self) -> String {
        let mut text = String::new();
        for line in &self.other {
            text.push_str(line);
            text.push('\n');
        }
        for (id, entry) in &self.entries {
            if entry.done {
                text.push_str(&format!("{id} done\n"));
            }
            if entry.hints > 0 {
                text.push_str(&format!("{id} hints {}\n", entry.hints));
            }
        }
        text
    }

    fn entry(&mut self, id: &str) -> &mut Entry {
        self.entries.entry(id.to_string()).or_default()
    }

    /// Whether the exercise `id` has passed its check.
    pub fn is_done(&self, id: &str) -> bool {
        self.entries.get(id).is_some_and(|entry| entry.done)
    }

    /// Records whether `id` passes.
    pub fn set_done(&mut self, id: &str, done: bool) {
        self.entry(id).done = done;
    }

    /// How many hints of `id` the student has seen.
    pub fn hints_seen(&self, id: &str) -> usize {
        self.entries.get(id).map_or(0, |entry| entry.hints)
    }

    /// Records that the student has seen hints up to `level`.
    pub fn saw_hint(&mut self, id: &str, level: usize) {
        let entry = self.entry(id);
        entry.hints = entry.hints.max(level);
    }
}

#[cfg(test)]
mod tests {
    use super::Progress;

    #[test]
    fn parses_done_and_hints_and_keeps_what_it_does_not_know() {
        let text = "# my progress\n01-greeting done\n\n01-whole-line hints 2\n09-gone done\n\
                    01-greeting hints x\nnonsense\n";
        let progress = Progress::parse(text);
        assert!(progress.is_done("01-greeting"));
        assert!(!progress.is_done("01-whole-line"));
        assert!(progress.is_done("09-gone"));
        assert_eq!(progress.hints_seen("01-whole-line"), 2);
        assert_eq!(progress.hints_seen("01-greeting"), 0);
        assert_eq!(
            progress.render(),
            "# my progress\n01-greeting hints x\nnonsense\n01-greeting done\n\
             01-whole-line hints 2\n09-gone done\n"
        );
    }

    #[test]
    fn round_trips_and_records() {
        let mut progress = Progress::parse("");
        assert_eq!(progress.render(), "");
        progress.set_done("02-numbered", true);
        progress.saw_hint("02-numbered", 2);
        progress.saw_hint("02-numbered", 1);
        progress.saw_hint("01-greeting", 1);
        let text = progress.render();
        assert_eq!(
            text,
            "01-greeting hints 1\n02-numbered done\n02-numbered hints 2\n"
        );
        assert_eq!(Progress::parse(&text), progress);
        progress.set_done("02-numbered", false);
        assert!(!progress.is_done("02-numbered"));
    }

    #[test]
    fn a_missing_file_is_no_progress() {
        let path = std::env::temp_dir().join("classroom-no-such-progress-file");
        assert_eq!(Progress::load(&path).unwrap(), Progress::default());
    }
}
