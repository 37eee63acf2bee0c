"""Lesson 09's server, in Python: the tutorial's selectFtpServer, fixed.

    python3 select_ftp_server.py [--host HOST] [--port PORT] [--root DIR] [--max-upload BYTES]

Same protocol (put|NAME|SIZE -> OK -> bytes; get|NAME|0 -> YES|SIZE or NO|0 ->
second_active -> bytes), same fixes as the Rust server: state per connection, an
inbox split exactly (a header ends at a newline, or, without one, where a whole
header's bytes end), an outbox for partial sends, names that cannot leave the
directory, a size limit checked before anything is stored, and files written under
a temporary name, renamed when complete, deleted when the client vanishes. And the
fixes of issue 12: files are opened in the directories opened at start (dir_fd=,
O_NOFOLLOW), never through a symbolic link; a start removes the temporary files of
a server that was killed mid-upload; out of file descriptors, accepting pauses
instead of spinning.
"""
import argparse
import errno
import json
import os
import selectors
import socket
import stat
import time

CHUNK = 64 * 1024
OUTBOX_LIMIT = 64 * 1024
HEADER_LIMIT = 1024
MAX_NAME = 200
GO_AHEAD = b"second_active"
FIRST_PAUSE = 0.010  # seconds without accepting, out of file descriptors
LONGEST_PAUSE = 0.5


class Refused(Exception):
    """A header we cannot serve; the message is the reason sent back as NO|reason."""


# ANCHOR: header
def parse_header(inbox):
    """Returns (cmd, name, size, used), None (wait for more), or raises Refused."""
    skipped = len(inbox) - len(inbox.lstrip(b"\r\n"))
    rest = inbox[skipped:]
    end = rest.find(b"\n", 0, HEADER_LIMIT + 1)
    if end >= 0:
        return parse_fields(rest[:end].rstrip(b"\r")) + (skipped + end + 1,)
    if len(rest) > HEADER_LIMIT:
        raise Refused("bad request: no header within %d bytes" % HEADER_LIMIT)
    try:
        return parse_fields(rest) + (len(inbox),)  # the tutorial's one-recv rule
    except Refused:
        if could_still_become_a_header(rest):
            return None
        raise


def parse_fields(line):
    try:
        text = line.decode("utf-8")
    except UnicodeDecodeError:
        raise Refused("bad request: the header is not UTF-8")
    fields = text.split("|")
    if len(fields) != 3:
        raise Refused("bad request: expected cmd|filename|filesize, got %s" % q(text))
    cmd, name, size = fields
    if cmd not in ("put", "get"):
        raise Refused("bad request: unknown command %s: expected put or get" % q(cmd))
    if not (size.isascii() and size.isdigit()):
        raise Refused("bad request: the size %s is not a number of bytes" % q(size))
    return cmd, name, int(size)
# ANCHOR_END: header


def could_still_become_a_header(start):
    fields = start.split(b"|")
    known = fields[0] in (b"put", b"get")
    if len(fields) == 1:
        return b"put".startswith(fields[0]) or b"get".startswith(fields[0])
    if len(fields) == 2:
        return known
    return len(fields) == 3 and known and fields[2] == b""


def q(text):
    """A name, quoted for a message: "notes.txt", as the Rust server writes it."""
    return json.dumps(text, ensure_ascii=False)


def check_name(name):
    """Raises Refused unless `name` is one plain file name."""
    if not name:
        why = "the name is empty"
    elif name in (".", ".."):
        why = "%s names a directory, not a file" % q(name)
    elif "/" in name or "\\" in name:
        why = "%s contains a path separator (/ or \\)" % q(name)
    elif "\0" in name:
        why = "%s contains a NUL byte" % q(name)
    elif any(ord(c) < 32 or 127 <= ord(c) < 160 for c in name):
        why = "%s contains a control character" % q(name)
    elif name.startswith("."):
        why = "%s starts with a dot (hidden files, and the server's temporary files, do)" % q(name)
    elif len(name.encode("utf-8")) > MAX_NAME:
        why = "the name is longer than %d bytes" % MAX_NAME
    else:
        return
    raise Refused("bad name: " + why)


