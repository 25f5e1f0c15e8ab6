"""The reaper's agent: runs inside the reaper container, standard library only.

``reaper.py`` starts it (``python3 -c <this file> SESSION KEEP SELF``) in the
stub's image, which has no Docker SDK, with the Docker socket mounted and its
stdin attached to the harness.  It says ``reaper ready`` once it can reach the
Docker Engine API (at SOCKET, a fourth argument, if given), then blocks on
stdin.  Stdin ends when the harness closes it (after sending ``closed``) or
dies (even by ``kill -9``: the kernel closes the harness's socket, the engine
closes stdin).  Then it removes every container, network and volume labelled
``SESSION`` (``key=value``) except volumes labelled ``KEEP`` and itself
(labelled ``SELF``), sweeping until a sweep finds nothing, and exits; the
engine then removes its container (auto-remove).
"""

import http.client
import json
import socket
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import quote, urlencode

ROUNDS = 8  # sweeps at most
CLOSED = b"closed"  # what the harness says before it closes stdin after a normal close()
SETTLE = 1.0  # seconds before the confirming sweep: a create the harness sent just before dying lands by then


class UnixConnection(http.client.HTTPConnection):
    """HTTP over the engine's UNIX socket."""

    path = "/var/run/docker.sock"

    def connect(self) -> None:
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(self.timeout)
        self.sock.connect(self.path)


def call(method: str, path: str, **query: object) -> tuple[int, object]:
    """One request on its own connection (so threads can share nothing): (status, decoded JSON body or None)."""
    conn = UnixConnection("localhost", timeout=30)
    try:
        conn.request(method, f"{path}?{urlencode(query)}" if query else path)
        resp = conn.getresponse()
        body = resp.read()
    finally:
        conn.close()
    try:
        return resp.status, json.loads(body) if body.strip() else None
    except ValueError:
        return resp.status, body.decode("utf-8", "replace")


def labelled(path: str, label: str) -> list:
    status, found = call("GET", path, all=1, filters=json.dumps({"label": [label]}))
    if status != 200:
        raise OSError(f"GET {path}: HTTP {status}: {found}")
    return (found.get("Volumes") or []) if isinstance(found, dict) else found


def sweep(session: str, keep: str, me: str) -> int:
    """Remove what carries the session label; the number of objects found (removed or not yet removable)."""
    has = lambda labels, label: labels.get(label.split("=")[0]) == label.split("=", 1)[1]  # noqa: E731
    containers = [c["Id"] for c in labelled("/containers/json", session) if not has(c.get("Labels") or {}, me)]
    with ThreadPoolExecutor(max_workers=8) as pool:  # a force removal waits for the kill: do them side by side
        list(pool.map(lambda cid: call("DELETE", f"/containers/{cid}", force=1, v=1), containers))
    networks = [n["Id"] for n in labelled("/networks", session)]
    for nid in networks:  # after the containers: a network with endpoints cannot go (it is retried next round)
        call("DELETE", f"/networks/{nid}")
    volumes = [v["Name"] for v in labelled("/volumes", session) if not has(v.get("Labels") or {}, keep)]
    for name in volumes:
        call("DELETE", f"/volumes/{quote(name, safe='')}", force=1)
    return len(containers) + len(networks) + len(volumes)


def reap(session: str, keep: str, me: str, settle: float) -> None:
    """Sweep until one sweep finds nothing (with settle: two in a row, settle seconds apart)."""
    start, total, quiet = time.monotonic(), 0, 0
    for _ in range(ROUNDS):
        found = sweep(session, keep, me)
        total += found
        quiet = 0 if found else quiet + 1
        if quiet == (2 if settle else 1):
            break
        if quiet:
            time.sleep(settle)
    print(f"reaper: {session}: {total} objects found in {time.monotonic() - start:.1f} s", file=sys.stderr)


def main(session: str, keep: str, me: str, engine: str = UnixConnection.path) -> int:
    UnixConnection.path = engine
    try:
        status, _ = call("GET", "/_ping")
        if status != 200:
            raise OSError(f"/_ping answered HTTP {status}")
        labelled("/containers/json", session)
    except OSError as exc:
        print(f"reaper: cannot use the Docker Engine API at {engine}: {exc}", flush=True)
        return 2
    print("reaper ready", flush=True)
    told = b""
    while chunk := sys.stdin.buffer.read(65536):  # the harness sends nothing until it stops
        told = (told + chunk)[-64:]
    try:
        # A harness that stopped normally has removed everything: one sweep for stragglers.  A dead one
        # may have had a create on its way: sweep until a sweep finds nothing twice.
        reap(session, keep, me, settle=0 if told.strip() == CLOSED else SETTLE)
    except OSError as exc:  # the engine went away: nothing left to do
        print(f"reaper: {session}: stopped: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:5]))
