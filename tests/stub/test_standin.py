"""The stand-in model: a service that serves any model name and any well-formed input of each protocol,
answers in the protocol's shape (one prediction per row), refuses a malformed body with the protocol's 4xx,
marks its journal entries, and leaves the stub's own models judged exactly as before."""

from __future__ import annotations

import json

import pytest

from tests.conftest import MODEL, PAGE_ROWS

SVC = "/svc/own"
OIP = SVC + "/v2/models/my-model/infer"
TF = SVC + "/v1/models/half_plus_three:predict"
MLFLOW = SVC + "/invocations"
AML = SVC + "/score"
TENSOR = {"name": "input-0", "shape": [1, 2], "datatype": "FP32", "data": [0.5, 1.5]}
WINE = {"dataframe_split": {"columns": ["alcohol", "malic_acid"], "data": [[13.2, 1.78], [12.4, 2.15]]}}
TABLE = {"input_data": {"columns": ["t", "h", "w"], "index": [0, 1], "data": [[21.5, 0.43, 3.2], [18.0, 0.7, 5.9]]}}


@pytest.fixture
def own(stub):
    assert stub.admin("PUT", "/services/own/stand-in", json={"enabled": True}).json()["standIn"] is True
    return stub


def post(stub, path, body, content_type="application/json"):
    data = body if isinstance(body, (str, bytes)) else json.dumps(body)
    return stub.http.post(stub.url + path, data=data, headers={"Content-Type": content_type}, timeout=10)


def data(answer):
    return answer["outputs"][0]["data"]


def predictions(answer):
    return answer["predictions"]


def itself(answer):
    return answer


# (route, body, the answer's predictions, how many rows the body has)
GOOD = [
    (OIP, {"inputs": [TENSOR]}, data, 1),
    (OIP, {"inputs": [{**TENSOR, "shape": [2], "datatype": "INT64", "data": [1, 2]}]}, data, 2),
    (OIP, {"inputs": [{**TENSOR, "shape": [3, 1], "datatype": "BYTES", "data": ["a", "b", "c"]}]}, data, 3),
    (TF, {"instances": [1.0, 2.0, 5.0]}, predictions, 3),
    (TF, {"instances": [{"a": [1, 2], "b": 3}, {"a": [4, 5], "b": 6}]}, predictions, 2),
    (TF, {"inputs": {"a": [1, 2, 3], "b": [4, 5, 6]}}, predictions, 3),
    (SVC + "/v1/models/sklearn-iris/versions/7:predict", {"instances": [[6.8, 2.8, 4.8, 1.4]]}, predictions, 1),
    (MLFLOW, WINE, predictions, 2),
    (SVC + "/models/wine-classifier/invocations", {"inputs": [[1.0], [2.0]]}, predictions, 2),
    (AML, TABLE, itself, 2),
    (AML, {"input_data": [[1, 2, 3], [4, 5, 6], [7, 8, 9]]}, itself, 3),
]


@pytest.mark.parametrize("path, body, answer, rows", GOOD)
def test_stand_in_answers_in_the_protocols_shape_one_prediction_per_row(own, path, body, answer, rows):
    resp = post(own, path, body)
    assert resp.status_code == 200, resp.text
    got = answer(resp.json())
    assert len(got) == rows and all(isinstance(p, float) for p in got)
    assert own.journal("own")[-1]["standIn"]  # so a reader knows the values are not a model's


def test_oip_answer_names_the_model_and_each_output(own):
    answer = post(own, OIP, {"id": "r1", "inputs": [TENSOR], "outputs": [{"name": "scores"}]}).json()
    assert (answer["model_name"], answer["id"]) == ("my-model", "r1")
    output = {"name": "scores", "shape": [1, 1], "datatype": "FP64", "parameters": {}, "data": [2.0]}
    assert answer["outputs"] == [output]
    assert own.http.get(own.url + SVC + "/v2/models/my-model/ready", timeout=10).status_code == 200


