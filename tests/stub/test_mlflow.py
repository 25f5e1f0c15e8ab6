"""The MLflow scoring server and Databricks Model Serving dialect: routes, the four input forms and CSV,
MLflow's error bodies and messages, Databricks' 401, per-cell isolation."""

import json
import math

import pytest

from server_stub.blas import gemv_n
from tests.conftest import PAGE_PREDICTIONS, PAGE_ROWS, ROOT

FEATURES = ["age", "sex", "bmi", "bp", "s1", "s2", "s3", "s4", "s5", "s6"]
SPLIT = {"dataframe_split": {"columns": FEATURES, "data": PAGE_ROWS}}
IRIS = json.loads((ROOT / "server_stub" / "models" / "iris.json").read_text())
JSON = "application/json"


def post(stub, path, body=SPLIT, content_type=JSON, token=None, data=None):
    headers = {} if content_type is None else {"Content-Type": content_type}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    payload = data if data is not None else json.dumps(body)
    return stub.http.post(stub.url + path, data=payload, headers=headers, timeout=10)


@pytest.fixture
def keyed(make_stub):
    return make_stub(auth="key", primary_key="k1", secondary_key="k2")


def mlflow_predictions(stub, rows):
    """What the real server computes: scikit-learn on a DataFrame, whose values numpy sums column-major."""
    model = stub.stub.model
    return [y + model.intercept for y in gemv_n(rows, list(model.coefficients))]


def records(rows=PAGE_ROWS):
    return [dict(zip(FEATURES, row)) for row in rows]


# -- routes ----------------------------------------------------------------------------
@pytest.mark.parametrize("prefix", ["", "/svc/cell-1"])
def test_health_routes_answer_as_mlflow_does(stub, prefix):
    for route in ("/ping", "/health"):
        resp = stub.http.get(f"{stub.url}{prefix}{route}", timeout=10)
        assert (resp.status_code, resp.text, resp.headers["Content-Type"]) == (200, "\n", JSON)
    version = stub.http.get(f"{stub.url}{prefix}/version", timeout=10)
    assert version.status_code == 200 and version.text.count(".") == 2


@pytest.mark.parametrize("path", ["/invocations", "/svc/cell-1/invocations", "/serving-endpoints/ep/invocations"])
def test_invocations_answer_the_diabetes_predictions(stub, path):
    resp = post(stub, path)
    assert resp.status_code == 200 and resp.headers["Content-Type"].startswith(JSON)
    predictions = resp.json()["predictions"]
    assert predictions == mlflow_predictions(stub, PAGE_ROWS)
    assert all(math.isclose(a, b, abs_tol=4e-4) for a, b in zip(predictions, PAGE_PREDICTIONS))


@pytest.mark.parametrize(
    "body",
    [
        {"dataframe_records": records()},
        {"instances": records()},
        {"inputs": {name: [row[i] for row in PAGE_ROWS] for i, name in enumerate(FEATURES)}},
        {"inputs": records()},
        {**SPLIT, "params": {"temperature": 0.5}},  # params are passed on; these models take none
        {"dataframe_split": {"columns": FEATURES[::-1], "data": [row[::-1] for row in PAGE_ROWS]}},  # by name
        {"dataframe_split": {"index": [7, 8], "columns": [*FEATURES, "extra"], "data": [[*r, 1] for r in PAGE_ROWS]}},
    ],
)
def test_every_input_form_scores_the_same_rows(stub, body):
    assert post(stub, "/invocations", body).json() == post(stub, "/invocations").json()


def test_csv_scores_the_same_rows(stub):
    text = ",".join(FEATURES) + "\n" + "\n".join(",".join(repr(v) for v in row) for row in PAGE_ROWS) + "\n"
    resp = post(stub, "/invocations", content_type="text/csv", data=text)
    assert resp.status_code == 200 and resp.json() == post(stub, "/invocations").json()


@pytest.mark.parametrize("path", ["/models/iris/invocations", "/serving-endpoints/ep/served-models/iris/invocations"])
def test_the_iris_model_answers_class_names(stub, path):
    rows = [dict(zip(IRIS["feature_names"], row)) for row in IRIS["example"]["data"]]
    resp = post(stub, path, {"dataframe_records": rows})
    assert resp.status_code == 200 and resp.json() == {"predictions": IRIS["example"]["predictions"]}


