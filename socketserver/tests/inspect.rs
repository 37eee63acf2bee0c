//! The resolution inspector tells the truth: what it says each composed type does is
//! what the type does when it serves a real request.
// Test code: a panic (from unwrap) is how a test reports failure.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{self, BufRead, Write};
use std::net::TcpStream;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use socketserver::{
    Address, BaseServer, DatagramRequestHandler, DatagramState, Request, RequestHandler,
    ServerCore, SocketServer, Stream, StreamRequestHandler, TCPServer, Tcp, TcpOptions,
    ThreadPoolTCPServer, ThreadingMixIn, ThreadingTCPServer, ThreadingUDPServer, Threads,
    UDPServer, resolution,
};

#[derive(Default)]
struct Echo;

impl RequestHandler for Echo {
    type Base = StreamRequestHandler;
    fn handle(&mut self, this: &mut Stream) -> io::Result<()> {
        let mut line = Vec::new();
        this.rfile.read_until(b'\n', &mut line)?;
        this.wfile.write_all(&line)
    }
}

/// Serves one request with hook recording on, closes, and checks every hook that ran
/// against the resolution the type declares. Returns the hooks that ran.
fn check_resolution<S: BaseServer>(server: Arc<S>) -> Vec<&'static str> {
    server.core().record_hooks();
    let address = server.server_address();
    let serving = {
        let server = Arc::clone(&server);
        std::thread::spawn(move || server.serve_forever_polling(Duration::from_secs(3600)))
    };
    let address: std::net::SocketAddr = format!("{address:?}").parse().unwrap();
    let mut client = TcpStream::connect(address).unwrap();
    client.write_all(b"ping\n").unwrap();
    let mut reply = String::new();
    io::BufReader::new(&client).read_line(&mut reply).unwrap();
    assert_eq!(reply, "ping\n");
    drop(client);
    server.shutdown();
    serving.join().unwrap().unwrap();
    server.server_close();

    let declared = resolution::<S>();
    let ran = server.core().recorded_hooks();
    for (hook, layer) in &ran {
        assert_eq!(
            declared.provider(hook),
            Some(*layer),
            "{hook} ran in {layer}, but the resolution says {:?}\n{declared}",
            declared.provider(hook)
        );
    }
    ran.into_iter().map(|(hook, _)| hook).collect()
}

#[test]
fn tcp_server_resolves_everything_to_base_server_and_tcp_server() {
    let ran = check_resolution(TCPServer::<Echo>::new("127.0.0.1:0").unwrap());
    for hook in [
        "serve_forever",
        "get_request",
        "process_request",
        "finish_request",
        "shutdown_request",
        "server_close",
    ] {
        assert!(ran.contains(&hook), "{hook} did not run: {ran:?}");
    }
}

#[test]
fn threading_tcp_server_takes_process_request_and_server_close_from_the_mixin() {
    let ran = check_resolution(ThreadingTCPServer::<Echo>::new("127.0.0.1:0").unwrap());
    for hook in ["process_request", "finish_request", "server_close"] {
        assert!(ran.contains(&hook), "{hook} did not run: {ran:?}");
    }
    let declared = resolution::<ThreadingTCPServer<Echo>>();
    assert_eq!(declared.provider("process_request"), Some("ThreadingMixIn"));
    assert_eq!(declared.provider("get_request"), Some("TCPServer"));
}

#[test]
fn the_pooled_server_takes_its_two_hooks_from_the_pool_mixin() {
    let ran = check_resolution(ThreadPoolTCPServer::<Echo>::new("127.0.0.1:0").unwrap());
    for hook in ["process_request", "finish_request", "server_close"] {
        assert!(ran.contains(&hook), "{hook} did not run: {ran:?}");
    }
    let declared = resolution::<ThreadPoolTCPServer<Echo>>();
    assert_eq!(declared.mro[0], "ThreadPoolTCPServer");
    assert_eq!(
        declared.provider("process_request"),
        Some("ThreadPoolMixIn")
    );
}

/// A user's `class Audited(ThreadingMixIn, TCPServer)` that overrides verify_request.
struct Audited {
    core: ServerCore<Tcp>,
    threads: Threads,
}

impl SocketServer for Audited {
    type Transport = Tcp;
    fn core(&self) -> &ServerCore<Tcp> {
        &self.core
    }
}

impl BaseServer for Audited {
    type Handler = Echo;
    fn mro() -> Vec<String> {
        ["Audited", "ThreadingMixIn", "TCPServer", "BaseServer"]
            .map(String::from)
            .to_vec()
    }
    const OVERRIDES: &'static [(&'static str, &'static str)] = &[
        ("verify_request", "Audited"),
        ("process_request", "ThreadingMixIn"),
        ("server_close", "ThreadingMixIn"),
    ];

    fn verify_request(&self, _request: &Request<Self>, _client_address: &Address<Self>) -> bool {
        self.core().record_hook("verify_request", "Audited");
        true
    }

    fn process_request(self: &Arc<Self>, request: Request<Self>, client_address: Address<Self>) {
        ThreadingMixIn::process_request(self, request, client_address);
    }

    fn server_close(&self) {
        ThreadingMixIn::server_close(self, socketserver::defaults::server_close);
    }
}

