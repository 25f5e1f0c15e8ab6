"""Upstreams for the gateway's tests: a raw TCP server that answers fixed bytes, hangs, or resets.

It records each request it read (the raw bytes up to the end of the body),
so a test can see exactly what the gateway forwarded.
"""

from __future__ import annotations

import contextlib
import socket
import struct
import threading
from collections.abc import Iterator


def _read_request(conn: socket.socket) -> bytes:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            return data
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = next(
        (int(line.split(b":", 1)[1]) for line in head.split(b"\r\n") if line.lower().startswith(b"content-length:")),
        0,
    )
    while len(body) < length:
        chunk = conn.recv(65536)
        if not chunk:
            break
        body += chunk
    return head + b"\r\n\r\n" + body


class RawUpstream:
    """``mode``: "answer" (send ``response`` and close), "hang" (read, never answer), "reset" (read, then RST)."""

    def __init__(self, mode: str = "answer", response: bytes = b"") -> None:
        self.mode, self.response = mode, response
        self.requests: list[bytes] = []
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.stopping = threading.Event()
        self.held: list[socket.socket] = []
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while not self.stopping.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.requests.append(_read_request(conn))
            if self.mode == "hang":
                self.held.append(conn)
                continue
            if self.mode == "reset":
                conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            else:
                conn.sendall(self.response)
            conn.close()

    def close(self) -> None:
        self.stopping.set()
        with contextlib.suppress(OSError):
            self.sock.shutdown(socket.SHUT_RDWR)  # wakes the blocked accept(); close() alone does not on Linux
        self.sock.close()
        for conn in self.held:
            conn.close()
        self.thread.join(timeout=5)


@contextlib.contextmanager
def raw_upstream(mode: str = "answer", response: bytes = b"") -> Iterator[RawUpstream]:
    upstream = RawUpstream(mode, response)
    try:
        yield upstream
    finally:
        upstream.close()
