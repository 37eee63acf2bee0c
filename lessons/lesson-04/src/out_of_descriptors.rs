//! Out of file descriptors: the connection loop pauses instead of spinning.
//!
//! Every connection is a file descriptor, and a process may have only so many. Out of
//! them, `accept` fails, the client stays in the listen backlog, and the next `accept`
//! fails again at once: a loop that retries straight away spins at 100 % CPU and
//! floods its log. This is its own file because it is its own concern: the connection
//! loop (`Server::serve_forever` in `lib.rs`) only asks how long to pause.

use std::io;
use std::time::Duration;

// ANCHOR: out_of_descriptors
/// The `errno` values of "too many open files": EMFILE, this process has all the file
/// descriptors it may have (`ulimit -n`), and ENFILE, the whole system has. They are
/// the same numbers on Linux, macOS and the BSDs. std has no `io::ErrorKind` for them
/// (they are `Uncategorized`), and two numbers are not worth a dependency (the `libc`
/// crate has them, as `libc::EMFILE` and `libc::ENFILE`).
pub(crate) const EMFILE: i32 = 24;
pub(crate) const ENFILE: i32 = 23;

/// Did this call fail because no file descriptor was left (for us, or for anyone)?
pub(crate) fn is_out_of_descriptors(error: &io::Error) -> bool {
    matches!(error.raw_os_error(), Some(EMFILE | ENFILE))
}

/// How long the connection loop pauses while out of file descriptors: the pause
/// doubles from [`FIRST_PAUSE`](Self::FIRST_PAUSE) up to
/// [`LONGEST_PAUSE`](Self::LONGEST_PAUSE) while accepting keeps failing, and starts
/// over once it works. Each burst is logged once, and its end once: a log line per
/// failed `accept` would be thousands a second.
#[derive(Default)]
pub(crate) struct OutOfDescriptors {
    /// The last pause, while out of descriptors; `None` while accepting works.
    pause: Option<Duration>,
}

impl OutOfDescriptors {
    /// The first pause of a burst.
    pub(crate) const FIRST_PAUSE: Duration = Duration::from_millis(10);
    /// The longest pause: also the longest that Ctrl-C may wait for the loop.
    pub(crate) const LONGEST_PAUSE: Duration = Duration::from_millis(500);

    /// Accepting failed again: how long to pause before the next try.
    pub(crate) fn failed(&mut self) -> Duration {
        let pause = match self.pause {
            None => {
                println!("out of file descriptors: pausing accept until one frees");
                Self::FIRST_PAUSE
            }
            Some(pause) => (pause * 2).min(Self::LONGEST_PAUSE),
        };
        self.pause = Some(pause);
        pause
    }

    /// Accepting worked: if that ends a burst, say so, and pause briefly next time.
    pub(crate) fn succeeded(&mut self) {
        if self.pause.take().is_some() {
            println!("accepting again");
        }
    }
}
// ANCHOR_END: out_of_descriptors

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn out_of_descriptors_the_pause_doubles_up_to_half_a_second_then_starts_over() {
        let mut out_of_descriptors = OutOfDescriptors::default();
        let pauses: Vec<u128> = (0..8)
            .map(|_| out_of_descriptors.failed().as_millis())
            .collect();
        assert_eq!(pauses, [10, 20, 40, 80, 160, 320, 500, 500]);
        out_of_descriptors.succeeded();
        assert_eq!(out_of_descriptors.failed(), OutOfDescriptors::FIRST_PAUSE);
    }

    #[test]
    fn emfile_and_enfile_are_out_of_descriptors() {
        assert!(is_out_of_descriptors(&io::Error::from_raw_os_error(EMFILE)));
        assert!(is_out_of_descriptors(&io::Error::from_raw_os_error(ENFILE)));
        assert!(!is_out_of_descriptors(&io::ErrorKind::WouldBlock.into()));
    }
}
