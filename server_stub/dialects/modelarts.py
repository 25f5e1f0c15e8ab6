"""ModelArts real-time inference (``POST /v1/infers/{service}``) of an iris classifier.

``X-Auth-Token`` header; a ``{"meta": {"uuid"}, "data": {"req_data": [records]}}``
envelope answered by ``{"meta": {"uuid"}, "data": {"resp_data": [records +
predictresult]}}``; errors as ``{"error_code", "error_msg"}``.  The service's
auth settings apply (none, key or token: the same keys or tokens as Bearer).
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from ..auth import AuthError
from ..errors import InputError, StubError
from ..inputs import content_type_problem, parse_json, read_body
from ..model import Classifier
from ..state import SERVICE_NAME, Stub


def register(stub: Stub, router: web.UrlDispatcher) -> None:
    stub.claim_service_paths("/v1/infers/")
    router.add_post("/v1/infers/{service:" + SERVICE_NAME + "}", ModelArts(stub).infer)


def modelarts_error(status: int, code: str, message: str) -> StubError:
    return StubError(status, message, body={"error_code": code, "error_msg": message})


class ModelArts:
    def __init__(self, stub: Stub, classifier: Classifier | None = None) -> None:
        self.stub = stub
        self.model = classifier or Classifier.load()

    def _authorize(self, request: web.Request, name: str) -> None:
        auth = self.stub.auth_of(name)
        if auth.mode == "none":
            return
        token = request.headers.get("X-Auth-Token")
        if not token:
            raise modelarts_error(401, "APIG.1002", "Incorrect authentication information: no X-Auth-Token header")
        try:  # the same keys or tokens as the service's Bearer auth
            auth.check(f"Bearer {token}", name, self.stub.tokens)
        except AuthError as exc:
            raise modelarts_error(401, "APIG.0301", f"Incorrect IAM authentication information: {exc}") from None

    async def infer(self, request: web.Request) -> web.Response:
        name = request.match_info["service"]
        self._authorize(request, name)
        problem = content_type_problem(request.headers.get("Content-Type"), "application/json")
        if problem:
            raise modelarts_error(415, "ModelArts.4001", problem)
        try:
            doc = parse_json(await read_body(request), self._shape())
            meta, records = self._envelope(doc)
            features = [self.model.features_of(r, f"data.req_data[{i}]") for i, r in enumerate(records)]
            answers = [{**r, "predictresult": self.model.predict(x)} for r, x in zip(records, features)]
        except InputError as exc:
            raise modelarts_error(400, "ModelArts.4002", str(exc)) from None
        return web.json_response({"meta": meta, "data": {"resp_data": answers}})

    def _shape(self) -> str:
        fields = ", ".join(self.model.feature_names)
        return f'{{"meta": {{"uuid": "..."}}, "data": {{"req_data": [{{{fields}}}]}}}}'

    def _envelope(self, doc: Any) -> tuple[dict, list]:
        shape = self._shape()
        if not isinstance(doc, dict) or not isinstance(doc.get("data"), dict):
            raise InputError(f"body must be {shape}")
        meta = doc.get("meta", {})
        if not isinstance(meta, dict) or not isinstance(meta.get("uuid", ""), str):
            raise InputError('"meta" must be an object whose "uuid" is a string')
        records = doc["data"].get("req_data")
        if not isinstance(records, list) or not records:
            raise InputError(f'"data.req_data" must be a non-empty array of records; body must be {shape}')
        return ({"uuid": meta["uuid"]} if "uuid" in meta else {}), records
