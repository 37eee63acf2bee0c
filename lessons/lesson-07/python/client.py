"""Lesson 07's client, in Python, in the tutorial's style: one datagram per message.

    python3 client.py [PORT]

Type a message at the `>>: ` prompt; `close` or end of input quits.
"""
import socket
import sys

port = int(sys.argv[1]) if len(sys.argv) > 1 else 8888

sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)  # UDP: no connect()
sock.settimeout(2)  # a lost datagram is never resent: do not wait forever
while True:
    try:
        data = input(">>: ").strip()
    except EOFError:
        break
    if not data:
        continue
    if data.lower() == "close":
        break
    sock.sendto(data.encode(), ("127.0.0.1", port))
    try:
        reply, _ = sock.recvfrom(65535)  # (data, address): the reply, and who sent it
    except socket.timeout:
        sys.exit(f"no reply within 2s; is the server running on port {port}?")
    print(reply.decode())
sock.close()
