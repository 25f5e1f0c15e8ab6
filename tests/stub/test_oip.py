"""The Open Inference Protocol v2 dialect: routes, auth, every class of bad input, per-cell isolation, gateway."""

from __future__ import annotations

import json
import struct
import uuid

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import server_stub
from server_stub.model import Classifier, LinearModel
from tests.conftest import MODEL, PAGE_ROWS, ROOT
from tests.stub.upstreams import raw_upstream

KEY = "oip-key"
FLAT = [v for row in PAGE_ROWS for v in row]
IRIS = json.loads((ROOT / "server_stub" / "models" / "iris.json").read_text())
JSON = {"Content-Type": "application/json"}


def tensor(data=FLAT, shape=(2, 10), datatype="FP64", name="input-0") -> dict:
    return {"name": name, "shape": list(shape), "datatype": datatype, "data": data}


def infer(stub, body, model="diabetes", key=KEY, prefix="", headers=None, data=None):
    h = {**JSON, **({"Authorization": f"Bearer {key}"} if key else {}), **(headers or {})}
    payload = data if data is not None else json.dumps(body)
    return stub.http.post(f"{stub.url}{prefix}/v2/models/{model}/infer", data=payload, headers=h, timeout=10)


def get(stub, path, key=KEY):
    return stub.http.get(stub.url + path, headers={"Authorization": f"Bearer {key}"} if key else {}, timeout=10)


@pytest.fixture
def keyed(make_stub):
    return make_stub(auth="key", primary_key=KEY, secondary_key="other")


# -- routes ------------------------------------------------------------------------------
@pytest.mark.parametrize("path", ["/v2/health/live", "/v2/health/ready", "/svc/a/v2/health/ready"])
def test_health_is_200_with_no_body_and_needs_no_key(keyed, path):
    resp = get(keyed, path, key=None)
    assert (resp.status_code, resp.content) == (200, b"")


def test_server_metadata_names_the_server_it_imitates(keyed):
    assert get(keyed, "/v2").json() == {"name": "mlserver", "version": "1.7.1", "extensions": []}


@pytest.mark.parametrize("path", ["/v2/models/diabetes", "/v2/models/diabetes/versions/1"])
def test_model_metadata_declares_the_tensors(keyed, path):
    meta = get(keyed, path).json()
    assert meta["name"] == "diabetes" and meta["versions"] == ["1"]
    assert meta["inputs"] == [{"name": "input-0", "datatype": "FP64", "shape": [-1, len(MODEL["coefficients"])]}]
    assert meta["outputs"] == [{"name": "predict", "datatype": "FP64", "shape": [-1, 1]}]


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("/v2/models/nope", "Model nope not found"),
        ("/v2/models/nope/ready", "Model nope not found"),
        ("/v2/models/diabetes/versions/2", "Model diabetes with version 2 not found"),
        ("/v2/models/diabetes/versions/2/ready", "Model diabetes with version 2 not found"),
    ],
)
def test_unknown_model_or_version_is_404_with_the_error_form(keyed, path, message):
    resp = get(keyed, path)
    assert (resp.status_code, resp.json()) == (404, {"error": message})


@pytest.mark.parametrize("path", ["/v2/models/diabetes/ready", "/v2/models/iris/versions/1/ready"])
def test_model_ready(keyed, path):
    resp = get(keyed, path)
    assert (resp.status_code, resp.content) == (200, b"")


# -- infer -------------------------------------------------------------------------------
def test_infer_answers_the_models_predictions_as_mlserver_shapes_them(keyed):
    resp = infer(keyed, {"inputs": [tensor()]})
    assert resp.status_code == 200
    answer = resp.json()
    assert list(answer) == ["model_name", "model_version", "id", "parameters", "outputs"]
    assert (answer["model_name"], answer["model_version"], answer["parameters"]) == ("diabetes", "1", {})
    uuid.UUID(answer["id"])  # made up when the request has none
    predict = {"name": "predict", "shape": [2, 1], "datatype": "FP64", "parameters": {"content_type": "np"}}
    assert answer["outputs"] == [{**predict, "data": MODEL["example"]["predictions"]}]


def test_nested_data_any_input_name_and_the_request_id(keyed):
    resp = infer(keyed, {"id": "call-7", "parameters": {"x": 1}, "inputs": [tensor(PAGE_ROWS, name="x")]})
    assert resp.json()["id"] == "call-7"
    assert resp.json()["outputs"][0]["data"] == MODEL["example"]["predictions"]


