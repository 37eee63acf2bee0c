//! What the server says to its clients: a [`Service`], apart from the selector's work.
//!
//! The tutorial's `read` callback both does the selector's work (`recv`, and on an
//! empty read `unregister` and `close`) and decides the answer (`conn.send(data)`).
//! The second part is this file: the hooks the event loop calls, this lesson's answer
//! ([`Upper`]), and what a hook may do with the clients, through the server
//! ([`Server::send`], [`Server::close`], [`Server::clients`]). Everything else a hook
//! would need to know about selectors, outboxes and backpressure, it does not: the
//! server keeps to its rules whatever a service does. The exercises are services too.

use std::net::SocketAddr;
use std::time::Instant;

use crate::{Server, Socket, is_close, upper};

// ANCHOR: service
/// What a server does for its clients, apart from the selector's work: the hooks the
/// event loop calls. Only `received` must be written; the others do nothing unless a
/// service says otherwise.
pub trait Service {
    /// `client` sent `message`, what one read returned (at most
    /// [`BUFFER_SIZE`](crate::BUFFER_SIZE) bytes): the tutorial's `if data:` branch,
    /// asyncio's `data_received`.
    fn received(&mut self, server: &mut Server, client: Client, message: &[u8]);

    /// `client` was accepted and registered: asyncio's `connection_made`.
    fn connected(&mut self, _server: &mut Server, _client: Client) {}

    /// `client`'s connection was closed and unregistered: asyncio's `connection_lost`.
    fn closed(&mut self, _client: Client) {}

    /// The moment the event loop must wake up, even if no socket is ready (`None`:
    /// only when one is). Python passes `sel.select(timeout)` the time left until then.
    fn wake_at(&self) -> Option<Instant> {
        None
    }

    /// Called after every turn of the event loop, whether a socket or the time woke
    /// it up: `socketserver`'s `service_actions()`.
    fn service_actions(&mut self, _server: &mut Server) {}
}

/// A connected client, as a service knows it: its connection's key, and its address.
/// It stands for the connection, as `conn` does in the tutorial's callbacks; the
/// connection itself stays the server's.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Client {
    /// The key its socket is registered under.
    pub key: usize,
    /// Its address, as the log shows it.
    pub addr: SocketAddr,
}

/// This lesson's service: every message is answered upper-cased, and `close` closes
/// the connection.
pub struct Upper;

impl Service for Upper {
    fn received(&mut self, server: &mut Server, client: Client, message: &[u8]) {
        if is_close(message) {
            println!("{} asked to close", client.addr);
            server.close(client);
        } else {
            server.send(client, &upper(message));
        }
    }
}
// ANCHOR_END: service

// ANCHOR: send
/// What a hook may do with the clients.
impl Server {
    /// Queues `bytes` in `client`'s outbox; the event loop sends them when its socket
    /// is writable. Returns `false`, and queues nothing, if the client is gone or
    /// leaving, or is not reading what it is sent: the full outbox that pauses reading
    /// keeps memory bounded here too. (A reply always fits: a client is read from
    /// only while its outbox has room.)
    pub fn send(&mut self, client: Client, bytes: &[u8]) -> bool {
        let Some(connection) = self.connection(client.key) else {
            return false;
        };
        if !connection.wants_to_read() {
            return false;
        }
        connection.outbox.extend_from_slice(bytes);
        // Now the selector must watch it for "writable": settled after this turn.
        self.touched.push(client.key);
        true
    }

    /// Closes `client`'s connection once its outbox is sent, as when it says `close`.
    pub fn close(&mut self, client: Client) {
        if let Some(connection) = self.connection(client.key) {
            connection.closing = true;
            self.touched.push(client.key);
        }
    }

    /// Every connected client, in the order they came: Python's `sel.get_map()`, the
    /// listener left out. A list, so that a hook may `send` while it goes through it.
    pub fn clients(&self) -> Vec<Client> {
        let mut clients: Vec<Client> = (self.registrations.iter())
            .filter_map(|(&key, registration)| match &registration.fileobj {
                Socket::Connection(connection) => Some(Client {
                    key,
                    addr: connection.addr,
                }),
                Socket::Listener(_) => None,
            })
            .collect();
        clients.sort();
        clients
    }
}
// ANCHOR_END: send
