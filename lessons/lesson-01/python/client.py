"""Lesson 01's client, in Python, in the tutorial's style: one message, one reply.

    python3 client.py [PORT] [MESSAGE]
"""
import socket
import sys

port = int(sys.argv[1]) if len(sys.argv) > 1 else 8888
message = sys.argv[2] if len(sys.argv) > 2 else "hello"

sock = socket.socket()
sock.connect(("127.0.0.1", port))
sock.send(message.encode())
reply = sock.recv(1024)
print(reply.decode())
sock.close()
