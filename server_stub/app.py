"""The stub's HTTP application: scoring routes, request journal, admin API.

Built on aiohttp's server, a well-kept asyncio HTTP stack that keeps header
names in the case and order a client sent them, which the journal needs.

Every route outside ``/__admin/`` is journaled; admin routes never are, and
no scoring route can start with that prefix.  Errors are always JSON
``{"status_code": N, "message": "..."}``.
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import hashlib
import json
import logging
import re
import socket
import struct
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from . import dialects, swagger
from .auth import MODES, AuthError, ServiceAuth, TokenIssuer, new_key
from .errors import StubError, error_response
from .faults import Fault, FaultQueue
from .journal import Journal
from .model import DEFAULT_MODEL, InputError, LinearModel, parse_json

log = logging.getLogger("server_stub")

ADMIN = "/__admin"
DEFAULT_SERVICE = "default"
SERVICE_NAME = r"[A-Za-z0-9][A-Za-z0-9_.-]{0,62}"
AKS_PREFIX = "/api/v1/service/{service:" + SERVICE_NAME + "}"
# The service a scoring request is journaled under, from its path (Azure ML, ModelArts, classic Studio).
_SERVICE_PATH = re.compile(
    r"^(?:/api/v1/service/|/v1/infers/|/workspaces/[^/]+/services/)(" + SERVICE_NAME + r")(?:/|$)"
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


@dataclass
class Service:
    name: str
    auth: ServiceAuth
    faults: FaultQueue = field(default_factory=FaultQueue)
    # "json": rows of numbers in, predictions out. "binary": raw bytes in (an image, a
    # file), as a scoring script reading the raw request would; their size and SHA-256 out.
    # "multipart": a multipart/form-data upload with a file field "images" (ModelArts).
    input: str = "json"


INPUT_MODES = ("json", "binary", "multipart")
FILE_FIELD = "images"  # the ModelArts file input's field name


def form_parts(content_type: str, body: bytes) -> dict[str, dict]:
    """The parts of a multipart/form-data body by field name: filename, content_type, data."""
    message = email.message_from_bytes(
        f"Content-Type: {content_type}\r\n\r\n".encode("latin-1") + body, policy=email.policy.HTTP
    )
    parts = {}
    for part in message.iter_parts() if message.is_multipart() else []:
        name = part.get_param("name", header="content-disposition")
        if name:
            parts[name] = {
                "filename": part.get_filename(),
                "content_type": part.get_content_type() if part.get("Content-Type") else None,
                "data": part.get_payload(decode=True) or b"",
            }
    return parts


def _header_text(raw: bytes) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def _reset_connection(request: web.Request) -> None:
    """Close the client's connection with a TCP reset, as a crashed server would."""
    transport = request.transport
    if transport is None:
        return
    sock = transport.get_extra_info("socket")
    if sock is not None:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    transport.abort()


