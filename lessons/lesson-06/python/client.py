"""Lesson 06's client, in Python: lines out, lines back.

    python3 client.py [PORT]

Type a line at the `>>: ` prompt; `close` or end of input quits.
"""
import socket
import sys

port = int(sys.argv[1]) if len(sys.argv) > 1 else 8888

sock = socket.create_connection(("127.0.0.1", port))
replies = sock.makefile("rb")
while True:
    try:
        data = input(">>: ").strip()
    except EOFError:
        break
    if not data:
        continue
    if data.lower() == "close":
        break
    sock.sendall(data.encode() + b"\n")
    print(replies.readline().decode().rstrip("\n"))
sock.close()
