"""The other services the samples call, beside Azure ML's ``/score``.

* **ModelArts** (``POST /v1/infers/{service}``): ``X-Auth-Token`` header, a
  ``{"meta": {"uuid"}, "data": {"req_data": [records]}}`` envelope answered
  by ``{"meta": {"uuid"}, "data": {"resp_data": [records + predictresult]}}``
  from a real iris classifier; errors as ``{"error_code", "error_msg"}``.
* **Azure ML Studio (classic)** under ``/workspaces/{ws}/services/{service}``:
  Request-Response (``POST .../execute?api-version=2.0``) and Batch Execution
  (``POST .../jobs`` submits, ``POST .../jobs/{id}/start`` starts, ``GET
  .../jobs/{id}`` polls ``NotStarted`` -> ``Running`` -> ``Finished`` or
  ``Failed``, ``DELETE`` cancels), scored with the diabetes model; errors as
  ``{"error": {"code", "message"}}``.  Where the real Batch Execution service
  reads inputs from and writes results to Azure blob storage, the stub takes
  the input table inline (as Request-Response does) and returns the results
  inline in the finished job's status.

Both dialects use the service's auth settings (none, key or token) and are
journaled under the service's name like the ``/score`` routes.
"""

from __future__ import annotations

import json
import math
import time
import uuid
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from aiohttp import web

from .auth import AuthError
from .errors import StubError
from .model import Classifier, InputError, parse_json

if TYPE_CHECKING:
    from .app import Stub

MODELARTS_PREFIX = "/v1/infers/{service}"
CLASSIC_PREFIX = "/workspaces/{workspace}/services/{service}"
API_VERSION = "2.0"
MAX_JOBS = 1000  # per service; the oldest are forgotten first


def _media(request: web.Request) -> str:
    return request.headers.get("Content-Type", "").partition(";")[0].strip().lower()


# -- ModelArts -------------------------------------------------------------------
def modelarts_error(status: int, code: str, message: str) -> StubError:
    return StubError(status, message, body={"error_code": code, "error_msg": message})


class ModelArts:
    """ModelArts real-time inference of an iris classifier."""

    def __init__(self, stub: Stub, classifier: Classifier | None = None) -> None:
        self.stub = stub
        self.model = classifier or Classifier.load()

    def add_routes(self, router: web.UrlDispatcher, service_pattern: str) -> None:
        router.add_post(MODELARTS_PREFIX.replace("{service}", "{service:" + service_pattern + "}"), self.infer)

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
        if _media(request) != "application/json":
            got = request.headers.get("Content-Type")
            raise modelarts_error(415, "ModelArts.4001", f"Content-Type must be application/json, got {got!r}")
        try:
            doc = parse_json(await request.read())
            meta, records = self._envelope(doc)
            features = [self.model.features_of(r, f"data.req_data[{i}]") for i, r in enumerate(records)]
            answers = [{**r, "predictresult": self.model.predict(x)} for r, x in zip(records, features)]
        except InputError as exc:
            raise modelarts_error(400, "ModelArts.4002", str(exc)) from None
        return web.json_response({"meta": meta, "data": {"resp_data": answers}})

    def _envelope(self, doc: Any) -> tuple[dict, list]:
        fields = ", ".join(self.model.feature_names)
        shape = f'{{"meta": {{"uuid": "..."}}, "data": {{"req_data": [{{{fields}}}]}}}}'
        if not isinstance(doc, dict) or not isinstance(doc.get("data"), dict):
            raise InputError(f"body must be {shape}")
        meta = doc.get("meta", {})
        if not isinstance(meta, dict) or not isinstance(meta.get("uuid", ""), str):
            raise InputError('"meta" must be an object whose "uuid" is a string')
        records = doc["data"].get("req_data")
        if not isinstance(records, list) or not records:
            raise InputError(f'"data.req_data" must be a non-empty array of records; body must be {shape}')
        return ({"uuid": meta["uuid"]} if "uuid" in meta else {}), records


# -- Azure ML Studio (classic) ------------------------------------------------------
def classic_error(status: int, code: str, message: str, headers: dict | None = None) -> StubError:
    return StubError(status, message, headers, body={"error": {"code": code, "message": message}})


