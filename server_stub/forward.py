"""Gateway mode (``--upstream URL``): the stub as the front end, a real model server behind it.

In a real deployment a front end authenticates, routes and throttles; the
model server behind it never sees a key.  In gateway mode the stub keeps
all of that (auth modes, faults, TLS, the journal, service names) and hands
each request of the Azure ML routes to the upstream: the method, the path
with the service prefix taken off (``/api/v1/service/<name>/score`` ->
``/score``, as the front end routes it), the query, the headers as received
less ``Authorization`` and the hop-by-hop ones, and the body bytes as received.
The upstream's status, headers and body are relayed verbatim (only the
framing headers are the stub's own).  The journal entry says ``upstream``:
the URL asked and its status, or what went wrong.  An upstream that refuses
or drops the connection is a 502, one that does not answer in
``--upstream-timeout`` seconds a 504, each a JSON error of the stub.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import NoReturn

import aiohttp
from aiohttp import web
from multidict import CIMultiDict, istr

from .errors import StubError
from .inputs import ENTRY
from .state import Stub

# Hop-by-hop (RFC 9110 section 7.6.1) and framing headers: each connection has its own.
HOP_BY_HOP = {"connection", "keep-alive", "proxy-connection", "te", "trailer", "transfer-encoding", "upgrade"}
NOT_FORWARDED = HOP_BY_HOP | {"host", "content-length", "authorization", "proxy-authorization"}
NOT_RELAYED = HOP_BY_HOP | {"content-length"}
SKIP_AUTO = ("Accept", "Accept-Encoding", "User-Agent", "Content-Type")  # aiohttp would add them


def _headers(raw: tuple[tuple[bytes, bytes], ...], dropped: set[str]) -> CIMultiDict:
    out: CIMultiDict = CIMultiDict()
    for name, value in raw:
        text = name.decode("latin-1")
        if text.lower() not in dropped:
            out.add(istr(text), value.decode("latin-1"))
    return out


class Gateway:
    """The handler of every Azure ML route in gateway mode."""

    def __init__(self, stub: Stub, authorize: Callable[[web.Request, str], None], segments: int = 4) -> None:
        """``segments``: how many path segments name a service (``/api/v1/service/<name>``: 4), taken off."""
        self.stub, self.authorize, self.segments = stub, authorize, segments
        self.base = (stub.config.upstream or "").rstrip("/")
        self.timeout = aiohttp.ClientTimeout(total=stub.config.upstream_timeout)
        self.session: aiohttp.ClientSession | None = None
        stub.cleanups.append(self.close)

    async def close(self) -> None:
        if self.session is not None:
            await self.session.close()

    def target(self, request: web.Request) -> str:
        path = request.rel_url.raw_path
        if "service" in request.match_info:
            n = self.segments + 1
            path = "/" + path.split("/", n)[n] if path.count("/") >= n else "/"
        query = request.rel_url.raw_query_string
        return self.base + path + (f"?{query}" if query else "")

    async def handler(self, request: web.Request) -> web.StreamResponse:
        self.authorize(request, request.match_info.get("service", "default"))
        if self.session is None:
            connector = aiohttp.TCPConnector(force_close=True)  # as the real server's own connections close
            self.session = aiohttp.ClientSession(
                connector=connector, auto_decompress=False, skip_auto_headers=SKIP_AUTO
            )
        url, entry, start = self.target(request), request.get(ENTRY), time.monotonic()
        note = {"url": url}
        if entry is not None:
            entry["upstream"] = note
        try:
            async with self.session.request(
                request.method, url, headers=_headers(request.raw_headers, NOT_FORWARDED), data=await request.read(),
                allow_redirects=False, timeout=self.timeout,
            ) as upstream:  # fmt: skip
                body = await upstream.read()
        except TimeoutError:
            return self._failed(note, 504, f"did not answer within {self.timeout.total:g} s")
        except aiohttp.ClientConnectorError as exc:
            return self._failed(note, 502, f"refused the connection ({exc.os_error.strerror or exc.os_error})")
        except (aiohttp.ClientError, ConnectionError) as exc:
            return self._failed(note, 502, f"closed the connection without a whole answer ({type(exc).__name__})")
        note.update(status=upstream.status, seconds=round(time.monotonic() - start, 6))
        headers = _headers(upstream.raw_headers, NOT_RELAYED)
        return web.Response(status=upstream.status, reason=upstream.reason, body=body, headers=headers)

    def _failed(self, note: dict, status: int, why: str) -> NoReturn:
        note["error"] = why
        raise StubError(status, f"the upstream model server {self.base} {why}")
