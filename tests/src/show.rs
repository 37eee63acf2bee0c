//! How the harness prints bytes: readable text where it is UTF-8, `\xNN` where it is
//! not, and a short head for long data, so a 1 MB message is one transcript line.

/// Longest text shown in full; longer data shows its head and its length.
const SHOWN_CHARS: usize = 60;

/// Quote `data` for a transcript: `"hello\n"`, `"\xff\xfeA"`, or
/// `"aaaa…" (1048576 bytes)` for long data.
pub fn show_bytes(data: &[u8]) -> String {
    let mut text = String::new();
    let mut shown = 0;
    'chunks: for chunk in data.utf8_chunks() {
        for c in chunk.valid().chars() {
            if shown == SHOWN_CHARS {
                break 'chunks;
            }
            text.extend(c.escape_debug());
            shown += 1;
        }
        for byte in chunk.invalid() {
            if shown == SHOWN_CHARS {
                break 'chunks;
            }
            text.push_str(&format!("\\x{byte:02x}"));
            shown += 1;
        }
    }
    if shown == SHOWN_CHARS && data.len() > shown {
        format!("\"{text}…\" ({} bytes)", data.len())
    } else {
        format!("\"{text}\"")
    }
}

/// When `got` is not `expected` but [`show_bytes`] prints them alike (a long reply
/// that differs after its head), where they part: `byte 70: "x…"` from the first
/// difference on, so that a transcript shows what a short one would.
pub fn hidden_difference(got: &[u8], expected: &[u8]) -> Option<String> {
    if got == expected || show_bytes(got) != show_bytes(expected) {
        return None;
    }
    let at = got
        .iter()
        .zip(expected)
        .position(|(a, b)| a != b)
        .unwrap_or(got.len().min(expected.len()));
    Some(format!("byte {at}: {}", show_bytes(&got[at..])))
}

#[cfg(test)]
mod tests {
    use super::{hidden_difference, show_bytes};

    #[test]
    fn text_is_quoted_and_escaped() {
        assert_eq!(show_bytes(b"hello\n"), r#""hello\n""#);
        assert_eq!(show_bytes("héllo".as_bytes()), r#""héllo""#);
    }

    #[test]
    fn invalid_utf8_shows_its_bytes() {
        assert_eq!(show_bytes(b"\xff\xfeA"), r#""\xff\xfeA""#);
    }

    #[test]
    fn long_data_shows_a_head_and_its_length() {
        let shown = show_bytes(&[b'a'; 1000]);
        assert!(shown.ends_with("…\" (1000 bytes)"), "{shown}");
        assert_eq!(shown.matches('a').count(), 60);
    }

    #[test]
    fn a_difference_past_the_head_is_pointed_at() {
        let expected = [b'a'; 100];
        let mut got = expected;
        got[70] = b'b';
        assert_eq!(show_bytes(&got), show_bytes(&expected));
        assert_eq!(
            hidden_difference(&got, &expected).as_deref(),
            Some(r#"byte 70: "baaaaaaaaaaaaaaaaaaaaaaaaaaaaa""#)
        );
        // Nothing to point at when they are equal, or already look different.
        assert_eq!(hidden_difference(&expected, &expected), None);
        assert_eq!(hidden_difference(b"a", b"b"), None);
    }
}
