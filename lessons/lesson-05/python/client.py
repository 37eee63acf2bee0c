"""Lesson 05's client, in Python, in the tutorial's style: a loop of messages.

    python3 client.py [PORT]

Type a message at the `>>: ` prompt; `close` or end of input quits. Run several at
once: the selector server answers them all from one thread.
"""
import socket
import sys

port = int(sys.argv[1]) if len(sys.argv) > 1 else 8888

sock = socket.socket()
sock.connect(("127.0.0.1", port))
while True:
    try:
        data = input(">>: ").strip()
    except EOFError:
        break
    if not data:
        continue
    if data.lower() == "close":
        break
    sock.send(data.encode())
    reply = sock.recv(1024)
    print(reply.decode())
sock.close()
