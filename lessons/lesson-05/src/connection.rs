//! One client's buffers, as the selector loop sees them: reading what has arrived,
//! sending what the outbox holds as far as the socket takes it, and saying what the
//! selector should watch the socket for. Its own file because it is its own concern:
//! the event loop in `lib.rs` calls these three when the socket is ready.

use std::io::{self, ErrorKind, Read, Write};

use crate::{BUFFER_SIZE, Connection, OUTBOX_LIMIT, printable};

impl Connection {
    // ANCHOR: read
    /// One read, as the tutorial's `conn.recv(1024)`: how many bytes came into
    /// `buffer`. An empty read means the client closed its side: the connection is
    /// closing, and what is already in the outbox is still sent.
    pub(crate) fn read(&mut self, buffer: &mut [u8; BUFFER_SIZE]) -> io::Result<usize> {
        let received = match self.conn.read(buffer) {
            Ok(received) => received,
            // Readiness is a hint, not a promise: if the data is not there, try later.
            Err(error) if error.kind() == ErrorKind::WouldBlock => return Ok(0),
            Err(error) => return Err(error),
        };
        if received == 0 {
            self.closing = true; // if not data: the client has no more to say
        } else {
            println!("{} wrote: {}", self.addr, printable(&buffer[..received]));
        }
        Ok(received)
    }
    // ANCHOR_END: read

    // ANCHOR: flush
    /// Sends as much of the outbox as the socket takes right now, and keeps the rest
    /// for the next "writable" event: Python's `sent = conn.send(outbox)` followed by
    /// `outbox = outbox[sent:]`. Never blocks, and never loses a byte.
    pub(crate) fn flush(&mut self) -> io::Result<()> {
        while !self.outbox.is_empty() {
            match self.conn.write(&self.outbox) {
                Ok(0) => return Err(ErrorKind::WriteZero.into()),
                Ok(sent) => {
                    self.outbox.drain(..sent);
                }
                // The kernel's send buffer is full: the client is not reading yet.
                Err(error) if error.kind() == ErrorKind::WouldBlock => return Ok(()),
                Err(error) => return Err(error),
            }
        }
        Ok(())
    }
    // ANCHOR_END: flush

    // ANCHOR: interest
    /// Reading goes on until the client is done, and pauses while the outbox is full:
    /// that pause is the backpressure that keeps memory bounded.
    pub(crate) fn wants_to_read(&self) -> bool {
        !self.closing && self.outbox.len() < OUTBOX_LIMIT
    }

    /// What the selector should watch for, (readable, writable): readable while we
    /// want to read, writable only while replies wait. (Always asking for "writable"
    /// would wake the loop over and over: a socket with room to send is writable.)
    pub(crate) fn wanted_interest(&self) -> (bool, bool) {
        (self.wants_to_read(), !self.outbox.is_empty())
    }
    // ANCHOR_END: interest
}
