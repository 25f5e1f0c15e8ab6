"""TF Serving REST, which is also KServe's v1 protocol: ``/v1/models/{model}[/versions/{v}]:predict``.

Routes as KServe's Python model server has them (``kserve/protocol/rest/
v1_endpoints.py``): ``GET /v1/models`` (``{"models": [names]}``),
``GET /v1/models/{m}`` (``{"name", "ready"}``: KServe's status, not TF
Serving's ``model_version_status``, because KServe is the real server the
kit runs and its ``InferenceRESTClient`` reads ``ready``), ``POST
/v1/models/{m}:predict``; plus TF Serving's ``/versions/{v}:predict`` (each
model has version ``1``).  ``{"instances": [rows]}`` or ``{"inputs": rows}``
(one unnamed or one named input), optional ``signature_name`` (only
``serving_default``), answered ``{"predictions": [...]}``.  Errors are
``{"error": "..."}``: KServe's messages for unknown models and bad JSON, TF
Serving's (``json_tensor.cc``) for a body of the wrong shape, always a 4xx
where KServe's scikit-learn runtime answers 500.  The default service
answers at the root; a cell's own under ``/svc/{service}``.  A service with an upstream (``--upstream``, or
its own) has every route relayed to the real server, the prefix taken off (``forward.py``).
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from ..auth import AuthError
from ..errors import InputError, StubError
from ..forward import Gateway
from ..inputs import content_type_problem, parse_json, read_body
from ..model import Classifier, LinearModel, finite
from ..state import DEFAULT_SERVICE, SERVICE_NAME, Stub
from . import standin

PREFIX = "/svc/{service:" + SERVICE_NAME + "}"
MODEL = "{model:[^/:]+}"
ANY_NAME = "{model:[^/]+}"  # the status route's, as KServe's: GET .../diabetes:predict asks for a model so named
VERSION = "{version:[0-9]+}"
VERSIONS = ("1",)
SIGNATURE = "serving_default"
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
JSON_TYPES = ("application/json", "application/cloudevents+json", "application/ld+json", "application/octet-stream")


def tf_error(status: int, message: str, headers: dict[str, str] | None = None) -> StubError:
    return StubError(status, message, headers, body={"error": message})


def register(stub: Stub, router: web.UrlDispatcher) -> None:
    stub.claim_service_paths("/svc/")
    routes = TFServing(stub)
    gateway = Gateway(stub, routes.authorize)  # a service with an upstream: the real server answers (forward.py)

    def either(local: Handler) -> Handler:
        relay = gateway.either(local)

        async def handle(request: web.Request) -> web.StreamResponse:
            try:
                return await relay(request)
            except StubError as exc:  # the gateway's own errors (502, 504), in this dialect's form
                raise exc if exc.body is not None else tf_error(exc.status, exc.message, exc.headers) from None

        return handle

    for prefix in ("", PREFIX):
        router.add_get(prefix + "/v1/models", either(routes.listing))
        router.add_get(f"{prefix}/v1/models/{ANY_NAME}", either(routes.status))
        router.add_post(f"{prefix}/v1/models/{MODEL}:predict", either(routes.predict))
        router.add_post(f"{prefix}/v1/models/{MODEL}/versions/{VERSION}:predict", either(routes.predict))


class TFServing:
    def __init__(self, stub: Stub) -> None:
        self.stub = stub
        self.served: dict[str, LinearModel | Classifier] = {"diabetes": stub.model, "iris": Classifier.load()}

    def authorize(self, request: web.Request, name: str) -> None:
        """The auth gateway in front of the model server: 401 when the Bearer credentials are missing or wrong."""
        try:
            self.stub.auth_of(name).check(request.headers.get("Authorization"), name, self.stub.tokens)
        except AuthError as exc:
            raise tf_error(401, str(exc), {"WWW-Authenticate": "Bearer"}) from None

    def _model(self, request: web.Request) -> LinearModel | Classifier | None:
        """The model the route names (None: the stand-in serves it), after the service's credentials."""
        service = request.match_info.get("service", DEFAULT_SERVICE)
        self.authorize(request, service)
        name = request.match_info["model"]
        if name not in self.served and self.stub.stand_in(service):
            return None
        if name not in self.served:
            raise tf_error(404, f"Model with name {name} does not exist.")  # KServe's ModelNotFound
        version = request.match_info.get("version")
        if version is not None and version not in VERSIONS:
            raise tf_error(404, f"Servable not found for request: Specific({name}, {version})")  # TF Serving's
        return self.served[name]

    async def listing(self, request: web.Request) -> web.Response:
        self.authorize(request, request.match_info.get("service", DEFAULT_SERVICE))
        return web.json_response({"models": list(self.served)})

    async def status(self, request: web.Request) -> web.Response:
        self._model(request)
        return web.json_response({"name": request.match_info["model"], "ready": True})

    async def predict(self, request: web.Request) -> web.Response:
        model = self._model(request)
        media = request.headers.get("Content-Type")
        # tensorflow_model_server reads any body as JSON; KServe (the default) only a JSON Content-Type's
        lenient = self.stub.any_content_type(request.match_info.get("service", DEFAULT_SERVICE))
        if media is not None and media not in JSON_TYPES and not lenient:  # KServe compares the whole value
            exact = f"Content-Type must be exactly application/json, got {media!r}"
            why = content_type_problem(media, "application/json") or exact
            raise tf_error(415, f"{why}: KServe hands a body of another type (even with a charset) to the model as is")
        try:
            if model is None:
                return self._stand_in(request, await read_body(request))
            rows = batch_of(await read_body(request), len(model.feature_names))
        except (InputError, ValueError) as exc:
            raise tf_error(400, str(exc)) from None
        if isinstance(model, Classifier):  # the class index, as a scikit-learn model trained on iris.target
            predictions: list = [model.classes.index(model.predict(row)) for row in rows]
        else:
            predictions = model.predict(rows)
        return _answer(predictions)

    def _stand_in(self, request: web.Request, body: bytes) -> web.Response:
        """Any instances of one shape, any model name: one prediction each (standin.py)."""
        batch, key = instances_of(body, '{"instances": [...]}', named=0)
        answer = _answer(standin.tf_predictions(batch, key))
        standin.served(request, request.match_info["model"])
        return answer


