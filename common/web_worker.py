"""The gunicorn worker every web host runs (`--worker-class
common.web_worker.WholeAnswerWorker`): gunicorn's sync worker, except that
an answer's head goes out in the same write as the first of its body.

Why: the proxy retries a request on the other web host when this one dies
before it has sent anything (`proxy_next_upstream error`), but once it has
passed a head on to the browser it cannot take it back. gunicorn writes the
head and the body with two system calls; a host killed between them, which
on a machine whose cores are saturated can be milliseconds, left the
browser a head with no body: the one failed request of the cluster's busy
machine check (docs/deploy.md, check 8). Written together, and with a send
buffer the whole of an everyday page fits in, the proxy has either all of
the answer or none of it, and none is retried.
"""

import contextlib
import socket

from gunicorn.workers.sync import SyncWorker

# An everyday page is 20-120 KiB: asked for here, the kernel caps it at
# net.core.wmem_max (and doubles it). A bigger answer is sent as before.
SEND_BUFFER = 1 << 20


class HeadWithBody:
    """A connection whose head (the first write ending in a blank line) is
    held until the body's first write, and both then sent as one. Anything
    else asked of the connection (a file sent by its descriptor, closing it)
    sends what is held first, so nothing is ever lost or reordered."""

    def __init__(self, sock: socket.socket):
        self._sock = sock
        self._held = b""
        self._written = False

    def sendall(self, data: bytes) -> None:
        if not self._written and not self._held and data.endswith(b"\r\n\r\n"):
            self._held = bytes(data)
            return
        if self._held and not data:
            return  # an empty first chunk: still nothing to send with the head
        self._written = True
        data, self._held = self._held + bytes(data), b""
        self._sock.sendall(data)

    def send_held(self) -> None:
        if self._held:
            self._written = True
            data, self._held = self._held, b""
            self._sock.sendall(data)

    def __getattr__(self, name: str):
        self.send_held()
        return getattr(self._sock, name)


class WholeAnswerWorker(SyncWorker):
    def handle(self, listener, client, addr):
        # Queued whole, an answer is out of the process before it can die.
        with contextlib.suppress(OSError):  # the kernel refuses: as before
            client.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, SEND_BUFFER)
        super().handle(listener, HeadWithBody(client), addr)
