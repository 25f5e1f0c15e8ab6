"""The run's reaper: nothing left behind, however the harness ends (after testcontainers' Ryuk).

A small container, started before the run creates anything else, that removes
every container, network and volume labelled with the run's session (except
cache volumes) as soon as the harness goes away, and then itself: within a few
seconds even of a ``kill -9``.  Its agent (``reaper_agent.py``, standard library
only) runs in the stub's image, talks to the Docker Engine API over the
mounted socket and waits on its stdin, which the harness holds through an
attached socket (``attach_socket``).  When the harness exits or dies, the
kernel closes that socket, the engine closes the agent's stdin, the agent
sweeps.  No network is involved (the reaper has none), so ``--offline`` runs
and their internal networks do not matter.  ``close()`` of the backend removes
everything itself, then ``stop()`` ends the reaper the same way.
"""

from __future__ import annotations

import contextlib
import os
import socket
import threading
import time
from collections.abc import Callable
from pathlib import Path

import docker
import docker.errors
import requests

from ..stubctl import StubUnavailable
from .docker import KEEP, LABEL, SESSION, DockerUnavailable
from .docker_images import ImageError

ROLE = f"{LABEL}.role"  # "reaper" on the reaper's container: its agent spares it
AGENT = Path(__file__).with_name("reaper_agent.py")
API_TIMEOUT = 30  # seconds for each Engine API call made here, and for the agent to say it is ready
STOP_TIMEOUT = 10  # seconds a normal stop waits for the reaper to sweep and go, before removing it
READY, CLOSED = b"reaper ready", b"closed"  # what the agent says when ready; what it is told at stop()


class NotReady(Exception):
    """The agent ended, or kept silent, before it said it was ready."""


def socket_path() -> str:
    """The engine's UNIX socket on its host, for the reaper to mount (the default one unless DOCKER_HOST names one)."""
    host = os.environ.get("DOCKER_HOST", "")
    return host.removeprefix("unix://") if host.startswith("unix://") else "/var/run/docker.sock"


class Reaper:
    """``Reaper(client, image, labels)`` starts it and returns once it is ready; ``stop()`` ends it (idempotent)."""

    def __init__(self, client: docker.DockerClient, image: Callable[[], str], labels: dict[str, str]) -> None:
        try:
            ref = image()  # the stub's image: one the run needs anyway, with Python in it
        except ImageError as exc:
            raise StubUnavailable(f"stub image: {exc}") from None
        self.name = f"scoring-kit-reaper-{labels[SESSION]}"
        self.id: str | None = None
        self._sock = None
        self._lock = threading.Lock()
        self._stopped = False
        try:
            self.api = docker.from_env(timeout=API_TIMEOUT, version=client.api.api_version).api
            self._start(ref, labels)
        except (docker.errors.DockerException, requests.RequestException, OSError, NotReady) as exc:
            self._remove()
            reason = str(getattr(exc, "explanation", None) or exc).split("\n")[0][:200] or type(exc).__name__
            if isinstance(exc, docker.errors.APIError | NotReady):  # the engine answered, or the agent did
                raise DockerUnavailable(f"the run's reaper container could not start: {reason}") from None
            raise DockerUnavailable(
                f"Docker stopped answering while the run's reaper started ({reason}): "
                "check the engine (docker info) and run again"
            ) from None

    def _start(self, image: str, labels: dict[str, str]) -> None:
        session, keep = f"{SESSION}={labels[SESSION]}", f"{KEEP}=cache"
        container = self.api.create_container(
            image,
            name=self.name,
            entrypoint=["python3", "-I", "-c", AGENT.read_text(encoding="utf-8")],
            command=[session, keep, f"{ROLE}=reaper"],
            labels={**labels, ROLE: "reaper"},  # `harness clean` finds a stray one like any other object
            stdin_open=True,  # and (not detached) StdinOnce: the end of the attached stream closes the agent's stdin
            host_config=self.api.create_host_config(
                binds=[f"{socket_path()}:/var/run/docker.sock"], auto_remove=True, network_mode="none"
            ),
        )
        self.id = container["Id"]
        # Attached before it starts: from the first instant, this process ending ends the agent's stdin.
        self._sock = self.api.attach_socket(self.id, params={"stdin": 1, "stdout": 1, "stream": 1})
        self.api.start(self.id)
        self._wait_ready()

    def _wait_ready(self) -> None:
        raw = self._sock._sock  # the SDK hands over a SocketIO; timeouts and half-close need the socket
        seen, deadline = b"", time.monotonic() + API_TIMEOUT
        while READY not in seen:
            left = deadline - time.monotonic()
            if left <= 0:
                raise NotReady(f"it did not say it was ready within {API_TIMEOUT} s")
            raw.settimeout(left)
            chunk = raw.recv(4096)
            if not chunk:
                raise NotReady(f"it ended before it was ready ({_text(seen) or 'no output'})")
            seen += chunk
        raw.settimeout(None)

    def stop(self) -> None:
        """End the reaper: its stdin closes, it sweeps what is left of the run, exits and is removed."""
        with self._lock:
            if self._stopped:
                return
            self._stopped = True
        with contextlib.suppress(OSError):
            self._sock._sock.sendall(CLOSED + b"\n")  # a normal end: no need to wait for late creates
            self._sock._sock.shutdown(socket.SHUT_WR)
        with contextlib.suppress(docker.errors.DockerException, requests.RequestException):
            self.api.wait(self.id, timeout=STOP_TIMEOUT, condition="removed")
        self._remove()

    def _remove(self) -> None:
        if self.id:
            with contextlib.suppress(docker.errors.DockerException, requests.RequestException):
                self.api.remove_container(self.id, force=True)
        if self._sock is not None:
            with contextlib.suppress(OSError):
                self._sock.close()
        if hasattr(self, "api"):
            self.api.close()


def _text(stream: bytes) -> str:
    """The payload of an attached, multiplexed stream (8-byte frame headers dropped), as one line."""
    out = b""
    while len(stream) >= 8:
        size = int.from_bytes(stream[4:8], "big")
        out, stream = out + stream[8 : 8 + size], stream[8 + size :]
    return " ".join(out.decode("utf-8", "replace").split())[:300]
