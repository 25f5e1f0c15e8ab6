"""Every dialect's scoring route, a body it scores, and its error form; a client that sends any bytes.

Shared by the bad-input tests, the quick fuzz test and ``bench/stub_fuzz.py``.
Requests go through ``http.client`` so that headers carry exactly the bytes
given (``requests`` would refuse or re-encode some of them).
"""

from __future__ import annotations

import http.client
import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from tests.conftest import PAGE_ROWS

KEY = "fuzz-key"
FEATURES = ["age", "sex", "bmi", "bp", "s1", "s2", "s3", "s4", "s5", "s6"]
IRIS_RECORD = {"sepal_length": 5.1, "sepal_width": 3.5, "petal_length": 1.4, "petal_width": 0.2}
TABLE = {"Inputs": {"input1": {"ColumnNames": FEATURES, "Values": PAGE_ROWS}}, "GlobalParameters": {}}


def stub_message(body: Any, status: int) -> str | None:
    """The message of the stub's own error form ``{"status_code", "message"}``, else None."""
    if isinstance(body, dict) and body.get("status_code") == status and isinstance(body.get("message"), str):
        return body["message"]
    return None


@dataclass(frozen=True)
class Route:
    dialect: str
    path: str  # {service} stands for the service's name
    valid: Any  # a body the route answers 200
    auth_header: str = "Authorization"

    def url_path(self, service: str) -> str:
        return self.path.format(service=service)

    def owns(self, path: str) -> bool:
        """Whether a path lies in this route's part of the URL space (its first segment)."""
        return path.split("/")[1:2] == self.path.split("/")[1:2]

    def credential(self, key: str = KEY) -> tuple[str, str]:
        return (self.auth_header, key if self.auth_header == "X-Auth-Token" else f"Bearer {key}")

    def message(self, body: Any, status: int) -> str | None:
        """The message of this dialect's own error form, else None."""
        if self.dialect == "modelarts":
            ok = isinstance(body, dict) and set(body) == {"error_code", "error_msg"}
            return body["error_msg"] if ok and isinstance(body["error_code"], str) else None
        if self.dialect == "tfserving":
            ok = isinstance(body, dict) and set(body) == {"error"} and isinstance(body["error"], str)
            return body["error"] if ok else None
        if self.dialect.startswith("classic"):
            error = body.get("error") if isinstance(body, dict) else None
            ok = isinstance(error, dict) and isinstance(error.get("code"), str)
            return error.get("message") if ok and isinstance(error.get("message"), str) else None
        return stub_message(body, status)


ENVELOPE = {"meta": {"uuid": "u-1"}, "data": {"req_data": [IRIS_RECORD]}}
ROUTES = [
    Route("azureml", "/api/v1/service/{service}/score", {"data": PAGE_ROWS}),
    Route("azureml-default", "/score", {"data": PAGE_ROWS}),
    Route("modelarts", "/v1/infers/{service}", ENVELOPE, "X-Auth-Token"),
    Route("classic-rrs", "/workspaces/ws/services/{service}/execute?api-version=2.0", TABLE),
    Route("classic-bes", "/workspaces/ws/services/{service}/jobs?api-version=2.0", TABLE),
    Route("tfserving", "/svc/{service}/v1/models/diabetes:predict", {"instances": PAGE_ROWS}),
]


@dataclass
class Answer:
    status: int
    content_type: str
    text: bytes

    def json(self) -> Any:
        return json.loads(self.text)


def send(url: str, method: str, path: str, body: bytes, headers: list[tuple[str, str | bytes]]) -> Answer:
    """One request with exactly these headers (in this order) and body; Content-Length is added unless given."""
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        conn.putrequest(method, path, skip_accept_encoding=True)
        for name, value in headers:
            conn.putheader(name, value)
        if not any(name.lower() in ("content-length", "transfer-encoding") for name, _ in headers):
            conn.putheader("Content-Length", str(len(body)))
        try:
            conn.endheaders(body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the stub answered early (a request it refused before its body) and closed: read that answer
        resp = conn.getresponse()
        return Answer(resp.status, resp.headers.get("Content-Type", ""), resp.read())
    finally:
        conn.close()
