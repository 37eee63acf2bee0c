//! A student's progress: which exercises pass, and how many hints they have seen.
//!
//! It lives in `.classroom-progress` at the workspace root (git-ignored: it is the
//! student's, not the course's), as plain text a person can read and edit:
//!
//! ```text
//! 01-greeting done
//! 01-greeting checks 3 first 1764088812 last 1764089100
//! 01-whole-line hints 2
//! ```
//!
//! `checks` says how many times the exercise was checked, and when first and last
//! (seconds since 1970, UTC): what a teacher's `report` collects.
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
    checks: Checks,
}

/// How often an exercise was checked, and when first and last (Unix seconds).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Checks {
    pub count: u64,
    pub first: u64,
    pub last: u64,
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
                [id, "checks", count, "first", first, "last", last] if !id.starts_with('#') => {
                    match (count.parse(), first.parse(), last.parse()) {
                        (Ok(count), Ok(first), Ok(last)) => {
                            progress.entry(id).checks = Checks { count, first, last };
                        }
                        _ => progress.other.push(line.to_string()),
                    }
                }
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
            if entry.checks.count > 0 {
                let Checks { count, first, last } = entry.checks;
                text.push_str(&format!("{id} checks {count} first {first} last {last}\n"));
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

    /// How often `id` was checked, and when.
    pub fn checks(&self, id: &str) -> Checks {
        self.entries
            .get(id)
            .map_or_else(Checks::default, |entry| entry.checks)
    }

    /// Records a check of `id` at `now` (Unix seconds).
    pub fn checked(&mut self, id: &str, now: u64) {
        let checks = &mut self.entry(id).checks;
        if checks.count == 0 {
            checks.first = now;
        }
        checks.count += 1;
        checks.last = now;
    }

    /// Records that the student has seen hints up to `level`.
    pub fn saw_hint(&mut self, id: &str, level: usize) {
        let entry = self.entry(id);
        entry.hints = entry.hints.max(level);
    }
}

/// Unix seconds as a UTC time a person reads, `2026-11-25T16:40:12Z` (ISO 8601).
pub fn utc(seconds: u64) -> String {
    let (days, second) = (seconds / 86_400, seconds % 86_400);
    // Howard Hinnant's civil_from_days (public domain): days since 1970 to a date.
    let days = days as i64 + 719_468;
    let era = days.div_euclid(146_097);
    let day_of_era = days.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_from_march = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_from_march + 2) / 5 + 1;
    let month = if month_from_march < 10 {
        month_from_march + 3
    } else {
        month_from_march - 9
    };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        second / 3600,
        second / 60 % 60,
        second % 60
    )
}

#[cfg(test)]
mod tests {
    use super::{Progress, utc};

    #[test]
    fn times_read_as_utc() {
        assert_eq!(utc(0), "1970-01-01T00:00:00Z");
        assert_eq!(utc(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(utc(1_795_624_812), "2026-11-25T16:40:12Z");
    }

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
        progress.checked("02-numbered", 100);
        progress.checked("02-numbered", 250);
        assert_eq!(
            progress.checks("02-numbered"),
            super::Checks {
                count: 2,
                first: 100,
                last: 250
            }
        );
        let text = progress.render();
        assert!(
            text.contains("02-numbered checks 2 first 100 last 250\n"),
            "{text}"
        );
        assert_eq!(Progress::parse(&text), progress);
    }

    #[test]
    fn a_missing_file_is_no_progress() {
        let path = std::env::temp_dir().join("classroom-no-such-progress-file");
        assert_eq!(Progress::load(&path).unwrap(), Progress::default());
    }
}
