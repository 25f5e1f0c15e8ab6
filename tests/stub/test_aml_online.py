"""Azure ML managed online endpoints: deployments, traffic split, the azureml-model-deployment header, keys and
aml_tokens, per-cell isolation under /svc/{service}, and the gateway in front of a real model server."""

from __future__ import annotations

import json
import time

import pytest
import requests

import server_stub
from server_stub.dialects.aml_online import NO_ROUTE, NO_ROUTE_NAMED
from tests.conftest import PAGE_ROWS
from tests.stub.upstreams import raw_upstream

HEADER = "azureml-model-deployment"
SCALE = 1.1
BLUE_GREEN = {"deployments": {"blue": {}, "green": {"scale": SCALE}}, "traffic": {"blue": 100}}


def endpoint(stub, name: str = "ep", auth: str = "key", setup: dict | None = None) -> dict:
    """Make ``name`` an online endpoint (key auth, blue and green); its keys."""
    assert stub.admin("PUT", f"/services/{name}/auth", json={"mode": auth}).status_code == 200
    resp = stub.admin("PUT", f"/services/{name}/deployments", json=setup or BLUE_GREEN)
    assert resp.status_code == 200, resp.text
    return stub.admin("GET", f"/services/{name}").json()["auth"]


def online(stub, name: str = "ep", credential: str | None = None, deployment: str | None = None, path=None):
    headers = {"Content-Type": "application/json"}
    if credential is not None:
        headers["Authorization"] = f"Bearer {credential}"
    if deployment is not None:
        headers[HEADER] = deployment
    url = stub.url + (path or f"/svc/{name}/score")
    return requests.post(url, data=json.dumps({"data": PAGE_ROWS}), headers=headers, timeout=10)


def test_the_header_picks_the_deployment_whatever_the_split(stub):
    keys = endpoint(stub)
    blue = online(stub, credential=keys["primaryKey"])
    green = online(stub, credential=keys["primaryKey"], deployment="green")
    assert blue.status_code == green.status_code == 200
    assert (blue.headers[HEADER], green.headers[HEADER]) == ("blue", "green")
    assert green.json() == [p * SCALE for p in blue.json()]  # green's own model: predictions differ
    assert blue.json() == stub.score().json()  # blue (scale 1) is the plain model


def test_without_the_header_the_traffic_split_routes(stub):
    keys = endpoint(stub, setup={**BLUE_GREEN, "traffic": {"blue": 0, "green": 100}})
    served = {online(stub, credential=keys["primaryKey"]).headers[HEADER] for _ in range(5)}
    assert served == {"green"}
    endpoint(stub, setup={**BLUE_GREEN, "traffic": {"blue": 50, "green": 50}})
    served = {online(stub, credential=keys["primaryKey"]).headers[HEADER] for _ in range(60)}
    assert served == {"blue", "green"}  # each weighted half: the chance of missing one is 2**-59


def test_no_positive_weight_routes_only_by_header(stub):
    keys = endpoint(stub, setup={**BLUE_GREEN, "traffic": {}})
    refused = online(stub, credential=keys["primaryKey"])
    assert refused.status_code == 404 and refused.json() == {"status_code": 404, "message": NO_ROUTE}
    assert online(stub, credential=keys["primaryKey"], deployment="blue").headers[HEADER] == "blue"


def test_an_unknown_deployment_is_a_404_naming_it_and_the_deployments(stub):
    keys = endpoint(stub)
    resp = online(stub, credential=keys["primaryKey"], deployment="purple")
    assert resp.status_code == 404 and HEADER not in resp.headers
    message = resp.json()["message"]
    assert message.startswith(NO_ROUTE_NAMED) and "'purple'" in message and "blue, green" in message
    assert len(message) <= 200  # what the sample clients print of a message
    assert online(stub, credential=keys["primaryKey"], deployment="Green").status_code == 404  # names are exact


def test_credentials_are_checked_before_routing(stub):
    keys = endpoint(stub)
    for credential in (None, "wrong-key"):
        resp = online(stub, credential=credential, deployment="purple")
        assert resp.status_code == 401 and "WWW-Authenticate" in resp.headers
    no_bearer = requests.post(
        stub.url + "/svc/ep/score", json={"data": PAGE_ROWS}, headers={"Authorization": keys["primaryKey"]}, timeout=10
    )
    assert no_bearer.status_code == 401 and "Bearer" in no_bearer.json()["message"]


def test_both_keys_work_and_a_regenerated_one_stops(stub):
    keys = endpoint(stub)
    assert online(stub, credential=keys["primaryKey"]).status_code == 200
    assert online(stub, credential=keys["secondaryKey"]).status_code == 200
    stub.admin("POST", "/services/ep/keys/regenerate", json={"key": "secondary"})
    assert online(stub, credential=keys["secondaryKey"]).status_code == 401
    assert online(stub, credential=keys["primaryKey"]).status_code == 200


