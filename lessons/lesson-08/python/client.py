"""Lesson 08's client, in Python, in the tutorial's style: commands out, framed replies back.

    python3 client.py [--host HOST] [--port PORT] [--protocol tutorial|framed]

Type a command at the `>>: ` prompt (help, echo TEXT, upper TEXT, time, big N);
`close`, `exit` or end of input quits. Standard library only: socket, struct, json.
"""
import argparse
import json
import socket
import struct
import sys

MAX_HEADER = 1024  # the longest header we accept
MAX_BODY = 16 * 1024 * 1024  # the longest body we accept


# ANCHOR: recv_exact
def recv_exact(sock, size):
    """Exactly `size` bytes. The tutorial's `client.recv(4)` may return fewer."""
    data = b""
    while len(data) < size:
        chunk = sock.recv(min(size - len(data), 65536))
        if not chunk:  # the server closed: without this check, the loop never ends
            raise ConnectionError(f"the connection closed {len(data)} bytes into {size}")
        data += chunk
    return data
# ANCHOR_END: recv_exact


def frame(body, error=False):
    """The tutorial's encapsulate(): header length, JSON header, body."""
    head = {"dataBodyLength": len(body)}
    if error:
        head["error"] = True
    head_bytes = json.dumps(head).encode("utf-8")
    return struct.pack("<i", len(head_bytes)) + head_bytes + body


# ANCHOR: read_reply
def read_reply(sock):
    """One framed reply, checked: (body, is_error)."""
    # step 1: the header length; "<i" is the tutorial's "i" on x86, little-endian.
    (head_length,) = struct.unpack("<i", recv_exact(sock, 4))
    if not 0 < head_length <= MAX_HEADER:
        raise ValueError(f"bad header length {head_length}")
    # step 2: the header
    head = json.loads(recv_exact(sock, head_length))
    # step 3: the body length, checked before we wait for that many bytes
    body_length = head.get("dataBodyLength") if isinstance(head, dict) else None
    if type(body_length) is not int or not 0 <= body_length <= MAX_BODY:
        raise ValueError(f"bad dataBodyLength {body_length!r}")
    # step 4: the body, exactly
    return recv_exact(sock, body_length), head.get("error") is True
# ANCHOR_END: read_reply


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8888)
    parser.add_argument("--protocol", choices=["tutorial", "framed"], default="tutorial")
    args = parser.parse_args()

    sock = socket.create_connection((args.host, args.port))
    while True:
        try:
            command = input(">>: ").strip()
        except EOFError:
            break
        if not command:
            continue
        if command in ("close", "exit"):
            break
        data = command.encode("utf-8")
        sock.sendall(data if args.protocol == "tutorial" else frame(data))
        body, is_error = read_reply(sock)
        if is_error:
            print("error from the server:", body.decode("utf-8", "replace"), file=sys.stderr)
        else:
            print(body.decode("utf-8", "replace"))
    sock.close()


if __name__ == "__main__":
    main()