class Stub:
    """State of one stub server: model, services, journal and token signer."""

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
        self.modelarts = dialects.ModelArts(self)
        self.classic = dialects.Classic(self)

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

    def describe(self, name: str) -> dict:
        svc = self.services.get(name)
        base = "" if name == DEFAULT_SERVICE else f"/api/v1/service/{name}"
        return {
            "name": name,
            "scoringPath": f"{base}/score",
            "auth": self.auth_of(name).describe(),
            "input": svc.input if svc else "json",
            "faults": svc.faults.list() if svc else [],
        }

    # -- application --------------------------------------------------------
    def make_app(self) -> web.Application:
        app = web.Application(client_max_size=self.config.max_body_bytes, middlewares=[self._middleware])
        r = app.router
        for prefix in ("", AKS_PREFIX):
            r.add_get(prefix + "/", self.health)
            r.add_post(prefix + "/score", self.score)
            r.add_get(prefix + "/swagger.json", self.swagger)
        r.add_get(AKS_PREFIX, self.health)
        self.modelarts.add_routes(r, SERVICE_NAME)
        self.classic.add_routes(r, SERVICE_NAME)
        svc = ADMIN + "/services/{service:" + SERVICE_NAME + "}"
        r.add_get(ADMIN + "/health", self.admin_health)
        r.add_get(ADMIN + "/services", self.admin_services)
        r.add_get(svc, self.admin_service)
        r.add_delete(svc, self.admin_reset)
        r.add_put(svc + "/auth", self.admin_set_auth)
        r.add_put(svc + "/input", self.admin_set_input)
        r.add_post(svc + "/keys/regenerate", self.admin_regenerate_key)
        r.add_post(svc + "/token", self.admin_token)
        r.add_get(svc + "/faults", self.admin_faults)
        r.add_post(svc + "/faults", self.admin_add_fault)
        r.add_delete(svc + "/faults", self.admin_clear_faults)
        r.add_get(svc + "/jobs", self.admin_jobs)
        r.add_put(svc + "/jobs", self.admin_set_jobs)
        r.add_get(ADMIN + "/requests", self.admin_requests)
        r.add_delete(ADMIN + "/requests", self.admin_clear_requests)
        return app

    @web.middleware
    async def _middleware(self, request: web.Request, handler: Any) -> web.StreamResponse:
        if request.path == ADMIN or request.path.startswith(ADMIN + "/"):
            return await self._answer(request, handler)
        return await self._journaled(request, handler)

    async def _answer(self, request: web.Request, handler: Any) -> web.StreamResponse:
        """Run a handler, turning every error into the JSON error body."""
        try:
            return await handler(request)
        except StubError as exc:
            return error_response(exc.status, exc.message, exc.headers, exc.body)
        except web.HTTPMethodNotAllowed as exc:
            allowed = ", ".join(sorted(exc.allowed_methods))
            return error_response(
                405, f"method {request.method} is not allowed on {request.path}; allowed: {allowed}", {"Allow": allowed}
            )
        except web.HTTPNotFound:
            return error_response(
                404,
                f"no route for {request.method} {request.path}; score with POST /score "
                "or POST /api/v1/service/<name>/score",
            )
        except web.HTTPRequestEntityTooLarge:
            return error_response(413, f"body is larger than the limit of {self.config.max_body_bytes} bytes")
        except web.HTTPException as exc:
            return error_response(exc.status, exc.reason, {k: v for k, v in exc.headers.items() if k == "Allow"})
        except Exception:  # a bug in the stub, never the caller's input: say so, keep serving
            log.exception("unhandled error for %s %s", request.method, request.path)
            return error_response(500, "internal error in the stub; see its log")

    async def _journaled(self, request: web.Request, handler: Any) -> web.StreamResponse:
        match = _SERVICE_PATH.match(request.path)
        service = match.group(1) if match else DEFAULT_SERVICE
        body: bytes | None = None
        too_large = False
        try:
            body = await request.read()
        except web.HTTPRequestEntityTooLarge:
            too_large = True
        entry = self.journal.record(
            service=service,
            method=request.method,
            scheme="https" if request.transport and request.transport.get_extra_info("sslcontext") else "http",
            path=request.rel_url.raw_path,
            query=request.rel_url.raw_query_string,
            headers=[[_header_text(k), _header_text(v)] for k, v in request.raw_headers],
            body=body,
            note="body not recorded: over the size limit" if too_large else None,
        )

        svc = self.services.get(service)
        fault = svc.faults.take() if svc and not too_large else None
        if fault and fault.delay:
            await asyncio.sleep(fault.delay)
        if fault and fault.drop:
            Journal.answer(entry, None, dropped=True)
            _reset_connection(request)
            raise asyncio.CancelledError  # nothing left to answer on
        if too_large:
            response = error_response(413, f"body is larger than the limit of {self.config.max_body_bytes} bytes")
        elif fault and fault.status is not None:
            response = self._fault_response(fault)
        else:
            response = await self._answer(request, handler)
        response.headers.setdefault("x-ms-request-id", str(uuid.uuid4()))
        body_out = response.body if isinstance(response.body, bytes) else b""
        Journal.answer(entry, response.status, dict(response.headers), body_out)
        return response

    @staticmethod
    def _fault_response(fault: Fault) -> web.Response:
        if fault.body is None:
            payload: Any = {"status_code": fault.status, "message": f"injected fault: HTTP {fault.status}"}
        else:
            payload = fault.body
        headers = dict(fault.headers)
        if isinstance(payload, str):
            headers.setdefault("Content-Type", "text/plain; charset=utf-8")
            data = payload.encode("utf-8")
        else:
            headers.setdefault("Content-Type", "application/json")
            data = json.dumps(payload).encode("utf-8")
        return web.Response(status=fault.status, body=data, headers=headers)

    # -- scoring routes -----------------------------------------------------
    async def health(self, request: web.Request) -> web.Response:
        return web.Response(text="Healthy")

    async def swagger(self, request: web.Request) -> web.Response:
        name = request.match_info.get("service", DEFAULT_SERVICE)
        base = f"/api/v1/service/{name}" if "service" in request.match_info else "/"
        return web.json_response(swagger.build(self.model, name, base, self.auth_of(name).mode))

    async def score(self, request: web.Request) -> web.Response:
        name = request.match_info.get("service", DEFAULT_SERVICE)
        auth = self.auth_of(name)
        try:
            auth.check(request.headers.get("Authorization"), name, self.tokens)
        except AuthError as exc:
            challenge = "Bearer" if "Authorization" not in request.headers else 'Bearer error="invalid_token"'
            raise StubError(401, str(exc), {"WWW-Authenticate": challenge}) from None
        svc = self.services.get(name)
        if svc is not None and svc.input == "binary":
            return await self._score_binary(request)
        if svc is not None and svc.input == "multipart":
            return await self._score_multipart(request)
        content_type = request.headers.get("Content-Type")
        if not content_type:
            raise StubError(415, "missing Content-Type header; send Content-Type: application/json")
        media, _, params = content_type.partition(";")
        if media.strip().lower() != "application/json":
            raise StubError(415, f"Content-Type must be application/json, got {content_type!r}")
        charset = re.search(r"charset\s*=\s*\"?([^\";\s]+)", params, re.I)
        if charset and charset.group(1).lower() not in ("utf-8", "utf8"):
            raise StubError(415, f"charset must be utf-8, got {charset.group(1)!r}")
        try:
            rows = self.model.rows_from(parse_json(await request.read()))
        except InputError as exc:
            raise StubError(400, str(exc)) from None
        return web.Response(body=json.dumps(self.model.predict(rows)).encode(), content_type="application/json")

    async def _score_binary(self, request: web.Request) -> web.Response:
        """Raw bytes in; their size and SHA-256 out, so a caller can prove what arrived."""
        content_type = request.headers.get("Content-Type", "")
        if content_type.partition(";")[0].strip().lower() != "application/octet-stream":
            raise StubError(415, f"Content-Type must be application/octet-stream, got {content_type!r}")
        body = await request.read()
        if not body:
            raise StubError(400, "empty body: send the file's bytes")
        answer = {"size": len(body), "sha256": hashlib.sha256(body).hexdigest()}
        return web.json_response(answer)

    async def _score_multipart(self, request: web.Request) -> web.Response:
        """A form upload: the file field's name, filename, type, size and SHA-256 out."""
        content_type = request.headers.get("Content-Type", "")
        if content_type.partition(";")[0].strip().lower() != "multipart/form-data":
            raise StubError(415, f"Content-Type must be multipart/form-data, got {content_type!r}")
        parts = form_parts(content_type, await request.read())
        if FILE_FIELD not in parts:
            found = ", ".join(repr(n) for n in parts) or "none"
            raise StubError(400, f"no file field {FILE_FIELD!r} in the form (fields: {found})")
        part = parts[FILE_FIELD]
        answer = {
            "field": FILE_FIELD,
            "filename": part["filename"],
            "content_type": part["content_type"],
            "size": len(part["data"]),
            "sha256": hashlib.sha256(part["data"]).hexdigest(),
        }
        return web.json_response(answer)

    # -- admin API ----------------------------------------------------------
    @staticmethod
    async def _admin_json(request: web.Request) -> dict:
        body = await request.read()
        if not body.strip():
            return {}
        try:
            doc = parse_json(body)
        except InputError as exc:
            raise StubError(400, str(exc)) from None
        if not isinstance(doc, dict):
            raise StubError(400, "admin requests take a JSON object")
        return doc

    async def admin_health(self, request: web.Request) -> web.Response:
        return web.json_response({"status": "ready", "model": self.model.name, "defaultAuth": self.default_auth.mode})

    async def admin_services(self, request: web.Request) -> web.Response:
        names = sorted({DEFAULT_SERVICE, *self.services})
        return web.json_response({"services": [self.describe(n) for n in names]})

    async def admin_service(self, request: web.Request) -> web.Response:
        return web.json_response(self.describe(request.match_info["service"]))

    async def admin_reset(self, request: web.Request) -> web.Response:
        name = request.match_info["service"]
        self.services.pop(name, None)
        self.classic.reset(name)
        cleared = self.journal.clear(name)
        return web.json_response({**self.describe(name), "clearedRequests": cleared})

    async def admin_set_auth(self, request: web.Request) -> web.Response:
        name = request.match_info["service"]
        doc = await self._admin_json(request)
        unknown = set(doc) - {"mode", "primaryKey", "secondaryKey"}
        if unknown:
            raise StubError(400, f"unknown field(s): {', '.join(sorted(unknown))}")
        svc = self.service(name)
        mode = doc.get("mode", svc.auth.mode)
        keys = [doc.get("primaryKey", svc.auth.primary_key), doc.get("secondaryKey", svc.auth.secondary_key)]
        if not all(isinstance(k, str) and k.strip() for k in keys):
            raise StubError(400, "primaryKey and secondaryKey must be non-empty strings")
        try:
            svc.auth = ServiceAuth(mode, *keys)
        except ValueError as exc:
            raise StubError(400, str(exc)) from None
        return web.json_response(self.describe(name))

    async def admin_set_input(self, request: web.Request) -> web.Response:
        name = request.match_info["service"]
        doc = await self._admin_json(request)
        if set(doc) != {"mode"} or doc["mode"] not in INPUT_MODES:
            raise StubError(400, f'send {{"mode": ...}} with one of {", ".join(INPUT_MODES)}')
        self.service(name).input = doc["mode"]
        return web.json_response(self.describe(name))

    async def admin_regenerate_key(self, request: web.Request) -> web.Response:
        name = request.match_info["service"]
        doc = await self._admin_json(request)
        try:
            self.service(name).auth.regenerate(doc.get("key", "primary"))
        except ValueError as exc:
            raise StubError(400, str(exc)) from None
        return web.json_response(self.describe(name))

    async def admin_token(self, request: web.Request) -> web.Response:
        name = request.match_info["service"]
        doc = await self._admin_json(request)
        if self.auth_of(name).mode != "token":
            raise StubError(409, f"service {name!r} uses {self.auth_of(name).mode} auth; set its mode to token first")
        lifetime = doc.get("lifetimeSeconds")
        if lifetime is not None and (
            isinstance(lifetime, bool) or not isinstance(lifetime, (int, float)) or abs(lifetime) > 366 * 86400
        ):
            raise StubError(400, "lifetimeSeconds must be a number of seconds (negative gives an expired token)")
        return web.json_response(self.tokens.issue(name, lifetime))

    async def admin_faults(self, request: web.Request) -> web.Response:
        return web.json_response({"faults": self.service(request.match_info["service"]).faults.list()})

    async def admin_add_fault(self, request: web.Request) -> web.Response:
        doc = await self._admin_json(request)
        try:
            fault = Fault.from_json(doc)
        except ValueError as exc:
            raise StubError(400, str(exc)) from None
        self.service(request.match_info["service"]).faults.add(fault)
        return web.json_response(fault.to_json(), status=201)

    async def admin_clear_faults(self, request: web.Request) -> web.Response:
        self.service(request.match_info["service"]).faults.clear()
        return web.json_response({"faults": []})

    async def admin_jobs(self, request: web.Request) -> web.Response:
        """The service's batch-job settings and its jobs' states (classic Batch Execution)."""
        state = self.classic.of(request.match_info["service"])
        now = time.monotonic()
        jobs = [{"id": j.id, **j.status(now)} for j in state.jobs.values()]
        return web.json_response({"settings": state.settings.to_json(), "jobs": jobs})

    async def admin_set_jobs(self, request: web.Request) -> web.Response:
        doc = await self._admin_json(request)
        try:
            settings = dialects.JobSettings.from_json(doc)
        except ValueError as exc:
            raise StubError(400, str(exc)) from None
        self.classic.of(request.match_info["service"]).settings = settings
        return web.json_response({"settings": settings.to_json()})

    def _since(self, request: web.Request) -> int:
        try:
            return int(request.query.get("since", "0"))
        except ValueError:
            raise StubError(400, "since must be a request id (a whole number)") from None

    async def admin_requests(self, request: web.Request) -> web.Response:
        entries = self.journal.entries(request.query.get("service"), self._since(request))
        return web.json_response(
            {"requests": entries, "count": len(entries), "dropped": self.journal.dropped, "limit": self.journal.limit}
        )

    async def admin_clear_requests(self, request: web.Request) -> web.Response:
        return web.json_response({"cleared": self.journal.clear(request.query.get("service"))})
