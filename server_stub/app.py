"""The stub's HTTP application: the journal and faults around every route, and errors as JSON.

Built on aiohttp's server, a well-kept asyncio HTTP stack that keeps header
names in the case and order a client sent them, which the journal needs.
The routes come from the admin API and from each dialect's ``register``
(``dialects.DIALECTS``); this module knows no dialect by name.

Every route outside ``/__admin/`` is journaled; admin routes never are, and
no scoring route can start with that prefix.  Whatever a client sends, the
answer is a JSON error ``{"status_code": N, "message": "..."}`` (or the
dialect's own form) and never a 5xx: a 500 means a bug in the stub.
"""

from __future__ import annotations

import asyncio
import json
import logging
import socket
import struct
import time
import uuid
from typing import Any

from aiohttp import web
from aiohttp.http_exceptions import HttpProcessingError, LineTooLong
from aiohttp.web_protocol import RequestHandler, RequestPayloadError

from . import admin
from .dialects import DIALECTS
from .errors import StubError, error_response
from .faults import Fault
from .inputs import BODY, ENTRY, decoded
from .journal import Journal
from .state import ADMIN, Stub

log = logging.getLogger("server_stub")


def make_app(stub: Stub) -> web.Application:
    app = web.Application(client_max_size=stub.config.max_body_bytes, middlewares=[_Pipeline(stub).middleware])
    admin.register(stub, app.router)
    app.on_cleanup.append(lambda app: asyncio.gather(*(cleanup() for cleanup in stub.cleanups)))
    for register in DIALECTS:
        register(stub, app.router)
    return app


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


class _Pipeline:
    """The middleware: journal, faults, and every error turned into its JSON body."""

    def __init__(self, stub: Stub) -> None:
        self.stub = stub
        self.too_large = f"body is larger than the limit of {stub.config.max_body_bytes} bytes"

    @web.middleware
    async def middleware(self, request: web.Request, handler: Any) -> web.StreamResponse:
        if request.path == ADMIN or request.path.startswith(ADMIN + "/"):
            _, refused, _ = await self._read(request)  # read (and so checked) before any handler, as below
            return refused or await self._answer(request, handler)
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
            return error_response(413, self.too_large)
        except web.HTTPException as exc:
            return error_response(exc.status, exc.reason, {k: v for k, v in exc.headers.items() if k == "Allow"})
        except Exception:  # a bug in the stub, never the caller's input: say so, keep serving
            log.exception("unhandled error for %s %s", request.method, request.path)
            return error_response(500, "internal error in the stub; see its log")

    async def _read(self, request: web.Request) -> tuple[bytes | None, web.Response | None, str | None]:
        """The body, decoded (and kept for the handlers), or the answer when it cannot be read."""
        try:
            raw = await request.read()
            request[BODY] = body = decoded(
                raw, request.headers.get("Content-Encoding"), self.stub.config.max_body_bytes
            )
            return body, None, None
        except web.HTTPRequestEntityTooLarge:
            return None, error_response(413, self.too_large), "body not recorded: over the size limit"
        except StubError as exc:
            return None, error_response(exc.status, exc.message), f"body not recorded: {exc.message}"
        except (RequestPayloadError, ConnectionError) as exc:
            if isinstance(exc, ConnectionError):
                message = "the client closed the connection before sending the whole body"
            else:
                message = f"the body cannot be read: {getattr(exc.__cause__, 'message', '') or 'broken framing'}"
            response = error_response(400, message)
            response.force_close()  # what follows on the connection cannot be trusted:
            request.content.feed_eof()  # nor read after the answer (aiohttp would, and log the error again)
            return None, response, f"body not recorded: {message}"

    async def _journaled(self, request: web.Request, handler: Any) -> web.StreamResponse:
        body, refused, note = await self._read(request)
        entry = self.stub.journal.record(
            service=self.stub.service_at(request.path),
            method=request.method,
            scheme="https" if request.transport and request.transport.get_extra_info("sslcontext") else "http",
            path=request.rel_url.raw_path,
            query=request.rel_url.raw_query_string,
            headers=[[_header_text(k), _header_text(v)] for k, v in request.raw_headers],
            body=body,
            note=note,
        )
        request[ENTRY] = entry
        arrived = time.monotonic()
        svc = self.stub.services.get(entry["service"])
        fault = svc.faults.take(request.method, request.path) if svc and not refused else None
        if fault and not fault.after:
            entry["fault"] = True  # answered (or delayed) in front: a real server behind is not asked for it
        if fault and fault.delay and await _client_left(request, fault.delay):
            # The client gave up on its own: how long it waited, as this stub saw it (the client's start-up
            # and the machine's load are not in it), is what the `gave_up_within` check judges.
            entry["abandonedAfter"] = round(time.monotonic() - arrived, 3)
            Journal.answer(entry, None, abandoned=True)
            raise asyncio.CancelledError  # nobody left to answer
        if fault and fault.drop:
            if fault.after:  # the service acts on the request (creates the job...), then the connection drops
                acted = await self._answer(request, handler)
                entry["acted"] = acted.status  # what the client would have been told
            Journal.answer(entry, None, dropped=True)
            _reset_connection(request)
            raise asyncio.CancelledError  # nothing left to answer on
        if refused:
            response = refused
        elif fault and fault.status is not None:
            response = _fault_response(fault)
            response.headers.setdefault("x-ms-request-id", str(uuid.uuid4()))
        else:
            response = await self._answer(request, handler)
            if response.status >= 400 and "upstream" not in entry and self.stub.upstream_of(entry["service"]):
                entry["inFront"] = True  # refused by the front end (a key, an unknown deployment): not forwarded
        body_out = response.body if isinstance(response.body, bytes) else b""
        Journal.answer(entry, response.status, dict(response.headers), body_out)
        return response


