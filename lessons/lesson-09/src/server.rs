//! The selector loop: lesson 05's, nearly line for line. One thread, one selector,
//! every socket registered with a callback (Python's `key.data`): the listener's
//! accepts a client, a connection's moves its conversation on ([`crate::connection`]).
//! One thing is new: out of file descriptors, the loop stops watching the listener
//! for a while instead of spinning on it ([`Server`]'s `pause_accept`).

use std::cmp::min;
use std::collections::HashMap;
use std::io::{self, ErrorKind};
use std::net::TcpListener;
use std::time::{Duration, Instant};

use polling::{Event, Events, PollMode, Poller};

use crate::connection::Connection;
use crate::{Commands, Files};

// ANCHOR: registration
/// What to do when a registered socket is ready: Python's `key.data`. It gets the
/// server (to register, modify, unregister), the socket's key, and the event (`mask`).
pub(crate) type Callback = fn(&mut Server, usize, Event);

/// One registered socket, as Python's `SelectorKey`.
pub(crate) struct Registration {
    /// The socket itself: `key.fileobj`.
    pub(crate) fileobj: Socket,
    /// The function to call when it is ready: `key.data`.
    pub(crate) data: Callback,
}

/// The two kinds of socket the server registers.
pub(crate) enum Socket {
    Listener(TcpListener),
    Connection(Connection),
}
// ANCHOR_END: registration

/// The selector server: one thread, one selector, every socket registered with it.
pub struct Server {
    /// Python's `self.sel`: waits until one or more registered sockets are ready.
    selector: Poller,
    /// Every registered socket, by key. The selector only hands back keys.
    pub(crate) registrations: HashMap<usize, Registration>,
    /// The key for the next registration. Keys are never reused.
    next_key: usize,
    /// Where files are stored and read.
    pub(crate) files: Files,
    /// What the server answers to each command: the lesson's [`PutAndGet`], or a
    /// server of your own.
    ///
    /// [`PutAndGet`]: crate::PutAndGet
    commands: Box<dyn Commands>,
    /// Out of file descriptors: the listener (its key) is not watched until then.
    accept_paused: Option<(usize, Instant)>,
    /// How long the next pause lasts: [`FIRST_PAUSE`], doubling up to
    /// [`LONGEST_PAUSE`] while accepts keep failing.
    next_pause: Duration,
    /// Failed accepts since the last one that worked: 0 when all is well.
    failed_accepts: u32,
}

/// The first pause of accepting when out of file descriptors.
pub const FIRST_PAUSE: Duration = Duration::from_millis(10);

/// The longest: a client waits at most this long after a descriptor frees.
pub const LONGEST_PAUSE: Duration = Duration::from_millis(500);

impl Server {
    /// Prepares to serve `files` on `listener`, answering as `commands` says: Python's
    /// `server.setblocking(False)` and
    /// `self.sel.register(server, selectors.EVENT_READ, self.accept)`.
    pub fn new(
        listener: TcpListener,
        files: Files,
        commands: impl Commands + 'static,
    ) -> io::Result<Server> {
        let mut server = Server {
            selector: Poller::new()?,
            registrations: HashMap::new(),
            next_key: 0,
            files,
            commands: Box::new(commands),
            accept_paused: None,
            next_pause: FIRST_PAUSE,
            failed_accepts: 0,
        };
        listener.set_nonblocking(true)?;
        server.register(Socket::Listener(listener), accept)?;
        Ok(server)
    }

    /// The served directories.
    pub fn files(&self) -> &Files {
        &self.files
    }