@dataclass
class JobSettings:
    """How the service's batch jobs behave (set through the admin API)."""

    seconds: float = 2.0  # time from start to the end of the job
    fail: str | None = None  # when set, jobs end Failed with this message
    next_id: str | None = None  # the id the next submitted job gets (default: a random one)

    @classmethod
    def from_json(cls, doc: dict) -> JobSettings:
        unknown = set(doc) - {"seconds", "fail", "nextId"}
        if unknown:
            raise ValueError(f"unknown field(s): {', '.join(sorted(unknown))}; known: seconds, fail, nextId")
        seconds = doc.get("seconds", 2.0)
        if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or not 0 <= seconds <= 3600:
            raise ValueError("seconds must be a number from 0 to 3600")
        for key in ("fail", "nextId"):
            if doc.get(key) is not None and not (isinstance(doc[key], str) and doc[key]):
                raise ValueError(f"{key} must be a non-empty string or null")
        return cls(float(seconds), doc.get("fail"), doc.get("nextId"))

    def to_json(self) -> dict:
        return {"seconds": self.seconds, "fail": self.fail, "nextId": self.next_id}


@dataclass
class Job:
    id: str
    table: dict  # the scored output table
    seconds: float
    fail: str | None
    started: float | None = None
    cancelled: bool = False

    def status(self, now: float) -> dict:
        if self.cancelled:
            return {"StatusCode": "Cancelled", "Results": None, "Details": "the job was cancelled"}
        if self.started is None:
            return {"StatusCode": "NotStarted", "Results": None, "Details": None}
        if now - self.started < self.seconds:
            return {"StatusCode": "Running", "Results": None, "Details": None}
        if self.fail:
            return {"StatusCode": "Failed", "Results": None, "Details": self.fail}
        return {"StatusCode": "Finished", "Results": {"output1": self.table}, "Details": None}


@dataclass
class ClassicState:
    settings: JobSettings = field(default_factory=JobSettings)
    jobs: OrderedDict[str, Job] = field(default_factory=OrderedDict)


