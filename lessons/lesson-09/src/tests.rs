//! The protocol's pieces, one by one, and the connection's steps, driven by hand on a
//! real connection, as the event loop would drive them.

use std::fs;
use std::io::{self, Cursor, ErrorKind, Read};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::time::Duration;

use polling::Event;

use crate::connection::Connection;
use crate::files::part_owner;
use crate::server::{Registration, Socket, accept};
use crate::*;

/// The lesson's commands, as its server gives them to the parser.
const TUTORIAL: &[&str] = &["put", "get"];

fn header(command: &'static str, name: &str, size: u64) -> Header {
    Header {
        command,
        name: name.to_string(),
        size,
    }
}

#[test]
fn the_tutorial_header_has_no_end_marker_and_is_taken_whole() {
    assert_eq!(
        parse_header(b"put|notes.txt|1234", TUTORIAL),
        Parsed::Complete(header("put", "notes.txt", 1234), 18)
    );
    assert_eq!(
        parse_header(b"get|notes.txt|0", TUTORIAL),
        Parsed::Complete(header("get", "notes.txt", 0), 15)
    );
    assert_eq!(
        parse_header("get|grüße.txt|0".as_bytes(), TUTORIAL),
        Parsed::Complete(header("get", "grüße.txt", 0), 17)
    );
}

#[test]
fn a_newline_ends_a_header_and_what_follows_is_left_for_the_file() {
    let inbox = b"put|a.txt|5\nhello";
    assert_eq!(
        parse_header(inbox, TUTORIAL),
        Parsed::Complete(header("put", "a.txt", 5), 12)
    );
    assert_eq!(
        parse_header(b"\r\n\nget|a.txt|0\r\nsecond_active", TUTORIAL),
        Parsed::Complete(header("get", "a.txt", 0), 16)
    );
}

#[test]
fn the_start_of_a_header_waits_for_the_rest() {
    for start in [
        &b""[..],
        b"\n",
        b"p",
        b"pu",
        b"put",
        b"get|",
        b"put|notes",
        b"put|notes.txt|",
    ] {
        assert_eq!(
            parse_header(start, TUTORIAL),
            Parsed::Incomplete,
            "{start:?}"
        );
    }
}

#[test]
fn what_cannot_become_a_header_is_invalid_at_once() {
    for (inbox, expected) in [
        (&b"hello"[..], "expected cmd|filename|filesize"),
        (b"delete|x", "expected cmd|filename|filesize"),
        (b"delete|x|0", "unknown command \"delete\""),
        (b"put|a|b|c", "expected cmd|filename|filesize"),
        (b"put|a.txt|-1", "the size \"-1\" is not a number of bytes"),
        (b"put|a.txt|+5", "the size \"+5\" is not a number of bytes"),
        (b"put|a.txt| 5", "the size \" 5\" is not a number of bytes"),
        (
            b"put|a.txt|12x",
            "the size \"12x\" is not a number of bytes",
        ),
        (
            b"put|a.txt|99999999999999999999999",
            "the size \"99999999999999999999999\" is not a number of bytes",
        ),
        (b"put|a.txt\n", "expected cmd|filename|filesize"),
        (b"put|\xff.txt|1\n", "the header is not UTF-8"),
    ] {
        match parse_header(inbox, TUTORIAL) {
            Parsed::Invalid(why) => assert!(why.contains(expected), "{inbox:?}: {why}"),
            other => panic!("{inbox:?}: {other:?}"),
        }
    }
    let endless = vec![b'p'; HEADER_LIMIT + 1];
    assert_eq!(
        parse_header(&endless, TUTORIAL),
        Parsed::Invalid(format!("no header within {HEADER_LIMIT} bytes"))
    );
}

