//! A server process as the tests see it from outside: its CPU time and memory, read
//! from /proc (Linux), and a start with few file descriptors, as `prlimit
//! --nofile=N` gives. The tests of running out of descriptors, of bounded memory and
//! the hostile suite all measure servers this one way.

use std::io::{BufRead, BufReader, ErrorKind};
use std::net::TcpStream;
use std::process::Command;
use std::time::Duration;

/// CPU time (user + system, in clock ticks: 100 a second on Linux) the process has
/// used so far: fields 14 and 15 of /proc/PID/stat. Zero where there is no /proc.
pub fn cpu_ticks(pid: u32) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // The command name (field 2) is in parentheses and may contain spaces: count from
    // after it, where the state (field 3) is field 0.
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map_or("", |(_, rest)| rest)
        .split_whitespace()
        .collect();
    let field = |n: usize| fields.get(n).and_then(|f| f.parse::<u64>().ok());
    field(11).unwrap_or(0) + field(12).unwrap_or(0)
}

/// Linux's clock ticks a second (`USER_HZ`), the unit of [`cpu_ticks`].
pub const TICKS_PER_SECOND: u64 = 100;

/// The CPU ticks the process uses over the next `wait`: a server that should idle
/// and spins instead uses about [`TICKS_PER_SECOND`] a second.
pub fn cpu_ticks_during(pid: u32, wait: Duration) -> u64 {
    let before = cpu_ticks(pid);
    std::thread::sleep(wait);
    cpu_ticks(pid).saturating_sub(before)
}

/// A memory field of /proc/PID/status, in bytes: `VmRSS` (resident now) or `VmHWM`
/// (the peak so far), which the kernel writes in kB. Zero where there is none.
pub fn memory(pid: u32, field: &str) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let kib: u64 = status
        .lines()
        .find_map(|line| line.strip_prefix(&format!("{field}:")))
        .and_then(|rest| rest.trim().trim_end_matches(" kB").parse().ok())
        .unwrap_or(0);
    kib * 1024
}

/// Makes `command` start with at most `limit` open file descriptors: set in the
/// child, before it runs the program, so the server starts with it.
#[cfg(unix)]
pub fn limit_descriptors(command: &mut Command, limit: u64) {
    use std::os::unix::process::CommandExt;
    // SAFETY: runs in the child between fork and exec, where only async-signal-safe
    // calls are allowed: setrlimit is one, and the closure allocates nothing.
    unsafe {
        command.pre_exec(move || {
            let limit = libc::rlimit {
                rlim_cur: limit,
                rlim_max: limit,
            };
            if libc::setrlimit(libc::RLIMIT_NOFILE, &limit) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
}

/// The line that arrives on `client` within `wait`, without its line ending; `None`
/// if none comes in time (or the server closed). Panics on any other error: in a
/// test, the panic is the report.
pub fn line_within(client: &mut BufReader<TcpStream>, wait: Duration) -> Option<String> {
    client
        .get_ref()
        .set_read_timeout(Some(wait))
        .unwrap_or_else(|e| panic!("setting a read timeout: {e}"));
    let mut line = String::new();
    match client.read_line(&mut line) {
        Ok(n) if n > 0 => Some(line.trim_end_matches(['\n', '\r']).to_string()),
        Ok(_) => None,
        Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => None,
        Err(e) => panic!("reading a reply: {e}"),
    }
}
