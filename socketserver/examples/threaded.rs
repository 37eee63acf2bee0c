//! The Python documentation's "Asynchronous Mixins" example, on the crate: a server
//! class composed from `ThreadingMixIn` and `TCPServer`, serving on a thread of its
//! own while three clients talk to it, then shut down. `python/threaded.py` is the
//! Python it ports; the book shows them side by side.
//!
//!     cargo run -p socketserver --example threaded

// ANCHOR: all
use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::thread;

use socketserver::prelude::*;

#[derive(Default)]
struct ThreadedTCPRequestHandler;

impl RequestHandler for ThreadedTCPRequestHandler {
    type Base = BaseRequestHandler;
    fn handle(&mut self, this: &mut Base) -> io::Result<()> {
        let mut data = [0; 1024];
        let n = this.request.read(&mut data)?;
        let name = thread::current().name().unwrap_or("?").to_owned();
        let response = format!("{name}: {}", String::from_utf8_lossy(&data[..n]));
        this.request.write_all(response.as_bytes())
    }
}

type ThreadedTCPServer<H> = Threading<Tcp, H>;

fn client(address: SocketAddr, message: &str) -> io::Result<()> {
    let mut sock = TcpStream::connect(address)?;
    sock.write_all(message.as_bytes())?;
    let mut response = [0; 1024];
    let n = sock.read(&mut response)?;
    println!("Received: {}", String::from_utf8_lossy(&response[..n]));
    Ok(())
}

fn main() -> io::Result<()> {
    let server = closing(ThreadedTCPServer::<ThreadedTCPRequestHandler>::new(
        "localhost:0",
    )?);
    let address = server.server_address();
    thread::scope(|scope| {
        let server_thread = scope.spawn(|| server.serve_forever());
        println!(
            "Server loop running in thread: {:?}",
            server_thread.thread().id()
        );
        client(address, "Hello World 1")?;
        client(address, "Hello World 2")?;
        client(address, "Hello World 3")?;
        server.shutdown();
        Ok(())
    })
}
// ANCHOR_END: all
