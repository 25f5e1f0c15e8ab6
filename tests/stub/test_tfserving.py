"""The TF Serving / KServe v1 dialect: routes, auth, every class of bad input, per-cell isolation, the gateway."""

from __future__ import annotations

import json

import pytest
import requests

import server_stub
from tests.conftest import MODEL, PAGE_ROWS, ROOT
from tests.stub.upstreams import raw_upstream

KEY = "tf-key"
IRIS = json.loads((ROOT / "server_stub" / "models" / "iris.json").read_text())
PREDICT = "/v1/models/diabetes:predict"


@pytest.fixture
def keyed(make_stub):
    return make_stub(auth="key", primary_key=KEY)


def post(stub, path=PREDICT, body=None, *, key=KEY, data=None, headers=None) -> requests.Response:
    h = {"Content-Type": "application/json", **({"Authorization": f"Bearer {key}"} if key else {}), **(headers or {})}
    payload = data if data is not None else json.dumps({"instances": PAGE_ROWS} if body is None else body)
    return stub.http.post(stub.url + path, data=payload, headers=h, timeout=10)


def get(stub, path, key=KEY) -> requests.Response:
    return stub.http.get(stub.url + path, headers={"Authorization": f"Bearer {key}"} if key else {}, timeout=10)


def error_of(resp: requests.Response) -> str:
    """The message of the dialect's error form: exactly ``{"error": "<text>"}``."""
    body = resp.json()
    assert set(body) == {"error"} and isinstance(body["error"], str) and body["error"]
    return body["error"]


# -- routes ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "path",
    [PREDICT, "/v1/models/diabetes/versions/1:predict", "/svc/cell-1" + PREDICT, "/v1/models/diabetes%3Apredict"],
)
def test_predict_answers_the_models_predictions_on_every_route(keyed, path):
    resp = post(keyed, path)
    assert resp.status_code == 200 and resp.headers["Content-Type"].startswith("application/json")
    assert resp.json() == {"predictions": MODEL["example"]["predictions"]}


@pytest.mark.parametrize(
    "body",
    [
        {"inputs": PAGE_ROWS},  # columnar, one unnamed input
        {"inputs": {"input-0": PAGE_ROWS}},  # columnar, one named input
        {"instances": PAGE_ROWS, "signature_name": "serving_default"},
    ],
)
def test_columnar_inputs_and_the_default_signature_predict_the_same(keyed, body):
    assert post(keyed, body=body).json() == {"predictions": MODEL["example"]["predictions"]}


def test_iris_answers_class_indices_as_a_scikit_learn_model_of_iris_target(keyed):
    resp = post(keyed, "/v1/models/iris:predict", {"instances": IRIS["example"]["data"]})
    assert resp.json() == {"predictions": [IRIS["classes"].index(c) for c in IRIS["example"]["predictions"]]}


def test_model_list_and_status_are_kserves(keyed):
    assert get(keyed, "/v1/models").json() == {"models": ["diabetes", "iris"]}
    assert get(keyed, "/svc/cell-1/v1/models/iris").json() == {"name": "iris", "ready": True}


@pytest.mark.parametrize(
    ("path", "status", "message"),
    [
        ("/v1/models/nope:predict", 404, "Model with name nope does not exist."),
        ("/v1/models/diabetes/versions/2:predict", 404, "Servable not found for request: Specific(diabetes, 2)"),
    ],
)
def test_unknown_models_and_versions_are_404_with_the_servers_words(keyed, path, status, message):
    resp = post(keyed, path)
    assert resp.status_code == status and error_of(resp) == message


def test_status_of_an_unknown_model_is_404(keyed):
    resp = get(keyed, "/v1/models/nope")
    assert resp.status_code == 404 and error_of(resp) == "Model with name nope does not exist."


# -- auth -------------------------------------------------------------------------------------
@pytest.mark.parametrize("key", [None, "wrong"])
def test_missing_or_wrong_credentials_are_401_in_the_error_form(keyed, key):
    for resp in (post(keyed, key=key), get(keyed, "/v1/models", key=key)):
        assert resp.status_code == 401 and error_of(resp)


def test_no_auth_needs_no_header(stub):
    assert post(stub, key=None).status_code == 200


# -- bad input: always a 4xx with {"error"} ------------------------------------------------------
ROW = PAGE_ROWS[0]
BAD = {
    "malformed JSON": ("{", "Unrecognized request format: malformed JSON"),
    "empty body": ("", "Unrecognized request format: body is empty"),
    "not an object": ("[1, 2]", "the body must be a JSON object"),
    "NaN": ('{"instances": [[NaN]]}', "Unrecognized request format: NaN is not a valid JSON number"),
    "instances misspelled": ({"instance": PAGE_ROWS}, "Missing 'inputs' or 'instances' key"),
    "both keys": ({"instances": PAGE_ROWS, "inputs": PAGE_ROWS}, "expecting only one of 'inputs' or 'instances'"),
    "instances not a list": ({"instances": {"a": 1}}, 'Expected "instances" to be a list'),
    "empty instances": ({"instances": []}, "No values in 'instances' array"),
    "flat list": ({"instances": ROW}, "Failed to process element: 0 of 'instances' list. Error: expecting a row"),
    "flat inputs": ({"inputs": ROW + ROW}, "Failed to process element: 0 of 'inputs' list"),
    "short row": (
        {"instances": [ROW, ROW[:9]]},
        "element: 1 of 'instances' list. Error: Expecting tensor size: 10",
    ),
    "string value": ({"instances": [ROW[:9] + ["x"]]}, 'value 9 is "x", expected a number'),
    "two named inputs": ({"inputs": {"a": PAGE_ROWS, "b": PAGE_ROWS}}, "'inputs' names 2 inputs"),
    "signature not a string": ({"instances": PAGE_ROWS, "signature_name": 1}, "'signature_name' key must be a string"),
    "unknown signature": ({"instances": PAGE_ROWS, "signature_name": "x"}, 'Serving signature name: "x" not found'),
}