# -- bad input: MLflow's status, error_code and message ---------------------------------
PROTOCOL_CHANGE = "IMPORTANT: The MLflow Model scoring protocol has changed in MLflow version 2.0."
BAD = [
    ('{"dataframe_split": ', 400, "BAD_REQUEST", "Invalid input. Ensure that input is a valid JSON formatted string."),
    ("", 400, "BAD_REQUEST", "Invalid input. Ensure that input is a valid JSON formatted string."),
    (
        "[1, 2]",
        400,
        "BAD_REQUEST",
        "exactly one of the input fields {'dataframe_split', 'dataframe_records', "
        "'inputs', 'instances'}. Received a list.",
    ),  # fmt: skip
    ("3", 400, "BAD_REQUEST", "Received unexpected input type '<class 'int'>'."),
    ({"dataframe-split": SPLIT["dataframe_split"]}, 400, "BAD_REQUEST", "Received dictionary with input fields: []."),
    ({**SPLIT, "instances": records()}, 400, "BAD_REQUEST", "input fields: ['dataframe_split', 'instances']."),
    ({"dataframe_split": []}, 400, "BAD_REQUEST", "Dataframe split format must be a dictionary. Got list."),
    ({"dataframe_split": {"data": PAGE_ROWS, "rows": 2}}, 400, "BAD_REQUEST", "must have 'data' field"),
    (
        {"dataframe_split": {"columns": FEATURES, "data": [[1, 2]]}},
        400,
        "BAD_REQUEST",
        "'10 columns passed, passed data had 2 columns'",
    ),  # fmt: skip
    (
        {"dataframe_split": {"data": PAGE_ROWS}},
        400,
        "INVALID_PARAMETER_VALUE",
        "Model is missing inputs ['age', 'sex', 'bmi', 'bp', 's1', 's2', 's3', 's4', 's5', 's6']. "
        "Note that there were extra inputs: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9].",
    ),  # fmt: skip
    ({"dataframe_records": [{"age": 1}]}, 400, "INVALID_PARAMETER_VALUE", "Model is missing inputs ['sex',"),
    ({"dataframe_records": {"age": [1]}}, 400, "BAD_REQUEST", "must be a list of records. Got dictionary."),
    (
        {"dataframe_split": {"columns": FEATURES, "data": [["x", *PAGE_ROWS[0][1:]]]}},
        400,
        "BAD_REQUEST",
        "Failed to convert column age to type 'float64'",
    ),  # fmt: skip
    (
        {"dataframe_split": {"columns": FEATURES, "data": [[None, *PAGE_ROWS[0][1:]]]}},
        400,
        "BAD_REQUEST",
        "Column age of row 1 is empty",
    ),  # fmt: skip
    ({"dataframe_split": {"columns": FEATURES, "data": []}}, 400, "BAD_REQUEST", "no rows"),
    ({"inputs": {"age": [1, 2], "sex": [1]}}, 400, "BAD_REQUEST", "All arrays must be of the same length"),
]


@pytest.mark.parametrize("body, status, code, message", BAD)
def test_bad_input_gets_mlflow_s_error_body(stub, body, status, code, message):
    resp = post(stub, "/svc/cell-1/invocations", data=body if isinstance(body, str) else json.dumps(body))
    assert resp.status_code == status and resp.headers["Content-Type"].startswith(JSON)
    doc = resp.json()
    assert doc["error_code"] == code and message in doc["message"]
    assert doc["sqlstate"].startswith("KAM") and doc["error_class"]


def test_the_protocol_change_note_follows_a_missing_input_form(stub):
    assert PROTOCOL_CHANGE in post(stub, "/invocations", {"data": PAGE_ROWS}).json()["message"]


@pytest.mark.parametrize(
    "content_type, message",
    [
        ("application/json;", "Unrecognized content type parameters: . " + PROTOCOL_CHANGE),
        ("application/json; format=pandas-split", "Unrecognized content type parameters: format. "),
        ("application/json; charset=latin-1", "The scoring server only supports UTF-8"),
        ("text/plain", "Types: ['text/csv', 'application/json', 'application/vnd.apache.parquet']. Got 'text/plain'."),
        ("Application/JSON", "Got 'Application/JSON'."),
        (None, "Got no Content-Type header."),
    ],
)
def test_a_content_type_mlflow_does_not_take_is_its_415_in_json(stub, content_type, message):
    resp = post(stub, "/invocations", content_type=content_type)
    assert resp.status_code == 415 and resp.headers["Content-Type"] == "application/json; charset=utf-8"
    assert resp.json()["error_code"] == "BAD_REQUEST" and message in resp.json()["message"]