    // ANCHOR: register
    /// Python's `sel.register(fileobj, EVENT_READ, data)`: from now on, when `fileobj`
    /// is readable, the event loop calls `data`.
    fn register(&mut self, fileobj: Socket, data: Callback) -> io::Result<()> {
        let key = self.next_key;
        self.next_key += 1;
        let interest = Event::readable(key);
        // Level-triggered, like Python's selectors: as long as a socket stays ready,
        // every `wait` reports it again, so a callback may do one step and leave the
        // rest for the next turn of the loop.
        //
        // SAFETY: polling requires that a socket is deleted from the poller before it
        // is dropped (closed). Every registered socket lives in `self.registrations`,
        // and the only ways out of it are `unregister` and `Drop for Server`, which both
        // call `selector.delete` first. If `add` fails, nothing was registered.
        let added = unsafe {
            match &fileobj {
                Socket::Listener(listener) => {
                    self.selector
                        .add_with_mode(listener, interest, PollMode::Level)
                }
                Socket::Connection(connection) => {
                    self.selector
                        .add_with_mode(&connection.conn, interest, PollMode::Level)
                }
            }
        };
        added?;
        self.registrations
            .insert(key, Registration { fileobj, data });
        Ok(())
    }
    // ANCHOR_END: register

    /// Python's `sel.unregister(conn)` then `conn.close()`: forget the socket, then
    /// close it (dropping it closes it), in that order, as the SAFETY rule demands.
    /// Dropping a connection drops its unfinished upload, which deletes its temporary
    /// file.
    pub(crate) fn unregister(&mut self, key: usize) {
        if let Some(registration) = self.registrations.remove(&key) {
            delete_from(&self.selector, &registration.fileobj);
        }
    }

    // ANCHOR: serve_forever
    /// The event loop, forever: wait until some sockets are ready, call each one's
    /// callback, wait again. Returns only if the selector itself fails. The tutorial's
    /// `handle()`.
    pub fn serve_forever(&mut self) -> io::Result<()> {
        let mut events = Events::new();
        loop {
            // events = self.sel.select(timeout): no timeout, unless accepting is paused;
            // then wake up when the pause is over, even if no socket is ready.
            events.clear();
            let timeout = self
                .accept_paused
                .map(|(_, until)| until.saturating_duration_since(Instant::now()));
            self.selector.wait(&mut events, timeout)?;
            self.resume_accept_if_due();
            for event in events.iter() {
                // callback = key.data; callback(key.fileobj, mask)
                let Some(registration) = self.registrations.get(&event.key) else {
                    continue; // closed by an earlier callback in this same batch
                };
                let callback = registration.data;
                callback(self, event.key, event);
            }
        }
    }
    // ANCHOR_END: serve_forever
}

impl Drop for Server {
    /// Keeps the SAFETY rule of `register` even when the server is dropped.
    fn drop(&mut self) {
        for registration in self.registrations.values() {
            delete_from(&self.selector, &registration.fileobj);
        }
    }
}

/// Tells the selector to stop watching a socket (before the socket is dropped).
fn delete_from(selector: &Poller, fileobj: &Socket) {
    let deleted = match fileobj {
        Socket::Listener(listener) => selector.delete(listener),
        Socket::Connection(connection) => selector.delete(&connection.conn),
    };
    if let Err(error) = deleted {
        println!("selector error: {error}");
    }
}

// ANCHOR: accept
/// The listening socket's callback: a client is waiting, accept it and register it
/// with its own callback, [`service_connection`]. The tutorial's `accept`, with its
/// `self.dic[conn] = {}` replaced by a fresh [`Connection`].
pub(crate) fn accept(server: &mut Server, key: usize, _mask: Event) {
    let Some(Registration {
        fileobj: Socket::Listener(listener),
        ..
    }) = server.registrations.get(&key)
    else {
        return;
    };
    let (conn, addr) = match listener.accept() {
        Ok(accepted) => accepted,
        Err(error) if error.kind() == ErrorKind::WouldBlock => return,
        Err(error) if is_out_of_descriptors(&error) => return server.pause_accept(key, &error),
        Err(error) => {
            println!("accept failed: {error}");
            return;
        }
    };
    server.accepting_again();
    println!("connected: {addr}");
    if let Err(error) = conn.set_nonblocking(true) {
        println!("{addr} error: {error}");
        return;
    }
    // `server.next_key`: the key `register` is about to give it.
    let connection = Connection::new(conn, addr, server.next_key);
    if let Err(error) = server.register(Socket::Connection(connection), service_connection) {
        println!("{addr} error: {error}");
    }
}
// ANCHOR_END: accept

