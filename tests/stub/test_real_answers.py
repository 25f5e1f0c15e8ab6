"""The Azure ML dialect answers as azureml-inference-server-http 1.5.1 does where the stub does not differ on
purpose (harness/fidelity/differences.toml): its headers and request ids, GET scoring, OPTIONS, Swagger versions."""

import pytest

from server_stub.dialects.aml_headers import SERVER_VERSION


def test_a_score_carries_the_real_servers_headers(stub):
    resp = stub.score()
    assert resp.headers["x-ms-server-version"] == SERVER_VERSION == "azmlinfsrv/1.5.1"
    assert resp.headers["x-ms-run-function-failed"] == "False"
    assert float(resp.headers["x-ms-run-fn-exec-ms"]) >= 0
    assert resp.headers["x-request-id"] == resp.headers["x-ms-request-id"]  # a new id, used for both


def test_ids_given_are_echoed(stub):
    resp = stub.score(headers={"x-request-id": "r-1", "x-ms-client-request-id": "c-1", "TraceId": "t-1"})
    assert (resp.headers["x-request-id"], resp.headers["x-ms-request-id"]) == ("r-1", "c-1")
    assert (resp.headers["x-ms-client-request-id"], resp.headers["TraceId"]) == ("c-1", "t-1")
    legacy = stub.score(headers={"x-ms-request-id": "l-1"})
    assert legacy.headers["x-ms-request-id"] == legacy.headers["x-ms-client-request-id"] == "l-1"


@pytest.mark.parametrize("name", ["x-request-id", "x-ms-request-id", "x-ms-client-request-id"])
def test_an_id_over_100_characters_is_431_before_scoring(stub, name):
    resp = stub.score(headers={name: "r" * 101})
    assert resp.status_code == 431 and "must not exceed 100 characters" in resp.json()["message"]
    assert "x-request-id" not in resp.headers
    assert stub.score(headers={name: "r" * 100}).status_code == 200  # the twin: at the limit it is scored


def test_get_scores_its_query_parameters(stub):
    resp = stub.http.get(stub.url + "/score", params={"data": "[[1,2,3,4,5,6,7,8,9,10]]"}, timeout=5)
    assert resp.status_code == 200 and len(resp.json()) == 1
    empty = stub.http.get(stub.url + "/score", timeout=5)  # its twin: no data
    assert empty.status_code == 400 and 'missing field "data"' in empty.json()["message"]


def test_options_is_an_empty_200_and_health_is_html(stub):
    options = stub.http.options(stub.url + "/score", timeout=5)
    assert (options.status_code, options.content) == (200, b"")
    health = stub.http.get(stub.url + "/", timeout=5)
    assert health.headers["Content-Type"] == "text/html; charset=utf-8" and health.text == "Healthy"
    assert "x-ms-run-function-failed" not in health.headers and health.headers["x-ms-server-version"]


@pytest.mark.parametrize("version, status", [("2", 200), ("3", 404), ("9", 404)])
def test_swagger_versions(stub, version, status):
    resp = stub.http.get(stub.url + "/swagger.json", params={"version": version}, timeout=5)
    assert resp.status_code == status
    if status == 404:
        assert f"Swagger version [{version}]" in resp.json()["message"]
