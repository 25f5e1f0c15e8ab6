"""Where a run's cells are served (``--server``): by the stub, by a real model server behind it, or both.

On ``real`` a cell gets its own service on the stub with the real server of its protocol as upstream: the
stub stays the front end (auth, faults, TLS, the journal), the real server computes the answer, and the
same checks judge the client against what the real server said.  A cell whose protocol no server in
``servers/`` speaks, or whose scenario says ``stub_only``, is "stub only" with the reason: skipped, never a
pass.  Each real server a run needs is started once, before the clients run, and stopped at the end.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from . import realserver
from .protocols import protocol_of
from .scenario import Scenario

SERVER_MODES = ("stub", "real", "both")


def servers_of(mode: str) -> tuple[str, ...]:
    """The columns of a run: ``stub``, ``real`` or both."""
    return ("stub", "real") if mode == "both" else (mode,)


@dataclass(frozen=True)
class Target:
    """How one scenario runs on ``real``: the upstream URL and the server's title, or why it cannot."""

    upstream: str | None = None
    title: str = ""
    authorization: str | None = None  # --target: the live service's own credential, added by the stub
    ca_pem: str | None = None  # --target: CA certificates trusted for it besides the system's
    stub_only: str = ""  # no real server can stand in: the reason (the cell is skipped)
    error: str = ""  # the real server could not be installed or started (the cell fails)


def _choose(scenario: Scenario, servers: dict[str, realserver.ServerDefinition]) -> tuple[str, object]:
    """(model, definition) of the scenario's real server, or ("", reason it is stub only)."""
    if scenario.stub_only:
        return "", scenario.stub_only
    protocol = protocol_of(scenario.program)
    if protocol.no_real_server:
        return "", protocol.no_real_server
    model = scenario.model or protocol.model
    found = [d for d in servers.values() if protocol.name in d.protocols and model in d.models]
    if not found:
        return "", f"no server in harness/servers/ serves {protocol.title} with the {model} model"
    return model, found[0]


@dataclass(frozen=True)
class LiveService:
    """``--target``: a service the user deployed, as the upstream of every cell of its protocol."""

    url: str
    protocol: str = "azureml"
    authorization: str | None = None
    ca_pem: str | None = None

    def target(self, scenario: Scenario) -> Target:
        protocol = protocol_of(scenario.program)
        if scenario.stub_only:
            return Target(stub_only=scenario.stub_only)
        if protocol.name != self.protocol:
            return Target(stub_only=f"--target is a {self.protocol} service; this scenario calls {protocol.name}")
        if scenario.model and scenario.model != protocol.model:
            return Target(stub_only=f"needs a scoring script for the {scenario.model!r} model; --target has its own")
        host = urlsplit(self.url).netloc
        return Target(self.url, f"the live service at {host}", self.authorization, self.ca_pem)


class RealServers:
    """The real servers of one run, started by ``serve`` (the backend's ``real_server``: where the stub reaches
    them), or one live service."""

    def __init__(self, serve: Callable, log_dir: Path, log: Callable[[str], None], live: LiveService | None = None):
        self.serve, self.log_dir, self.log, self.live = serve, log_dir, log, live
        self.stack = contextlib.ExitStack()
        self.targets: dict[str, Target] = {}

    def start(self, scenarios: list[Scenario]) -> None:
        if self.live:
            self.targets = {s.name: self.live.target(s) for s in scenarios}
            return
        servers, started = realserver.load_servers(), {}
        for scenario in scenarios:
            model, found = _choose(scenario, servers)
            if not model:
                self.targets[scenario.name] = Target(stub_only=str(found))
                continue
            key = (found.name, model)
            if key not in started:
                started[key] = self._start(found, model)
            self.targets[scenario.name] = started[key]

    def _start(self, defn: realserver.ServerDefinition, model: str) -> Target:
        self.log(f"starting {defn.title} with the {model} model (installed once, at its first start)")
        try:
            server = self.stack.enter_context(self.serve(defn, model, self.log_dir, self.log))
        except realserver.ServerUnavailable as exc:
            return Target(title=defn.title, error=f"the real server could not start: {exc}")
        self.log(f"{defn.title} ({model}) is ready at {server.url}")
        return Target(upstream=server.url, title=f"{defn.title} ({model})")

    def target(self, scenario: Scenario) -> Target:
        return self.targets[scenario.name]

    def close(self) -> None:
        self.stack.close()
