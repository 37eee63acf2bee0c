"""Python's own answer to "which class provides this method?", in the table the
crate's inspector prints, so that the two can be compared line for line.

    python3 socketserver/python/mro.py [CLASS ...]

prints the table for ThreadingTCPServer, ForkingUDPServer and Audited (a user's
server, below), or for the socketserver classes named. The crate's test
`python_and_the_inspector_print_the_same_tables` (socketserver/tests/inspect.rs)
runs it and compares its output with `resolution::<S>()` for the same classes.
Standard library only.
"""

import socketserver
import sys


# ANCHOR: audited
class Audited(socketserver.ThreadingMixIn, socketserver.TCPServer):
    """A user's server: threading, and its own verify_request."""

    def verify_request(self, request, client_address):
        return client_address[0] == "127.0.0.1"
# ANCHOR_END: audited


# The hooks, in the order a request meets them (the crate's inspector's order).
HOOKS = [
    "serve_forever", "handle_request", "get_request", "verify_request",
    "process_request", "finish_request", "shutdown_request", "close_request",
    "handle_error", "handle_timeout", "service_actions", "server_close", "shutdown",
]


# ANCHOR: provider
def provider(cls, hook):
    """What `self.hook` finds on an instance of cls: the first class in its MRO
    whose own body defines the hook."""
    return next(c.__name__ for c in cls.__mro__ if hook in vars(c))
# ANCHOR_END: provider


def table(cls):
    mro = " -> ".join(c.__name__ for c in cls.__mro__)
    lines = [f"{cls.__name__}.__mro__: {mro}", "", f"{'hook':<18} provided by"]
    lines += [f"{hook:<18} {provider(cls, hook)}" for hook in HOOKS]
    return "\n".join(lines) + "\n"


def find(name):
    return Audited if name == "Audited" else getattr(socketserver, name)


if __name__ == "__main__":
    names = sys.argv[1:] or ["ThreadingTCPServer", "ForkingUDPServer", "Audited"]
    print("\n".join(table(find(name)) for name in names), end="")
