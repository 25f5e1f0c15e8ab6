"""What azureml-inference-server-http adds to every answer of its routes, so the stub adds it too.

Request ids, as the real server (1.5.1, ``server/routes.py``) handles them:
``x-request-id`` is the caller's or a new UUID; ``x-ms-request-id`` is the
caller's, else ``x-ms-client-request-id``, else the request id; the client
request id is echoed when given, and so is ``TraceId``.  An id over 100
characters is refused with 431 before the model runs.  Every answer of the
scoring and Swagger routes says ``x-ms-run-function-failed``; a scoring
answer also says how long the model took, ``x-ms-run-fn-exec-ms``.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable

from aiohttp import web

from ..errors import StubError, error_response

SERVER_VERSION = "azmlinfsrv/1.5.1"  # the real server's x-ms-server-version
ID_LIMIT = 100
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def request_ids(request: web.Request) -> dict[str, str]:
    """The id headers of the answer; StubError 431 when an id is too long."""
    request_id = request.headers.get("x-request-id", str(uuid.uuid4()))
    if len(request_id) > ID_LIMIT:
        raise StubError(431, f"x-request-id must not exceed {ID_LIMIT} characters")
    legacy = request.headers.get("x-ms-request-id", "")
    client = request.headers.get("x-ms-client-request-id", "")
    if legacy:
        client = client or legacy
    else:
        legacy = client or request_id
    if len(legacy) > ID_LIMIT or len(client) > ID_LIMIT:
        raise StubError(431, f"x-ms-request-id and x-ms-client-request-id must not exceed {ID_LIMIT} characters")
    ids = {"x-request-id": request_id, "x-ms-request-id": legacy}
    if client:
        ids["x-ms-client-request-id"] = client
    if "TraceId" in request.headers:
        ids["TraceId"] = request.headers["TraceId"]
    return ids


def with_headers(handler: Handler, run_function: bool = True) -> Handler:
    """The handler, its errors answered here (not by the middleware) so they carry the same headers."""

    async def answer(request: web.Request) -> web.StreamResponse:
        headers = {"x-ms-run-function-failed": "False"} if run_function else {}
        headers["x-ms-server-version"] = SERVER_VERSION
        try:
            headers.update(request_ids(request))
            response = await handler(request)
        except StubError as exc:
            response = error_response(exc.status, exc.message, exc.headers, exc.body)
        for name, value in headers.items():
            response.headers.setdefault(name, value)
        return response

    return answer
