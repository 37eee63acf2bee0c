"""Lesson 03's server, in Python: clients one after another, forever.

    python3 server.py [--host HOST] [--port PORT]

The tutorial's serial server: a connection loop around lesson 02's communication
loop, with the lesson's reply (upper case) and without its crashes: `close` is
compared as bytes, and a client that resets, or an accept that fails, is logged and
the next client is served. Ctrl-C stops it. `--port 0` picks any free port; the first
line printed is `listening on HOST:PORT`, like every lesson server. The interop tests
run the Rust lesson-03 client against it.
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
try:
    while True:  # the connection loop: the next client, forever
        try:
            conn, addr = sock.accept()
        except OSError as error:  # a client that gave up in the backlog, say
            print(f"accept failed: {error}")
            continue
        peer = f"{addr[0]}:{addr[1]}"
        print(f"connected: {peer}")
        try:
            while True:  # the communication loop: only this client, until it is done
                msg = conn.recv(1024)
                if not msg:
                    break
                print(f"{peer} wrote: {msg!r}")
                if msg.strip().lower() == b"close":
                    print(f"{peer} asked to close")
                    break
                conn.sendall(msg.upper())
            print(f"{peer} closed")
        except OSError as error:  # one client's reset never stops the server
            print(f"{peer} error: {error}")
        finally:
            conn.close()
except KeyboardInterrupt:
    pass  # Ctrl-C: stop serving
finally:
    sock.close()
# ANCHOR_END: server
