"""Lesson 07's server, in Python: the tutorial's ThreadingUDPServer upper-caser.

    python3 threading_udp_server.py [--host HOST] [--port PORT]

The Rust lesson-07 client talks to it in the interop tests, proving the Rust client
speaks the same protocol as the real socketserver. `--port 0` picks a free port; the
first line printed is `listening on HOST:PORT`, like every lesson server.
"""
import argparse
import socketserver


class UpperHandler(socketserver.BaseRequestHandler):
    def handle(self):
        data, socket = self.request  # one datagram, and the server's socket
        host, port = self.client_address[:2]
        print(f"{host}:{port} wrote: {data!r}", flush=True)
        socket.sendto(data.upper(), self.client_address)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8888)
    args = parser.parse_args()
    with socketserver.ThreadingUDPServer((args.host, args.port), UpperHandler) as server:
        host, port = server.server_address[:2]
        print(f"listening on {host}:{port}", flush=True)
        try:
            server.serve_forever()  # a thread per datagram
        except KeyboardInterrupt:
            pass
