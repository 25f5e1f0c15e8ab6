"""The state of one stub: model, services and their settings, journal, token signer, TLS listeners.

The HTTP application (``app``), the admin API and each dialect read and
change this state; it imports none of them.  Dialects add to it through
two seams: the path prefixes whose next segment names a service (so the
journal files a request under its service even when no route matches), and
reset hooks for per-service state of their own.
"""

from __future__ import annotations

import re
import ssl
import urllib.parse
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from .auth import MODES, ServiceAuth, TokenIssuer, new_key
from .faults import FaultQueue
from .journal import Journal
from .model import DEFAULT_MODEL, LinearModel

ADMIN = "/__admin"
DEFAULT_SERVICE = "default"
SERVICE_NAME = r"[A-Za-z0-9][A-Za-z0-9_.-]{0,62}"
# "json": rows of numbers in, predictions out. "binary": raw bytes in (an image, a file), as a scoring
# script reading the raw request would. "multipart": a form upload with a file field "images" (ModelArts).
INPUT_MODES = ("json", "binary", "multipart")


def upstream_url(value: object) -> bool:
    """Whether ``value`` is a real server's base URL: ``http(s)://HOST[:PORT][/PATH]``, no query or fragment
    (a path is a prefix: a live endpoint's ``https://host/api/v1/service/name``)."""
    if not isinstance(value, str):
        return False
    try:
        parts = urllib.parse.urlsplit(value)
        parts.port  # noqa: B018 (raises on a bad port)
    except ValueError:
        return False
    return (
        parts.scheme in ("http", "https")
        and bool(parts.hostname)
        and parts.path in ("", "/")
        and not (parts.query or parts.fragment)
    )


@dataclass
class StubConfig:
    """Start-up settings; every one also has a command-line flag."""

    auth: str = "none"
    primary_key: str | None = None
    secondary_key: str | None = None
    token_secret: str | None = None
    token_lifetime: float = 3600.0
    max_body_bytes: int = 1 << 20
    journal_limit: int = 10_000
    model_path: str | None = None
    upstream: str | None = None  # gateway mode: the real model server's base URL (forward.py)
    upstream_timeout: float = 30.0


@dataclass
class Service:
    name: str
    auth: ServiceAuth
    faults: FaultQueue = field(default_factory=FaultQueue)
    input: str = "json"  # one of INPUT_MODES
    stand_in: bool = False  # models the stub does not know are served by the stand-in (dialects/standin.py)
    # TF Serving: any Content-Type is read as JSON, as tensorflow_model_server does (KServe, the default, refuses)
    any_content_type: bool = False
    upstream: str | None = None  # gateway: this service's scoring requests go to this real server (forward.py)
    upstream_authorization: str | None = None  # sent upstream as Authorization (a live service's own key)
    upstream_ssl: ssl.SSLContext | None = None  # verifies the upstream: system CAs plus the service's extra ones


class Stub:
    """State of one stub server: model, services, journal, token signer and TLS listeners."""

    def __init__(self, config: StubConfig | None = None) -> None:
        self.config = config = config or StubConfig()
        if config.auth not in MODES:
            raise ValueError(f"auth must be one of {', '.join(MODES)}, got {config.auth!r}")
        self.model = LinearModel.load(config.model_path or DEFAULT_MODEL)
        self.journal = Journal(config.journal_limit)
        self.tokens = TokenIssuer(lifetime=config.token_lifetime)
        if config.token_secret:
            self.tokens.secret = config.token_secret
        # Services not configured through the admin API share these settings.
        self.default_auth = ServiceAuth(config.auth, config.primary_key or new_key(), config.secondary_key or new_key())
        self.services: dict[str, Service] = {}
        self.tls_listeners: list = []  # tls.Listener objects, added by server.start
        # Opens one more HTTPS listener with a PEM file (set by server.start): e.g. one per harness cell,
        # so each cell's handshakes are counted apart; closes it again.
        self.open_tls: Callable[[str], Awaitable] | None = None
        self.close_tls: Callable[[int], Awaitable] | None = None
        self.reset_hooks: list[Callable[[str], None]] = []
        self.cleanups: list[Callable[[], Awaitable]] = []  # run when the application stops
        self._service_prefixes: list[str] = []
        self._service_path: re.Pattern | None = None

    # -- services -----------------------------------------------------------
    def service(self, name: str) -> Service:
        """The service's own state, created from the defaults on first use."""
        if name not in self.services:
            d = self.default_auth
            self.services[name] = Service(name, ServiceAuth(d.mode, d.primary_key, d.secondary_key))
        return self.services[name]

    def auth_of(self, name: str) -> ServiceAuth:
        svc = self.services.get(name)
        return svc.auth if svc else self.default_auth

    def stand_in(self, name: str) -> bool:
        svc = self.services.get(name)
        return bool(svc and svc.stand_in)

    def any_content_type(self, name: str) -> bool:
        svc = self.services.get(name)
        return bool(svc and svc.any_content_type)

    def upstream_of(self, name: str) -> str | None:
        """The real server behind a service: its own (admin API), else the stub's ``--upstream``, else none."""
        svc = self.services.get(name)
        return (svc.upstream if svc else None) or self.config.upstream

    def describe(self, name: str) -> dict:
        svc = self.services.get(name)
        base = "" if name == DEFAULT_SERVICE else f"/api/v1/service/{name}"
        return {
            "name": name,
            "scoringPath": f"{base}/score",
            "auth": self.auth_of(name).describe(),
            "input": svc.input if svc else "json",
            "standIn": self.stand_in(name),
            "anyContentType": self.any_content_type(name),
            "faults": svc.faults.list() if svc else [],
            "upstream": self.upstream_of(name),
        }

    def reset(self, name: str) -> int:
        """Forget a service's settings, dialect state and journal; the number of requests cleared."""
        self.services.pop(name, None)
        for hook in self.reset_hooks:
            hook(name)
        return self.journal.clear(name)

    # -- which service a path belongs to ---------------------------------------
    def claim_service_paths(self, prefix: str) -> None:
        """Paths starting with ``prefix`` (a regular expression) name their service in the next segment."""
        if prefix not in self._service_prefixes:
            self._service_prefixes.append(prefix)
            self._service_path = None

    def _match(self, path: str) -> re.Match | None:
        if self._service_path is None:
            prefixes = "|".join(f"(?:{p})" for p in self._service_prefixes) or "(?!)"
            self._service_path = re.compile(f"^(?:{prefixes})({SERVICE_NAME})(?=/|$)")
        return self._service_path.match(path)

    def service_at(self, path: str) -> str:
        """The service a request to ``path`` is journaled under (``default`` when none is named)."""
        match = self._match(path)
        return match.group(1) if match else DEFAULT_SERVICE

    def path_in_service(self, path: str) -> str:
        """``path`` as the service's own server sees it: the prefix naming the service taken off, as a front
        end routes it (``/api/v1/service/s/score`` -> ``/score``, ``/svc/s/v2/models/m/infer`` -> ``/v2/...``)."""
        match = self._match(path)
        return (path[match.end() :] or "/") if match else path
