"""MLflow's scoring server (``mlflow models serve``) and Databricks Model Serving, which takes the same bodies.

MLflow: ``GET /ping``, ``GET /health`` (an empty answer), ``GET /version``, and ``POST /invocations`` with
``Content-Type: application/json`` (or ``text/csv``) and exactly one of ``dataframe_split``,
``dataframe_records``, ``instances``, ``inputs`` (``params`` beside it is ignored: the models take none),
answered ``{"predictions": [...]}``.  Errors are MLflow's ``{"error_code": "BAD_REQUEST", "message": ...,
"sqlstate", "error_class"}`` with its own messages (``mlflow/pyfunc/scoring_server/__init__.py`` and
``mlflow/utils/proto_json_utils.py`` of MLflow 3.17).  A Content-Type it does not take (a trailing ``;``
included: "Unrecognized content type parameters") is a 415 with MLflow's own words, in that same JSON form
(MLflow answers them in plain text: a listed difference, so that every error of the stub is a JSON body).

Databricks: ``POST /serving-endpoints/{service}/invocations``, ``Authorization: Bearer <token>``; a missing or
wrong token is a 401 ``{"error_code": 401, "message": ...}``, as Databricks' front end answers.

The default service answers at the root paths; a cell's own under ``/svc/{service}``.  Each serves the
diabetes ridge (columns ``age, sex, bmi, bp, s1..s6``, as the model's signature names them); ``iris`` (the
classifier, class names as predictions) is reached as ``.../models/iris/invocations`` (the stub's addition:
an MLflow server serves one model) or, on Databricks, ``.../served-models/iris/invocations``.
A service with an upstream (gateway mode) hands every route to the real server at its root path
(``/svc/<name>/invocations``, ``/serving-endpoints/<name>/invocations`` and their ``.../models/<m>``
forms -> ``/invocations``), after the stub's own credential check.
"""

from __future__ import annotations

import csv
import io
import json
import re
from typing import Any

from aiohttp import web

from ..auth import AuthError
from ..blas import gemv_n
from ..errors import InputError, StubError
from ..forward import Gateway
from ..inputs import parse_json, read_body
from ..model import Classifier, LinearModel, finite
from ..state import DEFAULT_SERVICE, SERVICE_NAME, Stub
from . import standin

SVC = "/svc/{service:" + SERVICE_NAME + "}"
DATABRICKS = "/serving-endpoints/{service:" + SERVICE_NAME + "}"
MODEL = "{model:" + SERVICE_NAME + "}"
VERSION = "3.17.2"  # the MLflow release whose answers the stub copies
FORMATS = "{'dataframe_split', 'dataframe_records', 'inputs', 'instances'}"  # as MLflow prints its set
REQUIRED_INPUT_FORMAT = f"The input must be a JSON dictionary with exactly one of the input fields {FORMATS}"
CONTENT_TYPES = "['text/csv', 'application/json', 'application/vnd.apache.parquet']"
PROTOCOL_CHANGE = (
    "IMPORTANT: The MLflow Model scoring protocol has changed in MLflow version 2.0. If you are"
    " seeing this error, you are likely using an outdated scoring request format. To resolve the"
    " error, either update your request format or adjust your MLflow Model's requirements file to"
    " specify an older version of MLflow (for example, change the 'mlflow' requirement specifier"
    " to 'mlflow==1.30.0'). If you are making a request using the MLflow client"
    " (e.g. via `mlflow.pyfunc.spark_udf()`), upgrade your MLflow client to a version >= 2.0 in"
    " order to use the new request format. For more information about the updated MLflow"
    " Model scoring protocol in MLflow 2.0, see"
    " https://mlflow.org/docs/latest/models.html#deploy-mlflow-models."
)
# MLflow adds a SQLSTATE and an error class to each code's body.
ERROR_CLASSES = {
    "BAD_REQUEST": ("KAM00", "INVALID_PARAMETER_VALUE"),
    "SCHEMA": ("KAM01", "SCHEMA_ENFORCEMENT_FAILED"),
    "RESOURCE_DOES_NOT_EXIST": ("KAM00", "RESOURCE_NOT_FOUND"),
}
Frame = tuple[list[Any], list[list[Any]]]  # column names, rows
MODEL_PART = re.compile(r"/(?:served-)?models/[^/?]+(?=/invocations)")  # the stub's choice of model