#[test]
fn the_tutorial_rule_cannot_tell_a_size_that_the_network_cut_short() {
    // The blind spot `parse_header` documents: `put|a.txt|12\n`, cut after the `1`,
    // reads as a whole header announcing 1 byte. Our clients never send a header
    // behind bytes in flight, so the network never cuts one.
    assert_eq!(
        parse_header(b"put|a.txt|1", TUTORIAL),
        Parsed::Complete(header("put", "a.txt", 1), 11)
    );
}

#[test]
fn our_clients_headers_end_with_a_newline() {
    assert_eq!(header("put", "a.txt", 5).to_bytes(), b"put|a.txt|5\n");
    assert_eq!(header("get", "a.txt", 0).to_bytes(), b"get|a.txt|0\n");
}

#[test]
fn only_plain_file_names_are_accepted() {
    for good in ["notes.txt", "grüße 世界.txt", "a..b", "x", "no-dot", "CON"] {
        assert_eq!(check_name(good), Ok(()), "{good:?}");
    }
    let too_long = "x".repeat(MAX_NAME + 1);
    for (bad, why) in [
        ("", "empty"),
        (".", "names a directory"),
        ("..", "names a directory"),
        ("../escape.txt", "path separator"),
        ("/etc/passwd", "path separator"),
        ("a/b", "path separator"),
        ("a\\b", "path separator"),
        ("C:\\x", "path separator"),
        ("nul\0byte", "NUL"),
        ("tab\there", "control character"),
        ("line\nbreak", "control character"),
        (".hidden", "starts with a dot"),
        (too_long.as_str(), "longer than"),
    ] {
        match check_name(bad) {
            Err(message) => assert!(message.contains(why), "{bad:?}: {message}"),
            Ok(()) => panic!("{bad:?} was accepted"),
        }
    }
}

#[test]
fn replies_are_the_tutorial_s_and_parse_back() {
    for (reply, bytes) in [
        (Reply::Ok, &b"OK"[..]),
        (Reply::Yes(1234), b"YES|1234"),
        (Reply::No(NO_SUCH_FILE.into()), b"NO|0"),
        (Reply::No("too big: 5 bytes".into()), b"NO|too big: 5 bytes"),
    ] {
        assert_eq!(reply.to_bytes(), bytes);
        assert_eq!(Reply::parse(bytes), Ok(reply));
    }
    assert!(Reply::parse(b"YES|lots").is_err());
    assert!(Reply::parse(b"MAYBE").is_err());
}

#[test]
fn sizes_read_as_a_student_writes_them() {
    assert_eq!(parse_size("5000"), Ok(5000));
    assert_eq!(parse_size("64K"), Ok(64 << 10));
    assert_eq!(parse_size("100M"), Ok(100 << 20));
    assert_eq!(parse_size("2g"), Ok(2 << 30));
    assert_eq!(parse_size("1 MiB"), Ok(1 << 20));
    assert!(parse_size("lots").is_err());
    assert!(parse_size("5T").is_err());
    assert!(parse_size("").is_err());
    assert!(parse_size("99999999999999G").is_err());
}

/// A directory under the system's temporary directory, deleted on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(what: &str) -> TempDir {
        static COUNT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = COUNT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let path =
            std::env::temp_dir().join(format!("lesson-09-unit-{what}-{}-{n}", std::process::id()));
        let _ = fs::remove_dir_all(&path);
        fs::create_dir_all(&path).unwrap();
        TempDir(path)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

/// The key of the one connection: the listener was registered first, as key 0.
const CLIENT: usize = 1;

/// A server with one accepted client, and that client's end of the connection.
fn server_with_one_client(root: &Path) -> (Server, TcpStream) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap();
    let files = Files::prepare(root, 1 << 20).unwrap();
    let mut server = Server::new(listener, files, PutAndGet).unwrap();
    let client = TcpStream::connect(address).unwrap();
    client
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    accept(&mut server, 0, Event::readable(0));
    assert!(server.registrations.contains_key(&CLIENT));
    (server, client)
}

