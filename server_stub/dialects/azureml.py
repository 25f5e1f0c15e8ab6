"""Azure ML scoring: ``GET /``, ``POST /score``, ``GET /swagger.json``, also under ``/api/v1/service/{service}/``
(a v1 web service) and ``/svc/{service}/`` (an online endpoint of its own, with deployments: aml_online.py).

A service takes rows of numbers as JSON (the diabetes model), or, when its
input mode says so, raw bytes or a multipart form upload (answered with
what arrived: size and SHA-256).  Credentials travel as ``Authorization:
Bearer``; errors are the stub's own ``{"status_code", "message"}``.
"""

from __future__ import annotations

import email
import email.policy
import hashlib
import json
import time

from aiohttp import web

from .. import swagger
from ..auth import AuthError
from ..errors import InputError, StubError
from ..forward import Gateway
from ..inputs import content_type_problem, parse_json, read_body
from ..state import DEFAULT_SERVICE, SERVICE_NAME, Stub
from . import standin
from .aml_headers import with_headers
from .aml_online import DEPLOYMENT, OnlineEndpoints

AKS_PREFIX = "/api/v1/service/{service:" + SERVICE_NAME + "}"
ONLINE_PREFIX = "/svc/{service:" + SERVICE_NAME + "}"  # an online endpoint per cell (aml_online.py)
FILE_FIELD = "images"  # the ModelArts file input's field name
EXAMPLE = '{"data": [[...], ...]}'
FORMS = ("application/x-www-form-urlencoded", "multipart/form-data")  # bodies Flask parses as a form


def register(stub: Stub, router: web.UrlDispatcher) -> None:
    stub.claim_service_paths("/api/v1/service/")
    stub.claim_service_paths("/svc/")  # a harness cell's own online endpoint
    routes, online = AzureML(stub), OnlineEndpoints(stub)
    online.register_admin(router)
    gateway = Gateway(stub, routes.authorize)  # a service with an upstream: the real server answers (forward.py)
    health, swagger = with_headers(routes.health, run_function=False), with_headers(routes.swagger)
    score, options = with_headers(online.routed(routes.score, routes.authorize)), with_headers(routes.options)
    relayed = online.routed(gateway.handler, routes.authorize)  # deployments are routed in front of it too
    for prefix in ("", AKS_PREFIX, ONLINE_PREFIX):
        if prefix != ONLINE_PREFIX:  # an online endpoint's front end does not expose the server's health route
            router.add_get(prefix + "/", gateway.either(health))
        for method in ("GET", "POST"):
            router.add_route(method, prefix + "/score", gateway.either(score, upstream=relayed))
        for method in ("PUT", "PATCH", "DELETE"):  # only a real server behind the gateway has them
            router.add_route(method, prefix + "/score", gateway.either(None, upstream=relayed))
        router.add_route("OPTIONS", prefix + "/score", gateway.either(options))
        router.add_get(prefix + "/swagger.json", gateway.either(swagger))
    router.add_get(AKS_PREFIX, gateway.either(health))


def form_parts(content_type: str, body: bytes) -> dict[str, dict]:
    """The parts of a multipart/form-data body by field name: filename, content_type, data."""
    header = f"Content-Type: {content_type}\r\n\r\n".encode("utf-8", "surrogateescape")  # the bytes as sent
    message = email.message_from_bytes(header + body, policy=email.policy.HTTP)
    parts = {}
    for part in message.iter_parts() if message.is_multipart() else []:
        name = part.get_param("name", header="content-disposition")
        if name:
            parts[str(name)] = {
                "filename": part.get_filename(),
                "content_type": part.get_content_type() if part.get("Content-Type") else None,
                "data": part.get_payload(decode=True) or b"",
            }
    return parts


