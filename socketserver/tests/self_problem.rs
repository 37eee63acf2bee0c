//! The self problem, shown by a test: a wrapper that *delegates* to an inner server
//! does not override anything. The inner server's templates call the inner server's
//! hooks, because there `self` is the inner server. Composition by implementing the
//! traits for your own type (tests/behaviour.rs, `Guarded`) is what works.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use common::{UpperLines, connect};
use socketserver::{Address, BaseServer, Request, SocketServer, ThreadingTCPServer};

// ANCHOR: wrapper
/// The tempting design: hold a server, and define the hook we want to change.
struct Wrapper {
    inner: Arc<ThreadingTCPServer<UpperLines>>,
    refused: AtomicUsize,
}

impl Wrapper {
    /// Meant as an override: refuse everybody.
    fn verify_request(
        &self,
        _request: &Request<ThreadingTCPServer<UpperLines>>,
        _client_address: &Address<ThreadingTCPServer<UpperLines>>,
    ) -> bool {
        self.refused.fetch_add(1, Ordering::SeqCst);
        false
    }

    /// Delegation: the inner server does the work...
    fn handle_request(&self) -> std::io::Result<()> {
        // ...and inside it `self` is the inner server, whose verify_request is
        // BaseServer's: it serves everybody. Ours above is never called.
        self.inner.handle_request()
    }
}
// ANCHOR_END: wrapper

#[test]
fn a_wrapper_that_delegates_overrides_nothing() {
    let wrapper = Wrapper {
        inner: ThreadingTCPServer::new("127.0.0.1:0").unwrap(),
        refused: AtomicUsize::new(0),
    };
    let mut client = connect(wrapper.inner.server_address());
    client.send("let me in");
    wrapper.handle_request().unwrap();
    assert_eq!(client.read_line(), "LET ME IN", "served: not refused");
    assert_eq!(wrapper.refused.load(Ordering::SeqCst), 0, "ours never ran");
    // Calling it by hand is all it takes to see that it would have refused.
    let (request, address) = (
        std::net::TcpStream::connect(wrapper.inner.server_address()).unwrap(),
        wrapper.inner.server_address(),
    );
    assert!(!wrapper.verify_request(&request, &address));
    drop(client);
    wrapper.inner.server_close();
}
