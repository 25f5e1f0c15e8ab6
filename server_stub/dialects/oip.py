"""Open Inference Protocol v2 (KServe, Triton, Seldon MLServer): health, metadata and ``infer`` routes.

``GET /v2/health/live`` and ``/v2/health/ready`` (200, empty), ``GET /v2`` (server metadata),
``GET /v2/models/{m}[/versions/{v}]`` (model metadata) and ``.../ready``, ``POST .../infer`` with
``{"id"?, "parameters"?, "inputs": [{"name", "shape", "datatype", "data"}], "outputs"?}`` answered
``{"model_name", "model_version", "id", "parameters", "outputs": [...]}``; errors ``{"error": "..."}``.
The models ``diabetes`` and ``iris`` (version ``1``) answer as Seldon MLServer 1.7.1's scikit-learn
runtime does (``oip_tensors.py``).  The default service answers at the root, as a real server, so a
client library pointed at host:port works; a harness cell's own service under ``/svc/{service}``.
The service's auth (none, key or token: ``Authorization: Bearer``) guards every route but health.
"""

from __future__ import annotations

import uuid

from aiohttp import web

from ..auth import AuthError
from ..errors import InputError, StubError
from ..forward import Gateway
from ..inputs import parse_json, read_body
from ..model import Classifier
from ..state import DEFAULT_SERVICE, SERVICE_NAME, Stub
from . import standin
from .oip_tensors import OipError, Served, parse_request, served_models

PREFIX = "/svc/{service:" + SERVICE_NAME + "}"
VERSION = "1"  # every model's one version
SERVER = {"name": "mlserver", "version": "1.7.1", "extensions": []}  # as the real server describes itself
MODEL_PATHS = ("/v2/models/{model}", "/v2/models/{model}/versions/{version}")


def register(stub: Stub, router: web.UrlDispatcher) -> None:
    stub.claim_service_paths("/svc/")
    routes = OpenInference(stub)
    gateway = Gateway(stub, routes.authorize)  # a service with an upstream: the real server answers (forward.py)
    for prefix in ("", PREFIX):
        router.add_get(prefix + "/v2/health/live", gateway.either(routes.health))
        router.add_get(prefix + "/v2/health/ready", gateway.either(routes.health))
        router.add_get(prefix + "/v2", gateway.either(routes.server_metadata))
        for path in MODEL_PATHS:
            router.add_get(prefix + path, gateway.either(routes.model_metadata))
            router.add_get(prefix + path + "/ready", gateway.either(routes.model_ready))
            router.add_post(prefix + path + "/infer", gateway.either(routes.infer))


def oip_error(status: int, message: str, headers: dict[str, str] | None = None) -> StubError:
    return StubError(status, message, headers, body={"error": message})


def json_media(header: str | None) -> bool:
    """Whether a body is read as JSON, as FastAPI decides: no Content-Type, application/json or +json."""
    if not header or not header.strip():
        return True
    media = header.partition(";")[0].strip().lower()
    kind, _, subtype = media.partition("/")
    return kind == "application" and (subtype == "json" or subtype.endswith("+json"))


class OpenInference:
    def __init__(self, stub: Stub) -> None:
        self.stub = stub
        self.models = served_models(stub.model, Classifier.load())

    def authorize(self, request: web.Request, name: str) -> None:
        """The front end's check of the service's credentials (health routes are open)."""
        if request.path.endswith(("/v2/health/live", "/v2/health/ready")):
            return
        try:
            self.stub.auth_of(name).check(request.headers.get("Authorization"), name, self.stub.tokens)
        except AuthError as exc:
            raise oip_error(401, str(exc), {"WWW-Authenticate": "Bearer"}) from None

    def _model(self, request: web.Request) -> Served:
        """The model a route names, after the service's credentials: 404 for an unknown model or version."""
        self.authorize(request, request.match_info.get("service", DEFAULT_SERVICE))
        name, version = request.match_info["model"], request.match_info.get("version")
        model = self.models.get(name)
        if model is None or version not in (None, VERSION):
            shown = f"Model {name} not found" if version is None else f"Model {name} with version {version} not found"
            raise oip_error(404, shown)
        return model

    async def health(self, request: web.Request) -> web.Response:
        return web.Response(status=200)

    async def server_metadata(self, request: web.Request) -> web.Response:
        self.authorize(request, request.match_info.get("service", DEFAULT_SERVICE))
        return web.json_response(SERVER)

    async def model_metadata(self, request: web.Request) -> web.Response:
        self.authorize(request, request.match_info.get("service", DEFAULT_SERVICE))
        stand_in = self._stands_in(request)
        if stand_in:  # any input it takes, so none is declared
            return web.json_response({"name": stand_in, "versions": [VERSION], "platform": standin.NAME,
                                      "inputs": [], "outputs": [], "parameters": {}})  # fmt: skip
        return web.json_response(self._model(request).metadata(VERSION))

    async def model_ready(self, request: web.Request) -> web.Response:
        self.authorize(request, request.match_info.get("service", DEFAULT_SERVICE))
        if not self._stands_in(request):
            self._model(request)
        return web.Response(status=200)

    def _stands_in(self, request: web.Request) -> str | None:
        """The model name the stand-in serves for this request, if it does (a name the stub does not know)."""
        name = request.match_info["model"]
        service = request.match_info.get("service", DEFAULT_SERVICE)
        return name if name not in self.models and self.stub.stand_in(service) else None

    async def infer(self, request: web.Request) -> web.Response:
        self.authorize(request, request.match_info.get("service", DEFAULT_SERVICE))
        stand_in = self._stands_in(request)
        try:
            doc = await _document(request)
            if stand_in:
                outputs, name = standin.oip_outputs(doc), stand_in
                inference_id = doc.get("id")  # a dict with a string id or none: its form was checked
                standin.served(request, stand_in)
            else:
                inference = parse_request(doc)  # the form first (422), as the real server
                model = self._model(request)
                inference_id, name, outputs = inference.id, model.name, model.infer(inference)
        except OipError as exc:
            raise oip_error(exc.status, exc.message) from None
        answer = {
            "model_name": name,
            "model_version": request.match_info.get("version") or VERSION,
            "id": inference_id if inference_id is not None else str(uuid.uuid4()),
            "parameters": {},
            "outputs": outputs,
        }
        return web.json_response(answer)


async def _document(request: web.Request) -> object:
    """The request's JSON document; 422 when the body is not JSON (or its Content-Type says it is not)."""
    if request.headers.get("Inference-Header-Content-Length") is not None:
        raise OipError(400, "the binary data extension (Inference-Header-Content-Length) is not supported; "
                            "send the whole request as JSON, each tensor's values in its data")  # fmt: skip
    content_type = request.headers.get("Content-Type")
    if not json_media(content_type):
        raise OipError(422, f"Content-Type must be application/json, got {content_type!r}")
    try:
        return parse_json(await read_body(request), '{"inputs": [...]}')
    except InputError as exc:
        raise OipError(422, str(exc)) from None
