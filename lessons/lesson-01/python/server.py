"""Lesson 01's server, in Python: one client, one message, then exit.

    python3 server.py [--host HOST] [--port PORT]

The tutorial's first server, with the lesson's reply (upper case), `sendall` for
`send`, and without its crash: a client that resets is logged, and the server still
ends cleanly. `--port 0` picks any free port; the first line printed is
`listening on HOST:PORT`, like every lesson server. The interop tests run the Rust
lesson-01 client against it.
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

conn, addr = sock.accept()  # wait for one client
peer = f"{addr[0]}:{addr[1]}"
print(f"connected: {peer}")
try:
    msg = conn.recv(1024)  # its first message, at most 1024 bytes
    if not msg:
        print(f"{peer} closed without sending anything")
    else:
        print(f"{peer} wrote: {msg!r}")
        conn.sendall(msg.upper())  # sendall: send may send only part
        print(f"{peer} closed")
except OSError as error:  # a reset, say: log it and end as usual
    print(f"{peer} error: {error}")
finally:
    conn.close()
sock.close()