class _Gateway(Gateway):
    """The real server serves one model (the harness starts the one asked for): no model in its paths."""

    def target(self, request: web.Request) -> str:
        return MODEL_PART.sub("", super().target(request), count=1)


def register(stub: Stub, router: web.UrlDispatcher) -> None:
    stub.claim_service_paths("/svc/")
    stub.claim_service_paths("/serving-endpoints/")
    server = MLflow(stub)
    gateway = _Gateway(stub, server.authorize)  # a service with an upstream: the real server answers (forward.py)
    ping, version, score = gateway.either(server.ping), gateway.either(server.version), gateway.either(server.score)
    for prefix in ("", SVC):
        for route in ("/ping", "/health"):
            router.add_get(prefix + route, ping)
        router.add_get(prefix + "/version", version)
        router.add_post(prefix + "/invocations", score)
        router.add_post(prefix + "/models/" + MODEL + "/invocations", score)
    router.add_post(DATABRICKS + "/invocations", score)
    router.add_post(DATABRICKS + "/served-models/" + MODEL + "/invocations", score)


def mlflow_error(message: str, code: str = "BAD_REQUEST", status: int = 400) -> StubError:
    body: dict[str, Any] = {"error_code": "INVALID_PARAMETER_VALUE" if code == "SCHEMA" else code, "message": message}
    if code in ERROR_CLASSES:
        body["sqlstate"], body["error_class"] = ERROR_CLASSES[code]
    return StubError(status, message, body=body)


def invalid(message: str) -> StubError:
    return mlflow_error(f"Invalid input. {message}")


def plain(status: int, text: str) -> web.Response:
    """MLflow's plain-text refusals, in its JSON error form: the same status and words."""
    return web.json_response({"error_code": "BAD_REQUEST", "message": text}, status=status)


def media_problem(header: str | None) -> tuple[str, web.Response | None]:
    """The media type, or MLflow's 415 for a Content-Type it does not take (split on ``;`` as MLflow does)."""
    if header is None:  # MLflow fails with a 500 here; the stub says what is missing
        return "", plain(415, f"This predictor only supports the following content types: Types: {CONTENT_TYPES}."
                              " Got no Content-Type header.")  # fmt: skip
    media, *pairs = [part.strip() for part in header.split(";")]
    params = {key: value for key, _, value in (pair.partition("=") for pair in pairs)}
    if params.get("charset", "utf-8").lower() != "utf-8":
        return media, plain(415, "The scoring server only supports UTF-8")
    unexpected = set(params) - {"charset"}
    if unexpected:
        return media, plain(415, f"Unrecognized content type parameters: {', '.join(unexpected)}. {PROTOCOL_CHANGE}")
    if media not in ("application/json", "text/csv"):  # exact, as MLflow compares (parquet: not in the stub)
        shown = header.replace("'", "\\'")
        return media, plain(
            415, f"This predictor only supports the following content types: Types: {CONTENT_TYPES}. Got '{shown}'."
        )
    return media, None


# -- the four JSON forms and CSV, as tables --------------------------------------------
def _positional(rows: list[Any]) -> Frame:
    """Rows without column names (lists, or single values): columns 0, 1, ... as pandas numbers them."""
    rows = [row if isinstance(row, list) else [row] for row in rows]
    return list(range(max((len(r) for r in rows), default=0))), rows


def _records(records: list[Any]) -> Frame:
    """Records (objects) by name, missing fields empty; or rows of values."""
    if not all(isinstance(r, dict) for r in records):
        return _positional(records)
    columns = list(dict.fromkeys(k for r in records for k in r))
    return columns, [[r.get(c) for c in columns] for r in records]


