"""Lesson 02's server, in Python: one client, many messages, then exit.

    python3 server.py [--host HOST] [--port PORT]

The tutorial's looped server, with the lesson's reply (upper case) and without its
crashes: `close` is compared as bytes (decoding first crashes on bytes that are not
UTF-8), and a client that resets is logged while the server ends cleanly.
`--port 0` picks any free port; the first line printed is `listening on HOST:PORT`,
like every lesson server. The interop tests run the Rust lesson-02 client against it.
"""
import argparse
import socket

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--host", default="127.0.0.1", help="127.0.0.1: this machine only")
parser.add_argument("--port", type=int, default=8888, help="0 picks any free port")
args = parser.parse_args()

sock = socket.socket()  # TCP over IPv4
# Rebind at once after a restart, as Rust's TcpListener::bind does on Unix.
sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
sock.bind((args.host, args.port))
sock.listen(5)
host, port = sock.getsockname()
print(f"listening on {host}:{port}", flush=True)

# ANCHOR: server
conn, addr = sock.accept()  # wait for one client
peer = f"{addr[0]}:{addr[1]}"
print(f"connected: {peer}")
try:
    while True:  # the communication loop
        msg = conn.recv(1024)
        if not msg:
            break  # the client closed its side
        print(f"{peer} wrote: {msg!r}")
        if msg.strip().lower() == b"close":  # bytes, never decoded: nothing to crash
            print(f"{peer} asked to close")
            break
        conn.sendall(msg.upper())
    print(f"{peer} closed")
except OSError as error:  # a reset, say: log it and end as usual
    print(f"{peer} error: {error}")
finally:
    conn.close()
sock.close()
# ANCHOR_END: server