/// The one connection, and the server's files, borrowed together.
fn connection(server: &mut Server) -> (&mut Connection, &Files) {
    match server.registrations.get_mut(&CLIENT) {
        Some(Registration {
            fileobj: Socket::Connection(connection),
            ..
        }) => (connection, &server.files),
        _ => panic!("the client is not registered"),
    }
}

/// Everything in `dir`, hidden files included, sorted.
fn listing(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn two_uploads_arrive_correctly_however_the_network_cuts_them() {
    let stream = b"put|a.txt|12\nhello world!put|b.txt|3\nabc";
    // Where the tutorial's rule is blind (see above): a cut that leaves a header that
    // looks whole, without its newline. Our clients never send a header like that.
    let blind = [
        b"put|a.txt|1".len(),
        b"put|a.txt|12".len(),
        b"put|a.txt|12\nhello world!put|b.txt|3".len(),
    ];
    for cut in (0..=stream.len()).filter(|cut| !blind.contains(cut)) {
        let root = TempDir::new("cuts");
        let (mut server, _client) = server_with_one_client(&root.0);
        let (connection, files) = connection(&mut server);
        connection.inbox.extend_from_slice(&stream[..cut]);
        connection.advance(files, &mut PutAndGet).unwrap();
        connection.inbox.extend_from_slice(&stream[cut..]);
        connection.advance(files, &mut PutAndGet).unwrap();
        assert_eq!(connection.outbox, b"OKOK", "cut at {cut}");
        assert!(connection.inbox.is_empty(), "cut at {cut}");
        let upload = &root.0.join("upload");
        assert_eq!(fs::read(upload.join("a.txt")).unwrap(), b"hello world!");
        assert_eq!(fs::read(upload.join("b.txt")).unwrap(), b"abc");
        assert_eq!(listing(upload), ["a.txt", "b.txt"], "cut at {cut}");
    }
}

#[test]
fn an_upload_is_invisible_until_complete_and_gone_if_abandoned() {
    let root = TempDir::new("abandon");
    let (mut server, _client) = server_with_one_client(&root.0);
    let (connection, files) = connection(&mut server);
    connection.inbox.extend_from_slice(b"put|a.txt|10\nhello");
    connection.advance(files, &mut PutAndGet).unwrap();
    // Half of it is on disk, under a hidden temporary name only.
    let during = listing(&root.0.join("upload"));
    assert_eq!(during.len(), 1, "{during:?}");
    assert!(during[0].starts_with('.') && during[0].ends_with(".part"));
    // The client closes its side before the rest comes.
    connection.closing = true;
    connection.advance(files, &mut PutAndGet).unwrap();
    assert_eq!(connection.outbox, b"OK");
    connection.outbox.clear(); // as if sent
    assert!(connection.is_finished());
    assert!(listing(&root.0.join("upload")).is_empty());
}

#[test]
fn a_connection_dropped_mid_upload_deletes_its_temporary_file() {
    let root = TempDir::new("drop");
    let (mut server, _client) = server_with_one_client(&root.0);
    let (connection, files) = connection(&mut server);
    connection.inbox.extend_from_slice(b"put|a.txt|10\nhello");
    connection.advance(files, &mut PutAndGet).unwrap();
    let upload = root.0.join("upload");
    assert_eq!(listing(&upload).len(), 1);
    // What an error does: unregister, which drops the connection.
    server.unregister(CLIENT);
    assert!(listing(&upload).is_empty());
}

#[test]
fn a_re_upload_replaces_the_old_file_whole() {
    let root = TempDir::new("replace");
    let (mut server, _client) = server_with_one_client(&root.0);
    let (connection, files) = connection(&mut server);
    connection
        .inbox
        .extend_from_slice(b"put|a.txt|20\nthe first, long one.put|a.txt|5\nshort");
    connection.advance(files, &mut PutAndGet).unwrap();
    assert_eq!(
        fs::read(root.0.join("upload").join("a.txt")).unwrap(),
        b"short"
    );
}

#[test]
fn a_download_streams_through_a_bounded_outbox() {
    let root = TempDir::new("download");
    let (mut server, _client) = server_with_one_client(&root.0);
    let (connection, files) = connection(&mut server);
    let content: Vec<u8> = (0..OUTBOX_LIMIT * 3 + 7).map(|i| i as u8).collect();
    fs::write(root.0.join("download").join("big.bin"), &content).unwrap();
    connection
        .inbox
        .extend_from_slice(b"get|big.bin|0\nsecond_active");
    connection.advance(files, &mut PutAndGet).unwrap();
    let yes = format!("YES|{}", content.len()).into_bytes();
    assert!(connection.outbox.starts_with(&yes));
    assert!(connection.is_sending());
    assert_eq!(connection.wanted_interest(), (false, true));
    // The loop's turns, with the network taking everything each time.
    let mut sent = Vec::new();
    while connection.is_sending() {
        assert!(connection.outbox.len() <= OUTBOX_LIMIT + yes.len());
        sent.append(&mut connection.outbox);
        connection.advance(files, &mut PutAndGet).unwrap();
    }
    assert_eq!(sent[yes.len()..], content[..]);
    assert_eq!(connection.wanted_interest(), (true, false));
}

/// A server of our own, as an exercise writes one: the lesson's, and one command more,
/// answered from memory as a `get` answers from a file.
struct WithList;

impl Commands for WithList {
    fn names(&self) -> &'static [&'static str] {
        &["put", "get", "list"]
    }

    fn other(&mut self, request: Request, _files: &Files) -> io::Result<Answer> {
        let listing = b"a.txt\n".to_vec();
        let size = listing.len() as u64;
        Ok(Answer::Send(Download::new(
            request.header.command,
            Cursor::new(listing),
            size,
        )))
    }
}

