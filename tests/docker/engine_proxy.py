"""A stand-in Docker socket for tests: it forwards to the real engine and can see, hold or cut a request.

``DOCKER_HOST=unix://<path>`` points a harness at it.  ``steps`` are byte
patterns of the requests the harness sends (e.g. ``rb"POST /v[0-9.]+/build\\?"``),
to be seen in this order, across connections; when the last one is seen the
proxy does its ``action``:

* ``watch``: forwards it as usual and sets ``seen`` (the test acts at that moment);
* ``hold``: never forwards it (an engine that stopped answering);
* ``cut``: closes every connection and refuses new ones (an engine that stopped).
"""

from __future__ import annotations

import contextlib
import re
import socket
import threading
from pathlib import Path

ENGINE = "/var/run/docker.sock"


class EngineProxy:
    def __init__(self, path: Path, steps: list[bytes], action: str = "watch", engine: str = ENGINE) -> None:
        assert action in ("watch", "hold", "cut"), action
        self.path, self.steps, self.action, self.engine = path, list(steps), action, engine
        self.seen = threading.Event()
        self.cut = False
        self._lock = threading.Lock()
        self._sockets: list[socket.socket] = []
        self._server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self._server.bind(str(path))
        self._server.listen(64)
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def url(self) -> str:
        return f"unix://{self.path}"

    def close(self) -> None:
        self._cut()
        with contextlib.suppress(OSError):
            self.path.unlink()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._server.accept()
            except OSError:
                return
            with self._lock:
                if self.cut:
                    client.close()
                    continue
                upstream = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                upstream.connect(self.engine)
                self._sockets += [client, upstream]
            threading.Thread(target=self._pump, args=(client, upstream, True), daemon=True).start()
            threading.Thread(target=self._pump, args=(upstream, client, False), daemon=True).start()

    def _pump(self, src: socket.socket, dst: socket.socket, requests: bool) -> None:
        tail = b""
        while True:
            try:
                data = src.recv(65536)
            except OSError:
                break
            if not data:
                break
            if requests and self._matches(tail + data):
                if self.action == "cut":
                    self._cut()
                    return
                if self.action == "hold":
                    return  # this connection's request never reaches the engine, nor does anything after it
            tail = (tail + data)[-256:]
            try:
                dst.sendall(data)
            except OSError:
                break
        with contextlib.suppress(OSError):
            dst.shutdown(socket.SHUT_WR)  # pass the end on: an attached stream's end is what the reaper waits for

    def _matches(self, data: bytes) -> bool:
        """Whether data holds the next step's pattern, and that was the last step."""
        with self._lock:
            while self.steps and re.search(self.steps[0], data):
                self.steps.pop(0)
                if not self.steps:
                    self.seen.set()
                    return True
            return False

    def _cut(self) -> None:
        with self._lock:
            self.cut = True
            sockets, self._sockets = self._sockets, []
        with contextlib.suppress(OSError):
            self._server.close()
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()