def _split(doc: Any) -> Frame:
    if not isinstance(doc, dict):
        kind = "list" if isinstance(doc, list) else f"type {_pytype(doc)}"
        raise invalid(f"Dataframe split format must be a dictionary. Got {kind}.")
    keys = set(doc)
    if "data" not in keys or keys - {"columns", "data", "index"}:
        shown = "{" + ", ".join(repr(k) for k in doc) + "}"
        raise invalid(f"Dataframe split format must have 'data' field and optionally 'columns' and 'index' fields."
                      f" Got {shown}.'")  # fmt: skip
    data, columns = doc["data"], doc.get("columns")
    not_split = "Provided dataframe_split field is not a valid dataframe representation in 'split' format."
    if not isinstance(data, list) or not all(isinstance(r, list) for r in data):
        raise invalid(f"{not_split} Error: 'data must be a list of rows (lists of values)'")
    if columns is None:
        return _positional(data)
    if not isinstance(columns, list):
        raise invalid(f"{not_split} Error: 'columns must be a list of names'")
    for row in data:
        if len(row) != len(columns):
            raise invalid(f"{not_split} Error: '{len(columns)} columns passed, passed data had {len(row)} columns'")
    return columns, data


def _columnar(doc: dict) -> Frame:
    """``inputs`` as an object: a column per key, each a list of values (or one value)."""
    columns = {k: v if isinstance(v, list) else [v] for k, v in doc.items()}
    lengths = {len(v) for v in columns.values()}
    if len(lengths) > 1:
        raise invalid("Ensure that the input is a valid JSON-formatted string.\nError: "
                      "ValueError('All arrays must be of the same length')")  # fmt: skip
    n = lengths.pop() if lengths else 0
    return list(columns), [[v[i] for v in columns.values()] for i in range(n)]


def frame_of(doc: Any) -> Frame:
    """The table a JSON body holds, with MLflow's messages for each form it refuses."""
    if isinstance(doc, list):
        raise invalid(f"{REQUIRED_INPUT_FORMAT}. Received a list.")
    if not isinstance(doc, dict):
        raise invalid(f"{REQUIRED_INPUT_FORMAT}. Received unexpected input type '{_pytype(doc)}'.")
    present = [k for k in doc if k in ("dataframe_split", "dataframe_records", "instances", "inputs")]
    if len(present) != 1:
        message = f"Received dictionary with input fields: {present!r}"
        raise mlflow_error(f"{REQUIRED_INPUT_FORMAT}. {message}. {PROTOCOL_CHANGE}")
    key, value = present[0], doc[present[0]]
    if key == "dataframe_split":
        return _split(value)
    if key == "dataframe_records" and not isinstance(value, list):
        kind = "dictionary" if isinstance(value, dict) else f"type {_pytype(value)}"
        raise invalid(f"Dataframe records format must be a list of records. Got {kind}.")
    if key == "inputs" and isinstance(value, dict):
        return _columnar(value)
    return _records(value if isinstance(value, list) else [value])


def frame_of_csv(body: bytes) -> Frame:
    try:
        rows = [row for row in csv.reader(io.StringIO(body.decode("utf-8"))) if row]
    except (UnicodeDecodeError, csv.Error) as exc:
        raise invalid(f"Ensure that input is a valid UTF-8 encoded string. Error: '{exc!r}'") from None
    if not rows:
        raise mlflow_error("Failed to parse input as a Pandas DataFrame. Ensure that the input is a valid "
                           "CSV-formatted Pandas DataFrame produced using the `pandas.DataFrame.to_csv()` method. "
                           "Error: 'No columns to parse from file'")  # fmt: skip
    return rows[0], rows[1:]


def _widths(frame: Frame) -> tuple[list, int]:
    """A table's column names and its widest row."""
    return frame[0], max((len(row) for row in frame[1]), default=0)


def _pytype(value: Any) -> str:
    return f"<class '{type(value).__name__}'>"


# -- the model's signature ---------------------------------------------------------------
def schema_text(names: tuple[str, ...]) -> str:
    return "[" + ", ".join(f"'{n}': double (required)" for n in names) + "]"


