//! A line diff of two transcripts, for a student to read: what a correct server says,
//! and what theirs said instead.
//!
//! Transcripts are a few dozen lines, so the textbook longest-common-subsequence
//! table is plenty, and a dozen lines here spare every student the build of a diff
//! crate. Colour is the caller's choice ([`colour_wanted`] says what the terminal
//! wants): the text reads the same without it, thanks to the `-`/`+` marks.

use std::io::IsTerminal;

/// One line of a diff.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Line<'a> {
    /// In both.
    Same(&'a str),
    /// Expected, and missing from what happened.
    Expected(&'a str),
    /// What happened instead.
    Actual(&'a str),
}

/// The lines of `expected` and `actual`, matched up. Where they differ, the expected
/// and the actual lines alternate, so that each line of what happened sits right
/// under the line it replaced: a server that goes off script shows its wrong reply
/// where the conversations part, then what the rest should have been.
pub fn diff<'a>(expected: &'a str, actual: &'a str) -> Vec<Line<'a>> {
    interleave(matched(expected, actual))
}

/// The textbook longest-common-subsequence diff: every difference as a run of
/// expected lines, then a run of actual ones, as `diff -u` shows a change to code.
pub fn matched<'a>(expected: &'a str, actual: &'a str) -> Vec<Line<'a>> {
    let old: Vec<&str> = expected.lines().collect();
    let new: Vec<&str> = actual.lines().collect();
    // common[i][j]: the length of the longest common subsequence of old[i..], new[j..].
    let mut common = vec![vec![0usize; new.len() + 1]; old.len() + 1];
    for i in (0..old.len()).rev() {
        for j in (0..new.len()).rev() {
            common[i][j] = if old[i] == new[j] {
                common[i + 1][j + 1] + 1
            } else {
                common[i + 1][j].max(common[i][j + 1])
            };
        }
    }
    let (mut i, mut j) = (0, 0);
    let mut lines = Vec::with_capacity(old.len().max(new.len()));
    while i < old.len() || j < new.len() {
        if i < old.len() && j < new.len() && old[i] == new[j] {
            lines.push(Line::Same(old[i]));
            i += 1;
            j += 1;
        } else if j == new.len() || (i < old.len() && common[i + 1][j] >= common[i][j + 1]) {
            lines.push(Line::Expected(old[i]));
            i += 1;
        } else {
            lines.push(Line::Actual(new[j]));
            j += 1;
        }
    }
    lines
}

/// Rewrites each run of differences (the lines between two `Same`s) so that its
/// expected and actual lines alternate.
fn interleave(lines: Vec<Line<'_>>) -> Vec<Line<'_>> {
    let mut out = Vec::with_capacity(lines.len());
    let (mut expected, mut actual) = (Vec::new(), Vec::new());
    for line in lines {
        match line {
            Line::Expected(_) => expected.push(line),
            Line::Actual(_) => actual.push(line),
            Line::Same(_) => {
                alternate(&mut out, &mut expected, &mut actual);
                out.push(line);
            }
        }
    }
    alternate(&mut out, &mut expected, &mut actual);
    out
}

/// Moves one run's expected and actual lines to `out`, alternating.
fn alternate<'a>(
    out: &mut Vec<Line<'a>>,
    expected: &mut Vec<Line<'a>>,
    actual: &mut Vec<Line<'a>>,
) {
    for k in 0..expected.len().max(actual.len()) {
        out.extend(expected.get(k));
        out.extend(actual.get(k));
    }
    expected.clear();
    actual.clear();
}

/// The diff as text: `  ` before a line in both, `- ` before an expected line that
/// did not happen, `+ ` before what happened instead; red and green with `colour`.
pub fn render(lines: &[Line<'_>], colour: bool) -> String {
    let mut text = String::new();
    for line in lines {
        let (mark, line, paint) = match line {
            Line::Same(line) => ("  ", line, None),
            Line::Expected(line) => ("- ", line, Some("31")),
            Line::Actual(line) => ("+ ", line, Some("32")),
        };
        match paint {
            Some(paint) if colour => {
                text.push_str(&format!("\x1b[{paint}m{mark}{line}\x1b[0m\n"));
            }
            _ => text.push_str(&format!("{mark}{line}\n")),
        }
    }
    text
}

/// The diff as hunks, the way `diff -u` shows a change to a file: each run of
/// differences with `context` lines around it, and `@@ line N @@` before each hunk
/// (N: the line in the second text); the unchanged stretches between are left out.
pub fn render_hunks(lines: &[Line<'_>], context: usize, colour: bool) -> String {
    let changed: Vec<usize> = lines
        .iter()
        .enumerate()
        .filter(|(_, line)| !matches!(line, Line::Same(_)))
        .map(|(at, _)| at)
        .collect();
    let mut text = String::new();
    let mut shown_to = 0; // lines before this index are shown already
    let mut at = 0;
    while at < changed.len() {
        let start = changed[at].saturating_sub(context).max(shown_to);
        let mut end = changed[at];
        while at < changed.len() && changed[at] <= end + 2 * context + 1 {
            end = changed[at];
            at += 1;
        }
        let end = (end + context + 1).min(lines.len());
        let new_line = lines[..start]
            .iter()
            .filter(|line| !matches!(line, Line::Expected(_)))
            .count()
            + 1;
        text.push_str(&format!("@@ line {new_line} @@\n"));
        text.push_str(&render(&lines[start..end], colour));
        shown_to = end;
    }
    text
}

/// Two transcripts compared the way a student reads a failed check: the lines both
/// share up to the first wrong turn, the line a correct server gives there, what
/// happened instead (to the end: it is short, the check stops off script), and the
/// rest of the correct conversation, which was never reached. After a wrong turn,
/// every later line differs too; those are not more mistakes, so they are not shown
/// as such.
#[derive(Debug, PartialEq, Eq)]
pub struct WrongTurn<'a> {
    pub same: Vec<&'a str>,
    pub expected: Option<&'a str>,
    pub instead: Vec<&'a str>,
    pub not_reached: Vec<&'a str>,
}

/// Where `actual` leaves `expected`; `None` if they are the same.
pub fn first_wrong_turn<'a>(expected: &'a str, actual: &'a str) -> Option<WrongTurn<'a>> {
    let expected: Vec<&str> = expected.trim_matches('\n').lines().collect();
    let actual: Vec<&str> = actual.trim_matches('\n').lines().collect();
    let shared = expected
        .iter()
        .zip(&actual)
        .take_while(|(e, a)| e.trim_end() == a.trim_end())
        .count();
    if shared == expected.len() && shared == actual.len() {
        return None;
    }
    Some(WrongTurn {
        same: expected[..shared].to_vec(),
        expected: expected.get(shared).copied(),
        instead: actual[shared..].to_vec(),
        not_reached: expected.get(shared + 1..).unwrap_or_default().to_vec(),
    })
}

/// A [`WrongTurn`] as text: `  ` before a shared line, `- ` before the correct line,
/// `+ ` before what happened instead, `· ` before the lines never reached, which are
/// announced once; red, green and dim with `colour`.
pub fn render_wrong_turn(turn: &WrongTurn<'_>, colour: bool) -> String {
    let paint = |style: &str, text: String| {
        if colour {
            format!("\x1b[{style}m{text}\x1b[0m\n")
        } else {
            format!("{text}\n")
        }
    };
    let mut text = String::new();
    for line in &turn.same {
        text.push_str(&format!("  {line}\n"));
    }
    if let Some(line) = turn.expected {
        text.push_str(&paint("31", format!("- {line}")));
    }
    for line in &turn.instead {
        text.push_str(&paint("32", format!("+ {line}")));
    }
    if !turn.not_reached.is_empty() {
        text.push_str(&paint(
            "2",
            format!(
                "  (not reached: the {} line{} a correct server goes on with)",
                turn.not_reached.len(),
                if turn.not_reached.len() == 1 { "" } else { "s" }
            ),
        ));
        for line in &turn.not_reached {
            text.push_str(&paint("2", format!("· {line}")));
        }
    }
    text
}

/// Whether to colour what goes to stdout: only on a terminal, and never when the
/// `NO_COLOR` convention (no-color.org) asks for none.
pub fn colour_wanted() -> bool {
    let no_colour = std::env::var_os("NO_COLOR").is_some_and(|value| !value.is_empty());
    !no_colour && std::io::stdout().is_terminal()
}

#[cfg(test)]
mod tests {
    use super::*;
    use Line::*;

    #[test]
    fn equal_texts_are_all_same() {
        let text = "a\nb\n";
        assert_eq!(diff(text, text), vec![Same("a"), Same("b")]);
        assert_eq!(diff("", ""), vec![]);
    }

    #[test]
    fn a_missing_greeting_and_a_wrong_reply() {
        let expected = "== C connects\nS: \"welcome\"\nC: \"hi\"\nS: \"1: HI\"\n== C closes\n";
        let actual = "== C connects\nC: \"hi\"\nS: \"HI\"\n== C closes\n";
        assert_eq!(
            diff(expected, actual),
            vec![
                Same("== C connects"),
                Expected("S: \"welcome\""),
                Same("C: \"hi\""),
                Expected("S: \"1: HI\""),
                Actual("S: \"HI\""),
                Same("== C closes"),
            ]
        );
    }

    #[test]
    fn a_transcript_that_stops_early_or_goes_on() {
        assert_eq!(
            diff("a\nb\nc\n", "a\n"),
            vec![Same("a"), Expected("b"), Expected("c")]
        );
        assert_eq!(diff("a\n", "a\nb\n"), vec![Same("a"), Actual("b")]);
        assert_eq!(diff("", "x\n"), vec![Actual("x")]);
    }

    #[test]
    fn a_wrong_reply_sits_where_the_conversations_part() {
        let expected = "C: \"a\"\nS: \"A\"\nC: \"b\"\nS: \"B\"\n== C closes\n";
        let actual = "C: \"a\"\nS: \"oops\"\n";
        assert_eq!(
            diff(expected, actual),
            vec![
                Same("C: \"a\""),
                Expected("S: \"A\""),
                Actual("S: \"oops\""),
                Expected("C: \"b\""),
                Expected("S: \"B\""),
                Expected("== C closes"),
            ]
        );
    }

    #[test]
    fn hunks_show_changes_with_context_and_skip_the_rest() {
        let old = "1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n";
        let new = "1\n2\n3\n4\nfive\n6\n7\n8\n9\n10\n";
        assert_eq!(
            render_hunks(&diff(old, new), 1, false),
            "@@ line 4 @@\n  4\n- 5\n+ five\n  6\n"
        );
        let two = "one\n2\n3\n4\n5\n6\n7\n8\n9\nten\n";
        assert_eq!(
            render_hunks(&diff(old, two), 1, false),
            "@@ line 1 @@\n- 1\n+ one\n  2\n@@ line 9 @@\n  9\n- 10\n+ ten\n"
        );
        assert_eq!(render_hunks(&diff(old, old), 3, false), "");
    }

    #[test]
    fn the_first_wrong_turn_and_what_was_not_reached() {
        let expected = "== C connects\nC: \"a\"\nS: \"A\"\nC: \"b\"\nS: \"B\"\n== C closes\n";
        let actual = "== C connects\nC: \"a\"\nS: \"oops\"\n== C hears something else\n";
        let turn = first_wrong_turn(expected, actual).unwrap();
        assert_eq!(turn.same, vec!["== C connects", "C: \"a\""]);
        assert_eq!(turn.expected, Some("S: \"A\""));
        assert_eq!(
            turn.instead,
            vec!["S: \"oops\"", "== C hears something else"]
        );
        assert_eq!(
            turn.not_reached,
            vec!["C: \"b\"", "S: \"B\"", "== C closes"]
        );
        assert_eq!(
            render_wrong_turn(&turn, false),
            "  == C connects\n  C: \"a\"\n- S: \"A\"\n+ S: \"oops\"\n\
             + == C hears something else\n  (not reached: the 3 lines a correct server goes on with)\n\
             · C: \"b\"\n· S: \"B\"\n· == C closes\n"
        );
        assert_eq!(first_wrong_turn("a\nb\n", "a\nb"), None);
        let longer = first_wrong_turn("a\n", "a\nb\n").unwrap();
        assert_eq!((longer.expected, longer.instead), (None, vec!["b"]));
    }

    #[test]
    fn rendering_marks_every_line_and_colours_on_request() {
        let lines = diff("a\nb\n", "a\nc\n");
        assert_eq!(render(&lines, false), "  a\n- b\n+ c\n");
        assert_eq!(
            render(&lines, true),
            "  a\n\x1b[31m- b\x1b[0m\n\x1b[32m+ c\x1b[0m\n"
        );
    }
}
