//! The server's bookkeeping, tested by calling its callbacks by hand, as the event loop
//! would, on a real connection, with the lesson's service or one that writes down
//! which hooks were called.

use std::net::Shutdown;
use std::thread;
use std::time::{Duration, Instant};

use super::*;

#[test]
fn upper_changes_ascii_letters_only() {
    assert_eq!(upper("héllo ß 42".as_bytes()), "HéLLO ß 42".as_bytes());
    assert_eq!(upper(b"\xff\xfeabc"), b"\xff\xfeABC");
}

#[test]
fn close_is_recognised_in_any_case() {
    assert!(is_close(b"close"));
    assert!(is_close(b"CLOSE\r\n"));
    assert!(!is_close(b"closer"));
    assert!(!is_close(b"\xffclose"));
}

/// The key of the one connection: the listener was registered first, as key 0.
const CLIENT: usize = 1;

/// A server with one accepted client, and that client's end of the connection.
fn server_with_one_client() -> (Server, TcpStream) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap();
    let mut server = Server::new(listener).unwrap();
    let client = TcpStream::connect(address).unwrap();
    client
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    accept(&mut server, &mut Upper, 0, Event::readable(0));
    assert!(server.registrations.contains_key(&CLIENT));
    (server, client)
}

fn connection(server: &mut Server) -> &mut Connection {
    server
        .connection(CLIENT)
        .expect("the client is not registered")
}

#[test]
fn a_full_outbox_pauses_reading_and_asks_to_write() {
    let (mut server, _client) = server_with_one_client();
    let connection = connection(&mut server);
    assert_eq!(connection.wanted_interest(), (true, false));
    connection.outbox = vec![b'x'; 10];
    assert_eq!(connection.wanted_interest(), (true, true));
    connection.outbox = vec![b'x'; OUTBOX_LIMIT];
    assert_eq!(connection.wanted_interest(), (false, true));
    connection.outbox.clear();
    connection.closing = true;
    assert_eq!(connection.wanted_interest(), (false, false));
}

#[test]
fn a_client_that_does_not_read_is_not_read_from_once_its_outbox_is_full() {
    let (mut server, client) = server_with_one_client();
    let mut writer = client.try_clone().unwrap();
    let sending = thread::spawn(move || writer.write_all(&vec![b'a'; 32 << 20]));
    // Enough turns of the loop to read all 32 MiB, if nothing held the server back;
    // the client reads nothing, so its replies pile up in the outbox, up to the limit.
    for _ in 0..(32 << 10) {
        service_connection(&mut server, &mut Upper, CLIENT, Event::all(CLIENT));
        let waiting = connection(&mut server).outbox.len();
        assert!(waiting < OUTBOX_LIMIT + BUFFER_SIZE, "{waiting} bytes wait");
    }
    // Unblock the sending thread (it stays stuck: nobody reads) and finish.
    client.shutdown(Shutdown::Both).unwrap();
    let _ = sending.join().unwrap();
}

#[test]
fn a_closing_connection_sends_its_whole_outbox_before_it_closes() {
    let (mut server, mut client) = server_with_one_client();
    // As after the client's end of input, with more replies waiting than the kernel
    // takes at once (it buffers a few MiB at most).
    let pending = 32 << 20;
    let connection = connection(&mut server);
    connection.outbox = vec![b'X'; pending];
    connection.closing = true;
    let receiving = thread::spawn(move || {
        let mut reply = Vec::new();
        client.read_to_end(&mut reply).map(|_| reply.len())
    });
    // Turn the loop until the server closes the connection.
    let deadline = Instant::now() + Duration::from_secs(10);
    while server.registrations.contains_key(&CLIENT) {
        assert!(Instant::now() < deadline, "the connection was never closed");
        service_connection(&mut server, &mut Upper, CLIENT, Event::writable(CLIENT));
    }
    assert_eq!(receiving.join().unwrap().unwrap(), pending);
}

/// A service that writes down the hooks the server calls, and answers as `Upper`.
#[derive(Default)]
struct Recorder {
    calls: Vec<String>,
}

impl Service for Recorder {
    fn connected(&mut self, _server: &mut Server, client: Client) {
        self.calls.push(format!("connected {}", client.key));
    }

