//! Single keys for `watch` (`h` a hint, `n` next, `l` list, `q` quit), read as they
//! are pressed, without Enter: the terminal is put in non-canonical mode, no echo,
//! for as long as `watch` runs, and put back as it was when [`Keys`] is dropped.
//!
//! That is what rustlings' watch mode does with a terminal library; here it is the
//! three `termios` flags it takes, through `libc`, which the classroom has already.
//! Ctrl-C is read as a key too (`ISIG` off, so that the terminal is always put back),
//! and means quit. Where standard input is not a terminal (a pipe, CI), there are no
//! keys, and `watch` says Ctrl-C stops it.

use std::sync::mpsc::{self, Receiver};
use std::time::Duration;

/// The keys pressed, as they come.
pub struct Keys {
    pressed: Receiver<char>,
    #[cfg(unix)]
    saved: libc::termios,
}

impl Keys {
    /// Starts reading keys; `None` if standard input is not a terminal (or not Unix).
    #[cfg(unix)]
    pub fn start() -> Option<Keys> {
        use std::io::{IsTerminal, Read};

        if !std::io::stdin().is_terminal() {
            return None;
        }
        // SAFETY: tcgetattr/tcsetattr read and write only the termios struct given,
        // for standard input, which is a terminal (checked above).
        let saved = unsafe {
            let mut saved: libc::termios = std::mem::zeroed();
            if libc::tcgetattr(libc::STDIN_FILENO, &mut saved) != 0 {
                return None;
            }
            let mut raw = saved;
            raw.c_lflag &= !(libc::ICANON | libc::ECHO | libc::ISIG);
            raw.c_cc[libc::VMIN] = 1;
            raw.c_cc[libc::VTIME] = 0;
            if libc::tcsetattr(libc::STDIN_FILENO, libc::TCSANOW, &raw) != 0 {
                return None;
            }
            saved
        };
        let (press, pressed) = mpsc::channel();
        std::thread::spawn(move || {
            let mut byte = [0u8];
            while let Ok(1) = std::io::stdin().lock().read(&mut byte) {
                let key = match byte[0] {
                    3 => 'q', // Ctrl-C
                    other => char::from(other).to_ascii_lowercase(),
                };
                if press.send(key).is_err() {
                    break;
                }
            }
        });
        Some(Keys { pressed, saved })
    }

    /// No keys where there is no terminal to read them from.
    #[cfg(not(unix))]
    pub fn start() -> Option<Keys> {
        None
    }

    /// The next key pressed within `wait`, if any.
    pub fn next_within(&self, wait: Duration) -> Option<char> {
        self.pressed.recv_timeout(wait).ok()
    }
}

impl Drop for Keys {
    fn drop(&mut self) {
        #[cfg(unix)]
        // SAFETY: puts back the settings read in `start`, for the same terminal.
        unsafe {
            libc::tcsetattr(libc::STDIN_FILENO, libc::TCSANOW, &self.saved);
        }
    }
}
