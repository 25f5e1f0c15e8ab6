"""Azure ML managed online endpoints: several deployments behind one scoring URI, a traffic split between them.

A service becomes an online endpoint when its deployments are set through the
admin API (``PUT /__admin/services/{service}/deployments``)::

    {"deployments": {"blue": {}, "green": {"scale": 1.5}}, "traffic": {"blue": 90, "green": 10}}

Each request to its ``/score`` is then routed as the endpoint's front end
routes it: credentials first (the service's key or ``aml_token``), then the
deployment named by the ``azureml-model-deployment`` header whatever the
split (one at 0 % included, as for testing a new deployment), else one drawn
by the traffic weights.  The answer carries ``azureml-model-deployment:
<name>``, as Azure's does.  A deployment's ``scale`` multiplies its
predictions, standing in for a retrained model, so answers of two
deployments differ (the gateway relays the real server's answer unscaled).

No header when every weight is 0 is a 404 with the real front end's message
("No valid deployments to route to. Please check ..."; Azure answers 404
when it has nowhere to send a request).  A header naming no deployment is
the same 404, whose message, after the same first sentence, names the
header's value and the endpoint's deployments where the real one repeats
its advice: a deliberate difference, so the error line says what is wrong
(and stays under the 200 characters a sample client prints).
"""

from __future__ import annotations

import math
import random
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from aiohttp import web

from ..errors import StubError, refused
from ..inputs import admin_json
from ..state import ADMIN, DEFAULT_SERVICE, SERVICE_NAME, Stub

HEADER = "azureml-model-deployment"
NAME = re.compile(r"[A-Za-z][A-Za-z0-9-]{2,31}")  # Azure's rule for deployment names
NO_ROUTE_NAMED = "No valid deployments to route to."
NO_ROUTE = (
    f"{NO_ROUTE_NAMED} Please check that the endpoint has at least one deployment with positive "
    "weight values or use a deployment specific header to route."
)
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
Authorize = Callable[[web.Request, str], None]


@dataclass(frozen=True)
class Deployment:
    name: str
    scale: float = 1.0  # multiplies the model's predictions


DEPLOYMENT = web.RequestKey("server_stub.deployment", Deployment)  # the deployment a request was routed to


def _deployment(name: object, doc: object) -> Deployment:
    if not isinstance(name, str) or not NAME.fullmatch(name):
        raise ValueError(f"deployment name {name!r} must be 3-32 letters, digits or '-', starting with a letter")
    if not isinstance(doc, dict) or set(doc) - {"scale"}:
        raise ValueError(f'deployment {name!r} takes {{"scale": NUMBER}} or {{}}')
    scale = doc.get("scale", 1.0)
    if isinstance(scale, bool) or not isinstance(scale, (int, float)) or not 0 < scale < math.inf:
        raise ValueError(f"deployment {name!r}: scale must be a positive number")
    return Deployment(name, float(scale))


@dataclass(frozen=True)
class Endpoint:
    deployments: dict[str, Deployment]
    traffic: dict[str, int]  # percent by deployment, summing to 100 (or 0: only the header routes)

    @classmethod
    def from_json(cls, doc: dict) -> Endpoint:
        if set(doc) - {"deployments", "traffic"} or not isinstance(doc.get("deployments"), dict):
            raise ValueError('send {"deployments": {NAME: {"scale": NUMBER}, ...}, "traffic": {NAME: PERCENT, ...}}')
        deployments = {name: _deployment(name, d) for name, d in doc["deployments"].items()}
        if not deployments:
            raise ValueError("an endpoint needs at least one deployment")
        traffic = doc.get("traffic", {})
        if not isinstance(traffic, dict):
            raise ValueError("traffic must be an object of deployment names and percentages")
        for name, percent in traffic.items():
            if name not in deployments:
                raise ValueError(f"traffic names {name!r}, which is not a deployment ({', '.join(deployments)})")
            if isinstance(percent, bool) or not isinstance(percent, int) or not 0 <= percent <= 100:
                raise ValueError(f"traffic of {name!r} must be a whole percentage from 0 to 100")
        if sum(traffic.values()) not in (0, 100):
            raise ValueError(f"traffic must add up to 100 (or 0), not {sum(traffic.values())}")
        return cls(deployments, {name: traffic.get(name, 0) for name in deployments})

    def to_json(self) -> dict:
        return {"deployments": {d.name: {"scale": d.scale} for d in self.deployments.values()}, "traffic": self.traffic}

    def route(self, wanted: str | None, rng: random.Random) -> Deployment:
        """The deployment a request goes to: the one named, else one drawn by weight; StubError 404 if none."""
        if wanted:
            if wanted in self.deployments:
                return self.deployments[wanted]
            known = ", ".join(self.deployments)
            raise StubError(404, f"{NO_ROUTE_NAMED} The {HEADER} header names {wanted[:32]!r}; this endpoint's "
                                 f"deployments are {known}.")  # fmt: skip
        names = [name for name, percent in self.traffic.items() if percent > 0]
        if not names:
            raise StubError(404, NO_ROUTE)
        return self.deployments[rng.choices(names, [self.traffic[n] for n in names])[0]]


class OnlineEndpoints:
    """The services that are online endpoints, and the routing in front of their scoring route."""

    def __init__(self, stub: Stub, rng: random.Random | None = None) -> None:
        self.endpoints: dict[str, Endpoint] = {}
        self.rng = rng or random.Random()
        stub.reset_hooks.append(self.reset)

    def reset(self, service: str) -> None:
        self.endpoints.pop(service, None)

    def register_admin(self, router: web.UrlDispatcher) -> None:
        path = ADMIN + "/services/{service:" + SERVICE_NAME + "}/deployments"
        router.add_get(path, self.admin_get)
        router.add_put(path, self.admin_set)
        router.add_delete(path, self.admin_delete)

    def routed(self, handler: Handler, authorize: Authorize) -> Handler:
        """``handler`` behind the front end of an online endpoint (services without deployments: as they were)."""

        async def score(request: web.Request) -> web.StreamResponse:
            name = request.match_info.get("service", DEFAULT_SERVICE)
            endpoint = self.endpoints.get(name)
            if endpoint is None:
                return await handler(request)
            authorize(request, name)  # the front end checks credentials before it routes
            deployment = endpoint.route(request.headers.get(HEADER, "").strip(), self.rng)
            request[DEPLOYMENT] = deployment
            response = await handler(request)
            response.headers[HEADER] = deployment.name
            return response

        return score

    # -- admin ----------------------------------------------------------------------
    def _described(self, name: str) -> web.Response:
        endpoint = self.endpoints.get(name)
        return web.json_response({"service": name, **(endpoint.to_json() if endpoint else {"deployments": {}})})

    async def admin_get(self, request: web.Request) -> web.Response:
        return self._described(request.match_info["service"])

    async def admin_set(self, request: web.Request) -> web.Response:
        doc = await admin_json(request)
        with refused():
            self.endpoints[request.match_info["service"]] = Endpoint.from_json(doc)
        return self._described(request.match_info["service"])

    async def admin_delete(self, request: web.Request) -> web.Response:
        self.reset(request.match_info["service"])
        return self._described(request.match_info["service"])
