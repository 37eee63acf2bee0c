//! Lesson 09's server in a hostile world (issue 12): symbolic links that lead out of
//! the served directory, a named pipe where a file should be, a server killed in the
//! middle of an upload, and a process out of file descriptors. Each is a real bug the
//! server had; each test failed before its fix.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::fs;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::os::unix::fs::symlink;
use std::process::Command;
use std::thread;
use std::time::{Duration, Instant};

use classroom::{ServerProcess, TIMEOUT, run_with_timeout};
use common::{TempDir, content, listing, start_server};
use lesson_09::{Outcome, Reply, put, read_reply};

const GREETING: &[u8] = b"hello from inside the root\n";
const SECRET: &[u8] = b"outside the root: never to be served\n";

/// A served directory with `download/greeting.txt` in it.
fn served_root(what: &str) -> TempDir {
    let root = TempDir::new(what);
    fs::create_dir_all(root.join("download")).unwrap();
    fs::create_dir_all(root.join("upload")).unwrap();
    fs::write(root.join("download/greeting.txt"), GREETING).unwrap();
    root
}

/// A directory outside the served one, with `secret.txt` in it.
fn outside(what: &str) -> TempDir {
    let outside = TempDir::new(&format!("{what}-outside"));
    fs::write(outside.join("secret.txt"), SECRET).unwrap();
    outside
}

fn connect(server: &ServerProcess) -> TcpStream {
    let conn = TcpStream::connect_timeout(&server.addr(), TIMEOUT).unwrap();
    conn.set_read_timeout(Some(TIMEOUT)).unwrap();
    conn.set_write_timeout(Some(TIMEOUT)).unwrap();
    conn
}

/// `get|name|0` on `conn`: the server's answer, and, after a `YES`, the file's bytes.
fn get(conn: &mut TcpStream, name: &str) -> (Reply, Vec<u8>) {
    conn.write_all(format!("get|{name}|0\n").as_bytes())
        .unwrap();
    let reply = read_reply(conn).unwrap_or_else(|e| panic!("no answer to get {name}: {e}"));
    let mut bytes = Vec::new();
    if let Reply::Yes(size) = reply {
        conn.write_all(b"second_active").unwrap();
        bytes.resize(usize::try_from(size).unwrap(), 0);
        conn.read_exact(&mut bytes).unwrap();
    }
    (reply, bytes)
}

fn greeting() -> (Reply, Vec<u8>) {
    (Reply::Yes(GREETING.len() as u64), GREETING.to_vec())
}

fn link_refused(name: &str) -> Reply {
    Reply::No(format!(
        "not served: {name:?} is a symbolic link (links are never followed)"
    ))
}

// ---- Symbolic links ----

#[test]
fn a_get_follows_no_link_out_of_the_root_nor_within_it() {
    let root = served_root("links");
    let outside = outside("links");
    let download = root.join("download");
    symlink(outside.join("secret.txt"), download.join("link.txt")).unwrap();
    symlink(outside.path(), download.join("elsewhere")).unwrap();
    symlink("greeting.txt", download.join("inner.txt")).unwrap();
    symlink("nowhere", download.join("dangling")).unwrap();
    let server = start_server(root.path(), &[]);
    let mut conn = connect(&server);
    for name in ["link.txt", "elsewhere", "inner.txt", "dangling"] {
        let (reply, bytes) = get(&mut conn, name);
        assert_eq!(
            reply,
            link_refused(name),
            "get {name} sent {:?}",
            String::from_utf8_lossy(&bytes)
        );
    }
    // The connection goes on, as after any refused `get`.
    assert_eq!(get(&mut conn, "greeting.txt"), greeting());
}

#[test]
fn a_put_never_writes_through_a_link() {
    let root = served_root("put-link");
    let outside = outside("put-link");
    symlink(outside.join("secret.txt"), root.join("upload/notes.txt")).unwrap();
    let server = start_server(root.path(), &[]);
    let data = b"the new notes\n";
    let sent = put(
        &mut connect(&server),
        "notes.txt",
        &mut &data[..],
        data.len() as u64,
        &mut |_| {},
    );
    assert_eq!(sent.unwrap(), Outcome::Done(data.len() as u64));
    assert_eq!(fs::read(outside.join("secret.txt")).unwrap(), SECRET);
    // The link itself was replaced by the uploaded file.
    let stored = fs::symlink_metadata(root.join("upload/notes.txt")).unwrap();
    assert!(stored.is_file(), "upload/notes.txt is still a link");
    assert_eq!(fs::read(root.join("upload/notes.txt")).unwrap(), data);
}

