//! `report`: a student's progress in a form a teacher can collect without a server:
//! one plain-text line to read or paste, and a JSON file to gather with a class's
//! others (a shared folder, an assignment upload, a pull request).
//!
//! It says, for every exercise of the course by its stable id: whether it passes, how
//! many times it was checked, and when first and last (UTC), and how many hints were
//! seen: all from the progress file, which the runner keeps.

use super::all;
use super::progress::{Progress, utc};

/// One student's report.
pub struct Report {
    name: String,
    made: u64,
    rows: Vec<Row>,
}

/// One exercise's line of it.
struct Row {
    id: &'static str,
    done: bool,
    attempts: u64,
    first: Option<u64>,
    last: Option<u64>,
    hints: usize,
}

impl Report {
    /// The report of `progress`, for `name`, made at `now` (Unix seconds).
    pub fn of(progress: &Progress, name: &str, now: u64) -> Report {
        let rows = all()
            .map(|exercise| {
                let checks = progress.checks(exercise.id);
                let when = |time: u64| (checks.count > 0).then_some(time);
                Row {
                    id: exercise.id,
                    done: progress.is_done(exercise.id),
                    attempts: checks.count,
                    first: when(checks.first),
                    last: when(checks.last),
                    hints: progress.hints_seen(exercise.id),
                }
            })
            .collect();
        Report {
            name: name.to_string(),
            made: now,
            rows,
        }
    }

    /// `Ada Lovelace: 7/20 done (01-greeting 01-whole-line ...), 31 checks, 4 hints`.
    pub fn line(&self) -> String {
        let done: Vec<&str> = self.rows.iter().filter(|r| r.done).map(|r| r.id).collect();
        let checks: u64 = self.rows.iter().map(|r| r.attempts).sum();
        let hints: usize = self.rows.iter().map(|r| r.hints).sum();
        format!(
            "{}: {}/{} done ({}), {checks} checks, {hints} hints, as of {}",
            self.name,
            done.len(),
            self.rows.len(),
            if done.is_empty() {
                "none yet".to_string()
            } else {
                done.join(" ")
            },
            utc(self.made)
        )
    }

    /// The report as JSON.
    pub fn json(&self) -> String {
        let exercises: Vec<serde_json::Value> = self
            .rows
            .iter()
            .map(|row| {
                serde_json::json!({
                    "id": row.id,
                    "done": row.done,
                    "attempts": row.attempts,
                    "first_check": row.first.map(utc),
                    "last_check": row.last.map(utc),
                    "hints_seen": row.hints,
                })
            })
            .collect();
        let report = serde_json::json!({
            "student": self.name,
            "made": utc(self.made),
            "done": self.rows.iter().filter(|r| r.done).count(),
            "total": self.rows.len(),
            "exercises": exercises,
        });
        let mut text = serde_json::to_string_pretty(&report).unwrap_or_default();
        text.push('\n');
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_report_says_what_is_done_and_when_it_was_checked() {
        let mut progress = Progress::default();
        progress.checked("01-greeting", 1_795_624_800);
        progress.checked("01-greeting", 1_795_624_812);
        progress.set_done("01-greeting", true);
        progress.saw_hint("01-whole-line", 2);
        let report = Report::of(&progress, "Ada", 1_795_628_400);
        let total = all().count();
        assert_eq!(
            report.line(),
            format!(
                "Ada: 1/{total} done (01-greeting), 2 checks, 2 hints, as of 2026-11-25T17:40:00Z"
            )
        );
        let json: serde_json::Value = serde_json::from_str(&report.json()).unwrap();
        assert_eq!(json["student"], "Ada");
        assert_eq!(json["done"], 1);
        assert_eq!(json["exercises"][0]["id"], "01-greeting");
        assert_eq!(json["exercises"][0]["attempts"], 2);
        assert_eq!(json["exercises"][0]["first_check"], "2026-11-25T16:40:00Z");
        assert_eq!(json["exercises"][0]["last_check"], "2026-11-25T16:40:12Z");
        assert_eq!(json["exercises"][1]["hints_seen"], 2);
        assert_eq!(json["exercises"][1]["first_check"], serde_json::Value::Null);
    }
}