def test_a_charset_utf_8_parameter_is_taken(stub):
    assert post(stub, "/invocations", content_type="application/json; charset=UTF-8").status_code == 200


def test_an_unknown_model_is_a_404(stub):
    resp = post(stub, "/svc/cell-1/models/wine/invocations")
    assert resp.status_code == 404 and resp.json()["error_code"] == "RESOURCE_DOES_NOT_EXIST"


@pytest.mark.parametrize("method, path", [("GET", "/invocations"), ("POST", "/ping"), ("PUT", "/svc/a/version")])
def test_a_wrong_method_is_a_405_with_allow(stub, method, path):
    resp = stub.http.request(method, stub.url + path, timeout=10)
    assert resp.status_code == 405 and resp.headers["Allow"]


# -- auth ------------------------------------------------------------------------------
def test_databricks_takes_the_token_as_bearer(keyed):
    assert post(keyed, "/serving-endpoints/ep/invocations", token="k1").status_code == 200
    assert post(keyed, "/serving-endpoints/ep/invocations", token="k2").status_code == 200


@pytest.mark.parametrize(
    "token, message",
    [(None, "Credential was not sent or was of an unsupported type for this API."), ("wrong", "Invalid access token.")],
)
def test_databricks_refuses_a_missing_or_wrong_token_with_its_401(keyed, token, message):
    resp = post(keyed, "/serving-endpoints/ep/invocations", token=token)
    assert resp.status_code == 401 and resp.json() == {"error_code": 401, "message": message}


def test_mlflow_routes_behind_key_auth_answer_unauthenticated(keyed):
    resp = post(keyed, "/svc/cell-1/invocations", token="wrong")
    assert resp.status_code == 401 and resp.json()["error_code"] == "UNAUTHENTICATED"
    assert keyed.http.get(f"{keyed.url}/svc/cell-1/ping", timeout=10).status_code == 200  # health needs no key


# -- per-cell isolation ------------------------------------------------------------------
def test_each_service_has_its_own_journal_and_faults(stub):
    stub.admin("POST", "/services/cell-b/faults", json={"status": 503, "times": 1})
    assert post(stub, "/svc/cell-a/invocations").status_code == 200
    assert post(stub, "/serving-endpoints/cell-b/invocations").status_code == 503
    assert post(stub, "/serving-endpoints/cell-b/invocations").status_code == 200
    assert [e["path"] for e in stub.journal("cell-a")] == ["/svc/cell-a/invocations"]
    assert [e["path"] for e in stub.journal("cell-b")] == ["/serving-endpoints/cell-b/invocations"] * 2
    assert [e["path"] for e in stub.journal("default")] == []


def test_odd_bytes_are_a_4xx_never_a_5xx(stub):
    for data in (b"\xff\xfe{", b'{"dataframe_split": {"data": [[1e999]]}}', b"{" * 500 + b"}" * 500, b"\x00"):
        resp = post(stub, "/invocations", data=data)
        assert 400 <= resp.status_code < 500 and resp.json()["error_code"] == "BAD_REQUEST"


# -- gateway: a real MLflow server behind the stub ---------------------------------------
ANSWER = (
    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 22\r\nConnection: close\r\n\r\n"
    b'{"predictions": [1.5]}'
)


@pytest.mark.parametrize(
    "path",
    [
        "/svc/cell-1/invocations",
        "/serving-endpoints/cell-1/invocations",
        "/svc/cell-1/models/iris/invocations",
        "/serving-endpoints/cell-1/served-models/iris/invocations",
    ],
)
def test_a_gateway_hands_invocations_to_the_real_server_at_its_root_path(make_stub, path):
    from tests.stub.upstreams import raw_upstream

    with raw_upstream(response=ANSWER) as upstream:
        stub = make_stub(upstream=upstream.url, auth="key", primary_key="k1", secondary_key="k2")
        assert post(stub, path, token="wrong").status_code == 401 and upstream.requests == []  # checked in front
        resp = post(stub, path, token="k1")
        assert resp.status_code == 200 and resp.json() == {"predictions": [1.5]}
    [forwarded] = upstream.requests
    assert forwarded.startswith(b"POST /invocations HTTP/1.1\r\n") and b"authorization" not in forwarded.lower()
    assert forwarded.endswith(json.dumps(SPLIT).encode())