#[test]
fn a_link_in_place_of_upload_or_download_is_refused_at_start() {
    for dir in ["upload", "download"] {
        let root = TempDir::new(&format!("link-{dir}"));
        let outside = outside(&format!("link-{dir}"));
        symlink(outside.path(), root.join(dir)).unwrap();
        let mut server = Command::new(env!("CARGO_BIN_EXE_lesson-09"));
        server.args(["--port", "0", "--root"]).arg(root.path());
        let output = run_with_timeout(server, "");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(!output.status.success(), "started with {dir} a link");
        let link = root.join(dir).display().to_string();
        assert!(
            stderr.contains(&format!("{link} is a symbolic link")),
            "{stderr}"
        );
        assert_eq!(listing(outside.path()), ["secret.txt"]);
    }
}

#[test]
fn directories_swapped_for_links_while_serving_lead_nowhere() {
    let root = served_root("swapped");
    let outside = outside("swapped");
    let server = start_server(root.path(), &[]);
    server.wait_for_line("send me a file");
    for dir in ["upload", "download"] {
        fs::rename(root.join(dir), root.join(&format!("{dir}.moved"))).unwrap();
        symlink(outside.path(), root.join(dir)).unwrap();
    }
    let mut conn = connect(&server);
    let (reply, bytes) = get(&mut conn, "secret.txt");
    assert_eq!(
        reply,
        Reply::No("0".into()),
        "served {:?} from outside the root",
        String::from_utf8_lossy(&bytes)
    );
    // The server serves the directories it opened at start, wherever they are now.
    assert_eq!(get(&mut conn, "greeting.txt"), greeting());
    let data = b"stored inside\n";
    let sent = put(
        &mut connect(&server),
        "new.txt",
        &mut &data[..],
        data.len() as u64,
        &mut |_| {},
    );
    assert_eq!(sent.unwrap(), Outcome::Done(data.len() as u64));
    assert_eq!(listing(outside.path()), ["secret.txt"], "written outside");
    assert_eq!(fs::read(root.join("upload.moved/new.txt")).unwrap(), data);
}

#[test]
fn a_named_pipe_in_download_does_not_hang_the_server() {
    let root = served_root("fifo");
    let made = Command::new("mkfifo")
        .arg(root.join("download/pipe"))
        .status()
        .unwrap();
    assert!(made.success(), "mkfifo failed");
    let server = start_server(root.path(), &[]);
    let mut conn = connect(&server);
    conn.write_all(b"get|pipe|0\n").unwrap();
    match read_reply(&mut conn) {
        // Not a regular file: the tutorial's "no such file", as for a directory.
        Ok(reply) => assert_eq!(reply, Reply::No("0".into())),
        Err(e) => server.fail(&format!("no answer to get|pipe|0 in time: {e}")),
    }
    assert_eq!(get(&mut connect(&server), "greeting.txt"), greeting());
}

// ---- A server killed mid-upload ----

#[test]
fn a_server_killed_mid_upload_leaves_nothing_after_a_restart() {
    let root = served_root("killed");
    let upload = root.join("upload");
    let server = start_server(root.path(), &[]);
    let mut conn = connect(&server);
    conn.write_all(b"put|big.bin|1000000\n").unwrap();
    assert_eq!(read_reply(&mut conn).unwrap(), Reply::Ok);
    conn.write_all(&content(400_000, 9)).unwrap();
    // Wait until the server has written those 400,000 bytes to its temporary file.
    let deadline = Instant::now() + TIMEOUT;
    let part = loop {
        if let [name] = &listing(&upload)[..]
            && fs::metadata(upload.join(name)).is_ok_and(|m| m.len() == 400_000)
        {
            break name.clone();
        }
        if Instant::now() > deadline {
            server.fail(&format!(
                "no 400,000-byte part file: {:?}",
                listing(&upload)
            ));
        }
        thread::sleep(Duration::from_millis(10));
    };
    assert!(part.starts_with('.') && part.ends_with(".part"), "{part}");
    drop(server); // SIGKILL: no destructor runs
    assert_eq!(
        listing(&upload),
        std::slice::from_ref(&part),
        "the kill left no part file"
    );

    // A part file of a process that still runs (this test's) may be the upload of
    // another server on the same root: it stays.
    let live = format!(".{}-7.part", std::process::id());
    fs::write(upload.join(&live), "another server's upload").unwrap();
    let server = start_server(root.path(), &[]);
    server.wait_for_line("send me a file");
    assert_eq!(
        listing(&upload),
        std::slice::from_ref(&live),
        "the killed upload is still there after a restart"
    );
    server.wait_for_line(&format!("removed {part:?}"));
    server.wait_for_line(&format!("kept {live:?}"));
    // And the upload's name never appeared: a new put of it starts from nothing.
    let data = b"a whole file";
    let sent = put(
        &mut connect(&server),
        "big.bin",
        &mut &data[..],
        data.len() as u64,
        &mut |_| {},
    );
    assert_eq!(sent.unwrap(), Outcome::Done(data.len() as u64));
    assert_eq!(fs::read(upload.join("big.bin")).unwrap(), data);
}

