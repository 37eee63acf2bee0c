//! The Unix-domain servers: the same handlers, the same loop, a path for an address.
#![cfg(unix)]
// Test code: a panic (from unwrap) is how a test reports failure.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{self, BufRead, BufReader, Read, Write};
#[cfg(target_os = "android")]
use std::os::android::net::SocketAddrExt;
#[cfg(target_os = "linux")]
use std::os::linux::net::SocketAddrExt;
use std::os::unix::net::{SocketAddr, UnixDatagram, UnixStream};
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use classroom::TIMEOUT;
use socketserver::{
    Address, BaseServer, DatagramRequestHandler, DatagramState, HandlerError, Request,
    RequestHandler, ServerCore, SocketServer, Stream, StreamRequestHandler,
    ThreadingUnixDatagramServer, ThreadingUnixStreamServer, Transport, UnixDatagramServer,
    UnixDatagramTransport, UnixOptions, UnixStreamServer, UnixStreamTransport,
};

static COUNTER: AtomicUsize = AtomicUsize::new(0);

/// A fresh directory for this test's socket files, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new() -> TempDir {
        let n = COUNTER.fetch_add(1, Ordering::SeqCst);
        let dir =
            std::env::temp_dir().join(format!("socketserver-test-{}-{n}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[derive(Default)]
struct UpperLines;

impl RequestHandler for UpperLines {
    type Base = StreamRequestHandler<UnixStreamTransport>;
    fn handle(&mut self, this: &mut Stream<UnixStreamTransport>) -> io::Result<()> {
        let mut line = Vec::new();
        while this.rfile.read_until(b'\n', &mut line)? > 0 {
            this.wfile.write_all(&line.to_ascii_uppercase())?;
            line.clear();
        }
        Ok(())
    }
}

#[derive(Default)]
struct UpperPacket;

impl RequestHandler for UpperPacket {
    type Base = DatagramRequestHandler<UnixDatagramTransport>;
    fn handle(&mut self, this: &mut DatagramState<UnixDatagramTransport>) -> io::Result<()> {
        let mut packet = Vec::new();
        this.rfile.read_to_end(&mut packet)?;
        this.wfile.write_all(&packet.to_ascii_uppercase())
    }
}

fn serve_then_stop<S: BaseServer>(server: Arc<S>, conversation: impl FnOnce()) {
    serve_while(&server, conversation);
}

/// Serves on a thread while `conversation` runs, then shuts down and closes.
fn serve_while<S: BaseServer>(server: &Arc<S>, conversation: impl FnOnce()) {
    let serving = {
        let server = Arc::clone(server);
        thread::spawn(move || server.serve_forever_polling(Duration::from_secs(3600)))
    };
    conversation();
    server.shutdown();
    serving.join().unwrap().unwrap();
    server.server_close();
}

/// A name in the abstract namespace no other test (or test run) uses.
#[cfg(any(target_os = "linux", target_os = "android"))]
fn abstract_name(what: &str) -> String {
    let n = COUNTER.fetch_add(1, Ordering::SeqCst);
    format!("socketserver-test-{}-{n}-{what}", std::process::id())
}

/// Waits (at most `TIMEOUT`) until `done` holds.
fn wait_until(what: &str, done: impl Fn() -> bool) {
    let deadline = Instant::now() + TIMEOUT;
    while !done() {
        assert!(Instant::now() < deadline, "gave up waiting: {what}");
        thread::sleep(Duration::from_millis(10));
    }
}

fn talk_stream(path: &std::path::Path) {
    talk_stream_on(UnixStream::connect(path).unwrap());
}

fn talk_stream_on(stream: UnixStream) {
    stream.set_read_timeout(Some(TIMEOUT)).unwrap();
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    for word in ["hello", "grüße"] {
        (&stream).write_all(format!("{word}\n").as_bytes()).unwrap();
        let mut reply = String::new();
        reader.read_line(&mut reply).unwrap();
        assert_eq!(reply, format!("{}\n", word.to_ascii_uppercase()));
    }
}

fn talk_datagram(dir: &std::path::Path, server: &std::path::Path) {
    // A client must bind its own socket to a path, or the server has nowhere to answer.
    let client = UnixDatagram::bind(dir.join("client")).unwrap();
    client.set_read_timeout(Some(TIMEOUT)).unwrap();
    client.send_to(b"packet", server).unwrap();
    let mut buffer = [0; 64];
    let received = client.recv(&mut buffer).unwrap();
    assert_eq!(&buffer[..received], b"PACKET");
}

#[test]
fn unix_stream_servers_echo() {
    let dir = TempDir::new();
    let path = dir.0.join("serial");
    serve_then_stop(UnixStreamServer::<UpperLines>::new(&path).unwrap(), || {
        talk_stream(&path)
    });
    let path = dir.0.join("threading");
    serve_then_stop(
        ThreadingUnixStreamServer::<UpperLines>::new(&path).unwrap(),
        || talk_stream(&path),
    );
}

#[test]
fn unix_datagram_servers_echo() {
    let dir = TempDir::new();
    let path = dir.0.join("serial");
    serve_then_stop(
        UnixDatagramServer::<UpperPacket>::new(&path).unwrap(),
        || talk_datagram(&dir.0, &path),
    );
    let _ = std::fs::remove_file(dir.0.join("client"));
    let path = dir.0.join("threading");
    serve_then_stop(
        ThreadingUnixDatagramServer::<UpperPacket>::new(&path).unwrap(),
        || talk_datagram(&dir.0, &path),
    );
}

#[test]
fn binding_to_an_existing_path_fails_as_in_python() {
    let dir = TempDir::new();
    let path = dir.0.join("taken");
    let first = UnixStreamServer::<UpperLines>::new(&path).unwrap();
    first.server_close(); // Python leaves the file behind, and so do we
    let error = UnixStreamServer::<UpperLines>::new(&path).err().unwrap();
    assert_eq!(error.kind(), io::ErrorKind::AddrInUse);
}

/// Python's `class Recording(UnixDatagramServer)` whose handler notes who sent what
/// and whose `handle_error` notes what reached it, instead of printing it.
struct Recording {
    core: ServerCore<UnixDatagramTransport>,
    seen: Mutex<Vec<(SocketAddr, Vec<u8>)>>,
    errors: Mutex<Vec<(SocketAddr, String)>>,
}

impl Recording {
    fn new(path: &std::path::Path) -> Arc<Recording> {
        let transport = UnixDatagramTransport::bind(path, UnixOptions::default()).unwrap();
        Arc::new(Recording {
            core: ServerCore::new(transport),
            seen: Mutex::new(Vec::new()),
            errors: Mutex::new(Vec::new()),
        })
    }
}

impl SocketServer for Recording {
    type Transport = UnixDatagramTransport;
    fn core(&self) -> &ServerCore<UnixDatagramTransport> {
        &self.core
    }
}

impl BaseServer for Recording {
    type Handler = RecordingUpper;

    fn handle_error(
        &self,
        _request: &Request<Self>,
        client_address: &Address<Self>,
        error: &HandlerError,
    ) {
        let noted = (client_address.clone(), error.to_string());
        self.errors.lock().unwrap().push(noted);
    }
}

/// Answers the packet in capitals (sent by `DatagramRequestHandler.finish`), after
/// noting it on the server.
#[derive(Default)]
struct RecordingUpper;

impl RequestHandler for RecordingUpper {
    type Base = DatagramRequestHandler<Recording>;
    fn handle(&mut self, this: &mut DatagramState<Recording>) -> io::Result<()> {
        let noted = (this.client_address.clone(), this.packet.to_vec());
        this.server.seen.lock().unwrap().push(noted);
        this.wfile = this.packet.to_ascii_uppercase();
        Ok(())
    }
}

/// CPython 3.11, `UnixDatagramServer` with a `DatagramRequestHandler`, and a client
/// that never bound its socket (`socket(AF_UNIX, SOCK_DGRAM).sendto(b"unbound", path)`):
/// the handler runs with `client_address = None`; `finish`'s
/// `socket.sendto(data, None)` raises `TypeError("a bytes-like object is required,
/// not 'NoneType'")`, which reaches `handle_error(request, None)`; and the server
/// goes on serving the next client. Here the address is std's unnamed `SocketAddr`
/// and the reply's error says why it cannot be sent.
#[test]
fn an_unbound_clients_datagram_is_handled_and_the_unsendable_reply_reaches_handle_error() {
    let dir = TempDir::new();
    let path = dir.0.join("server");
    let server = Recording::new(&path);
    serve_while(&server, || {
        let unbound = UnixDatagram::unbound().unwrap();
        unbound.send_to(b"unbound", &path).unwrap();
        wait_until("handle_error for the unbound client", || {
            !server.errors.lock().unwrap().is_empty()
        });
        talk_datagram(&dir.0, &path); // and the server goes on
    });
    let seen = server.seen.lock().unwrap();
    assert!(seen[0].0.is_unnamed(), "{:?}", seen[0].0);
    assert_eq!(seen[0].1, b"unbound");
    let errors = server.errors.lock().unwrap();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(errors[0].0.is_unnamed(), "{:?}", errors[0].0);
    assert!(
        errors[0]
            .1
            .contains("the client's socket is unbound: no address to answer to"),
        "{}",
        errors[0].1
    );
}

/// CPython 3.11, a client bound to an abstract name (`sock.bind("\0name")`): the
/// handler runs with `client_address = b"\x00name"`, and the reply reaches the
/// client, from the server's path.
#[cfg(any(target_os = "linux", target_os = "android"))]
#[test]
fn a_client_bound_to_an_abstract_name_is_answered() {
    let dir = TempDir::new();
    let path = dir.0.join("server");
    let server = Recording::new(&path);
    let name = abstract_name("client");
    serve_while(&server, || {
        let address = SocketAddr::from_abstract_name(&name).unwrap();
        let client = UnixDatagram::bind_addr(&address).unwrap();
        client.set_read_timeout(Some(TIMEOUT)).unwrap();
        client.send_to(b"abstract", &path).unwrap();
        let mut buffer = [0; 64];
        let (received, from) = client.recv_from(&mut buffer).unwrap();
        assert_eq!(&buffer[..received], b"ABSTRACT");
        assert_eq!(from.as_pathname(), Some(path.as_path()));
    });
    let seen = server.seen.lock().unwrap();
    assert_eq!(seen[0].0.as_abstract_name(), Some(name.as_bytes()));
    assert!(server.errors.lock().unwrap().is_empty());
}

/// CPython 3.11: `UnixDatagramServer("\0name", Handler).server_address` is
/// `b"\x00name"`, and a client that sends to that name is answered, from it.
#[cfg(any(target_os = "linux", target_os = "android"))]
#[test]
fn a_datagram_server_binds_an_abstract_name() {
    let dir = TempDir::new();
    let name = abstract_name("datagram-server");
    let server = UnixDatagramServer::<UpperPacket>::new(format!("\0{name}")).unwrap();
    let address = server.server_address();
    assert_eq!(address.as_abstract_name(), Some(name.as_bytes()));
    serve_then_stop(server, || {
        let client = UnixDatagram::bind(dir.0.join("client")).unwrap();
        client.set_read_timeout(Some(TIMEOUT)).unwrap();
        client.send_to_addr(b"abstract", &address).unwrap();
        let mut buffer = [0; 64];
        let (received, from) = client.recv_from(&mut buffer).unwrap();
        assert_eq!(&buffer[..received], b"ABSTRACT");
        assert_eq!(from.as_abstract_name(), Some(name.as_bytes()));
    });
}

/// CPython 3.11: `UnixStreamServer("\0name", Handler).server_address` is
/// `b"\x00name"`, and a client connects by that name.
#[cfg(any(target_os = "linux", target_os = "android"))]
#[test]
fn a_stream_server_binds_an_abstract_name() {
    let name = abstract_name("stream-server");
    let server = UnixStreamServer::<UpperLines>::new(format!("\0{name}")).unwrap();
    let address = server.server_address();
    assert_eq!(address.as_abstract_name(), Some(name.as_bytes()));
    serve_then_stop(server, || {
        talk_stream_on(UnixStream::connect_addr(&address).unwrap())
    });
}

/// CPython 3.11, `UnixStreamServer(path, Handler, bind_and_activate=False)`: the
/// socket exists but no file is at `path` yet, and `server.socket.setsockopt(...)`
/// (here `SO_SNDBUF`, which the connections it accepts inherit) applies before
/// binding; `server_bind()` makes the file, but a client's `connect` is refused
/// (`[Errno 111] Connection refused`) until `server_activate()` listens.
#[test]
fn unix_stream_bind_and_activate_false_binds_then_listens() {
    let dir = TempDir::new();
    let path = dir.0.join("stream");
    let transport = UnixStreamTransport::new(&path, UnixOptions::default()).unwrap();
    assert!(transport.fileno().is_some());
    assert!(!path.exists());
    assert_eq!(
        transport.server_address().as_pathname(),
        Some(path.as_path())
    );
    transport
        .socket()
        .unwrap()
        .set_send_buffer_size(65536)
        .unwrap();
    transport.server_bind().unwrap();
    assert!(path.exists());
    let refused = UnixStream::connect(&path).unwrap_err();
    assert_eq!(refused.kind(), io::ErrorKind::ConnectionRefused);
    transport.server_activate().unwrap();
    assert!(transport.socket().unwrap().send_buffer_size().unwrap() >= 65536);
    serve_then_stop(
        UnixStreamServer::<UpperLines>::from_transport(transport),
        || talk_stream(&path),
    );
}

/// The stream transport's steps out of order are errors, as TCP's. CPython 3.11,
/// with `bind_and_activate=False`: `server_activate()` before `server_bind()` fails
/// (`[Errno 22] Invalid argument`), a second `server_bind()` too (`[Errno 98]
/// Address already in use`: the file is there), and so does `server_bind()` after
/// `server_close()` (`[Errno 9] Bad file descriptor`); a second
/// `server_activate()` passes (`listen` again), where here, as for TCP, it is an
/// error. Here each error names the step and where the socket is.
#[test]
fn unix_stream_steps_out_of_order_are_errors() {
    let dir = TempDir::new();
    let transport = UnixStreamTransport::new(dir.0.join("stream"), UnixOptions::default()).unwrap();
    let error = transport.server_activate().unwrap_err();
    assert_eq!(
        error.to_string(),
        "server_activate: the server socket is created but not bound"
    );
    transport.server_bind().unwrap();
    let error = transport.server_bind().unwrap_err();
    assert_eq!(
        error.to_string(),
        "server_bind: the server socket is bound but not listening"
    );
    transport.server_activate().unwrap();
    let error = transport.server_activate().unwrap_err();
    assert_eq!(
        error.to_string(),
        "server_activate: the server socket is already listening"
    );
    transport.server_close();
    assert!(transport.fileno().is_none());
    assert!(transport.socket().is_err());
    let error = transport.server_bind().unwrap_err();
    assert_eq!(
        error.to_string(),
        "server_bind: the server socket is closed"
    );
}

/// CPython 3.11, `UnixDatagramServer(path, Handler, bind_and_activate=False)`: no
/// file at `path` until `server_bind()`; `server.socket` can be set up before
/// (here `SO_RCVBUF`); `server_activate()` does nothing (`UDPServer`'s `pass`), and
/// the server answers.
#[test]
fn unix_datagram_bind_and_activate_false_binds_then_serves() {
    let dir = TempDir::new();
    let path = dir.0.join("datagram");
    let transport = UnixDatagramTransport::new(&path, UnixOptions::default()).unwrap();
    assert!(transport.fileno().is_some());
    assert!(!path.exists());
    assert_eq!(
        transport.server_address().as_pathname(),
        Some(path.as_path())
    );
    let socket = transport.socket().unwrap();
    socket2::SockRef::from(&*socket)
        .set_recv_buffer_size(65536)
        .unwrap();
    transport.server_bind().unwrap();
    assert!(path.exists());
    transport.server_activate().unwrap();
    let error = transport.server_bind().unwrap_err();
    assert_eq!(
        error.to_string(),
        "server_bind: the server socket is already activated"
    );
    let buffer = socket2::SockRef::from(&*transport.socket().unwrap())
        .recv_buffer_size()
        .unwrap();
    assert!(buffer >= 65536, "{buffer}");
    serve_then_stop(
        UnixDatagramServer::<UpperPacket>::from_transport(transport),
        || talk_datagram(&dir.0, &path),
    );
}

/// An empty path: CPython 3.11's `UnixDatagramServer("", Handler,
/// bind_and_activate=False).server_address` is `''` until `server_bind()`, then a
/// name the kernel chose in the abstract namespace (`b"\x00f87b7"`): Linux
/// autobinds a socket bound to no name. `UnixStreamServer("", Handler)` likewise
/// (`b"\x0075ea6"`). The transport learns the name on `server_bind`.
#[cfg(any(target_os = "linux", target_os = "android"))]
#[test]
fn an_empty_path_binds_to_a_name_the_kernel_chooses() {
    let transport = UnixDatagramTransport::new("", UnixOptions::default()).unwrap();
    assert!(transport.server_address().is_unnamed());
    transport.server_bind().unwrap();
    let name = transport.server_address();
    assert!(name.as_abstract_name().is_some(), "{name:?}");
    let stream = UnixStreamTransport::bind("", UnixOptions::default()).unwrap();
    assert!(stream.server_address().as_abstract_name().is_some());
}

/// Python 3.12 adds, `if hasattr(os, "fork")`:
///
/// ```python
/// class ForkingUnixStreamServer(ForkingMixIn, UnixStreamServer): pass
/// class ForkingUnixDatagramServer(ForkingMixIn, UnixDatagramServer): pass
/// ```
///
/// The tables are what `socketserver/python/mro.py`'s `table()` prints for those
/// two class statements run on CPython 3.11 (which lacks the names, so
/// `tests/inspect.rs`, which asks CPython by name, cannot check them).
#[test]
fn forking_unix_servers_resolve_as_python_3_12s() {
    use socketserver::{ForkingUnixDatagramServer, ForkingUnixStreamServer, resolution};
    let stream = "\
ForkingUnixStreamServer.__mro__: ForkingUnixStreamServer -> ForkingMixIn -> UnixStreamServer -> TCPServer -> BaseServer -> object

hook               provided by
serve_forever      BaseServer
handle_request     BaseServer
get_request        TCPServer
verify_request     BaseServer
process_request    ForkingMixIn
finish_request     BaseServer
shutdown_request   TCPServer
close_request      TCPServer
handle_error       BaseServer
handle_timeout     ForkingMixIn
service_actions    ForkingMixIn
server_close       ForkingMixIn
shutdown           BaseServer
";
    let datagram = "\
ForkingUnixDatagramServer.__mro__: ForkingUnixDatagramServer -> ForkingMixIn -> UnixDatagramServer -> UDPServer -> TCPServer -> BaseServer -> object

hook               provided by
serve_forever      BaseServer
handle_request     BaseServer
get_request        UDPServer
verify_request     BaseServer
process_request    ForkingMixIn
finish_request     BaseServer
shutdown_request   UDPServer
close_request      UDPServer
handle_error       BaseServer
handle_timeout     ForkingMixIn
service_actions    ForkingMixIn
server_close       ForkingMixIn
shutdown           BaseServer
";
    assert_eq!(
        resolution::<ForkingUnixStreamServer<UpperLines>>().to_string(),
        stream
    );
    assert_eq!(
        resolution::<ForkingUnixDatagramServer<UpperPacket>>().to_string(),
        datagram
    );
}
