//! The starter is generated from the solution, so the two can never drift apart.
//!
//! A reference solution is the single source of an exercise. Two kinds of marker lines
//! in it say how the starter differs:
//!
//! ```text
//!     // SOLUTION-BEGIN
//!     let greeting = ...;          <- in the solution only
//!     // SOLUTION-END
//!     // STARTER: // TODO: greet the client
//! ```
//!
//! The region from `// SOLUTION-BEGIN` to `// SOLUTION-END` (marker lines included)
//! is left out of the starter, and a `// STARTER: CODE` line becomes `CODE`, with the
//! same indentation. In the solution, `STARTER` lines are inert comments. Every other
//! line, `// ANCHOR:` lines for the book included, is copied as it is.

const BEGIN: &str = "// SOLUTION-BEGIN";
const END: &str = "// SOLUTION-END";
const STARTER: &str = "// STARTER:";

/// The starter for a solution's text, or what is wrong with its markers (with the
/// line number).
pub fn generate(solution: &str) -> Result<String, String> {
    let mut starter = String::with_capacity(solution.len());
    let mut open: Option<usize> = None;
    for (index, line) in solution.lines().enumerate() {
        let number = index + 1;
        let code = line.trim_start();
        let indent = &line[..line.len() - code.len()];
        if is_marker(code, BEGIN) {
            if let Some(begin) = open {
                return Err(format!(
                    "line {number}: SOLUTION-BEGIN inside the region opened on line {begin}"
                ));
            }
            open = Some(number);
        } else if is_marker(code, END) {
            if open.take().is_none() {
                return Err(format!(
                    "line {number}: SOLUTION-END without a SOLUTION-BEGIN"
                ));
            }
        } else if let Some(rest) = code.strip_prefix(STARTER) {
            if let Some(begin) = open {
                return Err(format!(
                    "line {number}: a STARTER line inside the SOLUTION region opened on \
                     line {begin} (it would be left out)"
                ));
            }
            let rest = rest.strip_prefix(' ').unwrap_or(rest);
            if !rest.is_empty() {
                starter.push_str(indent);
                starter.push_str(rest);
            }
            starter.push('\n');
        } else if open.is_none() {
            starter.push_str(line);
            starter.push('\n');
        }
    }
    if let Some(begin) = open {
        return Err(format!(
            "the SOLUTION-BEGIN on line {begin} is never closed"
        ));
    }
    if !solution.ends_with('\n') {
        starter.pop();
    }
    Ok(starter)
}

/// The solution as a student would have written it, for `solution`'s diff: the
/// marker lines and the starter's `// STARTER:` lines go, the regions' code stays. A
/// region of `//!` lines only is the maintainers' note about the file (how the
/// starter is made): it goes too, and the `// STARTER:` lines right after it, the
/// student's version of that note, stay in its place, so the two files' headers are
/// the same and the diff shows only the work.
pub fn clean_solution(solution: &str) -> Result<String, String> {
    generate(solution)?; // the same markers, checked the same way
    let mut clean = String::with_capacity(solution.len());
    let mut region: Option<Vec<&str>> = None;
    let mut after_note = false;
    for line in solution.lines() {
        let code = line.trim_start();
        let indent = &line[..line.len() - code.len()];
        if is_marker(code, BEGIN) {
            region = Some(Vec::new());
        } else if is_marker(code, END) {
            let lines = region.take().unwrap_or_default();
            after_note =
                !lines.is_empty() && lines.iter().all(|l| l.trim_start().starts_with("//!"));
            if !after_note {
                for kept in lines {
                    clean.push_str(kept);
                    clean.push('\n');
                }
            }
        } else if let Some(lines) = region.as_mut() {
            lines.push(line);
        } else if let Some(rest) = code.strip_prefix(STARTER) {
            if after_note {
                let rest = rest.strip_prefix(' ').unwrap_or(rest);
                clean.push_str(indent);
                clean.push_str(rest);
                clean.push('\n');
            }
        } else {
            after_note = false;
            clean.push_str(line);
            clean.push('\n');
        }
    }
    Ok(clean)
}

/// `// SOLUTION-BEGIN`, alone or followed by a note (`// SOLUTION-BEGIN: greet`).
fn is_marker(code: &str, marker: &str) -> bool {
    code.strip_prefix(marker)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with([' ', ':']))
}

#[cfg(test)]
mod tests {
    use super::{clean_solution, generate};

    #[test]
    fn the_clean_solution_keeps_the_work_and_the_students_header() {
        let solution = "\
// SOLUTION-BEGIN
//! For maintainers: how the starter is made.
// SOLUTION-END
// STARTER: //! Your exercise.

fn main() {
    // SOLUTION-BEGIN
    // Print it.
    println!(\"1\");
    // SOLUTION-END
    // STARTER: // TODO: print 1
}
";
        assert_eq!(
            clean_solution(solution).unwrap(),
            "//! Your exercise.\n\nfn main() {\n    // Print it.\n    println!(\"1\");\n}\n"
        );
    }

    #[test]
    fn regions_are_cut_and_starter_lines_uncommented() {
        let solution = "\
// SOLUTION-BEGIN
//! The solution.
// SOLUTION-END
// STARTER: //! Your exercise.

fn main() {
    // ANCHOR: greet
    let n = 1;
    // SOLUTION-BEGIN: the answer
    println!(\"{n}\");
    // SOLUTION-END
    // STARTER: // TODO: print n
    // STARTER: let _ = n;
    // STARTER:
    // ANCHOR_END: greet
}
";
        let starter = "\
//! Your exercise.

fn main() {
    // ANCHOR: greet
    let n = 1;
    // TODO: print n
    let _ = n;

    // ANCHOR_END: greet
}
";
        assert_eq!(generate(solution).unwrap(), starter);
    }

    #[test]
    fn a_file_without_markers_is_its_own_starter() {
        let text = "fn main() {}\n// SOLUTION-BEGINS is not a marker\n";
        assert_eq!(generate(text).unwrap(), text);
        assert_eq!(generate("fn main() {}").unwrap(), "fn main() {}");
    }

    #[test]
    fn broken_markers_are_reported_with_their_line() {
        assert_eq!(
            generate("// SOLUTION-BEGIN\nx\n").unwrap_err(),
            "the SOLUTION-BEGIN on line 1 is never closed"
        );
        assert_eq!(
            generate("x\n  // SOLUTION-END\n").unwrap_err(),
            "line 2: SOLUTION-END without a SOLUTION-BEGIN"
        );
        assert_eq!(
            generate("// SOLUTION-BEGIN\n// SOLUTION-BEGIN\n").unwrap_err(),
            "line 2: SOLUTION-BEGIN inside the region opened on line 1"
        );
        assert!(
            generate("// SOLUTION-BEGIN\n// STARTER: x\n// SOLUTION-END\n")
                .unwrap_err()
                .starts_with("line 2: a STARTER line inside")
        );
    }
}