// ---- Out of file descriptors ----

// Linux only: the server's CPU time is read from /proc.
#[cfg(target_os = "linux")]
mod out_of_descriptors {
    use super::*;
    use classroom::process::{TICKS_PER_SECOND, cpu_ticks_during, limit_descriptors};
    use std::net::Shutdown;

    /// With 64 file descriptors and 100 clients, `accept` fails with EMFILE while the
    /// listening socket stays ready: a loop that retries at once spins at 100 % CPU and
    /// fills the log. The server must idle instead, say so once, go on serving the
    /// clients it has, and accept the others when descriptors free.
    #[test]
    fn out_of_descriptors_the_server_pauses_instead_of_spinning_and_recovers() {
        let root = served_root("descriptors");
        let mut command = Command::new(env!("CARGO_BIN_EXE_lesson-09"));
        command.args(["--port", "0", "--root"]).arg(root.path());
        limit_descriptors(&mut command, 64);
        let server = ServerProcess::start(command);
        let mut clients: Vec<TcpStream> = (0..100).map(|_| connect(&server)).collect();
        server.wait_for_line("accept failed");

        // Which clients got a descriptor: the log names them. No descriptor frees from
        // now on, so no other client is accepted until we close some.
        let log = server.stdout();
        let (accepted, waiting): (Vec<usize>, Vec<usize>) = (0..clients.len()).partition(|&n| {
            let line = format!("connected: {}", clients[n].local_addr().unwrap());
            log.contains(&line)
        });
        assert!(
            accepted.len() > waiting.len() + 1 && !waiting.is_empty(),
            "64 descriptors should serve most of 100 clients, not all: {} accepted",
            accepted.len()
        );

        // Out of descriptors, the server must idle, not spin: measure its CPU use while
        // nothing changes. A spinning loop uses all of the second.
        let used = cpu_ticks_during(server.pid(), Duration::from_secs(1));
        let about = |server: &ServerProcess| {
            let lines = server.stdout();
            let about: Vec<String> = lines
                .iter()
                .filter(|line| line.contains("accept"))
                .take(5)
                .cloned()
                .collect();
            let count = lines.iter().filter(|line| line.contains("accept")).count();
            (count, about)
        };
        assert!(
            used < TICKS_PER_SECOND / 4,
            "the server used {used} of {TICKS_PER_SECOND} ticks in one idle second: it spins \
         (and logged {:?})",
            about(&server)
        );

        // An accepted client is still served, at once. No descriptor is free to open
        // its file with, and it is told so in the protocol's words.
        let first = accepted[0];
        let (reply, _) = get(&mut clients[first], "greeting.txt");
        assert_eq!(
            reply,
            Reply::No("server error: cannot read the file".into())
        );

        // Close every other accepted client: the waiting ones are accepted, and served.
        for &n in &accepted[1..] {
            clients[n].shutdown(Shutdown::Both).unwrap();
        }
        server.wait_for_lines(" closed", accepted.len() - 1);
        for &n in &waiting {
            assert_eq!(
                get(&mut clients[n], "greeting.txt"),
                greeting(),
                "waiting client {n}"
            );
        }
        assert_eq!(get(&mut clients[first], "greeting.txt"), greeting());

        let (count, lines) = about(&server);
        assert!(
            count <= 3,
            "logged {count} lines about it, once a burst is enough: {lines:?}"
        );
    }
}
