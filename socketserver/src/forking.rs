//! `ForkingMixIn`: a child process per request (Unix only, as Python's
//! `if hasattr(os, "fork")`).
//!
//! The parent forks, remembers the child, closes its copy of the request, and goes
//! back to accepting. The child serves the request and exits, and never returns into
//! the accept loop, whatever the handler does. The parent reaps finished children
//! (`waitpid`) on every turn of `serve_forever` (`service_actions`), when
//! `handle_request` times out (`handle_timeout`), and when it closes
//! (`server_close`), so no zombies remain; at `max_children` it waits for one to
//! finish before forking another.
//!
//! Fork only from a process with one thread: the child gets a copy of the forking
//! thread alone, and a lock another thread held at that moment stays locked forever
//! in the child.

use std::collections::HashSet;
use std::io::{self, Write};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::{Arc, Mutex};

use crate::handler::HandlerError;
use crate::server::{Address, BaseServer, Request};
use crate::transport::lock;

/// The forking mixin's state: Python's `max_children`, `block_on_close` and
/// `active_children`.
#[derive(Debug)]
/// ```
/// use socketserver::Children;
///
/// let children = Children::default();
/// assert_eq!(children.max_children, 40);
/// assert_eq!(children.active(), 0);
/// ```
///
/// A forking server's are set with [`Forking::children_mut`](crate::Forking::children_mut).
pub struct Children {
    /// Python's `max_children` (40): at this many running children, wait for one to
    /// finish before forking another.
    pub max_children: usize,
    /// Python's `block_on_close`: `server_close` waits for every child.
    pub block_on_close: bool,
    active: Mutex<HashSet<libc::pid_t>>,
}

impl Default for Children {
    fn default() -> Children {
        Children {
            max_children: 40,
            block_on_close: true,
            active: Mutex::new(HashSet::new()),
        }
    }
}

impl Children {
    /// How many children are running (or finished and not yet reaped).
    pub fn active(&self) -> usize {
        lock(&self.active).len()
    }
}

/// Python's `ForkingMixIn`.
///
/// The composed [`Forking`](crate::Forking) server takes it (its example shows
/// one in use); a server of your own names it for `process_request`,
/// `handle_timeout`, `service_actions` and `server_close`, as
/// [`Forking`](crate::Forking)'s `impl BaseServer` does.
/// `cargo run -p socketserver --example forking` runs one: the example is a program,
/// not a doctest, because a forking server must run in a process with one thread.
pub trait ForkingMixIn: BaseServer {
    /// The mixin's state, kept in the server.
    fn children(&self) -> &Children;

    // ANCHOR: process_request
    /// `ForkingMixIn.process_request`: fork; the child serves the request and exits.
    fn process_request(server: &Arc<Self>, request: Request<Self>, client_address: Address<Self>) {
        server.core().record_hook("process_request", "ForkingMixIn");
        // SAFETY: fork() itself is always safe to call. What the child may safely do
        // afterwards depends on the process having had one thread (module docs).
        let pid = unsafe { libc::fork() };
        match pid {
            -1 => {
                let error = HandlerError::Io(io::Error::last_os_error());
                server.handle_error(&request, &client_address, &error);
                server.shutdown_request(request);
                server.core().request_done();
            }
            0 => serve_in_child(server, request, client_address),
            child => {
                lock(&server.children().active).insert(child);
                // The child has its own copy of the connection; close ours. The
                // child's life is counted in `children`, not with the threads'.
                server.close_request(request);
                server.core().request_done();
            }
        }
    }
    // ANCHOR_END: process_request

    /// `ForkingMixIn.collect_children`: reap finished children; at `max_children`,
    /// first wait for one; with `blocking`, wait for all.
    fn collect_children(server: &Self, blocking: bool) {
        let children = server.children();
        let mut active = lock(&children.active);
        while active.len() >= children.max_children {
            match wait_for(-1, 0) {
                Reaped::Child(pid) => {
                    active.remove(&pid);
                }
                Reaped::NoChildren => active.clear(),
                Reaped::StillRunning | Reaped::Error => break,
            }
        }
        let flags = if blocking { 0 } else { libc::WNOHANG };
        for pid in active.clone() {
            match wait_for(pid, flags) {
                Reaped::Child(_) | Reaped::NoChildren => {
                    active.remove(&pid);
                }
                Reaped::StillRunning | Reaped::Error => {}
            }
        }
    }

    /// `ForkingMixIn.handle_timeout`: reap children.
    fn handle_timeout(server: &Self) {
        server.core().record_hook("handle_timeout", "ForkingMixIn");
        Self::collect_children(server, false);
    }

    /// `ForkingMixIn.service_actions`: reap children on every turn of the loop.
    fn service_actions(server: &Self) {
        server.core().record_hook("service_actions", "ForkingMixIn");
        Self::collect_children(server, false);
    }

    /// `ForkingMixIn.server_close`: `super().server_close()`, then reap the children,
    /// waiting for them if `block_on_close`.
    fn server_close(server: &Self, super_server_close: fn(&Self)) {
        server.core().record_hook("server_close", "ForkingMixIn");
        super_server_close(server);
        Self::collect_children(server, server.children().block_on_close);
    }
}

// ANCHOR: serve_in_child
/// The child's whole life: serve the request, report a failure, exit with
/// Python's status (0 served, 1 failed). It never returns.
fn serve_in_child<S: ForkingMixIn>(
    server: &Arc<S>,
    request: Request<S>,
    client_address: Address<S>,
) -> ! {
    let status = catch_unwind(AssertUnwindSafe(|| {
        let status = match server.finish_request(&request, &client_address) {
            Ok(()) => 0,
            // Python's SystemExit in the child: not passed to handle_error, and
            // the child's status is 1 (os._exit(status) in its finally).
            Err(HandlerError::Io(error)) if crate::SystemExit::is(&error) => 1,
            Err(error) => {
                server.handle_error(&request, &client_address, &error);
                1
            }
        };
        server.shutdown_request(request);
        status
    }))
    .unwrap_or(1);
    // `_exit` skips Rust's exit path, so flush what the child printed first.
    let _ = io::stdout().flush();
    let _ = io::stderr().flush();
    // SAFETY: `_exit` ends the process at once; nothing after it runs.
    unsafe { libc::_exit(status) }
}
// ANCHOR_END: serve_in_child

enum Reaped {
    Child(libc::pid_t),
    StillRunning,
    NoChildren,
    Error,
}

fn wait_for(pid: libc::pid_t, flags: libc::c_int) -> Reaped {
    let mut status = 0;
    // SAFETY: waitpid writes only to `status`, a valid c_int.
    let reaped = unsafe { libc::waitpid(pid, &mut status, flags) };
    match reaped {
        0 => Reaped::StillRunning,
        -1 if io::Error::last_os_error().raw_os_error() == Some(libc::ECHILD) => Reaped::NoChildren,
        -1 => Reaped::Error,
        child => Reaped::Child(child),
    }
}