    fn received(&mut self, server: &mut Server, client: Client, message: &[u8]) {
        let message = String::from_utf8_lossy(message);
        self.calls
            .push(format!("received {} {message}", client.key));
        Upper.received(server, client, message.as_bytes());
    }

    fn closed(&mut self, client: Client) {
        self.calls.push(format!("closed {}", client.key));
    }
}

/// Turns the loop for the one client until `done`, as the event loop would on
/// "readable"; panics after ten seconds.
fn turn_until(server: &mut Server, recorder: &mut Recorder, done: fn(&Server, &Recorder) -> bool) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !done(server, recorder) {
        assert!(Instant::now() < deadline, "never happened");
        service_connection(server, recorder, CLIENT, Event::readable(CLIENT));
    }
}

#[test]
fn the_service_hears_a_client_come_speak_and_go() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap();
    let mut server = Server::new(listener).unwrap();
    let mut recorder = Recorder::default();
    let mut client = TcpStream::connect(address).unwrap();
    client
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    accept(&mut server, &mut recorder, 0, Event::readable(0));
    assert_eq!(server.clients().len(), 1);
    client.write_all(b"hi").unwrap();
    // The reply goes out in the same turn as the read.
    turn_until(&mut server, &mut recorder, |_, recorder| {
        recorder.calls.len() == 2
    });
    let mut reply = [0; 2];
    client.read_exact(&mut reply).unwrap();
    assert_eq!(&reply, b"HI");
    client.write_all(b"close").unwrap();
    turn_until(&mut server, &mut recorder, |server, _| {
        server.clients().is_empty()
    });
    assert_eq!(
        recorder.calls,
        [
            "connected 1",
            "received 1 hi",
            "received 1 close",
            "closed 1"
        ]
    );
}

#[test]
fn send_queues_for_a_client_that_reads_and_the_loop_then_watches_it_for_writable() {
    let (mut server, _client) = server_with_one_client();
    let client = server.clients()[0];
    assert!(server.send(client, b"news\n"));
    assert_eq!(connection(&mut server).watching, (true, false));
    // After the turn, the selector is told: the outbox waits to be written.
    server.settle_touched(&mut Upper);
    assert_eq!(connection(&mut server).watching, (true, true));
    // A client whose outbox is full is not reading: it misses what is sent.
    connection(&mut server).outbox = vec![b'x'; OUTBOX_LIMIT];
    assert!(!server.send(client, b"more\n"));
    assert_eq!(connection(&mut server).outbox.len(), OUTBOX_LIMIT);
    // Nor does a client that is leaving hear any more.
    connection(&mut server).outbox.clear();
    server.close(client);
    assert!(!server.send(client, b"more\n"));
    // Nothing waits for it: the turn's end closes it.
    server.settle_touched(&mut Upper);
    assert!(server.clients().is_empty());
}

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
fn out_of_descriptors_the_listener_is_left_alone_then_watched_again() {
    let (mut server, _client) = server_with_one_client();
    let address = match server.registrations.get(&0) {
        Some(Registration {
            fileobj: Socket::Listener(listener),
            ..
        }) => listener.local_addr().unwrap(),
        _ => panic!("the listener is not key 0"),
    };
    // A client waits to be accepted, as when `accept` failed for want of a descriptor.
    let _waiting = TcpStream::connect(address).unwrap();
    server.pause_accepting(0);
    let Some((0, until)) = server.paused_listener else {
        panic!("the listener is not paused");
    };
    // Paused, the listener is not reported, though a client waits.
    let mut events = Events::new();
    server
        .selector
        .wait(&mut events, Some(Duration::from_millis(50)))
        .unwrap();
    assert!(
        events.iter().all(|event| event.key != 0),
        "reported while paused"
    );
    server.resume_accepting_when_due();
    if Instant::now() < until {
        assert!(
            server.paused_listener.is_some(),
            "resumed before the pause was over"
        );
    }
    // Once the pause is over, it is watched again, and reported.
    thread::sleep(until.saturating_duration_since(Instant::now()));
    server.resume_accepting_when_due();
    assert!(
        server.paused_listener.is_none(),
        "still paused after the pause"
    );
    events.clear();
    server
        .selector
        .wait(&mut events, Some(Duration::from_secs(10)))
        .unwrap();
    assert!(
        events.iter().any(|event| event.key == 0 && event.readable),
        "not reported once the pause was over"
    );
}
