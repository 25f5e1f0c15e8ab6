"""``--server real`` on the Docker backend: each real model server in a container on the run's network.

Its image (``images/server.Dockerfile``: the definition's folder, pinned requirements installed into
``/opt/server``, and the stub's models, on the profile's image named by ``[docker] base``) is built once
and cached like the SDK images (docker_images.py).  The container runs the definition's ``[local]``
command with the container's paths, listening on all its interfaces on ``[docker] port``; the gateway
(the stub's container, on the same network) forwards to it by name.  It carries the run's labels, so
the backend's ``close()`` and, if the harness is killed, the reaper remove it.  Readiness is asked
from inside the container: nothing is published on the host.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import docker.errors
import requests

from ..realserver import RealServer, ServerDefinition, ServerUnavailable, start_command
from .base import BuildError
from .docker_images import ImageError

KIT = "/srv/kit"  # the kit's layout inside the image (server.Dockerfile)
VENV = "/opt/server"
# Prints the status of GET argv[1] (0 when nothing answers): run with the image's Python, in the container.
PROBE = """import sys, urllib.request as r, urllib.error as e
try: print(r.urlopen(sys.argv[1], timeout=2).status)
except e.HTTPError as x: print(x.code)
except Exception: print(0)"""


def variables(defn: ServerDefinition) -> dict[str, str]:
    """The placeholders of the definition's command, as the container has them."""
    return {
        "python": f"{VENV}/bin/python",
        "venv": VENV,
        "host": "0.0.0.0",  # its own interfaces: only the run's network reaches them
        "port": str(defn.docker_port),
        "server_dir": f"{KIT}/harness/servers/{defn.name}",
        "root": KIT,
    }


@contextlib.contextmanager
def serving(
    backend, defn: ServerDefinition, model: str, log_dir: Path, log: Callable[[str], None]
) -> Iterator[RealServer]:
    """Build (once) and start ``defn`` serving ``model`` in a container of ``backend``'s run; wait until it is
    ready; on the way out keep its log and remove it."""
    try:
        image = backend.images.server(defn.name, defn.folder, defn.docker_base)
    except ImageError as exc:
        raise ServerUnavailable(f"{defn.name}: image: {exc}") from None
    known = variables(defn)
    argv, env = start_command(defn, model, known, inherit=False)
    name = f"{defn.name}-{model}"[:40].rstrip("-")  # a DNS label: at most 63 with the prefix and session
    log_path = log_dir / f"{defn.name}-{model}-docker.log"
    gone = (docker.errors.DockerException, requests.RequestException)
    try:
        container = backend._container(
            image, name, command=argv, environment=env, working_dir=known["server_dir"], init=True
        )
    except (*gone, BuildError) as exc:  # BuildError: the run was stopped meanwhile
        raise ServerUnavailable(f"{defn.name}: cannot start its container: {exc}") from None
    try:
        url = f"http://{container.name}:{defn.docker_port}"
        try:
            wait_ready(container, defn, f"http://127.0.0.1:{defn.docker_port}{defn.ready_path}", log_path)
        except gone as exc:  # removed by another run's clean, or the engine went away, while it started
            raise ServerUnavailable(f"{defn.name}: its container went away while starting: {exc}") from None
        yield RealServer(defn, model, url, log_path)
    finally:
        with contextlib.suppress(*gone):
            log_path.write_bytes(container.logs())
        with contextlib.suppress(*gone):
            container.remove(force=True, v=True)
        with contextlib.suppress(ValueError):
            backend.containers.remove(container)


def wait_ready(container, defn: ServerDefinition, url: str, log_path: Path) -> None:
    """Until the ready route answers its status inside the container; one line if it exits or takes too long."""
    deadline = time.monotonic() + defn.start_seconds
    probe = [f"{VENV}/bin/python", "-c", PROBE, url]
    while time.monotonic() < deadline:
        container.reload()
        if container.status not in ("created", "running"):
            log_path.write_bytes(container.logs())
            tail = container.logs(tail=1).decode("utf-8", "replace").strip() or "(no output)"
            code = container.attrs.get("State", {}).get("ExitCode")
            raise ServerUnavailable(
                f"{defn.name} exited with code {code} in its container while starting: {tail} (log: {log_path})"
            )
        with contextlib.suppress(docker.errors.APIError):  # e.g. the container ended between reload and exec
            code, out = container.exec_run(probe)
            if code == 0 and out.decode().strip() == str(defn.ready_status):
                return
        time.sleep(0.5)
    log_path.write_bytes(container.logs())
    raise ServerUnavailable(
        f"{defn.name} did not answer GET {defn.ready_path} with {defn.ready_status} in its container within "
        f"{defn.start_seconds:g} s (log: {log_path})"
    )
