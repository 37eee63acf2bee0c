"""Lesson 06's server, in Python: ThreadingTCPServer with a StreamRequestHandler.

    python3 stream_server.py [--host HOST] [--port PORT]

The same line upper-caser as the Rust lesson, on CPython's own socketserver; the
interop test runs the Rust client against it. The first line printed is
`listening on HOST:PORT`, like every lesson server.
"""
import argparse
import socketserver


class Upper(socketserver.StreamRequestHandler):
    def handle(self):
        for line in self.rfile:  # self.rfile.readline(), until the client closes
            self.wfile.write(line.upper())


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8888)
    args = parser.parse_args()
    with socketserver.ThreadingTCPServer((args.host, args.port), Upper) as server:
        host, port = server.server_address[:2]
        print(f"listening on {host}:{port}", flush=True)
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