class Connection:
    """One client: the tutorial's self.dic[conn], but its own."""

    def __init__(self, conn, addr, key):
        self.conn = conn
        self.addr = "%s:%s" % addr[:2]
        self.key = key
        self.inbox = bytearray()
        self.outbox = bytearray()
        self.stage = "header"  # header, receiving, offering, sending
        self.closing = False
        self.upload = None  # (name, size, received, file, temp path)
        self.download = None  # [name, file, size, left]

    def wants_to_read(self):
        return not self.closing and len(self.outbox) < OUTBOX_LIMIT and self.stage != "sending"

    def finished(self):
        return self.closing and not self.outbox and self.stage != "sending"


def served_dir(root, name):
    """root/name, created if missing, opened as a directory that is not a link: a
    descriptor, in which every file is then opened by its name (dir_fd=)."""
    path = os.path.join(root, name)
    try:
        os.mkdir(path)  # never follows a link: where one is, it "already exists"
    except FileExistsError:
        pass
    root_fd = os.open(root, os.O_RDONLY | os.O_DIRECTORY)  # --root: links and all
    try:
        return os.open(name, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=root_fd)
    except OSError:
        if os.path.islink(path):
            raise SystemExit("error: %s is a symbolic link, which could lead anywhere: "
                             "make it a real directory" % path)
        raise
    finally:
        os.close(root_fd)


def part_owner(name):
    """The process id in one of our temporary names, .PID-KEY.part, else None."""
    if not (name.startswith(".") and name.endswith(".part")):
        return None
    pid, _, key = name[1:-len(".part")].partition("-")
    if pid.isascii() and pid.isdigit() and key.isascii() and key.isdigit():
        return int(pid)
    return None


def is_running(pid):
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)  # signal 0: no signal, only the check
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's
    return True