# (route, body, Content-Type, status, words of the protocol's own error form)
BAD = [
    (OIP, {"inputs": [{**TENSOR, "data": [0.5, 1.5, 2.5]}]}, None, 400, "does not match its data (3 values)"),
    (OIP, {"inputs": [{k: v for k, v in TENSOR.items() if k != "datatype"}]}, None, 422, 'no field "datatype"'),
    (OIP, {"inputs": [{**TENSOR, "datatype": "INT32"}]}, None, 400, "is INT32: value 1"),
    (OIP, {"inputs": [{**TENSOR, "datatype": "BOOL", "data": [1, 0]}]}, None, 400, "is BOOL"),
    (OIP, {"inputs": [TENSOR, {**TENSOR, "shape": [2, 1]}]}, None, 400, "different batch sizes"),
    (OIP, {"inputs": []}, None, 400, "at least one input"),
    (OIP, {"instances": [1.0]}, None, 422, 'missing field "inputs"'),
    (OIP, {"inputs": [TENSOR]}, "application/x-www-form-urlencoded", 422, "Content-Type"),
    (TF, {"instance": [1.0, 2.0]}, None, 400, "Missing 'inputs' or 'instances' key"),
    (TF, {"instances": [[1.0, 2.0], [5.0]]}, None, 400, "element: 1 of 'instances' list"),
    (TF, {"instances": [[1.0, 2.0], [5.0, [1]]]}, None, 400, "ragged"),
    (TF, {"instances": []}, None, 400, "No values in 'instances'"),
    (TF, {"instances": [1.0]}, "text/plain", 415, "application/json"),
    (TF, "{not json", None, 400, "Unrecognized request format"),
    (MLFLOW, {"dataframe-split": WINE["dataframe_split"]}, None, 400, "exactly one of the input fields"),
    (MLFLOW, {"dataframe_split": {"columns": ["a", "b"], "data": [[1.0]]}}, None, 400, "2 columns passed"),
    (MLFLOW, WINE, "application/x-www-form-urlencoded", 415, "content types"),
    (MLFLOW, {"dataframe_split": {"columns": ["a"], "data": []}}, None, 400, "no rows"),
    (AML, {"input_data": {"columns": ["a", "b"], "data": [[1, 2], [3]]}}, None, 400, "one value per column"),
    (AML, {"input_data": []}, None, 400, '"input_data" must be'),
    (AML, {"data": [[1, 2, 3]]}, None, 400, "row 1 has 3 values, expected 10"),  # "data": the diabetes model's
]


@pytest.mark.parametrize("path, body, content_type, status, said", BAD)
def test_a_malformed_body_gets_the_protocols_4xx(own, path, body, content_type, status, said):
    resp = post(own, path, body, content_type or "application/json")
    assert resp.status_code == status, resp.text
    doc = resp.json()
    message = doc.get("error") or doc.get("message")
    assert isinstance(message, str) and said in message, message
    assert "standIn" not in own.journal("own")[-1]


@pytest.mark.parametrize(
    "path, body, status",
    [(OIP, {"inputs": [TENSOR]}, 404), (TF, {"instances": [1.0]}, 404), (MLFLOW, WINE, 400), (AML, TABLE, 400)],
)
def test_without_the_stand_in_an_unknown_model_is_refused_as_before(stub, path, body, status):
    assert post(stub, path, body).status_code == status


@pytest.mark.parametrize(
    "path, body, answer",
    [
        (SVC + "/v1/models/diabetes:predict", {"instances": PAGE_ROWS}, predictions),
        (AML, {"data": PAGE_ROWS}, itself),
        (MLFLOW, {"dataframe_split": {"columns": MODEL["feature_names"], "data": PAGE_ROWS}}, predictions),
    ],
)
def test_the_stubs_own_models_are_still_judged_exactly(own, path, body, answer):
    resp = post(own, path, body)
    assert resp.status_code == 200, resp.text
    assert answer(resp.json()) == pytest.approx(MODEL["example"]["predictions"], abs=1e-9)
    assert "standIn" not in own.journal("own")[-1]


def test_a_named_column_of_the_model_keeps_the_table_for_it(own):
    """A frame with some of the model's columns is the model's (its schema error), not the stand-in's."""
    resp = post(own, MLFLOW, {"dataframe_split": {"columns": ["age", "sex"], "data": [[0.1, 0.2]]}})
    assert resp.status_code == 400 and "Model is missing inputs" in resp.json()["message"]


@pytest.mark.parametrize("doc", [{}, {"enabled": "yes"}, {"enabled": True, "model": "x"}])
def test_the_admin_route_refuses_a_bad_setting(stub, doc):
    resp = stub.admin("PUT", "/services/own/stand-in", json=doc)
    assert resp.status_code == 400 and "enabled" in resp.json()["message"]


def test_a_reset_turns_the_stand_in_off(own):
    own.admin("DELETE", "/services/own")
    assert own.admin("GET", "/services/own").json()["standIn"] is False
