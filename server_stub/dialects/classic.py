"""What the two Azure ML Studio (classic) dialects share: routes' prefix, auth, the input table, the output table.

Both live under ``/workspaces/{workspace}/services/{service}``, need
``?api-version=2.0``, take Bearer credentials by the service's auth settings,
read an ``Inputs.input1`` table scored with the diabetes model, and answer
errors as ``{"error": {"code", "message"}}``.  This module is no dialect of
its own: ``classic_rrs`` and ``classic_bes`` register the routes.
"""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from ..auth import AuthError
from ..errors import InputError, StubError
from ..inputs import content_type_problem, parse_json, read_body
from ..model import finite
from ..state import SERVICE_NAME, Stub

PREFIX = "/workspaces/{workspace:[A-Za-z0-9_.-]+}/services/{service:" + SERVICE_NAME + "}"
API_VERSION = "2.0"
SHAPE = '{"Inputs": {"input1": {"ColumnNames": [...], "Values": [[...], ...]}}, "GlobalParameters": {}}'


def claim(stub: Stub) -> str:
    """File the classic routes' requests under their service; the routes' prefix."""
    stub.claim_service_paths("/workspaces/[^/]+/services/")
    return PREFIX


def classic_error(status: int, code: str, message: str, headers: dict | None = None) -> StubError:
    return StubError(status, message, headers, body={"error": {"code": code, "message": message}})


def authorize(stub: Stub, request: web.Request) -> str:
    """The service's name, once the credentials and the api-version are right."""
    name = request.match_info["service"]
    try:
        stub.auth_of(name).check(request.headers.get("Authorization"), name, stub.tokens)
    except AuthError as exc:
        raise classic_error(401, "Unauthorized", str(exc), {"WWW-Authenticate": "Bearer"}) from None
    version = request.query.get("api-version")
    if version != API_VERSION:
        got = "no api-version" if version is None else f"api-version={version!r}"
        raise classic_error(400, "BadArgument", f"add ?api-version={API_VERSION} to the URL (got {got})")
    return name


async def read_table(stub: Stub, request: web.Request) -> tuple[list[str], list[list[Any]]]:
    """The request's ``Inputs.input1`` table: column names and rows of numbers (or numeric strings)."""
    problem = content_type_problem(request.headers.get("Content-Type"), "application/json")
    if problem:
        raise classic_error(415, "UnsupportedMediaType", problem)
    try:
        doc = parse_json(await read_body(request), SHAPE)
    except InputError as exc:
        raise classic_error(400, "BadArgument", str(exc)) from None
    inputs = doc.get("Inputs") if isinstance(doc, dict) else None
    table = inputs.get("input1") if isinstance(inputs, dict) else None
    if not isinstance(table, dict):
        raise classic_error(400, "BadArgument", f"body must be {SHAPE}")
    names, values = table.get("ColumnNames"), table.get("Values")
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        raise classic_error(400, "BadArgument", "Inputs.input1.ColumnNames must be an array of column names")
    missing = [f for f in stub.model.feature_names if f not in names]
    if missing:
        raise classic_error(400, "MissingInputColumn", f"Inputs.input1 has no column(s) {', '.join(missing)}")
    if not isinstance(values, list) or not values:
        raise classic_error(400, "BadArgument", "Inputs.input1.Values must be a non-empty array of rows")
    return names, [_row(stub, names, row, i) for i, row in enumerate(values, start=1)]


def _row(stub: Stub, names: list[str], row: Any, i: int) -> list[Any]:
    if not isinstance(row, list) or len(row) != len(names):
        raise classic_error(400, "BadArgument", f"row {i} must have {len(names)} values, one per column")
    numbers = []
    for name, value in zip(names, row):
        number = finite(value, strings=True)  # classic sends numbers and numeric strings alike
        if number is None and name in stub.model.feature_names:
            shown = json.dumps(value)[:40]
            raise classic_error(400, "BadArgument", f"row {i}, column {name} is {shown}, expected a number")
        numbers.append(value if number is None else number)  # other columns pass through
    return numbers


def scored(stub: Stub, names: list[str], rows: list[list[Any]], details: bool) -> dict:
    """The output table: the input columns plus "Scored Labels", every value a string as classic returns."""
    model = stub.model
    index = {n: i for i, n in enumerate(names)}
    out = []
    for row in rows:
        prediction = model.predict([[row[index[f]] for f in model.feature_names]])[0]
        out.append([_text(v) for v in row] + [repr(prediction)])
    value: dict[str, Any] = {"Values": out}
    if details:
        value = {"ColumnNames": [*names, "Scored Labels"], "ColumnTypes": ["Numeric"] * (len(names) + 1), **value}
    return {"type": "table", "value": value}


def _text(value: Any) -> str:
    return repr(value) if isinstance(value, float) else "" if value is None else str(value)