impl ThreadingMixIn for Audited {
    fn threads(&self) -> &Threads {
        &self.threads
    }
}

#[test]
fn a_users_override_is_what_runs_and_what_the_inspector_names() {
    let transport = Tcp::new("127.0.0.1:0", TcpOptions::default()).unwrap();
    transport.server_bind().unwrap();
    transport.server_activate().unwrap();
    let ran = check_resolution(Arc::new(Audited {
        core: ServerCore::new(transport),
        threads: Threads::new(),
    }));
    assert!(ran.contains(&"verify_request"), "{ran:?}");
    insta::assert_snapshot!(resolution::<Audited>().to_string());
}

/// The same `class Audited(ThreadingMixIn, TCPServer)`, written with `compose!`: the
/// three `impl`s above come from its header, and its table must be the one CPython
/// prints for the Python class, with every hook running where the table says.
mod composed {
    use super::*;

    pub(super) struct Audited {
        pub(super) core: ServerCore<Tcp>,
        pub(super) threads: Threads,
    }

    socketserver::compose! {
        impl BaseServer for Audited(ThreadingMixIn, TCPServer) {
            type Handler = Echo;

            fn verify_request(&self, _request: &Request<Self>, _client_address: &Address<Self>) -> bool {
                self.core().record_hook("verify_request", "Audited");
                true
            }
        }
    }
}

/// `compose!` with the other mixins: a pool, and (on Unix) forking.
mod composed_others {
    use super::*;

    pub(super) struct Pooled {
        pub(super) core: ServerCore<Tcp>,
        pub(super) pool: socketserver::Pool<Request<Self>, Address<Self>>,
    }

    socketserver::compose! {
        impl BaseServer for Pooled(ThreadPoolMixIn, TCPServer) {
            type Handler = Echo;
        }
    }

    #[cfg(unix)]
    pub(super) struct Forked {
        pub(super) core: ServerCore<socketserver::Udp>,
        pub(super) children: socketserver::Children,
    }

    #[cfg(unix)]
    socketserver::compose! {
        impl BaseServer for Forked(ForkingMixIn, UDPServer) {
            type Handler = Packet;
        }
    }
}

/// A composition's table is the composed type's, but for its own name.
#[test]
fn compose_with_a_pool_or_forking_resolves_as_the_crates_own() {
    let pooled = resolution::<composed_others::Pooled>();
    assert_eq!(
        pooled.hooks,
        resolution::<ThreadPoolTCPServer<Echo>>().hooks
    );
    assert_eq!(
        pooled.mro[1..],
        resolution::<ThreadPoolTCPServer<Echo>>().mro[1..]
    );
    #[cfg(unix)]
    {
        let forked = resolution::<composed_others::Forked>();
        let forking = resolution::<socketserver::ForkingUDPServer<Packet>>();
        assert_eq!(forked.hooks, forking.hooks);
        assert_eq!(forked.mro[1..], forking.mro[1..]);
        assert_eq!(forked.mro[0], "Forked");
    }
}

#[test]
fn compose_writes_the_mro_python_would() {
    assert_eq!(
        resolution::<composed::Audited>().to_string(),
        python_table("Audited")
    );
    let ran = check_resolution(Arc::new(composed::Audited {
        core: ServerCore::new(Tcp::bind("127.0.0.1:0", TcpOptions::default()).unwrap()),
        threads: Threads::new(),
    }));
    assert!(ran.contains(&"verify_request") && ran.contains(&"process_request"));
}

#[test]
fn the_inspector_shows_threading_tcp_server_like_python() {
    insta::assert_snapshot!(resolution::<ThreadingTCPServer<Echo>>().to_string());
}

/// CPython's own answer: `class_name.__mro__`, and which class of it first defines
/// each of our hooks.
fn cpython_resolution(class_name: &str, hooks: &[&str]) -> (Vec<String>, Vec<(String, String)>) {
    let script = format!(
        "import socketserver as ss\n\
         cls = getattr(ss, {class_name:?})\n\
         print(' '.join(c.__name__ for c in cls.__mro__ if c is not object))\n\
         for hook in {hooks:?}:\n    \
             print(hook, next(c.__name__ for c in cls.__mro__ if hook in vars(c)))\n"
    );
    let mut python = classroom::python3();
    python.args(["-c", &script]);
    let output = classroom::run_with_timeout(python, "");
    assert!(output.status.success(), "{output:?}");
    let text = String::from_utf8(output.stdout).unwrap();
    let mut lines = text.lines();
    let mro = lines.next().unwrap().split(' ').map(String::from).collect();
    let hooks = lines
        .map(|line| {
            let (hook, class) = line.split_once(' ').unwrap();
            (hook.to_string(), class.to_string())
        })
        .collect();
    (mro, hooks)
}

