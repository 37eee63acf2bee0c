//! Lesson 05's selector server: one thread serves every client at once. Tests prove
//! the "at once" (clients interleaved, a thousand of them, a client that never reads
//! beside one that does) and, as in every lesson, that no client can stop the server:
//! each kind of bad client is followed by a good one.

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::process::Command;
use std::thread;

use classroom::{
    Client, ServerProcess, TIMEOUT, Transcript, help_of, run_with_timeout, show_bytes,
};

fn start_server() -> ServerProcess {
    let mut server = Command::new(env!("CARGO_BIN_EXE_lesson-05"));
    server.args(["--port", "0"]);
    ServerProcess::start(server)
}

/// Proof that the server is still serving: a fresh client gets its answer.
fn still_serves(server: &ServerProcess, transcript: &Transcript) {
    let mut next = Client::connect_as(transcript, "next", server.addr());
    assert_eq!(next.say("anyone there?"), "ANYONE THERE?");
    let next_address = next.local_addr();
    next.close();
    server.wait_for_line(&format!("{next_address} closed"));
}

/// Closes `client` and waits until the server has logged that it closed too.
fn close_and_wait(client: Client, server: &ServerProcess) {
    let address = client.local_addr();
    client.close();
    server.wait_for_line(&format!("{address} closed"));
}

/// Panics, without printing megabytes, if `reply` is not `expected`.
fn assert_same_bytes(reply: &[u8], expected: &[u8]) {
    if let Some(at) = reply.iter().zip(expected).position(|(a, b)| a != b) {
        panic!(
            "the reply differs from the expected bytes at byte {at}: got {}, expected {}",
            show_bytes(&reply[at..]),
            show_bytes(&expected[at..])
        );
    }
    assert_eq!(
        reply.len(),
        expected.len(),
        "the reply has the wrong length"
    );
}

#[test]
fn one_client_talks_then_closes() {
    let server = start_server();
    let transcript = Transcript::new(&server);
    let mut client = Client::connect(&transcript, server.addr());
    assert_eq!(client.say("hello"), "HELLO");
    assert_eq!(client.say("how are you?"), "HOW ARE YOU?");
    assert_eq!(client.say("grüße, 世界"), "GRüßE, 世界");
    close_and_wait(client, &server);
    transcript.push_server_log(&server);
    insta::assert_snapshot!(transcript.render());
}

#[test]
fn two_clients_are_served_at_the_same_time() {
    let server = start_server();
    let transcript = Transcript::new(&server);
    let mut a = Client::connect_as(&transcript, "A", server.addr());
    let mut b = Client::connect_as(&transcript, "B", server.addr());
    // Both accepted before anyone speaks, so the log's order is always the same.
    server.wait_for_lines("connected:", 2);
    // Lesson 03 would make B wait until A leaves; here each is answered at once.
    assert_eq!(a.say("hello from A"), "HELLO FROM A");
    assert_eq!(b.say("hello from B"), "HELLO FROM B");
    assert_eq!(a.say("A again"), "A AGAIN");
    close_and_wait(a, &server);
    close_and_wait(b, &server);
    transcript.push_server_log(&server);
    insta::assert_snapshot!(transcript.render());
}

#[test]
fn a_thousand_clients_at_once_on_one_thread() {
    const CLIENTS: usize = 1000;
    const ROUNDS: usize = 10;
    let server = start_server();
    // Plain sockets, all driven from this one test thread, as the server drives them
    // from its one thread.
    let mut clients: Vec<TcpStream> = (0..CLIENTS)
        .map(|i| {
            let conn = TcpStream::connect_timeout(&server.addr(), TIMEOUT).unwrap_or_else(|e| {
                panic!(
                    "client {i} cannot connect: {e} (if that is \"too many open files\", \
                     raise the limit: ulimit -n 4096)"
                )
            });
            conn.set_read_timeout(Some(TIMEOUT)).unwrap();
            conn.set_write_timeout(Some(TIMEOUT)).unwrap();
            conn
        })
        .collect();
    for round in 0..ROUNDS {
        // Everyone speaks before anyone listens: the server has a thousand sockets
        // ready at once, and must answer each on its own connection.
        for (i, conn) in clients.iter_mut().enumerate() {
            conn.write_all(format!("client-{i} message-{round}").as_bytes())
                .unwrap_or_else(|e| panic!("client {i}, round {round}: cannot send: {e}"));
        }
        for (i, conn) in clients.iter_mut().enumerate() {
            let expected = format!("CLIENT-{i} MESSAGE-{round}");
            let mut reply = vec![0; expected.len()];
            conn.read_exact(&mut reply)
                .unwrap_or_else(|e| panic!("client {i}, round {round}: no full reply: {e}"));
            assert_eq!(
                String::from_utf8_lossy(&reply),
                expected,
                "client {i}, round {round} got someone else's reply"
            );
        }
    }
    // All of it was one thread (Linux shows a process's threads in /proc).
    #[cfg(target_os = "linux")]
    {
        let threads = std::fs::read_dir(format!("/proc/{}/task", server.pid()))
            .unwrap()
            .count();
        assert_eq!(threads, 1, "the selector server should have one thread");
    }
    let transcript = Transcript::new(&server);
    still_serves(&server, &transcript);
}