class SelectFtpServer:
    def __init__(self, host, port, root, max_upload):
        os.makedirs(root, exist_ok=True)
        self.upload_dir = os.path.join(root, "upload")  # for messages only
        self.download_dir = os.path.join(root, "download")
        self.upload_fd = served_dir(root, "upload")
        self.download_fd = served_dir(root, "download")
        self.max_upload = max_upload
        self.paused = None  # (listener, until) while out of file descriptors
        self.next_pause = FIRST_PAUSE
        self.failed_accepts = 0
        self.keys = 0
        self.sel = selectors.DefaultSelector()
        server = socket.socket()
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        server.bind((host, port))
        server.listen(100)
        server.setblocking(False)
        self.sel.register(server, selectors.EVENT_READ, self.accept)
        host, port = server.getsockname()[:2]
        print("listening on %s:%s" % (host, port), flush=True)
        self.remove_leftovers()

    def remove_leftovers(self):
        """The temporary files of servers killed mid-upload (not of one still running)."""
        for name in os.listdir(self.upload_fd):  # Python lists a directory by its descriptor
            pid = part_owner(name)
            if pid is None:
                continue
            if pid != os.getpid() and is_running(pid):
                print("kept %s: process %d is running (another server on this root?)" % (q(name), pid))
                continue
            os.unlink(name, dir_fd=self.upload_fd)
            print("removed %s: an upload cut short when process %d stopped" % (q(name), pid))

    def serve_forever(self):
        while True:
            timeout = None
            if self.paused:
                timeout = max(0, self.paused[1] - time.monotonic())
            events = self.sel.select(timeout)
            if self.paused and time.monotonic() >= self.paused[1]:
                self.sel.register(self.paused[0], selectors.EVENT_READ, self.accept)
                self.paused = None
            for key, mask in events:
                callback = key.data
                callback(key.fileobj, mask)

    def accept(self, sock, mask):
        try:
            conn, addr = sock.accept()
        except BlockingIOError:
            return
        except OSError as error:
            if error.errno in (errno.EMFILE, errno.ENFILE):
                return self.pause_accept(sock, error)
            print("accept failed: %s" % error)
            return
        if self.failed_accepts:
            print("accepting again after %d failed attempts" % self.failed_accepts)
            self.failed_accepts, self.next_pause = 0, FIRST_PAUSE
        conn.setblocking(False)
        self.keys += 1
        connection = Connection(conn, addr, self.keys)
        print("connected: %s" % connection.addr)
        self.sel.register(conn, selectors.EVENT_READ, lambda c, m: self.service(connection, m))

    # ANCHOR: pause_accept
    def pause_accept(self, sock, error):
        """Out of file descriptors: the listener stays ready, and retrying at once
        would spin. Stop watching it for a while; the connections we have are served,
        and their closing is what frees descriptors."""
        if not self.failed_accepts:
            print("accept failed: %s; pausing accept until a descriptor frees "
                  "(open connections are still served)" % error)
        self.failed_accepts += 1
        self.sel.unregister(sock)  # Python's selectors refuse to watch for nothing
        self.paused = (sock, time.monotonic() + self.next_pause)
        self.next_pause = min(self.next_pause * 2, LONGEST_PAUSE)
    # ANCHOR_END: pause_accept

    def service(self, c, mask):
        try:
            if mask & selectors.EVENT_READ and c.wants_to_read():
                try:
                    data = c.conn.recv(CHUNK)
                    if data:
                        c.inbox += data
                    else:
                        c.closing = True
                except BlockingIOError:
                    pass
            self.advance(c)
            while c.outbox:
                try:
                    sent = c.conn.send(c.outbox)
                except BlockingIOError:
                    break
                del c.outbox[:sent]
        except OSError as error:
            print("%s error: %s" % (c.addr, error))
            self.close(c)
            return
        if c.finished():
            print("%s closed" % c.addr)
            self.close(c)
            return
        events = selectors.EVENT_READ if c.wants_to_read() else 0
        if c.outbox or c.stage == "sending":
            events |= selectors.EVENT_WRITE
        if events != self.sel.get_key(c.conn).events:
            self.sel.modify(c.conn, events, self.sel.get_key(c.conn).data)

    def close(self, c):
        if c.stage == "receiving":
            self.abandon(c)
        if c.download:
            c.download[1].close()
        self.sel.unregister(c.conn)
        c.conn.close()

    def abandon(self, c):
        name, size, received, f, temp = c.upload
        f.close()
        os.unlink(temp, dir_fd=self.upload_fd)
        print("%s abandoned %s after %d of %d bytes: nothing stored" % (c.addr, q(name), received, size))
        c.stage, c.upload = "header", None

    def refuse(self, c, reason, then_close):
        print("%s refused: %s" % (c.addr, reason))
        c.outbox += ("NO|" + reason).encode("utf-8")
        if then_close:
            c.closing = True
            c.inbox.clear()

    # ANCHOR: advance
    def advance(self, c):
        """Move the conversation on until a step has to wait for the network."""
        while getattr(self, c.stage)(c):
            pass
    # ANCHOR_END: advance

    def header(self, c):
        try:
            parsed = parse_header(bytes(c.inbox))
        except Refused as refused:
            self.refuse(c, str(refused), True)
            return False
        if parsed is None:
            if c.closing and c.inbox.strip():
                print("%s error: the client left in the middle of a header" % c.addr)
                c.inbox.clear()
            return False
        cmd, name, size, used = parsed
        del c.inbox[:used]
        try:
            check_name(name)
        except Refused as refused:
            self.refuse(c, str(refused), cmd == "put")
            return True
        if cmd == "put":
            self.start_put(c, name, size)
        else:
            self.start_get(c, name)
        return True

    def start_put(self, c, name, size):
        if size > self.max_upload:
            why = "too big: %d bytes, the limit is %d bytes" % (size, self.max_upload)
            return self.refuse(c, why, True)
        temp = ".%d-%d.part" % (os.getpid(), c.key)
        # Created, never opened: nobody else's file, and no link, is written into.
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW
        f = os.fdopen(os.open(temp, flags, 0o666, dir_fd=self.upload_fd), "wb")
        print("%s put %s (%d bytes)" % (c.addr, q(name), size))
        c.outbox += b"OK"
        c.stage, c.upload = "receiving", (name, size, 0, f, temp)

    def receiving(self, c):
        name, size, received, f, temp = c.upload
        take = min(size - received, len(c.inbox))
        f.write(c.inbox[:take])
        del c.inbox[:take]
        received += take
        c.upload = (name, size, received, f, temp)
        if received == size:
            f.close()
            # Whole, or not at all; a link of that name is replaced, not written through.
            os.replace(temp, name, src_dir_fd=self.upload_fd, dst_dir_fd=self.upload_fd)
            print("%s stored %s (%d bytes)" % (c.addr, q(name), size))
            c.stage, c.upload = "header", None
            return True
        if c.closing:
            print("%s error: the client left in the middle of the upload" % c.addr)
            self.abandon(c)
            return False
        return take > 0

    # ANCHOR: start_get
    def start_get(self, c, name):
        # In the download directory, never through a link; O_NONBLOCK, so that a
        # named pipe does not block the one thread until someone writes to it.
        flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK
        try:
            fd = os.open(name, flags, dir_fd=self.download_fd)
        except FileNotFoundError:
            fd = None
        except OSError as error:
            if error.errno in (errno.ELOOP, errno.EMLINK):
                why = "not served: %s is a symbolic link (links are never followed)" % q(name)
                return self.refuse(c, why, False)
            print("%s error: cannot open %s: %s" % (c.addr, q(name), error))
            return self.refuse(c, "server error: cannot read the file", False)
        if fd is not None and not stat.S_ISREG(os.fstat(fd).st_mode):
            os.close(fd)  # a directory, a named pipe: not a file to send
            fd = None
        if fd is None:
            print("%s get %s: no such file" % (c.addr, q(name)))
            c.outbox += b"NO|0"
            return
        f = os.fdopen(fd, "rb")
        size = os.fstat(fd).st_size
        print("%s get %s (%d bytes)" % (c.addr, q(name), size))
        c.outbox += b"YES|%d" % size
        c.stage, c.download = "offering", [name, f, size, size]
    # ANCHOR_END: start_get

    def offering(self, c):
        seen = bytes(c.inbox[: len(GO_AHEAD)])
        if not GO_AHEAD.startswith(seen):
            raise OSError("expected \"second_active\" after YES, got %s" % q(seen.decode("utf-8", "replace")))
        if len(seen) < len(GO_AHEAD):
            return False
        del c.inbox[: len(GO_AHEAD)]
        c.stage = "sending"
        return True

    def sending(self, c):
        name, f, size, left = c.download
        while left and len(c.outbox) < OUTBOX_LIMIT:
            data = f.read(min(left, OUTBOX_LIMIT - len(c.outbox)))
            if not data:
                raise OSError("%s shrank while being sent" % q(name))
            c.outbox += data
            left -= len(data)
        c.download[3] = left
        if left or c.outbox:
            return False
        f.close()
        print("%s sent %s (%d bytes)" % (c.addr, q(name), size))
        c.stage, c.download = "header", None
        return True


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8888, help="0 means any free port")
    parser.add_argument("--root", default="lesson-09-files")
    parser.add_argument("--max-upload", type=int, default=100 * 1024 * 1024)
    args = parser.parse_args()
    SelectFtpServer(args.host, args.port, args.root, args.max_upload).serve_forever()


if __name__ == "__main__":
    main()
