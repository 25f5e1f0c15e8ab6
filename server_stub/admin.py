"""The admin API under ``/__admin/``: services' settings, faults, tokens, the journal, TLS counters.

Never journaled; no authentication (the stub binds to loopback by default).
Dialect-specific admin routes (classic batch jobs) are their dialect's.
"""

from __future__ import annotations

import ssl

from aiohttp import web

from .auth import ServiceAuth
from .errors import StubError, refused
from .faults import Fault
from .inputs import admin_json
from .state import ADMIN, DEFAULT_SERVICE, INPUT_MODES, SERVICE_NAME, Stub, upstream_url


def register(stub: Stub, router: web.UrlDispatcher) -> None:
    a = Admin(stub)
    svc = ADMIN + "/services/{service:" + SERVICE_NAME + "}"
    router.add_get(ADMIN + "/health", a.health)
    router.add_get(ADMIN + "/services", a.services)
    router.add_get(svc, a.service)
    router.add_delete(svc, a.reset)
    router.add_put(svc + "/auth", a.set_auth)
    router.add_put(svc + "/input", a.set_input)
    router.add_put(svc + "/stand-in", a.set_stand_in)
    router.add_put(svc + "/content-type", a.set_content_type)
    router.add_put(svc + "/upstream", a.set_upstream)
    router.add_post(svc + "/keys/regenerate", a.regenerate_key)
    router.add_post(svc + "/token", a.token)
    router.add_get(svc + "/faults", a.faults)
    router.add_post(svc + "/faults", a.add_fault)
    router.add_delete(svc + "/faults", a.clear_faults)
    router.add_get(ADMIN + "/requests", a.requests)
    router.add_delete(ADMIN + "/requests", a.clear_requests)
    router.add_get(ADMIN + "/tls", a.tls)
    router.add_delete(ADMIN + "/tls", a.reset_tls)
    router.add_post(ADMIN + "/tls", a.open_tls)
    router.add_delete(ADMIN + "/tls/{port}", a.close_tls)


def upstream_context(pem: object) -> ssl.SSLContext | None:
    """The system CAs plus ``pem`` (PEM text of more CA certificates), or None for no extra CA."""
    if pem is None:
        return None
    if not isinstance(pem, str) or "BEGIN CERTIFICATE" not in pem:
        raise StubError(400, "caPem must be PEM text of CA certificates")
    context = ssl.create_default_context()
    try:
        context.load_verify_locations(cadata=pem)
    except ssl.SSLError as exc:
        raise StubError(400, f"caPem: {exc.reason or exc}") from None
    return context


def _whole_number(request: web.Request, name: str, default: str | None = None) -> int | None:
    text = request.query.get(name, default)
    if text is None:
        return None
    try:
        return int(text)
    except ValueError:  # also a number too long to read
        raise StubError(400, f"{name} must be a whole number, got {text[:40]!r}") from None