/// Our inspector's table for `S` must be CPython's for `class_name`, hook for hook.
fn assert_matches_cpython<S: BaseServer>(class_name: &str) {
    let ours = resolution::<S>();
    let hooks: Vec<&str> = ours.hooks.iter().map(|(hook, _)| *hook).collect();
    let (mro, theirs) = cpython_resolution(class_name, &hooks);
    assert_eq!(ours.mro, mro, "{class_name}.__mro__");
    let ours: Vec<(String, String)> = ours
        .hooks
        .iter()
        .map(|(hook, layer)| (hook.to_string(), layer.to_string()))
        .collect();
    assert_eq!(ours, theirs, "{class_name}: who defines each hook");
}

#[test]
fn the_inspector_agrees_with_cpython() {
    assert_matches_cpython::<TCPServer<Echo>>("TCPServer");
    assert_matches_cpython::<ThreadingTCPServer<Echo>>("ThreadingTCPServer");
    assert_matches_cpython::<UDPServer<Packet>>("UDPServer");
    assert_matches_cpython::<ThreadingUDPServer<Packet>>("ThreadingUDPServer");
    #[cfg(unix)]
    {
        use socketserver::{ForkingTCPServer, ForkingUDPServer};
        assert_matches_cpython::<ForkingTCPServer<Echo>>("ForkingTCPServer");
        assert_matches_cpython::<ForkingUDPServer<Packet>>("ForkingUDPServer");
    }
}

#[cfg(unix)]
#[test]
fn the_inspector_agrees_with_cpython_on_the_unix_servers() {
    use socketserver::{
        ThreadingUnixDatagramServer, ThreadingUnixStreamServer, UnixDatagramServer,
        UnixStreamServer,
    };
    assert_matches_cpython::<UnixStreamServer<UnixEcho>>("UnixStreamServer");
    assert_matches_cpython::<ThreadingUnixStreamServer<UnixEcho>>("ThreadingUnixStreamServer");
    assert_matches_cpython::<UnixDatagramServer<UnixPacket>>("UnixDatagramServer");
    assert_matches_cpython::<ThreadingUnixDatagramServer<UnixPacket>>(
        "ThreadingUnixDatagramServer",
    );
}

#[cfg(unix)]
#[derive(Default)]
struct UnixEcho;

#[cfg(unix)]
impl RequestHandler for UnixEcho {
    type Base = StreamRequestHandler<socketserver::UnixStreamTransport>;
    fn handle(&mut self, _this: &mut Stream<socketserver::UnixStreamTransport>) -> io::Result<()> {
        Ok(())
    }
}

#[derive(Default)]
struct Packet;

impl RequestHandler for Packet {
    type Base = DatagramRequestHandler;
    fn handle(&mut self, _this: &mut DatagramState) -> io::Result<()> {
        Ok(())
    }
}

#[cfg(unix)]
#[derive(Default)]
struct UnixPacket;

#[cfg(unix)]
impl RequestHandler for UnixPacket {
    type Base = DatagramRequestHandler<socketserver::UnixDatagramTransport>;
    fn handle(
        &mut self,
        _this: &mut DatagramState<socketserver::UnixDatagramTransport>,
    ) -> io::Result<()> {
        Ok(())
    }
}

/// What `socketserver/python/mro.py` prints for `class_name`: CPython's table, in the
/// inspector's format.
fn python_table(class_name: &str) -> String {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("python/mro.py");
    let mut python = classroom::python3();
    python.arg(script).arg(class_name);
    let output = classroom::run_with_timeout(python, "");
    assert!(output.status.success(), "{output:?}");
    String::from_utf8(output.stdout).unwrap()
}

/// The book shows Python's script and the inspector's tables side by side: they must
/// print the same text, for a standard class and for a user's own server.
#[test]
fn python_and_the_inspector_print_the_same_tables() {
    assert_eq!(
        resolution::<ThreadingTCPServer<Echo>>().to_string(),
        python_table("ThreadingTCPServer")
    );
    assert_eq!(resolution::<Audited>().to_string(), python_table("Audited"));
    #[cfg(unix)]
    {
        let forking = resolution::<socketserver::ForkingUDPServer<Packet>>().to_string();
        assert_eq!(forking, python_table("ForkingUDPServer"));
        insta::assert_snapshot!("the_inspector_shows_forking_udp_server", forking);
    }
}
