"""Lesson 04's server, in Python: the tutorial's ThreadingTCPServer upper-caser.

    python3 threading_server.py [--host HOST] [--port PORT]

The Rust lesson-04 client talks to it in the interop tests, proving the Rust client
speaks the same protocol as the real socketserver. `--port 0` picks a free port; the
first line printed is `listening on HOST:PORT`, like every lesson server.
"""
import argparse
import socketserver


class UpperHandler(socketserver.BaseRequestHandler):
    def handle(self):
        host, port = self.client_address[:2]
        print(f"connected: {host}:{port}", flush=True)
        while True:  # the communication loop
            try:
                data = self.request.recv(1024)
            except ConnectionResetError:
                break
            if not data:
                break
            self.request.sendall(data.upper())
        print(f"{host}:{port} closed", flush=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8888)
    args = parser.parse_args()
    with socketserver.ThreadingTCPServer((args.host, args.port), UpperHandler) as server:
        host, port = server.server_address[:2]
        print(f"listening on {host}:{port}", flush=True)
        try:
            server.serve_forever()  # the connection loop, a thread per client
        except KeyboardInterrupt:
            pass
