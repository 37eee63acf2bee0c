//! `ForkingMixIn`: a child process per request (Unix only, as Python's
//! `if hasattr(os, "fork")`).
//!
//! The parent forks, remembers the child, closes its copy of the request, and goes
//! back to accepting (Python's `ForkingMixIn.process_request`). The child serves the
//! request and exits, and never returns into the accept loop, whatever the handler
//! does. The parent reaps finished children (`waitpid`, Python's
//! `collect_children`) on every turn of `serve_forever` (`service_actions`), when
//! `handle_request` times out (`handle_timeout`), and when it closes
//! (`server_close`), so no zombies remain; at `max_children` it waits for one to
//! finish before forking another.
//!
//! Fork only from a process with one thread: the child gets a copy of the forking
//! thread alone, and a lock another thread held at that moment stays locked forever
//! in the child.
//!
//! # Beyond Python: stopping leaves nothing behind
//!
//! Python's forking server, stopped by Ctrl-C, can leave the port open: its children
//! hold copies of the listening socket, and a child that outlives the parent keeps
//! the port accepting connections nobody will serve. Three additions close that gap.
//!
//! - **A child holds no listener.** The first thing a child does, before the
//!   handler runs, is close its copies of the server's socket (the transport's, and
//!   the one the parent's selector watches). Only the parent ever accepts; when it is
//!   gone, the port refuses connections. (A datagram server's child keeps the socket
//!   in its request, to answer on it, as Python's does.)
//! - **`server_close` never leaves children behind.** It waits for them, as
//!   Python's `block_on_close` does, but at most until the server's
//!   [shutdown deadline](crate::ServerCore::set_shutdown_deadline): then the
//!   children still serving (an idle client keeps one waiting for ever) get
//!   SIGTERM, SIGKILL if they have not exited a second later, and are reaped.
//! - **Ctrl-C and SIGTERM without a thread.**
//!   [`shutdown_on_ctrl_c`](crate::shutdown_on_ctrl_c) cannot serve a forking
//!   server: its handler runs on a thread of its own, and a process that forks must
//!   have one thread. [`shutdown_forking_on_ctrl_c`] installs a plain signal handler
//!   instead (`sigaction`), which only sets an atomic flag: almost nothing else is
//!   safe inside a signal handler. On the loop's next turn, within one
//!   `poll_interval` (the selector resumes a wait a signal interrupted),
//!   `service_actions` sees the flag and closes the socket, which ends
//!   `serve_forever`; the program then calls `server_close`. This is how
//!   Python's own handler works underneath: its C handler only sets a flag, and the
//!   interpreter raises `KeyboardInterrupt` out of `serve_forever` when it next
//!   looks. Children get the default dispositions back before they serve, so Ctrl-C
//!   in a terminal, which reaches the whole process group, ends them too.

use std::collections::HashSet;
use std::io::{self, Write};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::handler::HandlerError;
use crate::server::{Address, BaseServer, Request};
use crate::transport::{Transport, lock};

/// How long a child that was sent SIGTERM at the shutdown deadline has to exit
/// before it is sent SIGKILL (and, after SIGKILL, before the parent stops waiting).
const KILL_AFTER: Duration = Duration::from_secs(1);

/// How often `server_close` looks for finished children while it waits.
const REAP_TICK: Duration = Duration::from_millis(10);

/// The forking mixin's state: Python's `max_children`, `block_on_close` and
/// `active_children`. (The shutdown deadline is every server's:
/// [`ServerCore::set_shutdown_deadline`](crate::ServerCore::set_shutdown_deadline).)
#[derive(Debug)]
/// ```
/// use socketserver::Children;
///
/// let children = Children::default();
/// assert_eq!(children.max_children(), 40);
/// assert!(children.block_on_close());
/// assert_eq!(children.active(), 0);
/// ```
///
/// A forking server's are set through the mixin, on the server:
/// `server.set_max_children(8)` ([`ForkingMixIn::set_max_children`]).
pub struct Children {
    /// Python's `max_children` (40): at this many running children, wait for one to
    /// finish before forking another.
    max_children: AtomicUsize,
    /// Python's `block_on_close`: `server_close` waits for every child.
    block_on_close: AtomicBool,
    active: Mutex<HashSet<libc::pid_t>>,
    /// Whether [`shutdown_forking_on_ctrl_c`] was called for this server.
    stops_on_signal: AtomicBool,
}

