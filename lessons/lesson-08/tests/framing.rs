//! Property tests of the framing module: whatever the bodies, and however the stream
//! is cut into reads, the decoder gives back exactly the messages that were encoded;
//! and whatever bytes a peer sends, it never holds more than its limits allow.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufReader, Cursor};

use lesson_08::framing::{Decoder, FrameError, Limits, MAX_HEADER, Message, encode, read_message};
use proptest::collection::vec;
use proptest::prelude::*;

const LIMITS: Limits = Limits {
    max_header: MAX_HEADER,
    max_body: 1 << 20,
};

fn messages(max_body: usize, max_count: usize) -> impl Strategy<Value = Vec<Message>> {
    vec(
        (vec(any::<u8>(), 0..=max_body), any::<bool>())
            .prop_map(|(body, is_error)| Message { body, is_error }),
        0..=max_count,
    )
}

fn stream_of(messages: &[Message]) -> Vec<u8> {
    messages
        .iter()
        .flat_map(|m| encode(&m.body, m.is_error))
        .collect()
}

/// `size` pseudo-random bytes from `seed` (xorshift64).
fn bytes_from(seed: u64, size: usize) -> Vec<u8> {
    let mut state = seed | 1;
    (0..size)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state as u8
        })
        .collect()
}

/// Feeds `pieces` to one decoder, as successive reads would deliver them; a piece may
/// hold the end of one message and the start of the next.
fn decode_pieces<'a>(pieces: impl IntoIterator<Item = &'a [u8]>) -> Vec<Message> {
    let mut decoder = Decoder::new(LIMITS);
    let mut decoded = Vec::new();
    for piece in pieces {
        let mut rest = piece;
        loop {
            let (taken, message) = decoder.decode(rest).unwrap();
            rest = &rest[taken..];
            match message {
                Some(message) => decoded.push(message),
                None => {
                    assert!(rest.is_empty(), "the decoder stopped short of the input");
                    break;
                }
            }
        }
    }
    assert!(decoder.is_between_messages());
    decoder.end_of_stream().unwrap();
    decoded
}