@pytest.mark.parametrize(("datatype", "fmt"), [("FP32", "f"), ("FP16", "e")])
def test_narrower_floats_are_rounded_to_their_precision_first(keyed, datatype, fmt):
    rounded = [[struct.unpack(fmt, struct.pack(fmt, v))[0] for v in row] for row in PAGE_ROWS]
    want = LinearModel.load().predict(rounded)
    got = infer(keyed, {"inputs": [tensor(datatype=datatype)]}).json()["outputs"][0]["data"]
    assert got == want != MODEL["example"]["predictions"]


def test_iris_predicts_classes_and_probabilities(keyed):
    rows = IRIS["example"]["data"]
    body = {"inputs": [tensor([v for r in rows for v in r], (len(rows), 4))]}
    assert infer(keyed, body, "iris").json()["outputs"][0]["data"] == IRIS["example"]["predictions"]
    out = infer(keyed, {**body, "outputs": [{"name": "predict_proba"}]}, "iris").json()["outputs"][0]
    classifier = Classifier.load()
    assert (out["shape"], out["data"]) == ([len(rows), 3], [p for r in rows for p in classifier.probabilities(r)])


@pytest.mark.parametrize("key", [None, "wrong"])
def test_key_auth_guards_infer_and_metadata(keyed, key):
    for resp in (infer(keyed, {"inputs": [tensor()]}, key=key), get(keyed, "/v2/models/diabetes", key=key)):
        assert resp.status_code == 401 and set(resp.json()) == {"error"}


# -- every class of bad input: a 4xx with {"error": "..."} --------------------------------
BAD = [
    ("not-json", b'{"inputs": [', 422, "malformed JSON"),
    ("empty", b"", 422, "body is empty"),
    ("array-body", [tensor()], 422, "must be a JSON object"),
    ("no-inputs", {"outputs": []}, 422, 'missing field "inputs"'),
    ("inputs-object", {"inputs": tensor()}, 422, '"inputs" must be an array'),
    ("no-data", {"inputs": [{k: v for k, v in tensor().items() if k != "data"}]}, 422, 'no field "data"'),
    ("shape-text", {"inputs": [{**tensor(), "shape": "2,10"}]}, 422, "shape must be an array"),
    ("datatype-unknown", {"inputs": [tensor(datatype="FP99")]}, 422, "datatype must be one of"),
    ("id-number", {"id": 7, "inputs": [tensor()]}, 422, "id must be a string"),
    ("outputs-names", {"inputs": [tensor()], "outputs": ["predict"]}, 422, '"outputs" must be an array of objects'),
    ("nan", b'{"inputs": [{"name": "x", "shape": [1, 1], "datatype": "FP64", "data": [NaN]}]}', 422, "NaN"),
    ("no-tensor", {"inputs": []}, 400, "only supports a single input tensor (0 were received)"),
    ("two-tensors", {"inputs": [tensor(), tensor()]}, 400, "(2 were received)"),
    ("shape-vs-data", {"inputs": [tensor(shape=(2, 9))]}, 400, "cannot reshape array of size 20 into shape (2, 9)"),
    ("one-dimension", {"inputs": [tensor(FLAT[:10], (10,))]}, 400, "takes a 2-D input [N, 10]"),
    ("features", {"inputs": [tensor(shape=(4, 5))]}, 400, "X has 5 features, but Ridge is expecting 10"),
    ("no-rows", {"inputs": [tensor([], (0, 10))]}, 400, "has no rows"),
    ("integer-datatype", {"inputs": [tensor(datatype="INT64")]}, 400, "is INT64; model diabetes takes FP64"),
    ("string-value", {"inputs": [tensor(["a"] + FLAT[1:])]}, 400, 'value 1 of its data is "a"'),
    ("boolean-value", {"inputs": [tensor([True] + FLAT[1:])]}, 400, "value 1 of its data is true"),
    ("fp16-overflow", {"inputs": [tensor([1e6] + FLAT[1:], datatype="FP16")]}, 400, "out of the range of FP16"),
    ("output-unknown", {"inputs": [tensor()], "outputs": [{"name": "bogus"}]}, 400, "(bogus was received)"),
    ("proba-of-ridge", {"inputs": [tensor()], "outputs": [{"name": "predict_proba"}]}, 400, "do not support"),
    ("binary-size", {"inputs": [{**tensor(), "parameters": {"binary_data_size": 160}}]}, 400, "binary data"),
]


