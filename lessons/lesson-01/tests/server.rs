//! Lesson 01's server and client, driven as a student drives them: start the server,
//! connect, talk, read the log. The single-shot server must exit cleanly after its one
//! client, whatever that client does.

use std::process::Command;

use classroom::{Client, ServerProcess, Transcript, help_of, run_with_timeout};

fn start_server() -> ServerProcess {
    let mut server = Command::new(env!("CARGO_BIN_EXE_lesson-01"));
    server.args(["--port", "0"]);
    ServerProcess::start(server)
}

/// The server's log once it has exited; it must exit successfully.
fn finish(mut server: ServerProcess, transcript: &Transcript) {
    let status = server.wait_for_exit();
    if !status.success() {
        server.fail(&format!("expected a clean exit, got {status}"));
    }
    transcript.push_server_log(&server);
}

#[test]
fn answers_one_message_in_upper_case_then_exits() {
    let server = start_server();
    let transcript = Transcript::new(&server);
    let mut client = Client::connect(&transcript, server.addr());
    assert_eq!(client.say("hello, world"), "HELLO, WORLD");
    client.expect_closed();
    finish(server, &transcript);
    insta::assert_snapshot!(transcript.render());
}

#[test]
fn utf8_passes_through_and_only_ascii_letters_change() {
    let server = start_server();
    let transcript = Transcript::new(&server);
    let mut client = Client::connect(&transcript, server.addr());
    assert_eq!(client.say("grüße, 世界 and ß"), "GRüßE, 世界 AND ß");
    finish(server, &transcript);
    insta::assert_snapshot!(transcript.render());
}

#[test]
fn invalid_utf8_is_answered_byte_for_byte() {
    let server = start_server();
    let transcript = Transcript::new(&server);
    let mut client = Client::connect(&transcript, server.addr());
    client.send(b"\xff\xfeabc");
    assert_eq!(client.recv_exact(5), b"\xff\xfeABC");
    finish(server, &transcript);
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
    finish(server, &transcript);
    insta::assert_snapshot!(transcript.render());
}

#[test]
fn a_client_that_says_nothing_ends_the_show_cleanly() {
    let server = start_server();
    let transcript = Transcript::new(&server);
    let client = Client::connect(&transcript, server.addr());
    server.wait_for_line("connected:");
    client.close();
    finish(server, &transcript);
    insta::assert_snapshot!(transcript.render());
}

#[test]
fn a_client_that_resets_mid_conversation_does_not_crash_the_server() {
    let server = start_server();
    let transcript = Transcript::new(&server);
    let mut client = Client::connect(&transcript, server.addr());
    client.send("half a thou");
    client.reset();
    // Whether the server read the bytes before the reset arrived is a race; what is
    // certain is that it logs the client and exits cleanly.
    let mut server = server;
    assert!(server.wait_for_exit().success());
    assert!(
        server
            .stdout()
            .iter()
            .any(|line| line.contains("connected:"))
    );
}

#[test]
fn a_megabyte_gets_one_read_answered_and_the_rest_reported() {
    let server = start_server();
    let transcript = Transcript::new(&server);
    let mut client = Client::connect(&transcript, server.addr());
    let message = vec![b'x'; 1 << 20];
    transcript.push(format!(
        "C: {} (on a second thread)",
        classroom::show_bytes(&message)
    ));
    // The server answers one read of 1024 bytes, then closes with data unread; our
    // writing may fail when it does, which is fine: the reply is what we check.
    let mut writer = client.stream().try_clone().unwrap();
    let sending = std::thread::spawn(move || {
        use std::io::Write;
        let _ = writer.write_all(&message);
    });
    assert_eq!(client.recv_exact(1024), vec![b'X'; 1024]);
    let _ = sending.join();
    finish(server, &transcript);
    insta::assert_snapshot!(transcript.render());
}

#[test]
fn the_client_prints_the_reply() {
    let server = start_server();
    let mut client = Command::new(env!("CARGO_BIN_EXE_lesson-01-client"));
    client.args(["--port", &server.addr().port().to_string(), "hi there"]);
    let output = run_with_timeout(client, "");
    assert!(output.status.success(), "{output:?}");
    assert_eq!(String::from_utf8_lossy(&output.stdout), "HI THERE\n");
}

#[test]
fn the_client_explains_the_reset_a_long_message_causes() {
    let mut server = start_server();
    let mut client = Command::new(env!("CARGO_BIN_EXE_lesson-01-client"));
    client.args([
        "--port",
        &server.addr().port().to_string(),
        &"x".repeat(2000),
    ]);
    let output = run_with_timeout(client, "");
    assert!(!output.status.success(), "{output:?}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("reset") && stderr.contains("hint: the server read only"),
        "{stderr}"
    );
    assert!(server.wait_for_exit().success());
}

#[test]
fn the_client_explains_when_no_server_listens() {
    // Bind and drop a listener to find a port where nobody listens.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .unwrap()
        .port();
    let mut client = Command::new(env!("CARGO_BIN_EXE_lesson-01-client"));
    client.args(["--port", &port.to_string()]);
    let output = run_with_timeout(client, "");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("cannot connect"), "{stderr}");
    assert!(stderr.contains("cargo run -p lesson-01"), "{stderr}");
}

#[test]
fn the_server_explains_a_port_in_use() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    let mut server = Command::new(env!("CARGO_BIN_EXE_lesson-01"));
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
        env!("CARGO_BIN_EXE_lesson-01"),
        env!("CARGO_BIN_EXE_lesson-01-client"),
    ] {
        let (name, help) = help_of(binary);
        insta::assert_snapshot!(name, help);
    }
}
