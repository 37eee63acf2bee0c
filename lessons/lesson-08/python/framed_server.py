"""Lesson 08's server, in Python: the tutorial's framed replies, built-in commands only.

    python3 framed_server.py [--host HOST] [--port PORT] [--protocol tutorial|framed]

The tutorial's socketserver.ThreadingTCPServer, framing its replies the tutorial's
way, but running no shell: it knows the same built-in commands as the Rust lesson
(help, echo TEXT, upper TEXT, time, big N). With --protocol framed, requests are
framed too. The interop tests run the Rust client against it. The first line printed
is `listening on HOST:PORT`, like every lesson server.
"""
import argparse
import json
import socketserver
import struct
import time

RECV_SIZE = 1024  # the tutorial's recv(1024)
MAX_HEADER = 1024
MAX_COMMAND = 64 * 1024
MAX_BIG = 8 * 1024 * 1024
CHUNK = 64 * 1024  # how much of big's body is made at a time: all the server holds

HELP = """\
commands:
  help        this list
  echo TEXT   TEXT, as it came
  upper TEXT  TEXT in capitals (ASCII letters only, as Python's bytes.upper())
  time        the server's clock, in UTC
  big N       N bytes of numbered lines (N at most 8388608), longer than one read"""


class FrameError(Exception):
    """A request that breaks the framing: the connection must close."""


class Big:
    """big N's body: numbered lines of 16 bytes, made CHUNK bytes at a time as they are
    sent, never held whole. A 12-byte request must not make the server hold 8 MiB."""

    def __init__(self, size):
        self.size = size

    def __len__(self):
        return self.size

    def chunks(self):
        for start in range(0, self.size, CHUNK):
            end = min(start + CHUNK, self.size)
            first = start // 16  # every line is 16 bytes: start is in line start // 16
            lines = b"".join(b"line %010d\n" % n for n in range(first, (end + 15) // 16))
            yield lines[start - 16 * first : end - 16 * first]


# ANCHOR: run_command
def run_command(command):
    """(body, is_error) for one command. Never subprocess: no shell from the network."""
    name, _, text = command.strip().partition(b" ")
    if name == b"help":
        return HELP.encode(), False
    if name == b"echo":
        return text, False
    if name == b"upper":
        return text.upper(), False
    if name == b"time":
        return time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime()).encode(), False
    if name == b"big":
        if text.isdigit() and int(text) <= MAX_BIG:
            return Big(int(text)), False
        if text.isdigit():
            return b"big " + text + b": at most %d bytes" % MAX_BIG, True
        return b"usage: big N, with N a number of bytes up to %d" % MAX_BIG, True
    shown = json.dumps(name.decode("utf-8", "replace"), ensure_ascii=False)
    message = f'unknown command {shown}: this server runs no shell commands; try "help"'
    return message.encode(), True
# ANCHOR_END: run_command


def encapsulate(body, error=False):
    """The tutorial's encapsulate(), with "error": true on an error reply."""
    return encapsulate_head(len(body), error) + body


def encapsulate_head(body_length, error=False):
    """The frame without its body: header length and header. The body may follow in
    as many writes as it likes."""
    head = {"dataBodyLength": body_length}
    if error:
        head["error"] = True
    head_bytes = json.dumps(head).encode("utf-8")
    return struct.pack("<i", len(head_bytes)) + head_bytes


class Commands(socketserver.StreamRequestHandler):
    def read_exact(self, size, part):
        data = self.rfile.read(size)  # a buffered file reads until size bytes, or EOF
        if len(data) < size:
            raise FrameError(
                f"the connection closed {len(data)} bytes into the {size}-byte {part}"
            )
        return data

    def read_framed_command(self):
        first = self.rfile.read(4)
        if not first:
            return None  # closed between messages
        if len(first) < 4:
            raise FrameError(
                f"the connection closed {len(first)} bytes into the 4-byte header length"
            )
        (head_length,) = struct.unpack("<i", first)
        if head_length < 0:
            raise FrameError(f"header length {head_length} is negative")
        if head_length == 0:
            raise FrameError("header length is 0; a header cannot be empty")
        if head_length > MAX_HEADER:
            raise FrameError(
                f"header length {head_length} is over the limit of {MAX_HEADER} bytes"
            )
        raw_head = self.read_exact(head_length, "header")
        try:
            head = json.loads(raw_head)
        except ValueError as error:
            raise FrameError(f"the header is not JSON: {error}")
        if not isinstance(head, dict) or "dataBodyLength" not in head:
            shown = raw_head.decode("utf-8", "replace")
            raise FrameError(f'the header has no "dataBodyLength": {shown}')
        length = head["dataBodyLength"]
        if type(length) is not int or length < 0:
            shown = json.dumps(length)
            raise FrameError(f'"dataBodyLength" is {shown}, not a whole number of bytes')
        if length > MAX_COMMAND:
            raise FrameError(f"body length {length} is over the limit of {MAX_COMMAND} bytes")
        return self.read_exact(length, "body")

    def handle(self):
        peer = "%s:%d" % self.client_address[:2]
        print(f"connected: {peer}")
        try:
            while True:
                if self.server.protocol == "framed":
                    command = self.read_framed_command()
                    if command is None:
                        break
                else:
                    command = self.request.recv(RECV_SIZE)  # one read, one command
                    if not command:
                        break
                body, is_error = run_command(command)
                if isinstance(body, Big):
                    self.wfile.write(encapsulate_head(len(body), is_error))
                    for chunk in body.chunks():
                        self.wfile.write(chunk)  # once the socket took the one before
                else:
                    self.wfile.write(encapsulate(body, is_error))  # sendall, not send
        except FrameError as error:
            print(f"{peer} error: {error}")
            self.wfile.write(encapsulate(str(error).encode(), True))
        except ConnectionError as error:
            print(f"{peer} error: {error}")
        print(f"{peer} closed")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8888)
    parser.add_argument("--protocol", choices=["tutorial", "framed"], default="tutorial")
    args = parser.parse_args()
    with socketserver.ThreadingTCPServer((args.host, args.port), Commands) as server:
        server.protocol = args.protocol  # what the handlers read as self.server.protocol
        host, port = server.server_address[:2]
        print(f"listening on {host}:{port}", flush=True)
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