#[test]
fn a_client_that_sends_without_reading_is_held_back_while_others_are_served() {
    let server = start_server();
    let transcript = Transcript::new(&server);
    let mut big = Client::connect_as(&transcript, "big", server.addr());
    // 16 MiB: more than the kernel buffers of a loopback connection hold (a few MiB
    // on Linux), so the server really must hold big back. Numbered lines
    // (`line 000000001a\n`, 16 bytes each) make a lost, doubled or misplaced piece
    // of the reply show at once.
    let message: Vec<u8> = (0..(16 << 20) / 16)
        .flat_map(|line: usize| format!("line {line:010x}\n").into_bytes())
        .collect();
    let expected = message.to_ascii_uppercase();
    transcript.push(format!(
        "C[big]: {} (from a second thread, which then half-closes)",
        show_bytes(&message)
    ));
    // `big` sends everything and reads nothing for now. The server answers into big's
    // outbox until it is full, then stops reading from big; kernel buffers fill up
    // and the sending thread blocks. Nothing of that may block the server's loop.
    let mut writer = big.stream().try_clone().unwrap();
    let sending = thread::spawn(move || {
        writer.write_all(&message)?;
        writer.shutdown(Shutdown::Write)
    });
    // The server reads at least a full outbox (64 reads of at most 1 KiB) before it
    // holds big back: wait until it has, so big is the busy one when `other` arrives.
    server.wait_for_lines(&format!("{} wrote", big.local_addr()), 64);

    let mut other = Client::connect_as(&transcript, "other", server.addr());
    assert_eq!(other.say("are you still there?"), "ARE YOU STILL THERE?");
    assert_eq!(other.say("good"), "GOOD");
    other.close();

    // Now big reads: every byte comes back, including what waited in its outbox when
    // it half-closed. Only then does the server close the connection.
    let reply = big.recv_exact(expected.len());
    assert_same_bytes(&reply, &expected);
    sending.join().unwrap().unwrap();
    big.expect_closed();
    still_serves(&server, &transcript);
    insta::assert_snapshot!(transcript.render());
}

#[test]
fn close_closes_only_that_connection() {
    let server = start_server();
    let transcript = Transcript::new(&server);
    let mut a = Client::connect_as(&transcript, "A", server.addr());
    let mut b = Client::connect_as(&transcript, "B", server.addr());
    // Both accepted before anyone speaks, so the log's order is always the same.
    server.wait_for_lines("connected:", 2);
    assert_eq!(a.say("one"), "ONE");
    assert_eq!(b.say("two"), "TWO");
    a.send("close");
    a.expect_closed();
    assert_eq!(b.say("still here"), "STILL HERE");
    close_and_wait(b, &server);
    transcript.push_server_log(&server);
    insta::assert_snapshot!(transcript.render());
}

#[test]
fn a_client_that_resets_mid_conversation_does_not_stop_the_server() {
    let server = start_server();
    let transcript = Transcript::new(&server);
    let mut client = Client::connect(&transcript, server.addr());
    assert_eq!(client.say("hello"), "HELLO");
    client.send("half a thou");
    client.reset();
    // Whether the server read "half a thou" before the reset arrived is a race; what
    // is certain is that it logs an error for this connection, and goes on.
    server.wait_for_line(" error: ");
    still_serves(&server, &transcript);
    insta::assert_snapshot!(transcript.render());
}

#[test]
fn a_half_closed_client_still_gets_its_reply() {
    let server = start_server();
    let transcript = Transcript::new(&server);
    let mut client = Client::connect(&transcript, server.addr());
    client.send("last words");
    client.shutdown_write();
    assert_eq!(client.recv_exact(10), b"LAST WORDS");
    client.expect_closed();
    still_serves(&server, &transcript);
    server.wait_for_lines(" closed", 2);
    transcript.push_server_log(&server);
    insta::assert_snapshot!(transcript.render());
}