class Classic:
    """Request-Response and Batch Execution of Azure ML Studio (classic), over the diabetes model."""

    def __init__(self, stub: Stub) -> None:
        self.stub = stub
        self.state: dict[str, ClassicState] = {}

    def add_routes(self, router: web.UrlDispatcher, service_pattern: str) -> None:
        base = CLASSIC_PREFIX.replace("{service}", "{service:" + service_pattern + "}").replace(
            "{workspace}", "{workspace:[A-Za-z0-9_.-]+}"
        )
        router.add_post(base + "/execute", self.execute)
        router.add_post(base + "/jobs", self.submit)
        router.add_post(base + "/jobs/{job}/start", self.start)
        router.add_get(base + "/jobs/{job}", self.job_status)
        router.add_delete(base + "/jobs/{job}", self.cancel)

    def of(self, service: str) -> ClassicState:
        return self.state.setdefault(service, ClassicState())

    def reset(self, service: str) -> None:
        self.state.pop(service, None)

    # -- shared checks --------------------------------------------------------------
    def _authorize(self, request: web.Request) -> str:
        name = request.match_info["service"]
        try:
            self.stub.auth_of(name).check(request.headers.get("Authorization"), name, self.stub.tokens)
        except AuthError as exc:
            raise classic_error(401, "Unauthorized", str(exc), {"WWW-Authenticate": "Bearer"}) from None
        version = request.query.get("api-version")
        if version != API_VERSION:
            got = "no api-version" if version is None else f"api-version={version!r}"
            raise classic_error(400, "BadArgument", f"add ?api-version={API_VERSION} to the URL (got {got})")
        return name

    async def _table(self, request: web.Request) -> tuple[list[str], list[list[Any]]]:
        """The request's ``Inputs.input1`` table: column names and rows of numbers (or numeric strings)."""
        if _media(request) != "application/json":
            got = request.headers.get("Content-Type")
            raise classic_error(415, "UnsupportedMediaType", f"Content-Type must be application/json, got {got!r}")
        model = self.stub.model
        try:
            doc = parse_json(await request.read())
        except InputError as exc:
            raise classic_error(400, "BadArgument", str(exc)) from None
        shape = '{"Inputs": {"input1": {"ColumnNames": [...], "Values": [[...], ...]}}, "GlobalParameters": {}}'
        inputs = doc.get("Inputs") if isinstance(doc, dict) else None
        table = inputs.get("input1") if isinstance(inputs, dict) else None
        if not isinstance(table, dict):
            raise classic_error(400, "BadArgument", f"body must be {shape}")
        names, values = table.get("ColumnNames"), table.get("Values")
        if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
            raise classic_error(400, "BadArgument", "Inputs.input1.ColumnNames must be an array of column names")
        missing = [f for f in model.feature_names if f not in names]
        if missing:
            raise classic_error(400, "MissingInputColumn", f"Inputs.input1 has no column(s) {', '.join(missing)}")
        if not isinstance(values, list) or not values:
            raise classic_error(400, "BadArgument", "Inputs.input1.Values must be a non-empty array of rows")
        rows = []
        for i, row in enumerate(values, start=1):
            if not isinstance(row, list) or len(row) != len(names):
                raise classic_error(400, "BadArgument", f"row {i} must have {len(names)} values, one per column")
            numbers = []
            for name, value in zip(names, row):
                number = _number(value)
                if number is None and name in model.feature_names:
                    shown = json.dumps(value)[:40]
                    raise classic_error(400, "BadArgument", f"row {i}, column {name} is {shown}, expected a number")
                numbers.append(value if number is None else number)  # other columns pass through
            rows.append(numbers)
        return names, rows

    def _scored(self, names: list[str], rows: list[list[Any]], details: bool) -> dict:
        """The output table: the input columns plus "Scored Labels", every value a string as classic returns."""
        model = self.stub.model
        index = {n: i for i, n in enumerate(names)}
        out = []
        for row in rows:
            prediction = model.predict([[row[index[f]] for f in model.feature_names]])[0]
            out.append([_text(v) for v in row] + [repr(prediction)])
        value: dict[str, Any] = {"Values": out}
        if details:
            value = {
                "ColumnNames": [*names, "Scored Labels"],
                "ColumnTypes": ["Numeric"] * (len(names) + 1),
                **value,
            }
        return {"type": "table", "value": value}

    # -- Request-Response ------------------------------------------------------------
    async def execute(self, request: web.Request) -> web.Response:
        self._authorize(request)
        names, rows = await self._table(request)
        details = request.query.get("details", "").lower() == "true"
        return web.json_response({"Results": {"output1": self._scored(names, rows, details)}})

    # -- Batch Execution -------------------------------------------------------------
    async def submit(self, request: web.Request) -> web.Response:
        state = self.of(self._authorize(request))
        names, rows = await self._table(request)
        settings = state.settings
        job_id, settings.next_id = settings.next_id or uuid.uuid4().hex, None
        if job_id in state.jobs:
            raise classic_error(409, "JobExists", f"a job with id {job_id!r} exists already")
        state.jobs[job_id] = Job(job_id, self._scored(names, rows, True), settings.seconds, settings.fail)
        while len(state.jobs) > MAX_JOBS:
            state.jobs.popitem(last=False)
        return web.json_response(job_id)

    def _job(self, request: web.Request) -> Job:
        state = self.of(self._authorize(request))
        job = state.jobs.get(request.match_info["job"])
        if job is None:
            raise classic_error(404, "JobNotFound", f"no job {request.match_info['job']!r}; submit one first")
        return job

    async def start(self, request: web.Request) -> web.Response:
        job = self._job(request)
        if job.started is not None or job.cancelled:
            raise classic_error(409, "JobAlreadyStarted", f"job {job.id!r} was started already")
        job.started = time.monotonic()
        return web.Response(status=200)

    async def job_status(self, request: web.Request) -> web.Response:
        return web.json_response(self._job(request).status(time.monotonic()))

    async def cancel(self, request: web.Request) -> web.Response:
        job = self._job(request)
        job.cancelled = True
        return web.Response(status=200)


def _number(value: Any) -> float | None:
    """A finite number from a JSON number or a numeric string (classic sends both), else None."""
    if isinstance(value, bool):
        return None
    try:
        number = float(value) if isinstance(value, (int, float, str)) else None
    except (ValueError, OverflowError):
        return None
    return number if number is not None and math.isfinite(number) else None


def _text(value: Any) -> str:
    return repr(value) if isinstance(value, float) else "" if value is None else str(value)