impl Default for Children {
    fn default() -> Children {
        Children {
            max_children: AtomicUsize::new(40),
            block_on_close: AtomicBool::new(true),
            active: Mutex::new(HashSet::new()),
            stops_on_signal: AtomicBool::new(false),
        }
    }
}

impl Children {
    /// Python's `max_children`.
    pub fn max_children(&self) -> usize {
        self.max_children.load(Ordering::SeqCst)
    }

    /// Python's `block_on_close`.
    pub fn block_on_close(&self) -> bool {
        self.block_on_close.load(Ordering::SeqCst)
    }

    /// How many children are running (or finished and not yet reaped).
    pub fn active(&self) -> usize {
        lock(&self.active).len()
    }

    /// Whether a SIGINT or SIGTERM arrived for this server since last asked (and
    /// forget it).
    fn take_stop_signal(&self) -> bool {
        self.stops_on_signal.load(Ordering::SeqCst) && STOP_SIGNALLED.swap(false, Ordering::SeqCst)
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

    /// Python's `server.max_children = n`: at `n` children running, wait for one to
    /// finish before forking another.
    fn set_max_children(&self, max_children: usize) {
        self.children()
            .max_children
            .store(max_children.max(1), Ordering::SeqCst);
    }

    /// Python's `server.block_on_close = False`: `server_close` reaps the children
    /// that have finished and does not wait for the others.
    fn set_block_on_close(&self, block_on_close: bool) {
        self.children()
            .block_on_close
            .store(block_on_close, Ordering::SeqCst);
    }

    // ANCHOR: process_request
    /// `ForkingMixIn.process_request`: fork; the child serves the request and exits.
    fn process_request(server: &Arc<Self>, request: Request<Self>, client_address: Address<Self>) {
        server.core().record_hook("process_request", "ForkingMixIn");
        // Until the child has the default signal dispositions back, a Ctrl-C must
        // wait: it would only set the child's copy of the flag.
        let blocked = StopSignalsBlocked::if_handled();
        // SAFETY: fork() itself is always safe to call. What the child may safely do
        // afterwards depends on the process having had one thread (module docs).
        let pid = unsafe { libc::fork() };
        if pid == 0 && blocked.is_some() {
            restore_default_dispositions();
        }
        drop(blocked);
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
        while active.len() >= children.max_children() {
            match wait_for(-1, 0) {
                Reaped::Child(pid) => {
                    active.remove(&pid);
                }
                Reaped::NoChildren => active.clear(),
                // Interrupted: a stop signal, which `service_actions` looks at next.
                Reaped::StillRunning | Reaped::Interrupted | Reaped::Error => break,
            }
        }
        let flags = if blocking { 0 } else { libc::WNOHANG };
        for pid in active.clone() {
            match wait_for(pid, flags) {
                Reaped::Child(_) | Reaped::NoChildren => {
                    active.remove(&pid);
                }
                Reaped::StillRunning | Reaped::Interrupted | Reaped::Error => {}
            }
        }
    }

    /// `ForkingMixIn.handle_timeout`: reap children.
    fn handle_timeout(server: &Self) {
        server.core().record_hook("handle_timeout", "ForkingMixIn");
        Self::collect_children(server, false);
    }

    /// `ForkingMixIn.service_actions`: reap children on every turn of the loop.
    ///
    /// Beyond Python: after a SIGINT or SIGTERM (with
    /// [`shutdown_forking_on_ctrl_c`]), close the server's socket, which ends
    /// `serve_forever`, as Python's `KeyboardInterrupt` leaves it.
    fn service_actions(server: &Self) {
        server.core().record_hook("service_actions", "ForkingMixIn");
        Self::collect_children(server, false);
        if server.children().take_stop_signal() {
            server.core().server_close();
        }
    }

    /// `ForkingMixIn.server_close`: `super().server_close()`, then reap the children,
    /// waiting for them if `block_on_close`.
    ///
    /// Beyond Python: the wait ends at the server's
    /// [shutdown deadline](crate::ServerCore::set_shutdown_deadline), or at a
    /// SIGINT or SIGTERM (with [`shutdown_forking_on_ctrl_c`]); the children still
    /// running are then sent SIGTERM, SIGKILL a second later if need be, and reaped.
    /// Every wait is bounded but the one Python has: no deadline, no signal.
    fn server_close(server: &Self, super_server_close: fn(&Self)) {
        server.core().record_hook("server_close", "ForkingMixIn");
        super_server_close(server);
        let children = server.children();
        if !children.block_on_close() {
            Self::collect_children(server, false);
            return;
        }
        let deadline = server
            .core()
            .shutdown_deadline()
            .map(|deadline| Instant::now() + deadline);
        if !reap_until(children, deadline, true) {
            end_children(children);
        }
    }
}

// ANCHOR: serve_in_child
/// The child's whole life: let go of the server's socket, serve the request, report
/// a failure, exit with Python's status (0 served, 1 failed). It never returns.
fn serve_in_child<S: ForkingMixIn>(
    server: &Arc<S>,
    request: Request<S>,
    client_address: Address<S>,
) -> ! {
    close_server_socket_in_child(server.as_ref());
    let served = catch_unwind(AssertUnwindSafe(|| {
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
    }));
    let status = served.unwrap_or_else(|panic| {
        // Dropping the payload could panic again, and unwind out of the child.
        std::mem::forget(panic);
        1
    });
    // `_exit` skips Rust's exit path, so flush what the child printed first.
    let _ = io::stdout().flush();
    let _ = io::stderr().flush();
    // SAFETY: `_exit` ends the process at once; nothing after it runs.
    unsafe { libc::_exit(status) }
}
// ANCHOR_END: serve_in_child

/// Closes the child's copies of the server's socket: the transport's, and the
/// duplicate the parent's selector watches. Only the parent accepts, and a child
/// that outlives it keeps no port open.
fn close_server_socket_in_child<S: ForkingMixIn>(server: &S) {
    let core = server.core();
    // Not `core.server_close()`: it would also wake the selector, whose waker the
    // child shares with the parent.
    core.transport().server_close();
    if let Some(fd) = core.watched_fd() {
        // SAFETY: `fd` is the duplicate owned by the `Selector` of the loop that
        // called `process_request`. The child never returns into that loop (it ends
        // in `_exit`), so nothing uses or closes this descriptor after us.
        unsafe { libc::close(fd) };
    }
}

// ---- The stop signals: a handler that only sets a flag. ----

/// Set by the signal handler; taken by `service_actions` and `server_close`.
static STOP_SIGNALLED: AtomicBool = AtomicBool::new(false);
/// Whether this process's SIGINT and SIGTERM dispositions are our handler.
static HANDLER_INSTALLED: AtomicBool = AtomicBool::new(false);
const STOP_SIGNALS: [libc::c_int; 2] = [libc::SIGINT, libc::SIGTERM];

/// The whole signal handler: an atomic store is async-signal-safe; a lock, an
/// allocation or a print would not be.
extern "C" fn on_stop_signal(_signal: libc::c_int) {
    STOP_SIGNALLED.store(true, Ordering::SeqCst);
}

/// Makes Ctrl-C (SIGINT) and SIGTERM stop a forking server's `serve_forever`, which
/// then returns normally: [`shutdown_on_ctrl_c`] for forking servers. Then call
/// `server_close`, which waits for the children at most
/// the server's [shutdown deadline](crate::ServerCore::set_shutdown_deadline); a
/// second signal while it waits cuts the wait
/// short.
///
/// Why another function: `shutdown_on_ctrl_c`'s handler runs on a thread of its
/// own, and a process that forks must have one thread (the child is a copy of the
/// forking thread alone: a lock another thread held stays locked in it for ever).
/// This one installs a plain signal handler (`sigaction`) that only sets a flag, all
/// a signal handler can safely do; the forking server's `service_actions` sees it
/// and closes the socket, which ends `serve_forever`. Python's own handler works so
/// underneath: its C handler sets a flag, and `KeyboardInterrupt` is raised out of
/// `serve_forever` when the interpreter next looks.
///
/// ```no_run
/// # use std::{io, time::Duration};
/// # use socketserver::prelude::*;
/// # #[derive(Default)] struct Upper;
/// # impl RequestHandler for Upper {
/// #     type Base = StreamRequestHandler;
/// #     fn handle(&mut self, _this: &mut Stream) -> io::Result<()> { Ok(()) }
/// # }
/// # fn main() -> io::Result<()> {
/// let server = ForkingTCPServer::<Upper>::new("127.0.0.1:8888")?;
/// server.set_shutdown_deadline(Some(Duration::from_secs(5)));
/// socketserver::shutdown_forking_on_ctrl_c(&server)?;
/// server.serve_forever()?; // returns on Ctrl-C or SIGTERM
/// server.server_close(); // waits for the children, at most 5 s, then ends them
/// # Ok(()) }
/// ```
///
/// Signal dispositions belong to the process: this replaces any other handler of
/// SIGINT and SIGTERM (ctrlc's among them), and every server it was called for
/// stops. The loop sees the flag on its next turn, within one `poll_interval` (the
/// selector resumes a wait that the signal interrupted). Children get the default
/// dispositions back before they serve.
///
/// [`shutdown_on_ctrl_c`]: crate::shutdown_on_ctrl_c
pub fn shutdown_forking_on_ctrl_c<S: ForkingMixIn>(server: &Arc<S>) -> io::Result<()> {
    server
        .children()
        .stops_on_signal
        .store(true, Ordering::SeqCst);
    for signal in STOP_SIGNALS {
        // No SA_RESTART: a parent blocked in `waitpid` (at `max_children`) is
        // interrupted too, and goes back to its loop, which sees the flag.
        set_disposition(
            signal,
            on_stop_signal as extern "C" fn(libc::c_int) as usize,
        )?;
    }
    HANDLER_INSTALLED.store(true, Ordering::SeqCst);
    Ok(())
}

fn set_disposition(signal: libc::c_int, handler: libc::sighandler_t) -> io::Result<()> {
    // SAFETY: `sigaction` is plain old data, for which all zeroes is a valid value.
    let mut action: libc::sigaction = unsafe { std::mem::zeroed() };
    action.sa_sigaction = handler;
    action.sa_flags = 0;
    // SAFETY: sigemptyset only initialises the set it is given, which is ours.
    unsafe { libc::sigemptyset(&mut action.sa_mask) };
    // SAFETY: `action` is initialised; its handler is SIG_DFL or `on_stop_signal`,
    // which only does what is async-signal-safe.
    if unsafe { libc::sigaction(signal, &action, std::ptr::null_mut()) } == -1 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// In a new child: the default SIGINT and SIGTERM dispositions, instead of the
/// parent's handler, so that these signals end it.
fn restore_default_dispositions() {
    for signal in STOP_SIGNALS {
        let _ = set_disposition(signal, libc::SIG_DFL);
    }
}

/// SIGINT and SIGTERM blocked (held pending) while it lives, if our handler is
/// installed: across `fork`, until the child has restored the default dispositions.
struct StopSignalsBlocked {
    previous: libc::sigset_t,
}

impl StopSignalsBlocked {
    fn if_handled() -> Option<StopSignalsBlocked> {
        if !HANDLER_INSTALLED.load(Ordering::SeqCst) {
            return None;
        }
        // SAFETY: a `sigset_t` is plain old data; sigemptyset initialises it.
        let mut stop: libc::sigset_t = unsafe { std::mem::zeroed() };
        // SAFETY: as above, for the previous mask, which pthread_sigmask fills in.
        let mut previous: libc::sigset_t = unsafe { std::mem::zeroed() };
        // SAFETY: each call gets valid pointers to sets this function owns.
        let blocked = unsafe {
            libc::sigemptyset(&mut stop);
            for signal in STOP_SIGNALS {
                libc::sigaddset(&mut stop, signal);
            }
            libc::pthread_sigmask(libc::SIG_BLOCK, &stop, &mut previous)
        };
        (blocked == 0).then_some(StopSignalsBlocked { previous })
    }
}

impl Drop for StopSignalsBlocked {
    fn drop(&mut self) {
        // SAFETY: restores the mask pthread_sigmask gave us; a pending signal is
        // delivered now.
        unsafe { libc::pthread_sigmask(libc::SIG_SETMASK, &self.previous, std::ptr::null_mut()) };
    }
}

// ---- Reaping. ----

enum Reaped {
    Child(libc::pid_t),
    StillRunning,
    NoChildren,
    Interrupted,
    Error,
}

fn wait_for(pid: libc::pid_t, flags: libc::c_int) -> Reaped {
    let mut status = 0;
    // SAFETY: waitpid writes only to `status`, a valid c_int.
    let reaped = unsafe { libc::waitpid(pid, &mut status, flags) };
    match reaped {
        0 => Reaped::StillRunning,
        -1 => match io::Error::last_os_error().raw_os_error() {
            Some(libc::ECHILD) => Reaped::NoChildren,
            Some(libc::EINTR) => Reaped::Interrupted,
            _ => Reaped::Error,
        },
        child => Reaped::Child(child),
    }
}

/// Reaps finished children until none is left (true), or until `deadline` passes
/// or, if `interruptible`, a stop signal arrives (false). Never blocks in `waitpid`:
/// it looks again every [`REAP_TICK`].
fn reap_until(children: &Children, deadline: Option<Instant>, interruptible: bool) -> bool {
    loop {
        let mut active = lock(&children.active);
        active.retain(|&pid| {
            matches!(
                wait_for(pid, libc::WNOHANG),
                Reaped::StillRunning | Reaped::Interrupted
            )
        });
        if active.is_empty() {
            return true;
        }
        drop(active);
        let now = Instant::now();
        if deadline.is_some_and(|deadline| now >= deadline)
            || interruptible && children.take_stop_signal()
        {
            return false;
        }
        let tick = deadline.map_or(REAP_TICK, |deadline| REAP_TICK.min(deadline - now));
        std::thread::sleep(tick);
    }
}

/// Ends the children still running: SIGTERM, then SIGKILL for those that have not
/// exited within [`KILL_AFTER`], reaping them as they go. Bounded: a child that
/// survives even SIGKILL for that long (stuck in the kernel) is left to be reaped by
/// the system when the parent exits.
fn end_children(children: &Children) {
    for signal in [libc::SIGTERM, libc::SIGKILL] {
        for &pid in lock(&children.active).iter() {
            // SAFETY: kill only sends a signal. `pid` is a child of ours that we have
            // not reaped, so its id cannot belong to another process yet.
            unsafe { libc::kill(pid, signal) };
        }
        if reap_until(children, Some(Instant::now() + KILL_AFTER), false) {
            return;
        }
    }
}
