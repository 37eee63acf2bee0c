//! The UDP servers: each datagram is a request, answered on the server's socket.
// Test code: a panic (from unwrap) is how a test reports failure.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{self, Read, Write};
use std::net::UdpSocket;
use std::sync::Arc;
use std::thread;
use std::time::Duration;

use classroom::TIMEOUT;
use socket2::SockRef;
use socketserver::{
    Base, BaseRequestHandler, BaseServer, DatagramRequestHandler, DatagramState, RequestHandler,
    SocketServer, ThreadingUDPServer, Transport, UDPServer, Udp, UdpOptions,
};

/// Python's DatagramRequestHandler subclass: read the packet from rfile, write the
/// reply to wfile; `finish` sends it.
#[derive(Default)]
struct UpperDatagram;

impl RequestHandler for UpperDatagram {
    type Base = DatagramRequestHandler;
    fn handle(&mut self, this: &mut DatagramState) -> io::Result<()> {
        let mut packet = Vec::new();
        this.rfile.read_to_end(&mut packet)?;
        if packet == b"panic" {
            panic!("asked to panic");
        }
        this.wfile.write_all(&packet.to_ascii_uppercase())
    }
}

/// The tutorial's UDP handler on BaseRequestHandler: `self.request[1].sendto(...)`.
#[derive(Default)]
struct UpperRaw;

impl RequestHandler for UpperRaw {
    type Base = BaseRequestHandler<Udp>;
    fn handle(&mut self, this: &mut Base<Udp>) -> io::Result<()> {
        let reply = this.request.data.to_ascii_uppercase();
        this.request.socket.send_to(&reply, this.client_address)?;
        Ok(())
    }
}

fn client() -> UdpSocket {
    let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
    socket.set_read_timeout(Some(TIMEOUT)).unwrap();
    socket
}

fn ask(socket: &UdpSocket, server: std::net::SocketAddr, message: &[u8]) -> Vec<u8> {
    socket.send_to(message, server).unwrap();
    let mut buffer = [0; 65536];
    let (received, from) = socket.recv_from(&mut buffer).unwrap();
    assert_eq!(from, server);
    buffer[..received].to_vec()
}

fn serve_then_stop<S: BaseServer<Transport = Udp>>(
    server: Arc<S>,
    conversation: impl FnOnce(std::net::SocketAddr),
) {
    let serving = {
        let server = Arc::clone(&server);
        thread::spawn(move || server.serve_forever_polling(Duration::from_secs(3600)))
    };
    conversation(server.server_address());
    server.shutdown();
    serving.join().unwrap().unwrap();
    server.server_close();
}

#[test]
fn udp_server_with_a_datagram_handler_answers_each_packet() {
    serve_then_stop(
        UDPServer::<UpperDatagram>::new("127.0.0.1:0").unwrap(),
        |address| {
            let socket = client();
            assert_eq!(ask(&socket, address, b"hello"), b"HELLO");
            assert_eq!(
                ask(&socket, address, "grüße".as_bytes()),
                "GRüßE".as_bytes()
            );
            // An empty datagram is a request too, and gets an empty answer, as in Python.
            assert_eq!(ask(&socket, address, b""), b"");
        },
    );
}

#[test]
fn threading_udp_server_with_the_tutorials_raw_handler() {
    serve_then_stop(
        ThreadingUDPServer::<UpperRaw>::new("127.0.0.1:0").unwrap(),
        |address| {
            let clients: Vec<_> = (0..5).map(|_| client()).collect();
            for (i, socket) in clients.iter().enumerate() {
                let message = format!("client{i}");
                assert_eq!(
                    ask(socket, address, message.as_bytes()),
                    message.to_uppercase().as_bytes()
                );
            }
        },
    );
}

