"""Lesson 05's server, in Python: one thread, a selector, every client at once.

    python3 selector_server.py [--host HOST] [--port PORT]

The tutorial's `selectors` echo server, grown the two things the Rust lesson adds:
an outbox per connection (a non-blocking send may take only part of a reply) and
backpressure (a client whose outbox is full is not read until it catches up).
"""
import argparse
import selectors
import socket

BUFFER_SIZE = 1024  # the most one recv takes
OUTBOX_LIMIT = 64 * 1024  # the most replies one connection may have waiting


class Connection:
    """One client: its address, its unsent replies, and whether it is done."""

    def __init__(self, addr):
        self.addr = f"{addr[0]}:{addr[1]}"
        self.outbox = bytearray()
        self.closing = False

    def wants_to_read(self):
        return not self.closing and len(self.outbox) < OUTBOX_LIMIT


sel = selectors.DefaultSelector()
connections = {}  # conn -> Connection


def accept(sock, mask):
    """The listening socket's callback: accept a client and register it."""
    try:
        conn, addr = sock.accept()  # ready, so it does not block...
    except BlockingIOError:
        return  # ...unless the client gave up before we got to it
    connection = Connection(addr)
    print(f"connected: {connection.addr}")
    conn.setblocking(False)
    connections[conn] = connection
    sel.register(conn, selectors.EVENT_READ, service_connection)


def service_connection(conn, mask):
    """A connection's callback: read, send the outbox, then modify or close."""
    connection = connections[conn]
    try:
        if mask & selectors.EVENT_READ and connection.wants_to_read():
            read(conn, connection)
        flush(conn, connection)
    except OSError as error:
        print(f"{connection.addr} error: {error}")
        close(conn)
        return
    if connection.closing and not connection.outbox:
        print(f"{connection.addr} closed")
        close(conn)
        return
    events = selectors.EVENT_READ if connection.wants_to_read() else 0
    if connection.outbox:
        events |= selectors.EVENT_WRITE
    if events != sel.get_key(conn).events:
        sel.modify(conn, events, service_connection)


def read(conn, connection):
    """One recv(1024), its reply queued in the outbox."""
    try:
        data = conn.recv(BUFFER_SIZE)
    except BlockingIOError:
        return  # readiness is a hint: nothing there after all
    if not data:
        connection.closing = True  # the client has no more to say
        return
    print(f"{connection.addr} wrote: {data!r}")
    if data.strip().lower() == b"close":
        print(f"{connection.addr} asked to close")
        connection.closing = True
    else:
        connection.outbox += data.upper()


# ANCHOR: flush
def flush(conn, connection):
    """Send as much of the outbox as the socket takes now; keep the rest."""
    while connection.outbox:
        try:
            sent = conn.send(connection.outbox)
        except BlockingIOError:
            return  # the client is not reading yet: wait for EVENT_WRITE
        del connection.outbox[:sent]
# ANCHOR_END: flush


def close(conn):
    sel.unregister(conn)
    del connections[conn]
    conn.close()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8888, help="0 means any free port")
    args = parser.parse_args()

    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((args.host, args.port))
    sock.listen(100)
    sock.setblocking(False)
    host, port = sock.getsockname()[:2]
    print(f"listening on {host}:{port}", flush=True)
    # ANCHOR: event_loop
    sel.register(sock, selectors.EVENT_READ, accept)

    while True:  # serve_forever
        for key, mask in sel.select():
            callback = key.data
            callback(key.fileobj, mask)
    # ANCHOR_END: event_loop


if __name__ == "__main__":
    main()