proptest! {
    /// The stream cut in two at every byte boundary, each cut in turn.
    #[test]
    fn split_at_every_byte_boundary(sent in messages(200, 4)) {
        let stream = stream_of(&sent);
        for cut in 0..=stream.len() {
            let (first, second) = stream.split_at(cut);
            prop_assert_eq!(&decode_pieces([first, second]), &sent, "cut at {}", cut);
        }
    }

    /// The stream one byte at a time: every boundary at once.
    #[test]
    fn one_byte_at_a_time(sent in messages(300, 4)) {
        let stream = stream_of(&sent);
        prop_assert_eq!(decode_pieces(stream.chunks(1)), sent);
    }

    /// Large bodies in reads of random sizes. (Their bytes come from a seed: drawing
    /// 100,000 bytes one by one would make this test slow for nothing.)
    #[test]
    fn large_bodies_in_random_reads(
        bodies in vec((0usize..100_000, any::<u64>(), any::<bool>()), 0..=3),
        sizes in vec(1usize..5000, 1..50),
    ) {
        let sent: Vec<Message> = bodies
            .into_iter()
            .map(|(size, seed, is_error)| Message { body: bytes_from(seed, size), is_error })
            .collect();
        let stream = stream_of(&sent);
        let mut pieces = Vec::new();
        let mut rest = &stream[..];
        for size in sizes.iter().cycle() {
            if rest.is_empty() {
                break;
            }
            let (piece, after) = rest.split_at((*size).min(rest.len()));
            pieces.push(piece);
            rest = after;
        }
        prop_assert_eq!(decode_pieces(pieces), sent);
    }

    /// `read_message` over a buffered reader of any capacity: what a handler does with
    /// its `rfile`. The stream ends cleanly after the last message.
    #[test]
    fn read_message_from_any_buffer_size(sent in messages(3000, 4), capacity in 1usize..4096) {
        let mut reader = BufReader::with_capacity(capacity, Cursor::new(stream_of(&sent)));
        let mut decoder = Decoder::new(LIMITS);
        let mut received = Vec::new();
        while let Some(message) = read_message(&mut reader, &mut decoder).unwrap() {
            received.push(message);
        }
        prop_assert_eq!(received, sent);
    }

    /// Any bytes at all, in any pieces: the decoder fails or decodes, never panics, and
    /// never holds more than one part of a message within the limits.
    #[test]
    fn garbage_never_makes_it_hold_more_than_the_limits(
        input in vec(any::<u8>(), 0..2048),
        sizes in vec(1usize..300, 1..20),
        max_header in 1usize..64,
        max_body in 0usize..256,
    ) {
        let limits = Limits { max_header, max_body };
        let mut decoder = Decoder::new(limits);
        let mut rest = &input[..];
        'feed: for size in sizes.iter().cycle() {
            if rest.is_empty() {
                break;
            }
            let (mut piece, after) = rest.split_at((*size).min(rest.len()));
            rest = after;
            while !piece.is_empty() {
                match decoder.decode(piece) {
                    Ok((taken, message)) => {
                        piece = &piece[taken..];
                        if let Some(message) = message {
                            prop_assert!(message.body.len() <= max_body);
                        }
                    }
                    Err(_) => break 'feed,
                }
                prop_assert!(decoder.buffered() <= max_header.max(max_body).max(4));
            }
        }
    }

    /// Any announced body length: a negative one and one over the limit are refused
    /// as soon as the header is complete, before a byte of the body is kept; any other
    /// gives a message once its bytes are there, and never keeps more than the limit.
    #[test]
    fn an_announced_length_is_checked_before_it_is_believed(
        announced in prop_oneof![any::<i64>(), -2i64..600],
        arrived in vec(any::<u8>(), 0..600),
        max_body in 0usize..300,
    ) {
        let header = format!(r#"{{"dataBodyLength": {announced}}}"#);
        let mut input = (header.len() as i32).to_le_bytes().to_vec();
        input.extend_from_slice(header.as_bytes());
        input.extend_from_slice(&arrived);
        let mut decoder = Decoder::new(Limits { max_header: MAX_HEADER, max_body });
        let result = decoder.decode(&input);
        if result.is_ok() {
            prop_assert!(decoder.buffered() <= max_body);
        }
        match usize::try_from(announced) {
            Err(_) => prop_assert_eq!(
                result.unwrap_err(),
                FrameError::BadBodyLength(announced.to_string())
            ),
            Ok(length) if length > max_body => prop_assert_eq!(
                result.unwrap_err(),
                FrameError::BodyTooLong { length: length as u64, max: max_body }
            ),
            Ok(length) if length <= arrived.len() => {
                let (taken, message) = result.unwrap();
                prop_assert_eq!(taken, 4 + header.len() + length);
                prop_assert_eq!(message.unwrap().body, &arrived[..length]);
            }
            Ok(_) => prop_assert_eq!(result.unwrap(), (input.len(), None)),
        }
    }

    /// A message cut short anywhere is an error at the end of the stream, never a
    /// message, never a clean end.
    #[test]
    fn a_message_cut_short_is_never_accepted(
        body in vec(any::<u8>(), 0..500),
        cut_fraction in 0.0f64..1.0,
    ) {
        let frame = encode(&body, false);
        let cut = 1 + ((frame.len() - 1) as f64 * cut_fraction) as usize; // 1..len
        prop_assume!(cut < frame.len());
        let mut decoder = Decoder::new(LIMITS);
        let (taken, message) = decoder.decode(&frame[..cut]).unwrap();
        prop_assert_eq!(taken, cut);
        prop_assert!(message.is_none());
        prop_assert!(decoder.end_of_stream().is_err());
    }
}
