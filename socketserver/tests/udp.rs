//! The UDP servers: each datagram is a request, answered on the server's socket.
// Test code: a panic (from unwrap) is how a test reports failure.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{self, Read, Write};
use std::net::UdpSocket;
use std::sync::Arc;
use std::thread;
use std::time::Duration;

use classroom::TIMEOUT;
use socketserver::{
    Base, BaseRequestHandler, BaseServer, DatagramRequestHandler, DatagramState, RequestHandler,
    SocketServer, ThreadingUDPServer, UDPServer, Udp, UdpOptions,
};

/// Python's DatagramRequestHandler subclass: read the packet from rfile, write the
/// reply to wfile; `finish` sends it.
#[derive(Default)]
struct UpperDatagram;

impl<S: SocketServer<Transport = Udp>> RequestHandler<S> for UpperDatagram {
    type Base = DatagramRequestHandler;
    fn handle(&mut self, this: &mut DatagramState<'_, S>) -> io::Result<()> {
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

impl<S: SocketServer<Transport = Udp>> RequestHandler<S> for UpperRaw {
    type Base = BaseRequestHandler;
    fn handle(&mut self, this: &mut Base<'_, S>) -> io::Result<()> {
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
    server: S,
    conversation: impl FnOnce(std::net::SocketAddr),
) {
    let server = Arc::new(server);
    let serving = {
        let server = Arc::clone(&server);
        thread::spawn(move || server.serve_forever(Duration::from_secs(3600)))
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