#[test]
fn a_packet_longer_than_max_packet_size_is_cut() {
    let options = UdpOptions {
        max_packet_size: 4,
        ..UdpOptions::default()
    };
    serve_then_stop(
        UDPServer::<UpperDatagram>::with_options("127.0.0.1:0", options).unwrap(),
        |address| {
            assert_eq!(ask(&client(), address, b"abcdefgh"), b"ABCD");
        },
    );
}

#[test]
fn a_panicking_datagram_handler_does_not_stop_the_server() {
    serve_then_stop(
        UDPServer::<UpperDatagram>::new("127.0.0.1:0").unwrap(),
        |address| {
            let socket = client();
            socket.send_to(b"panic", address).unwrap();
            assert_eq!(ask(&socket, address, b"after"), b"AFTER");
        },
    );
}

/// CPython 3.11, `UDPServer(address, Handler, bind_and_activate=False)`: the socket
/// exists (`fileno()`) but is not bound (`getsockname()` is `('0.0.0.0', 0)`), so an
/// option that must come before `bind` can be set on `server.socket`; then
/// `server_bind()` and `server_activate()`, and it serves. Here: two servers share
/// a port because each sets `SO_REUSEADDR` through `socket()` before binding.
#[test]
fn udp_bind_and_activate_false_lets_options_be_set_before_binding() {
    let reusable = |address: std::net::SocketAddr| {
        let transport = Udp::new(address, UdpOptions::default()).unwrap();
        assert!(transport.fileno().is_some());
        SockRef::from(&*transport.socket().unwrap())
            .set_reuse_address(true)
            .unwrap();
        transport.server_bind().unwrap();
        transport.server_activate().unwrap();
        transport
    };
    let first = reusable("127.0.0.1:0".parse().unwrap());
    let address = first.server_address();
    assert_ne!(address.port(), 0);
    let second = reusable(address); // the same port: SO_REUSEADDR was set in time
    assert_eq!(second.server_address(), address);
    drop(second);
    serve_then_stop(
        UDPServer::<UpperDatagram>::from_transport(first),
        |served| {
            assert_eq!(served, address);
            assert_eq!(ask(&client(), address, b"reused"), b"REUSED");
        },
    );
}

/// CPython 3.11: `UDPServer.server_activate` is `pass`, so a server that was only
/// `server_bind()`-ed serves (a datagram socket receives once bound). A second
/// `server_bind()` fails (`OSError: [Errno 22] Invalid argument`), and so does one
/// after `server_close()` (`[Errno 9] Bad file descriptor`). Here each step out of
/// order is an error that names the step and where the socket is; activating
/// before binding is one too (Python lets that no-op pass).
#[test]
fn udp_steps_out_of_order_are_errors_and_a_bound_socket_serves() {
    let transport = Udp::new("127.0.0.1:0", UdpOptions::default()).unwrap();
    let error = transport.server_activate().unwrap_err();
    assert_eq!(
        error.to_string(),
        "server_activate: the server socket is created but not bound"
    );
    transport.server_bind().unwrap();
    let error = transport.server_bind().unwrap_err();
    assert_eq!(
        error.to_string(),
        "server_bind: the server socket is bound but not activated"
    );
    // Not activated: it serves all the same, as Python's does.
    let server = UDPServer::<UpperDatagram>::from_transport(transport);
    let socket = client();
    socket.send_to(b"bound", server.server_address()).unwrap();
    server.handle_request().unwrap();
    let mut reply = [0; 16];
    let received = socket.recv(&mut reply).unwrap();
    assert_eq!(&reply[..received], b"BOUND");

    let transport = server.core().transport();
    transport.server_activate().unwrap();
    let error = transport.server_activate().unwrap_err();
    assert_eq!(
        error.to_string(),
        "server_activate: the server socket is already activated"
    );
    server.server_close();
    let error = transport.server_bind().unwrap_err();
    assert_eq!(
        error.to_string(),
        "server_bind: the server socket is closed"
    );
    assert!(transport.socket().is_err());
    assert!(transport.fileno().is_none());
}