@pytest.mark.parametrize("case", list(BAD))
def test_every_bad_body_is_a_400_that_says_what_is_wrong(keyed, case):
    body, message = BAD[case]
    resp = post(keyed, data=body) if isinstance(body, str) else post(keyed, body=body)
    assert resp.status_code == 400
    assert message in error_of(resp)


@pytest.mark.parametrize("media", ["text/plain", "application/json; charset=utf-8", "multipart/form-data"])
def test_a_content_type_kserve_would_not_parse_is_415(keyed, media):
    resp = post(keyed, headers={"Content-Type": media})
    assert resp.status_code == 415 and media in error_of(resp)


def test_no_content_type_is_parsed_as_json_as_kserve_does(keyed):
    resp = keyed.http.post(
        keyed.url + PREDICT, data=json.dumps({"instances": PAGE_ROWS}), headers={"Authorization": f"Bearer {KEY}"}
    )
    assert resp.status_code == 200


@pytest.mark.parametrize(
    "media", ["application/x-www-form-urlencoded", "text/plain", "application/json; charset=utf-8"]
)
def test_a_service_set_to_any_content_type_reads_the_body_as_json_as_tensorflow_model_server(keyed, media):
    set_any = keyed.admin("PUT", "/services/tf-any/content-type", json={"any": True})
    assert set_any.status_code == 200 and set_any.json()["anyContentType"] is True
    resp = post(keyed, "/svc/tf-any" + PREDICT, headers={"Content-Type": media})
    assert resp.status_code == 200 and len(resp.json()["predictions"]) == len(PAGE_ROWS)
    assert post(keyed, "/svc/tf-any" + PREDICT, data="{not json", headers={"Content-Type": media}).status_code == 400
    assert (
        post(keyed, "/svc/tf-other" + PREDICT, headers={"Content-Type": media}).status_code == 415
    )  # others: KServe's


@pytest.mark.parametrize("doc", [{}, {"any": "yes"}, {"any": True, "more": 1}, []])
def test_the_content_type_setting_refuses_anything_but_a_boolean(keyed, doc):
    resp = keyed.admin("PUT", "/services/tf-any/content-type", json=doc)
    assert resp.status_code == 400 and ("any" in resp.json()["message"] or "JSON object" in resp.json()["message"])


# -- per-cell isolation ------------------------------------------------------------------------
def test_each_cells_requests_are_journaled_under_its_service(keyed):
    post(keyed, "/svc/cell-a" + PREDICT)
    post(keyed, "/svc/cell-b/v1/models/nope:predict")
    post(keyed)
    assert [e["path"] for e in keyed.journal("cell-a")] == ["/svc/cell-a" + PREDICT]
    assert [e["response"]["status"] for e in keyed.journal("cell-b")] == [404]
    assert [e["path"] for e in keyed.journal("default")] == [PREDICT]


def test_a_cells_own_auth_applies_only_under_its_prefix(stub):
    stub.admin("PUT", "/services/cell-k/auth", json={"mode": "key", "primaryKey": "k1"}).raise_for_status()
    assert post(stub, "/svc/cell-k" + PREDICT, key=None).status_code == 401
    assert post(stub, "/svc/cell-k" + PREDICT, key="k1").status_code == 200
    assert post(stub, key=None).status_code == 200


# -- gateway -----------------------------------------------------------------------------------
ANSWER = b'{"predictions": [1.5]}'
UPSTREAM_OK = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s" % (
    len(ANSWER),
    ANSWER,
)


def test_the_gateway_forwards_predict_without_the_cell_prefix_or_the_key():
    with raw_upstream(response=UPSTREAM_OK) as upstream:
        config = server_stub.StubConfig(upstream=upstream.url, auth="key", primary_key=KEY)
        with server_stub.running(config) as (_, url):
            resp = requests.post(
                url + "/svc/cell-g" + PREDICT, json={"instances": PAGE_ROWS}, headers={"Authorization": f"Bearer {KEY}"}
            )
            refused = requests.post(url + PREDICT, json={"instances": PAGE_ROWS})
    assert resp.status_code == 200 and resp.content == ANSWER
    forwarded = upstream.requests[0].decode()
    assert forwarded.startswith(f"POST {PREDICT} HTTP/1.1") and "authorization" not in forwarded.lower()
    assert refused.status_code == 401 and error_of(refused)
    assert len(upstream.requests) == 1  # the refused one never reached the upstream


def test_an_upstream_that_resets_is_a_502_in_the_error_form():
    with raw_upstream("reset") as upstream:
        with server_stub.running(server_stub.StubConfig(upstream=upstream.url)) as (_, url):
            resp = requests.post(url + PREDICT, json={"instances": PAGE_ROWS})
    assert resp.status_code == 502 and "upstream model server" in error_of(resp)