def _answer(predictions: list) -> web.Response:
    return web.Response(body=json.dumps({"predictions": predictions}).encode(), content_type="application/json")


def batch_of(body: bytes, n: int) -> list[list[float]]:
    """The rows of a predict body (``instances`` or ``inputs``) for a model of ``n`` features."""
    batch, key = instances_of(body, f'{{"instances": [[{n} numbers], ...]}}')
    return [_row(row, i, key, n) for i, row in enumerate(batch)]


def instances_of(body: bytes, example: str, named: int = 1) -> tuple[list, str]:
    """The instances of a predict body and the key that held them; ``named``: the inputs a model has (0: any)."""
    try:
        doc = parse_json(body, example)
    except InputError as exc:
        raise InputError(f"Unrecognized request format: {exc}") from None  # KServe's words
    if not isinstance(doc, dict):
        raise InputError(f"the body must be a JSON object such as {example}")
    signature = doc.get("signature_name", SIGNATURE)
    if not isinstance(signature, str):
        raise InputError("'signature_name' key must be a string value")
    if signature != SIGNATURE:
        raise InputError(f'Serving signature name: "{signature}" not found in signature def')
    if "instances" in doc and "inputs" in doc:
        raise InputError("Not formatted correctly expecting only one of 'inputs' or 'instances' keys to exist")
    if "instances" not in doc and "inputs" not in doc:
        raise InputError(f"Missing 'inputs' or 'instances' key; send {example}")
    key = "instances" if "instances" in doc else "inputs"
    batch = doc[key]
    if key == "inputs" and isinstance(batch, dict) and named == 1:  # one named input: {"inputs": {"<name>": rows}}
        if len(batch) != 1:
            raise InputError(f"'inputs' names {len(batch)} inputs; the model has one: send {{\"inputs\": rows}}")
        batch = next(iter(batch.values()))
    elif key == "inputs" and isinstance(batch, dict):  # named inputs, columnar: one instance per row of each
        columns = [v if isinstance(v, list) else [v] for v in batch.values()]
        if len({len(c) for c in columns}) > 1:
            raise InputError("the named 'inputs' have different batch sizes (first dimensions)")
        batch = [dict(zip(batch, row)) for row in zip(*columns)]
    if not isinstance(batch, list):
        raise InputError(f'Expected "{key}" to be a list')  # KServe's validate()
    if not batch:
        raise InputError(f"No values in '{key}' array")
    return batch, key


def _row(row: Any, i: int, key: str, n: int) -> list[float]:
    where = f"Failed to process element: {i} of '{key}' list. Error:"
    if not isinstance(row, list):
        raise InputError(f"{where} expecting a row of {n} numbers, got {json.dumps(row)[:40]}: {key} is a list of rows")
    if len(row) != n:
        raise InputError(f"{where} Expecting tensor size: {n} but got: {len(row)}")
    values = [finite(v) for v in row]
    for j, value in enumerate(values):
        if value is None:
            raise InputError(f"{where} value {j} is {json.dumps(row[j])[:40]}, expected a number")
    return values  # type: ignore[return-value]