def test_an_aml_token_has_its_times_and_works_until_it_expires(stub):
    endpoint(stub, auth="token")
    token = stub.admin("POST", "/services/ep/token").json()
    assert time.time() < token["refreshAfterTimeUtc"] < token["expiryTimeUtc"] and token["tokenType"] == "Bearer"
    ok = online(stub, credential=token["accessToken"], deployment="green")
    assert ok.status_code == 200 and ok.headers[HEADER] == "green"
    expired = stub.admin("POST", "/services/ep/token", json={"lifetimeSeconds": -60}).json()
    assert expired["expiryTimeUtc"] < time.time()
    refused = online(stub, credential=expired["accessToken"], deployment="green")
    assert refused.status_code == 401 and "expired" in refused.json()["message"]
    stub.admin("PUT", "/services/other/auth", json={"mode": "token"})
    other = stub.admin("POST", "/services/other/token").json()
    assert online(stub, credential=other["accessToken"]).status_code == 401  # another endpoint's token


def test_each_cell_has_its_own_endpoint(stub):
    endpoint(stub, "a", auth="none")
    endpoint(stub, "b", auth="none", setup={**BLUE_GREEN, "traffic": {"green": 100}})
    assert online(stub, "a").headers[HEADER] == "blue" and online(stub, "b").headers[HEADER] == "green"
    assert [e["path"] for e in stub.journal("a")] == ["/svc/a/score"]
    plain = stub.score(service="a", headers={HEADER: "green"})  # the same service under its v1 path: routed too
    assert plain.headers[HEADER] == "green"
    untouched = stub.score(headers={HEADER: "green"})  # the default service has no deployments: header ignored
    assert untouched.status_code == 200 and HEADER not in untouched.headers
    stub.admin("DELETE", "/services/b")  # a reset forgets the deployments
    assert HEADER not in online(stub, "b").headers
    assert stub.admin("GET", "/services/b/deployments").json() == {"service": "b", "deployments": {}}


def test_the_default_endpoint_answers_at_the_root(stub):
    endpoint(stub, "default", auth="none")
    resp = online(stub, deployment="green", path="/score")
    assert resp.status_code == 200 and resp.headers[HEADER] == "green"
    assert stub.admin("DELETE", "/services/default/deployments").json()["deployments"] == {}
    assert HEADER not in online(stub, deployment="green", path="/score").headers


def test_an_endpoints_swagger_has_its_own_base_path(stub):
    endpoint(stub, auth="none")
    doc = requests.get(stub.url + "/svc/ep/swagger.json", timeout=10).json()
    assert doc["basePath"] == "/svc/ep"


@pytest.mark.parametrize(
    "setup",
    [
        {},
        {"deployments": []},
        {"deployments": {}},
        {"deployments": {"blue": {}}, "mirror": {}},
        {"deployments": {"b": {}}},
        {"deployments": {"1blue": {}}},
        {"deployments": {"blue": {"model": "x"}}},
        {"deployments": {"blue": []}},
        *({"deployments": {"blue": {"scale": s}}} for s in (0, -1, "2", True, None)),
        {"deployments": {"blue": {}}, "traffic": []},
        {"deployments": {"blue": {}}, "traffic": {"green": 100}},
        *({"deployments": {"blue": {}}, "traffic": {"blue": p}} for p in (90, 101, -1, 50.0, "100", True)),
    ],
)
def test_bad_deployment_settings_are_a_400_saying_why(stub, setup):
    resp = stub.admin("PUT", "/services/ep/deployments", json=setup)
    assert resp.status_code == 400 and resp.json()["message"]
    assert stub.admin("GET", "/services/ep/deployments").json()["deployments"] == {}  # nothing half-set


def test_a_non_json_body_is_a_400(stub):
    resp = stub.admin("PUT", "/services/ep/deployments", data=b"{not json", headers={"Content-Type": "text/plain"})
    assert resp.status_code == 400


def test_the_gateway_routes_and_says_which_deployment_the_upstream_answered_for():
    answer = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 5\r\nConnection: close\r\n\r\n[1.5]"
    with (
        raw_upstream(response=answer) as upstream,
        server_stub.running(server_stub.StubConfig(upstream=upstream.url, auth="none")) as (_, url),
    ):
        requests.put(url + "/__admin/services/ep/deployments", json=BLUE_GREEN, timeout=10).raise_for_status()
        body = json.dumps({"data": PAGE_ROWS})
        ok = requests.post(url + "/svc/ep/score", data=body, headers={HEADER: "green"}, timeout=10)
        refused = requests.post(url + "/svc/ep/score", data=body, headers={HEADER: "purple"}, timeout=10)
    assert ok.status_code == 200 and ok.content == b"[1.5]" and ok.headers[HEADER] == "green"  # relayed, unscaled
    assert refused.status_code == 404
    [forwarded] = upstream.requests  # the unknown deployment never reached the model server
    assert forwarded.startswith(b"POST /score HTTP/1.1\r\n")