@pytest.mark.parametrize(("body", "status", "fragment"), [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_bad_input_is_a_4xx_with_the_error_form(keyed, body, status, fragment):
    resp = infer(keyed, None, data=body if isinstance(body, bytes) else json.dumps(body))
    assert resp.status_code == status
    assert set(resp.json()) == {"error"} and fragment in resp.json()["error"]


@pytest.mark.parametrize(
    ("headers", "status", "fragment"),
    [
        ({"Content-Type": "text/plain"}, 422, "Content-Type must be application/json"),
        ({"Content-Type": "application/x-www-form-urlencoded"}, 422, "Content-Type must be application/json"),
        ({"Inference-Header-Content-Length": "120"}, 400, "binary data extension"),
    ],
)
def test_content_types_and_the_binary_extension(keyed, headers, status, fragment):
    resp = infer(keyed, {"inputs": [tensor()]}, headers=headers)
    assert resp.status_code == status and fragment in resp.json()["error"]


@pytest.mark.parametrize("content_type", ["application/json; charset=utf-8", "application/vnd.api+json", ""])
def test_json_media_types_and_none_are_read_as_json(keyed, content_type):
    assert infer(keyed, {"inputs": [tensor()]}, headers={"Content-Type": content_type}).status_code == 200


def test_the_form_is_checked_before_the_model_as_the_real_server(keyed):
    assert infer(keyed, {"inputs": "x"}, model="nope").status_code == 422
    assert infer(keyed, {"inputs": [tensor()]}, model="nope").json() == {"error": "Model nope not found"}


# -- per-cell isolation --------------------------------------------------------------------
def test_each_cell_service_has_its_own_journal_and_auth(keyed):
    keyed.admin("PUT", "/services/cell-a/auth", json={"mode": "none"}).raise_for_status()
    assert infer(keyed, {"inputs": [tensor()]}, key=None, prefix="/svc/cell-a").status_code == 200
    assert infer(keyed, {"inputs": [tensor()]}, key=None).status_code == 401  # the default keeps its key
    assert [e["path"] for e in keyed.journal("cell-a")] == ["/svc/cell-a/v2/models/diabetes/infer"]
    assert [e["path"] for e in keyed.journal("default")] == ["/v2/models/diabetes/infer"]


# -- gateway ---------------------------------------------------------------------------------
def test_gateway_relays_a_cells_route_to_the_real_servers_root_without_the_key():
    answer = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}"
    with raw_upstream(response=answer) as upstream:
        config = server_stub.StubConfig(upstream=upstream.url, auth="key", primary_key=KEY)
        with server_stub.running(config) as (_, url):
            headers = {**JSON, "Authorization": f"Bearer {KEY}"}
            resp = requests.post(f"{url}/svc/c/v2/models/diabetes/infer", data=b"{}", headers=headers, timeout=10)
            refused = requests.get(f"{url}/svc/c/v2/models/diabetes", timeout=10)
    assert (resp.status_code, resp.content) == (200, b"{}")
    assert refused.status_code == 401 and set(refused.json()) == {"error"}
    head = upstream.requests[0].split(b"\r\n\r\n")[0].decode()
    assert head.startswith("POST /v2/models/diabetes/infer HTTP/1.1") and "authorization" not in head.lower()


# -- whatever the body: never a 5xx, always the error form ------------------------------------
def _documents():
    leaves = st.none() | st.booleans() | st.integers(-(10**6), 10**6) | st.floats(allow_nan=False) | st.text(max_size=8)
    nest = lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner)  # noqa: E731
    values = st.recursive(leaves, nest)
    tensors = st.fixed_dictionaries(
        {"name": st.text(max_size=4), "shape": st.lists(st.integers(-2, 12), max_size=3), "data": values},
        optional={"datatype": st.sampled_from(["FP64", "FP32", "FP16", "INT64", "BYTES", "X"])},
    )
    requests_ = st.fixed_dictionaries({"inputs": st.lists(tensors | values, max_size=2)}, optional={"id": values})
    return requests_ | values


def test_any_document_is_answered_200_or_a_4xx_in_the_error_form(make_stub):
    stub = make_stub()

    @settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(_documents())
    def check(doc):
        resp = infer(stub, None, key=None, data=json.dumps(doc))
        assert resp.status_code == 200 or (400 <= resp.status_code < 500 and set(resp.json()) == {"error"})

    check()