class Admin:
    def __init__(self, stub: Stub) -> None:
        self.stub = stub

    async def health(self, request: web.Request) -> web.Response:
        s = self.stub
        return web.json_response({"status": "ready", "model": s.model.name, "defaultAuth": s.default_auth.mode})

    async def services(self, request: web.Request) -> web.Response:
        names = sorted({DEFAULT_SERVICE, *self.stub.services})
        return web.json_response({"services": [self.stub.describe(n) for n in names]})

    async def service(self, request: web.Request) -> web.Response:
        return web.json_response(self.stub.describe(request.match_info["service"]))

    async def reset(self, request: web.Request) -> web.Response:
        name = request.match_info["service"]
        cleared = self.stub.reset(name)
        return web.json_response({**self.stub.describe(name), "clearedRequests": cleared})

    async def set_auth(self, request: web.Request) -> web.Response:
        name = request.match_info["service"]
        doc = await admin_json(request)
        unknown = set(doc) - {"mode", "primaryKey", "secondaryKey"}
        if unknown:
            raise StubError(400, f"unknown field(s): {', '.join(sorted(unknown))}")
        svc = self.stub.service(name)
        mode = doc.get("mode", svc.auth.mode)
        keys = [doc.get("primaryKey", svc.auth.primary_key), doc.get("secondaryKey", svc.auth.secondary_key)]
        if not all(isinstance(k, str) and k.strip() for k in keys):
            raise StubError(400, "primaryKey and secondaryKey must be non-empty strings")
        with refused():
            svc.auth = ServiceAuth(mode, *keys)
        return web.json_response(self.stub.describe(name))

    async def set_input(self, request: web.Request) -> web.Response:
        name = request.match_info["service"]
        doc = await admin_json(request)
        if set(doc) != {"mode"} or doc["mode"] not in INPUT_MODES:
            raise StubError(400, f'send {{"mode": ...}} with one of {", ".join(INPUT_MODES)}')
        self.stub.service(name).input = doc["mode"]
        return web.json_response(self.stub.describe(name))

    async def _set_switch(self, request: web.Request, key: str, attribute: str) -> web.Response:
        """``{key: true|false}`` sets one of the service's switches."""
        name = request.match_info["service"]
        doc = await admin_json(request)
        if set(doc) != {key} or not isinstance(doc[key], bool):
            raise StubError(400, f'send {{"{key}": true}} or {{"{key}": false}}')
        setattr(self.stub.service(name), attribute, doc[key])
        return web.json_response(self.stub.describe(name))

    async def set_stand_in(self, request: web.Request) -> web.Response:
        """``{"enabled": true}``: the service's unknown models are served by the stand-in (dialects/standin.py)."""
        return await self._set_switch(request, "enabled", "stand_in")

    async def set_content_type(self, request: web.Request) -> web.Response:
        """``{"any": true}``: TF Serving's routes read any Content-Type as JSON (tensorflow_model_server); false:
        only JSON's, as KServe (the default)."""
        return await self._set_switch(request, "any", "any_content_type")

    async def set_upstream(self, request: web.Request) -> web.Response:
        """``{"url": "https://HOST[:PORT][/PATH]"}``: the service's scoring requests go to that real server (a
        gateway), with ``authorization`` (optional) as their Authorization header and the upstream's certificate
        checked against the system CAs plus ``caPem`` (optional PEM text); ``{"url": null}``: the stub again."""
        name = request.match_info["service"]
        doc = await admin_json(request)
        url, auth, pem = doc.get("url", ""), doc.get("authorization"), doc.get("caPem")
        if set(doc) - {"url", "authorization", "caPem"} or (url is not None and not upstream_url(url)):
            raise StubError(400, 'send {"url": "http(s)://HOST[:PORT][/PATH]"} (no query or fragment) or {"url": null}')
        if auth is not None and (not isinstance(auth, str) or not auth.strip() or any(c in auth for c in "\r\n")):
            raise StubError(400, "authorization must be a header value on one line")
        svc = self.stub.service(name)
        svc.upstream_ssl = upstream_context(pem)
        svc.upstream, svc.upstream_authorization = (url.rstrip("/") if url else None), auth
        return web.json_response(self.stub.describe(name))

    async def regenerate_key(self, request: web.Request) -> web.Response:
        name = request.match_info["service"]
        doc = await admin_json(request)
        with refused():
            self.stub.service(name).auth.regenerate(doc.get("key", "primary"))
        return web.json_response(self.stub.describe(name))

    async def token(self, request: web.Request) -> web.Response:
        name = request.match_info["service"]
        doc = await admin_json(request)
        mode = self.stub.auth_of(name).mode
        if mode != "token":
            raise StubError(409, f"service {name!r} uses {mode} auth; set its mode to token first")
        lifetime = doc.get("lifetimeSeconds")
        if lifetime is not None and (
            isinstance(lifetime, bool) or not isinstance(lifetime, (int, float)) or abs(lifetime) > 366 * 86400
        ):
            raise StubError(400, "lifetimeSeconds must be a number of seconds (negative gives an expired token)")
        return web.json_response(self.stub.tokens.issue(name, lifetime))

    async def faults(self, request: web.Request) -> web.Response:
        return web.json_response({"faults": self.stub.service(request.match_info["service"]).faults.list()})

    async def add_fault(self, request: web.Request) -> web.Response:
        doc = await admin_json(request)
        with refused():
            fault = Fault.from_json(doc)
        self.stub.service(request.match_info["service"]).faults.add(fault)
        return web.json_response(fault.to_json(), status=201)

    async def clear_faults(self, request: web.Request) -> web.Response:
        self.stub.service(request.match_info["service"]).faults.clear()
        return web.json_response({"faults": []})

    async def requests(self, request: web.Request) -> web.Response:
        journal = self.stub.journal
        since = _whole_number(request, "since", "0")
        entries = journal.entries(request.query.get("service"), since)
        return web.json_response(
            {"requests": entries, "count": len(entries), "dropped": journal.dropped, "limit": journal.limit}
        )

    async def clear_requests(self, request: web.Request) -> web.Response:
        return web.json_response({"cleared": self.stub.journal.clear(request.query.get("service"))})

    # -- TLS handshake counters (see tls.py) ------------------------------------------
    def _listeners(self, request: web.Request) -> list:
        port = _whole_number(request, "port")
        listeners = [t for t in self.stub.tls_listeners if port is None or t.port == port]
        if port is not None and not listeners:
            known = ", ".join(str(t.port) for t in self.stub.tls_listeners) or "none"
            raise StubError(404, f"no TLS listener on port {port} (listeners: {known})")
        return listeners

    async def tls(self, request: web.Request) -> web.Response:
        return web.json_response({"listeners": [t.to_json() for t in self._listeners(request)]})

    async def open_tls(self, request: web.Request) -> web.Response:
        """``{"like": PORT}``: one more HTTPS listener with that listener's certificate, on a free port."""
        doc = await admin_json(request)
        like = doc.get("like")
        if set(doc) != {"like"} or not isinstance(like, int) or isinstance(like, bool):
            raise StubError(400, 'send {"like": PORT}: the port of the listener whose certificate to serve')
        template = next((t for t in self.stub.tls_listeners if t.port == like), None)
        if template is None or self.stub.open_tls is None:
            known = ", ".join(str(t.port) for t in self.stub.tls_listeners) or "none"
            raise StubError(404, f"no TLS listener on port {like} (listeners: {known})")
        listener = await self.stub.open_tls(template.pem)
        return web.json_response({"listener": listener.to_json()}, status=201)

    async def close_tls(self, request: web.Request) -> web.Response:
        """Close a listener opened through the admin API; answers its counts as they were."""
        port = request.match_info["port"]
        listener = await self.stub.close_tls(int(port)) if port.isdigit() and self.stub.close_tls else None
        if listener is None:
            raise StubError(404, f"no listener opened through the admin API on port {port[:20]}")
        return web.json_response({"listener": listener.to_json()})

    async def reset_tls(self, request: web.Request) -> web.Response:
        """Zero the counts (of one ``port``, or all) and answer them as they were: a read-and-reset in one call."""
        listeners = self._listeners(request)
        before = [t.to_json() for t in listeners]
        for t in listeners:
            t.reset()
        return web.json_response({"listeners": before})