class AzureML:
    def __init__(self, stub: Stub) -> None:
        self.stub = stub

    async def health(self, request: web.Request) -> web.Response:
        return web.Response(text="Healthy", content_type="text/html")  # as Flask labels a str (the real server)

    async def options(self, request: web.Request) -> web.Response:
        return web.Response(body=b"", content_type="text/html", charset="utf-8")

    async def swagger(self, request: web.Request) -> web.Response:
        name = request.match_info.get("service", DEFAULT_SERVICE)
        version = request.query.get("version", "2")
        if version != "2":
            raise StubError(404, f"Swagger version [{version}] is not served by the stub. Supported versions: [2].")
        base = request.path.removesuffix("/swagger.json") or "/"
        return web.json_response(swagger.build(self.stub.model, name, base, self.stub.auth_of(name).mode))

    def authorize(self, request: web.Request, name: str) -> None:
        """The front end's check of the service's credentials: StubError 401 when they are missing or wrong."""
        try:
            self.stub.auth_of(name).check(request.headers.get("Authorization"), name, self.stub.tokens)
        except AuthError as exc:
            challenge = "Bearer" if "Authorization" not in request.headers else 'Bearer error="invalid_token"'
            raise StubError(401, str(exc), {"WWW-Authenticate": challenge}) from None

    async def score(self, request: web.Request) -> web.Response:
        name = request.match_info.get("service", DEFAULT_SERVICE)
        self.authorize(request, name)
        svc = self.stub.services.get(name)
        mode = svc.input if svc else "json"
        if mode == "binary":
            return await self._score_binary(request)
        if mode == "multipart":
            return await self._score_multipart(request)
        model = self.stub.model
        try:
            doc = await _document(request)
            start = time.perf_counter()
            if self.stub.stand_in(name) and isinstance(doc, dict) and "input_data" in doc and "data" not in doc:
                predictions = [standin.row_value(row) for row in standin.input_data_rows(doc)]  # an MLflow model's
                standin.served(request, standin.NAME)
            else:
                predictions = model.predict(model.rows_from(doc))
        except (InputError, ValueError) as exc:
            raise StubError(400, str(exc)) from None
        deployment = request.get(DEPLOYMENT)  # an online endpoint's deployment, standing in for its own model
        if deployment is not None and deployment.scale != 1.0:
            predictions = [p * deployment.scale for p in predictions]
        body = json.dumps(predictions).encode()
        took = f"{(time.perf_counter() - start) * 1000:.3f}"
        return web.Response(body=body, content_type="application/json", headers={"x-ms-run-fn-exec-ms": took})

    async def _score_binary(self, request: web.Request) -> web.Response:
        """Raw bytes in; their size and SHA-256 out, so a caller can prove what arrived."""
        _require(request, "application/octet-stream", charset=False)
        body = await read_body(request)
        if not body:
            raise StubError(400, "empty body: send the file's bytes")
        return web.json_response({"size": len(body), "sha256": hashlib.sha256(body).hexdigest()})

    async def _score_multipart(self, request: web.Request) -> web.Response:
        """A form upload: the file field's name, filename, type, size and SHA-256 out."""
        _require(request, "multipart/form-data", charset=False)
        parts = form_parts(request.headers["Content-Type"], await read_body(request))
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


async def _document(request: web.Request) -> object:
    """The request's JSON document, read as the real server reads it for a plain ``run(raw_data)``: the
    body whatever its Content-Type says (UTF-8 whatever the charset), or a GET's query parameters, each
    value JSON where it parses as JSON."""
    if request.method == "GET":
        doc = {}
        for name in dict.fromkeys(request.query):
            values = [_query_value(v) for v in request.query.getall(name)]
            doc[name] = values[0] if len(values) == 1 else values
        return doc
    media = request.headers.get("Content-Type", "").partition(";")[0].strip().lower()
    if media in FORMS:
        raise InputError(f"a {media} body reaches the scoring script empty; send the JSON with Content-Type: "
                         "application/json")  # fmt: skip
    return parse_json(await read_body(request), EXAMPLE)


def _query_value(text: str) -> object:
    try:
        return parse_json(text.encode("utf-8"))
    except InputError:
        return text


def _require(request: web.Request, media: str, charset: bool = True) -> None:
    problem = content_type_problem(request.headers.get("Content-Type"), media, charset)
    if problem:
        raise StubError(415, problem)