// ANCHOR: pause_accept
/// Did `accept` fail for want of a file descriptor? EMFILE: this process has as many
/// open as its limit allows (`ulimit -n`); ENFILE: the whole system has.
fn is_out_of_descriptors(error: &io::Error) -> bool {
    matches!(error.raw_os_error(), Some(libc::EMFILE | libc::ENFILE))
}

impl Server {
    /// `accept` failed for want of a descriptor. The client it was for is still
    /// waiting in the listen queue, so the listener is still readable, and a
    /// level-triggered selector reports it again at once: retrying straight away
    /// spins at 100 % CPU, a log line a try, until some descriptor frees. So stop
    /// watching the listener for a while, and serve the connections we have: their
    /// closing is what frees descriptors. One log line for the whole burst.
    fn pause_accept(&mut self, key: usize, error: &io::Error) {
        if self.failed_accepts == 0 {
            println!(
                "accept failed: {error}; pausing accept until a descriptor frees \
                 (open connections are still served)"
            );
        }
        self.failed_accepts = self.failed_accepts.saturating_add(1);
        // Python: self.sel.unregister(server), since its selectors refuse to watch a
        // socket for nothing; `polling` watches it for nothing, `Event::none`.
        self.watch_listener(key, Event::none(key));
        self.accept_paused = Some((key, Instant::now() + self.next_pause));
        self.next_pause = min(self.next_pause * 2, LONGEST_PAUSE);
    }

    /// Called by `serve_forever` after every wait: is the pause over?
    fn resume_accept_if_due(&mut self) {
        if let Some((key, until)) = self.accept_paused
            && Instant::now() >= until
        {
            self.accept_paused = None;
            self.watch_listener(key, Event::readable(key));
        }
    }

    /// An `accept` worked: if a burst of failures is over, say so, and start the next
    /// one's pauses short again.
    fn accepting_again(&mut self) {
        if self.failed_accepts > 0 {
            println!(
                "accepting again after {} failed attempts",
                self.failed_accepts
            );
            self.failed_accepts = 0;
            self.next_pause = FIRST_PAUSE;
        }
    }

    /// Python's `sel.modify(server, events)` for the listener.
    fn watch_listener(&self, key: usize, interest: Event) {
        if let Some(Registration {
            fileobj: Socket::Listener(listener),
            ..
        }) = self.registrations.get(&key)
            && let Err(error) = self
                .selector
                .modify_with_mode(listener, interest, PollMode::Level)
        {
            println!("selector error: {error}");
        }
    }
}
// ANCHOR_END: pause_accept

// ANCHOR: service_connection
/// A connection's callback: read if readable, move the conversation on as far as the
/// bytes at hand allow, send what the outbox holds, then tell the selector what to
/// watch for next, or close the connection.
fn service_connection(server: &mut Server, key: usize, mask: Event) {
    let Some(Registration {
        fileobj: Socket::Connection(connection),
        ..
    }) = server.registrations.get_mut(&key)
    else {
        return;
    };
    let addr = connection.addr;
    let mut result = Ok(());
    if mask.readable && connection.wants_to_read() {
        result = connection.read();
    }
    if result.is_ok() {
        result = connection.advance(&server.files, server.commands.as_mut());
    }
    if result.is_ok() {
        result = connection.flush();
    }
    let wanted = connection.wanted_interest();
    match result {
        Err(error) => {
            println!("{addr} error: {error}");
            connection.abandon();
            server.unregister(key);
        }
        Ok(()) if connection.is_finished() => {
            println!("{addr} closed");
            server.unregister(key);
        }
        Ok(()) if wanted != connection.watching => {
            // sel.modify(conn, events): read or not, write or not, from now on.
            connection.watching = wanted;
            let interest = Event::new(key, wanted.0, wanted.1);
            let selector = &server.selector;
            if let Err(error) =
                selector.modify_with_mode(&connection.conn, interest, PollMode::Level)
            {
                println!("{addr} error: {error}");
                connection.abandon();
                server.unregister(key);
            }
        }
        Ok(()) => {}
    }
}
// ANCHOR_END: service_connection
