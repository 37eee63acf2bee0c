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
/// expected lines, then a run of actual ones.
fn matched<'a>(expected: &'a str, actual: &'a str) -> Vec<Line<'a>> {
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
    fn rendering_marks_every_line_and_colours_on_request() {
        let lines = diff("a\nb\n", "a\nc\n");
        assert_eq!(render(&lines, false), "  a\n- b\n+ c\n");
        assert_eq!(
            render(&lines, true),
            "  a\n\x1b[31m- b\x1b[0m\n\x1b[32m+ c\x1b[0m\n"
        );
    }
}
