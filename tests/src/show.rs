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

#[cfg(test)]
mod tests {
    use super::show_bytes;

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
}
