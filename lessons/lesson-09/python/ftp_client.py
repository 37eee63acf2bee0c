"""Lesson 09's client, in Python, in the tutorial's style: put and get, one connection.

    python3 ftp_client.py [PORT] [DIR]

Type `put FILE` or `get NAME` at the `>>: ` prompt; `close` or end of input quits.
`get` saves into DIR (default: the current directory). It speaks exactly the
tutorial's protocol: the header goes out in one send, with no newline, and the
client waits for the answer before it sends anything else.
"""
import os
import socket
import sys

port = int(sys.argv[1]) if len(sys.argv) > 1 else 8888
save_dir = sys.argv[2] if len(sys.argv) > 2 else "."


def connect():
    sock = socket.socket()
    sock.connect(("127.0.0.1", port))
    return sock


# ANCHOR: put
def put(sock, path):
    filename = os.path.basename(path)
    filesize = os.path.getsize(path)
    sock.send(bytes("put|%s|%s" % (filename, filesize), encoding="utf8"))
    answer = str(sock.recv(1024), encoding="utf8")
    if answer != "OK":
        print("refused:", answer)  # NO|reason; the server closes the connection
        return
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(65536), b""):
            sock.sendall(chunk)  # send() may take only part; sendall() takes it all
    sock.shutdown(socket.SHUT_WR)  # no answer comes after the file: end the connection,
    sock.recv(1024)  # and wait until the server, done with it, closes its side too
    print("put %s: %d bytes sent" % (filename, filesize))
# ANCHOR_END: put


# ANCHOR: get
def get(sock, filename):
    sock.send(bytes("get|%s|0" % filename, encoding="utf8"))
    answer = str(sock.recv(1024), encoding="utf8")
    flag, size = answer.split("|", 1)
    if flag != "YES":
        print("no such file" if answer == "NO|0" else "refused: " + answer)
        return
    sock.send(bytes("second_active", encoding="utf8"))
    size, received = int(size), 0
    partial = os.path.join(save_dir, "." + filename + ".part")
    with open(partial, "wb") as f:
        while received < size:
            data = sock.recv(min(65536, size - received))
            if not data:
                raise ConnectionError("the server closed after %d of %d bytes" % (received, size))
            f.write(data)
            received += len(data)
    os.replace(partial, os.path.join(save_dir, filename))
    print("get %s: %d bytes saved" % (filename, received))
# ANCHOR_END: get


sock = connect()
while True:
    try:
        line = input(">>: ").strip()
    except EOFError:
        break
    if not line:
        continue
    if line.lower() == "close":
        break
    cmd, _, arg = line.partition(" ")
    if cmd == "put" and arg:
        if not os.path.isfile(arg.strip()):
            print("no such local file:", arg.strip())
        else:
            put(sock, arg.strip())
            sock.close()
            sock = connect()  # a put ends its connection: open another
    elif cmd == "get" and arg:
        get(sock, arg.strip())
    else:
        print("type put FILE, get NAME, or close")
sock.close()
