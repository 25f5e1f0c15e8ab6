"""Talking to a running stub through its admin API (``/__admin/``)."""

from __future__ import annotations

import time
from typing import Any

import requests


class StubUnavailable(Exception):
    """The stub did not come up or stopped answering."""


class StubControl:
    def __init__(self, admin_url: str, timeout: float = 10.0) -> None:
        self.admin_url = admin_url.rstrip("/")
        self.timeout = timeout
        self.http = requests.Session()
        self.http.trust_env = False  # the stub is local: never through a proxy

    def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        url = f"{self.admin_url}/__admin{path}"
        try:
            resp = self.http.request(method, url, timeout=self.timeout, **kwargs)
        except requests.RequestException as exc:
            raise StubUnavailable(f"stub admin API at {self.admin_url} did not answer: {exc}") from None
        if resp.status_code >= 400:
            raise StubUnavailable(f"stub admin API: {method} {path} -> {resp.status_code} {resp.text[:300]}")
        return resp.json()

    def wait_ready(self, deadline_seconds: float = 30.0, alive: Any = None) -> None:
        """Poll the readiness route until it answers (``alive()`` False aborts)."""
        deadline = time.monotonic() + deadline_seconds
        last = ""
        while time.monotonic() < deadline:
            if alive is not None and not alive():
                raise StubUnavailable("the stub exited during start-up")
            try:
                self._call("GET", "/health")
                return
            except StubUnavailable as exc:
                last = str(exc)
            time.sleep(0.1)
        raise StubUnavailable(f"stub not ready after {deadline_seconds:g} s: {last}")

    def prepare(
        self, service: str, auth: str, input_mode: str = "json", token_lifetime: float | None = None
    ) -> dict[str, str]:
        """Reset a service, set its auth and input modes, and return its credentials (a token valid for
        ``token_lifetime`` seconds, the stub's default when None)."""
        self._call("DELETE", f"/services/{service}")
        if input_mode != "json":
            self._call("PUT", f"/services/{service}/input", json={"mode": str(input_mode)})
        described = self._call("PUT", f"/services/{service}/auth", json={"mode": str(auth)})["auth"]
        creds = {
            "primary_key": described.get("primaryKey", ""),
            "secondary_key": described.get("secondaryKey", ""),
            "token": "",
        }
        if auth == "token":
            lifetime = {} if token_lifetime is None else {"lifetimeSeconds": token_lifetime}
            creds["token"] = self._call("POST", f"/services/{service}/token", json=lifetime)["accessToken"]
        return creds

    def apply(self, plan) -> None:
        """The faults and batch-job settings of a cell's plan (``plan.CellPlan``) on its service."""
        for fault in plan.stub.faults:
            self.add_fault(plan.service, fault)
        if plan.stub.jobs is not None:
            self.set_jobs(plan.service, plan.stub.jobs)
        if plan.stub.deployments:
            self.set_deployments(plan.service, plan.stub.deployments, plan.stub.traffic)
        if plan.stub.stand_in:
            self.set_stand_in(plan.service, True)
        if plan.stub.any_content_type:
            self._call("PUT", f"/services/{plan.service}/content-type", json={"any": True})

    def set_stand_in(self, service: str, enabled: bool) -> None:
        """Whether the service serves the models it does not know with the stub's stand-in."""
        self._call("PUT", f"/services/{service}/stand-in", json={"enabled": enabled})

    def set_deployments(self, service: str, deployments: dict[str, float], traffic: dict[str, int]) -> None:
        """Make the service an online endpoint: its deployments (name -> scale) and traffic split."""
        doc = {"deployments": {name: {"scale": scale} for name, scale in deployments.items()}, "traffic": traffic}
        self._call("PUT", f"/services/{service}/deployments", json=doc)

    def open_tls(self, like: int) -> int:
        """One more HTTPS listener with the certificate of the one on port ``like``; its port."""
        return self._call("POST", "/tls", json={"like": like})["listener"]["port"]

    def close_tls(self, port: int) -> dict:
        """Close a listener opened with open_tls; what it saw (connections, handshakes, failed, ...)."""
        return self._call("DELETE", f"/tls/{port}")["listener"]

    def set_upstream(self, service: str, url: str | None, authorization: str | None = None, ca_pem: str | None = None):
        """The real server that answers the service's scoring requests behind the stub (None: the stub), with
        the Authorization the stub sends it and the CA certificates it is checked against (besides the system's)."""
        doc = {"url": url, **({"authorization": authorization} if authorization else {})}
        self._call("PUT", f"/services/{service}/upstream", json={**doc, **({"caPem": ca_pem} if ca_pem else {})})

    def add_fault(self, service: str, fault: dict) -> None:
        self._call("POST", f"/services/{service}/faults", json=fault)

    def set_jobs(self, service: str, settings: dict) -> None:
        """How the service's batch jobs run: seconds, fail (a message), nextId."""
        self._call("PUT", f"/services/{service}/jobs", json=settings)

    def journal(self, service: str) -> list[dict]:
        return self._call("GET", "/requests", params={"service": service})["requests"]

    def clear_faults(self, service: str) -> None:
        self._call("DELETE", f"/services/{service}/faults")
