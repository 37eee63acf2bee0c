// The classic tutorial's server on `socketserver`, ported line for line from
// `python/tutorial.py`: answers what it reads in upper case, a thread per client.
use std::io::{self, Read, Write};

use socketserver::prelude::*;

#[derive(Default)]
struct MyHandler;

impl RequestHandler for MyHandler {
    type Base = BaseRequestHandler;
    fn handle(&mut self, this: &mut Base) -> io::Result<()> {
        let mut data = [0; 1024];
        loop {
            match this.request.read(&mut data) {
                Ok(0) => return Ok(()),
                Ok(n) => this.request.write_all(&data[..n].to_ascii_uppercase())?,
                Err(e) if e.kind() == io::ErrorKind::ConnectionReset => return Ok(()),
                Err(e) => return Err(e),
            }
        }
    }
}

fn main() -> io::Result<()> {
    ThreadingTCPServer::<MyHandler>::new("127.0.0.1:8080")?.serve_forever()
}
