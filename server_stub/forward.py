"""Gateway mode: the stub as the front end, a real model server behind it.

The real server is the stub's ``--upstream URL`` (every service), or one service's own
(``PUT /__admin/services/<name>/upstream``), so one stub can answer some services itself and
hand others to real servers, as ``python -m harness run --server both`` does.

In a real deployment a front end authenticates, routes and throttles; the
model server behind it never sees a key.  In gateway mode the stub keeps
all of that (auth modes, faults, TLS, the journal, service names) and hands
each scoring request to the upstream: the method, the path with the prefix
naming the service taken off (``/api/v1/service/<name>/score`` -> ``/score``,
as the front end routes it), the query, the headers as received
less ``Authorization`` and the hop-by-hop ones, and the body bytes as received.
The upstream's status, headers and body are relayed verbatim (only the
framing headers are the stub's own).  The journal entry says ``upstream``:
the URL asked and its status, or what went wrong.  An upstream that refuses
or drops the connection is a 502, one that does not answer in
``--upstream-timeout`` seconds a 504, each a JSON error of the stub.
"""

from __future__ import annotations

import asyncio
import socket
import ssl
import time
from collections.abc import Awaitable, Callable
from typing import NoReturn

from aiohttp import web
from multidict import CIMultiDict, istr

from . import relay
from .errors import StubError
from .inputs import ENTRY
from .state import Stub

# Hop-by-hop (RFC 9110 section 7.6.1) and framing headers: each connection has its own.
HOP_BY_HOP = {"connection", "keep-alive", "proxy-connection", "te", "trailer", "transfer-encoding", "upgrade"}
NOT_FORWARDED = HOP_BY_HOP | {"host", "content-length", "authorization", "proxy-authorization", "expect"}
NOT_RELAYED = HOP_BY_HOP | {"content-length"}


def _headers(raw: tuple[tuple[bytes, bytes], ...], dropped: set[str]) -> list[tuple[str, str]]:
    pairs = ((name.decode("latin-1"), value.decode("latin-1")) for name, value in raw)
    return [(name, value) for name, value in pairs if name.lower() not in dropped]


GET_POST = ("GET", "OPTIONS", "POST")
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class Gateway:
    """The handler of a dialect's scoring routes for services that have an upstream."""

    def __init__(self, stub: Stub, authorize: Callable[[web.Request, str], None]) -> None:
        self.stub, self.authorize = stub, authorize
        self.timeout = stub.config.upstream_timeout

    def service(self, request: web.Request) -> str:
        return self.stub.service_at(request.rel_url.raw_path)

    def target(self, request: web.Request) -> str:
        base = (self.stub.upstream_of(self.service(request)) or "").rstrip("/")
        query = request.rel_url.raw_query_string
        return base + self.stub.path_in_service(request.rel_url.raw_path) + (f"?{query}" if query else "")

    def either(self, local: Handler | None, allowed: tuple[str, ...] = GET_POST, upstream: Handler | None = None):
        """A route's handler: the upstream's answer for a service that has one (through ``upstream``, e.g. a
        front end's routing around ``self.handler``), else ``local``'s (``None``: the method exists only in
        front of a real server: otherwise 405 naming the ``allowed`` ones)."""

        async def handle(request: web.Request) -> web.StreamResponse:
            if self.stub.upstream_of(self.service(request)):
                return await (upstream or self.handler)(request)
            if local is None:
                raise web.HTTPMethodNotAllowed(request.method, list(allowed))
            return await local(request)

        return handle

    async def handler(self, request: web.Request) -> web.StreamResponse:
        self.authorize(request, self.service(request))
        url, entry, start = self.target(request), request.get(ENTRY), time.monotonic()
        svc = self.stub.services.get(self.service(request))
        headers = _headers(request.raw_headers, NOT_FORWARDED)
        if svc and svc.upstream_authorization:  # a live service's own key, never the client's
            headers.append(("Authorization", svc.upstream_authorization))
        note = {"url": url}
        if entry is not None:
            entry["upstream"] = note
        body = await request.read()
        context = svc.upstream_ssl if svc and svc.upstream_ssl else None  # None: the system CAs
        try:
            async with asyncio.timeout(self.timeout):
                answer = await relay.exchange(request.method, url, headers, body, context)
        except TimeoutError:
            return self._failed(note, 504, f"did not answer within {self.timeout:g} s")
        except ssl.SSLCertVerificationError as exc:
            return self._failed(note, 502, f"presented a certificate that is not trusted ({exc.verify_message})")
        except socket.gaierror as exc:
            return self._failed(note, 502, f"has a host name that does not resolve ({exc.strerror or exc})")
        except ConnectionRefusedError as exc:
            return self._failed(note, 502, f"refused the connection ({exc.strerror or exc})")
        except (ConnectionError, ssl.SSLError) as exc:  # relay.Incomplete among them: reset, cut off, not HTTP
            return self._failed(note, 502, f"closed the connection without a whole answer ({type(exc).__name__})")
        except OSError as exc:  # no route to the host, the network down
            return self._failed(note, 502, f"could not be reached ({exc.strerror or exc})")
        note.update(status=answer.status, seconds=round(time.monotonic() - start, 6))
        relayed = CIMultiDict((istr(k), v) for k, v in answer.headers if k.lower() not in NOT_RELAYED)
        return web.Response(status=answer.status, reason=answer.reason, body=bytes(answer.body), headers=relayed)

    def _failed(self, note: dict, status: int, why: str) -> NoReturn:
        note["error"] = why
        base = note["url"].split("/", 3)[:3]
        raise StubError(status, f"the upstream model server {'/'.join(base)} {why}")