def features(frame: Frame, names: tuple[str, ...]) -> list[list[float]]:
    """The signature's columns of each row as doubles (extra columns dropped, as MLflow drops them)."""
    columns, rows = frame
    missing = [n for n in names if n not in columns]
    if missing:
        extra = [c for c in columns if c not in names]
        note = f" Note that there were extra inputs: {extra!r}." if extra else ""
        raise mlflow_error(
            f"Failed to enforce schema of data with schema '{schema_text(names)}'. "
            f"Error: Model is missing inputs {missing!r}.{note}",
            "SCHEMA",
        )
    if not rows:
        raise invalid("the data has no rows; send at least one")
    where = [columns.index(n) for n in names]
    out = []
    for i, row in enumerate(rows, start=1):
        values = []
        for name, j in zip(names, where):
            value = finite(row[j], strings=True)
            if value is None:
                raise _not_a_double(name, i, row[j])
            values.append(value)
        out.append(values)
    return out


def _not_a_double(name: str, row: int, value: Any) -> StubError:
    if value is None:
        return invalid(f"Column {name} of row {row} is empty (null or missing); the model takes no missing values")
    why = f"could not convert string to float: {value!r}" if isinstance(value, str) else f"{json.dumps(value)[:40]}"
    return invalid(f"Data is not compatible with model signature. Failed to convert column {name} to type "
                   f"'float64'. Error: 'ValueError(\"{why}\")'")  # fmt: skip


class MLflow:
    def __init__(self, stub: Stub) -> None:
        self.stub = stub
        self.models: dict[str, LinearModel | Classifier] = {"diabetes": stub.model, "iris": Classifier.load()}

    async def ping(self, request: web.Request) -> web.Response:
        return web.Response(body=b"\n", content_type="application/json")  # no charset, as MLflow

    async def version(self, request: web.Request) -> web.Response:
        return web.Response(body=VERSION.encode(), content_type="application/json")

    def authorize(self, request: web.Request, name: str) -> None:
        """The service's credentials: MLflow's UNAUTHENTICATED, or Databricks' 401 on its routes."""
        header, auth = request.headers.get("Authorization"), self.stub.auth_of(name)
        databricks = request.path.startswith("/serving-endpoints/")
        if databricks and auth.mode != "none" and not (header or "").startswith("Bearer "):
            message = "Credential was not sent or was of an unsupported type for this API."
            raise StubError(401, message, body={"error_code": 401, "message": message})
        try:
            auth.check(header, name, self.stub.tokens)
        except AuthError as exc:
            if not databricks:
                raise mlflow_error(str(exc), "UNAUTHENTICATED", 401) from None
            message = "Invalid access token."
            raise StubError(401, message, body={"error_code": 401, "message": message}) from None

    async def score(self, request: web.Request) -> web.Response:
        service = request.match_info.get("service", DEFAULT_SERVICE)
        self.authorize(request, service)
        named, stand_in = request.match_info.get("model"), self.stub.stand_in(service)
        model = None if stand_in and named and named not in self.models else self._model(named or "diabetes")
        media, refused = media_problem(request.headers.get("Content-Type"))
        if refused:
            return refused
        body = await read_body(request)
        if media == "text/csv":
            frame = frame_of_csv(body)
        else:
            try:
                doc = parse_json(body)
            except InputError as exc:
                raise invalid(f"Ensure that input is a valid JSON formatted string. Error: '{exc}'") from None
            frame = frame_of(doc)
        if model is None or (stand_in and not named and standin.foreign_frame(*_widths(frame), model.feature_names)):
            return self._stand_in(request, frame, named or standin.NAME)
        rows = features(frame, model.feature_names)
        if isinstance(model, Classifier):
            predictions: list = [model.predict(x) for x in rows]
        else:  # scikit-learn gets a DataFrame, column-major: numpy sums its rows in dgemv_n's order
            predictions = [y + model.intercept for y in gemv_n(rows, list(model.coefficients))]
        return web.json_response({"predictions": predictions})

    def _stand_in(self, request: web.Request, frame: Frame, name: str) -> web.Response:
        """Any table with rows: one prediction per row (standin.py)."""
        if not frame[1]:
            raise invalid("the data has no rows; send at least one")
        standin.served(request, name)
        return web.json_response({"predictions": [standin.row_value(row) for row in frame[1]]})

    def _model(self, name: str) -> LinearModel | Classifier:
        if name not in self.models:
            known = ", ".join(self.models)
            raise mlflow_error(f"Model {name!r} is not served here; the models are {known}",
                               "RESOURCE_DOES_NOT_EXIST", 404)  # fmt: skip
        return self.models[name]