#[test]
fn a_server_that_knows_one_more_command_parses_it_and_answers_it_its_way() {
    let more = WithList.names();
    assert_eq!(
        parse_header(b"list|-|0", more),
        Parsed::Complete(header("list", "-", 0), 8)
    );
    // The start of a command the server knows waits; for the lesson's, it is no header.
    assert_eq!(parse_header(b"li", more), Parsed::Incomplete);
    assert!(matches!(parse_header(b"li", TUTORIAL), Parsed::Invalid(_)));
    match parse_header(b"delete|x|0", more) {
        Parsed::Invalid(why) => assert!(why.ends_with("expected put, get or list"), "{why}"),
        other => panic!("{other:?}"),
    }
    // Through a connection: `other` answers, the lesson's stages send it, and the
    // lesson's `get` still works on the same connection.
    let root = TempDir::new("more");
    let (mut server, _client) = server_with_one_client(&root.0);
    let (connection, files) = connection(&mut server);
    fs::write(root.0.join("download").join("a.txt"), "abc").unwrap();
    connection
        .inbox
        .extend_from_slice(b"list|-|0\nsecond_activeget|a.txt|0\nsecond_active");
    connection.advance(files, &mut WithList).unwrap();
    assert_eq!(connection.outbox, b"YES|6a.txt\n");
    connection.outbox.clear(); // as if sent: the listing is out, the `get` is next
    connection.advance(files, &mut WithList).unwrap();
    assert_eq!(connection.outbox, b"YES|3abc");
    connection.outbox.clear();
    connection.advance(files, &mut WithList).unwrap();
    // The lesson's server refuses it, and closes: the client may be sending anything.
    connection.inbox.extend_from_slice(b"list|-|0\n");
    connection.advance(files, &mut PutAndGet).unwrap();
    let expected = b"NO|bad request: unknown command \"list\": expected put or get";
    assert_eq!(connection.outbox, expected);
    assert!(connection.closing);
}