async def _client_left(request: web.Request, seconds: float, poll: float = 0.05) -> bool:
    """Wait ``seconds`` (a fault's delay), or less if the client closes the connection: True if it did."""
    loop = asyncio.get_running_loop()
    end = loop.time() + seconds
    while (left := end - loop.time()) > 0:
        transport = request.transport
        if transport is None or transport.is_closing():
            return True
        await asyncio.sleep(min(poll, left))
    return False


def _fault_response(fault: Fault) -> web.Response:
    if fault.body is None:
        payload: Any = {"status_code": fault.status, "message": f"injected fault: HTTP {fault.status}"}
    else:
        payload = fault.body
    headers = fault.answer_headers()
    if isinstance(payload, str):
        headers.setdefault("Content-Type", "text/plain; charset=utf-8")
        data = payload.encode("utf-8")
    else:
        headers.setdefault("Content-Type", "application/json")
        data = json.dumps(payload).encode("utf-8")
    return web.Response(status=fault.status, body=data, headers=headers)


# -- requests the HTTP parser refuses --------------------------------------------------
def parse_error(status: int, exc: BaseException | None) -> tuple[int, str]:
    """The status and message for a request aiohttp could not parse (or, at 500, a bug)."""
    if isinstance(exc, LineTooLong):
        return 431, f"the request line or a header is longer than the limit of {exc.args[1]} bytes"
    text = exc.message if isinstance(exc, HttpProcessingError) else ""
    if "Too many headers" in text:
        return 431, "too many header fields"
    if status >= 500:
        return status, "internal error in the stub; see its log"
    return status, f"not a valid HTTP request: {text or exc}"


class _JsonErrorHandler(RequestHandler):
    """aiohttp's connection handler, with its error page (for requests it cannot parse) as the stub's JSON."""

    def handle_error(self, request: Any, status: int = 500, exc: BaseException | None = None, message: Any = None):
        if request.writer.output_size > 0:  # as aiohttp's own: the answer is under way, the connection is broken
            raise ConnectionError("Response is sent already, cannot send another response with the error message")
        status, text = parse_error(status, exc)
        if status >= 500:
            log.error("error handling a request", exc_info=exc)
        else:
            log.info("refused a request: %s", text)
        body = json.dumps({"status_code": status, "message": text}).encode()
        response = web.Response(status=status, body=body, content_type="application/json")
        response.force_close()
        return response


class _JsonErrorServer(web.Server):
    def __call__(self) -> RequestHandler:
        return _JsonErrorHandler(self, loop=self._loop, **self._kwargs)


class Runner(web.AppRunner):
    """An AppRunner whose connections answer unparsable requests with the stub's JSON error, and leave
    Content-Encoding to the application (``inputs.decoded``)."""

    def __init__(self, app: web.Application, **kwargs: Any) -> None:
        super().__init__(app, auto_decompress=False, **kwargs)

    async def _make_server(self) -> web.Server:
        server = await super()._make_server()
        server.__class__ = _JsonErrorServer  # aiohttp has no public hook for its connection-level error page
        return server
