"""Fixtures shared by the whole suite."""

from __future__ import annotations

import json
import pathlib

import pytest
import requests

import server_stub

ROOT = pathlib.Path(__file__).resolve().parents[1]
MODEL = json.loads((ROOT / "server_stub" / "models" / "diabetes.json").read_text())
PAGE_ROWS = MODEL["example"]["data"]
# The figures printed on the seed documentation page.
PAGE_PREDICTIONS = [217.67978776218715, 224.78937091757172]


class StubClient:
    """A running stub plus small helpers for its scoring and admin routes."""

    def __init__(self, stub: server_stub.Stub, url: str) -> None:
        self.stub, self.url = stub, url
        self.http = requests.Session()

    def score(
        self,
        body=None,
        *,
        service: str | None = None,
        key: str | None = None,
        headers: dict | None = None,
        data: bytes | str | None = None,
    ) -> requests.Response:
        path = "/score" if service is None else f"/api/v1/service/{service}/score"
        h = {"Content-Type": "application/json", **(headers or {})}
        if key is not None:
            h["Authorization"] = f"Bearer {key}"
        payload = data if data is not None else json.dumps({"data": PAGE_ROWS} if body is None else body)
        return self.http.post(self.url + path, data=payload, headers=h, timeout=10)

    def admin(self, method: str, path: str, **kwargs) -> requests.Response:
        return self.http.request(method, f"{self.url}/__admin{path}", timeout=10, **kwargs)

    def journal(self, service: str | None = None) -> list[dict]:
        params = {"service": service} if service else {}
        resp = self.admin("GET", "/requests", params=params)
        resp.raise_for_status()
        return resp.json()["requests"]


@pytest.fixture
def make_stub():
    """Start stubs with the given StubConfig fields; all stop at the test's end."""
    with_blocks = []

    def start(**config) -> StubClient:
        cm = server_stub.running(server_stub.StubConfig(**config))
        stub, url = cm.__enter__()
        with_blocks.append(cm)
        return StubClient(stub, url)

    yield start
    for cm in reversed(with_blocks):
        cm.__exit__(None, None, None)


@pytest.fixture
def stub(make_stub) -> StubClient:
    return make_stub()