#[test]
fn refusals_answer_no_and_a_refused_put_closes() {
    let root = TempDir::new("refusals");
    let (mut server, _client) = server_with_one_client(&root.0);
    let (connection, files) = connection(&mut server);
    connection
        .inbox
        .extend_from_slice(b"get|nothing.txt|0\nget|../x|0\n");
    connection.advance(files, &mut PutAndGet).unwrap();
    let expected = b"NO|0NO|bad name: \"../x\" contains a path separator (/ or \\)";
    assert_eq!(connection.outbox, expected);
    assert!(!connection.closing, "a refused get keeps the connection");
    connection.outbox.clear();
    connection
        .inbox
        .extend_from_slice(b"put|a.txt|2000000\nnever stored");
    connection.advance(files, &mut PutAndGet).unwrap();
    let expected = b"NO|too big: 2000000 bytes, the limit is 1048576 bytes";
    assert_eq!(connection.outbox, expected);
    assert!(connection.closing, "a refused put closes the connection");
    assert!(connection.inbox.is_empty());
    assert!(listing(&root.0.join("upload")).is_empty());
}

#[test]
fn a_partial_write_loses_no_byte() {
    let root = TempDir::new("partial");
    let (mut server, mut client) = server_with_one_client(&root.0);
    // The client starts reading only after the first flush: until then nothing drains
    // the socket, so that flush must stop part-way (a reader that keeps up could let
    // one `write` take all 8 MiB, and the test would see no partial write).
    let (first_flush_done, first_flush) = std::sync::mpsc::channel::<()>();
    let reader = std::thread::spawn(move || {
        let _ = first_flush.recv();
        let mut received = Vec::new();
        client.read_to_end(&mut received).map(|_| received)
    });
    // Far more than the kernel's buffers take at once: `write` takes part of it, and
    // `flush` must keep the rest for later.
    let data: Vec<u8> = (0..8 << 20).map(|i: usize| (i % 251) as u8).collect();
    let (connection, _) = connection(&mut server);
    connection.outbox = data.clone();
    let mut partial_writes = 0;
    while !connection.outbox.is_empty() {
        let before = connection.outbox.len();
        connection.flush().unwrap();
        if connection.outbox.len() != before && !connection.outbox.is_empty() {
            partial_writes += 1;
        }
        let _ = first_flush_done.send(());
    }
    server.unregister(CLIENT); // closes the connection: the reader sees its end
    let received = reader.join().unwrap().unwrap();
    assert_eq!(received.len(), data.len());
    assert!(received == data, "the bytes differ");
    assert!(partial_writes > 0, "the test never saw a partial write");
}

#[test]
fn a_dir_takes_plain_names_only() {
    let root = TempDir::new("plain");
    fs::write(root.0.join("inside.txt"), "in").unwrap();
    fs::create_dir(root.0.join("sub")).unwrap();
    let sub = Dir::open(&root.0.join("sub")).unwrap();
    for name in ["", ".", "..", "../inside.txt", "/etc/passwd", "a/b"] {
        let error = sub.open_file(name).err().unwrap();
        assert_eq!(error.kind(), ErrorKind::InvalidInput, "{name:?}");
        assert_eq!(
            sub.remove(name).err().unwrap().kind(),
            ErrorKind::InvalidInput
        );
    }
    assert!(root.0.join("inside.txt").exists());
}

#[test]
fn only_our_own_temporary_names_are_leftovers() {
    assert_eq!(part_owner(&part_name(4242, 7)), Some(4242));
    for name in [
        ".4242-7.part~",
        "4242-7.part",
        ".4242.part",
        ".-7.part",
        ".a-7.part",
    ] {
        assert_eq!(part_owner(name), None, "{name}");
    }
    // The client's temporary names are not the server's.
    assert_eq!(part_owner(".notes.txt.part"), None);
    assert_eq!(part_owner(".+42-7.part"), None);
}