#[test]
fn invalid_utf8_is_answered_byte_for_byte() {
    let server = start_server();
    let transcript = Transcript::new(&server);
    let mut client = Client::connect(&transcript, server.addr());
    client.send(b"\xff\xfeabc");
    assert_eq!(client.recv_exact(5), b"\xff\xfeABC");
    close_and_wait(client, &server);
    still_serves(&server, &transcript);
    transcript.push_server_log(&server);
    insta::assert_snapshot!(transcript.render());
}

#[test]
fn a_megabyte_without_a_newline_comes_back_whole() {
    let server = start_server();
    let transcript = Transcript::new(&server);
    let mut client = Client::connect(&transcript, server.addr());
    let message: Vec<u8> = (0..1 << 20).map(|i| b"abcdefghij"[i % 10]).collect();
    let reply = client.exchange(&message, message.len());
    assert_same_bytes(&reply, &message.to_ascii_uppercase());
    client.close();
    still_serves(&server, &transcript);
    insta::assert_snapshot!(transcript.render());
}

#[test]
fn a_silent_client_does_not_hold_up_another() {
    let server = start_server();
    let transcript = Transcript::new(&server);
    let silent = Client::connect_as(&transcript, "silent", server.addr());
    server.wait_for_line(&format!("connected: {}", silent.local_addr()));
    let mut talker = Client::connect_as(&transcript, "talker", server.addr());
    assert_eq!(talker.say("hello?"), "HELLO?");
    assert_eq!(talker.say("is it just us?"), "IS IT JUST US?");
    close_and_wait(talker, &server);
    close_and_wait(silent, &server);
    transcript.push_server_log(&server);
    insta::assert_snapshot!(transcript.render());
}

#[test]
fn the_client_sends_its_messages_and_prints_the_replies() {
    let server = start_server();
    let mut client = Command::new(env!("CARGO_BIN_EXE_lesson-05-client"));
    client.args(["--port", &server.addr().port().to_string()]);
    client.args(["-m", "hello", "-m", "how are you"]);
    let output = run_with_timeout(client, "");
    assert!(output.status.success(), "{output:?}");
    assert_eq!(
        String::from_utf8_lossy(&output.stdout),
        "HELLO\nHOW ARE YOU\n"
    );
}

#[test]
fn the_client_reads_piped_lines_and_stops_at_close() {
    let server = start_server();
    let mut client = Command::new(env!("CARGO_BIN_EXE_lesson-05-client"));
    client.args(["--port", &server.addr().port().to_string()]);
    let output = run_with_timeout(client, "hello\n\n  world  \nclose\nnever sent\n");
    assert!(output.status.success(), "{output:?}");
    // No `>>: ` prompt: nobody is typing.
    assert_eq!(String::from_utf8_lossy(&output.stdout), "HELLO\nWORLD\n");
    server.wait_for_line(" closed");
    assert!(
        !server
            .stdout()
            .iter()
            .any(|line| line.contains("never sent")),
        "the client sent a line after `close`"
    );
}

#[test]
fn the_client_reports_a_server_that_closes_early() {
    // A server that answers half a reply, then hangs up.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let rude_server = thread::spawn(move || {
        let (mut conn, _) = listener.accept().unwrap();
        let mut buffer = [0; 1024];
        let _ = conn.read(&mut buffer).unwrap();
        conn.write_all(b"HEL").unwrap();
    });
    let mut client = Command::new(env!("CARGO_BIN_EXE_lesson-05-client"));
    client.args(["--port", &port.to_string(), "-m", "hello"]);
    let output = run_with_timeout(client, "");
    rude_server.join().unwrap();
    assert!(!output.status.success());
    assert_eq!(String::from_utf8_lossy(&output.stdout), "HEL\n");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("error: the server closed the connection"),
        "{stderr}"
    );
}

#[test]
fn the_client_explains_when_no_server_listens() {
    // Bind and drop a listener to find a port where nobody listens.
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .unwrap()
        .port();
    let mut client = Command::new(env!("CARGO_BIN_EXE_lesson-05-client"));
    client.args(["--port", &port.to_string(), "-m", "hello"]);
    let output = run_with_timeout(client, "");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("cannot connect"), "{stderr}");
    assert!(stderr.contains("cargo run -p lesson-05"), "{stderr}");
}

#[test]
fn the_server_explains_a_port_in_use() {
    let taken = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    let mut server = Command::new(env!("CARGO_BIN_EXE_lesson-05"));
    server.args(["--port", &port]);
    let output = run_with_timeout(server, "");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("cannot listen") && stderr.contains("--port 0"),
        "{stderr}"
    );
}

#[test]
fn help_is_written_for_students() {
    for binary in [
        env!("CARGO_BIN_EXE_lesson-05"),
        env!("CARGO_BIN_EXE_lesson-05-client"),
    ] {
        let (name, help) = help_of(binary);
        insta::assert_snapshot!(name, help);
    }
}
