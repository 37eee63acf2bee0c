//! Out of file descriptors: the server pauses accepting instead of spinning.
//!
//! Every connection is a file descriptor, and a process may have only so many. Out of
//! them, `accept` fails, the client stays in the backlog, and the listening socket
//! stays readable: a level-triggered selector reports it again on every turn of the
//! loop, and `accept` fails again, as fast as the machine goes. So the server stops
//! watching the listener for a while. This is its own file because it is its own
//! concern: the event loop in `lib.rs` only asks when the pause ends, and the listener's
//! callback, `accept`, calls `pause_accepting` when it fails this way.

use std::io;
use std::time::{Duration, Instant};

use polling::{Event, PollMode};

use crate::{Registration, Server, Socket};

// ANCHOR: out_of_descriptors
/// The `errno` values of "too many open files": EMFILE, this process has all the file
/// descriptors it may have (`ulimit -n`), and ENFILE, the whole system has. They are
/// the same numbers on Linux, macOS and the BSDs. std has no `io::ErrorKind` for them
/// (they are `Uncategorized`), and two numbers are not worth a dependency (the `libc`
/// crate has them, as `libc::EMFILE` and `libc::ENFILE`).
const EMFILE: i32 = 24;
const ENFILE: i32 = 23;

/// Did this call fail because no file descriptor was left (for us, or for anyone)?
pub(crate) fn is_out_of_descriptors(error: &io::Error) -> bool {
    matches!(error.raw_os_error(), Some(EMFILE | ENFILE))
}

/// How long to leave the listener alone while out of file descriptors: the pause
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
    pub(crate) const FIRST_PAUSE: Duration = Duration::from_millis(10);
    const LONGEST_PAUSE: Duration = Duration::from_millis(500);

    /// `accept` failed again: how long to pause before the next try.
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

    /// `accept` worked: if that ends a burst, say so, and pause briefly next time.
    pub(crate) fn succeeded(&mut self) {
        if self.pause.take().is_some() {
            println!("accepting again");
        }
    }
}
// ANCHOR_END: out_of_descriptors

impl Server {
    // ANCHOR: pause_accepting
    /// Out of file descriptors: stop watching the listener for a pause (10 ms at
    /// first, doubling while accepting keeps failing). The waiting client stays in the
    /// backlog and the listener stays readable, so watched, it would be reported again
    /// at once, `accept` would fail again at once, and the loop would spin. Python:
    /// `sel.unregister(sock)` now, `sel.register(sock, EVENT_READ, accept)` later
    /// (`sel.modify(sock, 0)` works with epoll, but some selectors refuse it).
    pub(crate) fn pause_accepting(&mut self, key: usize) {
        let pause = self.out_of_descriptors.failed();
        let Some(Registration {
            fileobj: Socket::Listener(listener),
            ..
        }) = self.registrations.get(&key)
        else {
            return;
        };
        // Watch it for nothing: neither readable nor writable.
        let interest = Event::none(key);
        match self
            .selector
            .modify_with_mode(listener, interest, PollMode::Level)
        {
            Ok(()) => self.paused_listener = Some((key, Instant::now() + pause)),
            Err(error) => println!("selector error: {error}"),
        }
    }

    /// Watches the paused listener again once its pause is over. If it still has a
    /// client waiting, the next `wait` reports it, and `accept` tries again.
    pub(crate) fn resume_accepting_when_due(&mut self) {
        let Some((key, until)) = self.paused_listener else {
            return; // not paused
        };
        if Instant::now() < until {
            return; // woken by another socket: the pause goes on
        }
        self.paused_listener = None;
        if let Some(Registration {
            fileobj: Socket::Listener(listener),
            ..
        }) = self.registrations.get(&key)
        {
            let interest = Event::readable(key);
            if let Err(error) = self
                .selector
                .modify_with_mode(listener, interest, PollMode::Level)
            {
                println!("selector error: {error}");
            }
        }
    }
    // ANCHOR_END: pause_accepting
}
