"""The service's own routes: health, scoring, Swagger."""

import json
import math

import pytest
from openapi_spec_validator import OpenAPIV2SpecValidator, validate

from tests.conftest import MODEL, PAGE_PREDICTIONS, PAGE_ROWS


@pytest.mark.parametrize("path", ["/", "/api/v1/service/my-svc", "/api/v1/service/my-svc/"])
def test_health_check_answers_healthy(stub, path):
    resp = stub.http.get(stub.url + path, timeout=5)
    assert resp.status_code == 200
    assert resp.text == "Healthy"


@pytest.mark.parametrize("service", [None, "my-svc"])
def test_page_example_scores_the_page_numbers(stub, service):
    resp = stub.score(service=service)
    assert resp.status_code == 200, resp.text
    assert resp.headers["Content-Type"].startswith("application/json")
    assert resp.headers["x-ms-request-id"]
    predictions = resp.json()
    assert len(predictions) == 2
    for got, page in zip(predictions, PAGE_PREDICTIONS):
        assert abs(got - page) < 1e-3


def test_predictions_match_scikit_learn_for_other_rows(stub):
    # The training script stored scikit-learn's own predictions; the stub's
    # pure-Python dot product must agree to rounding error.
    rows = [[0.0] * 10, [0.05, -0.04, 0.01, 0.02, -0.03, 0.0, 0.01, -0.02, 0.03, 0.04], [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]]
    predictions = stub.score({"data": rows}).json()
    expected = [MODEL["intercept"] + math.fsum(c * x for c, x in zip(MODEL["coefficients"], row)) for row in rows]
    assert predictions[0] == pytest.approx(MODEL["intercept"], abs=1e-12)
    assert predictions == pytest.approx(expected, rel=1e-12)
    assert len(set(predictions)) == 3


def test_example_rows_match_scikit_learn_predictions(stub):
    assert stub.score().json() == pytest.approx(MODEL["example"]["predictions"], rel=1e-13)


def test_doubles_are_written_in_shortest_round_trip_form(stub):
    resp = stub.score()
    values = json.loads(resp.text)
    assert resp.text == "[" + ", ".join(repr(v) for v in values) + "]"


def test_integer_features_are_accepted(stub):
    assert stub.score({"data": [[0] * 10]}).status_code == 200


@pytest.mark.parametrize("service", [None, "aks-svc"])
@pytest.mark.parametrize("auth", ["none", "key"])
def test_swagger_is_valid_and_shaped_like_azure_ml(make_stub, service, auth):
    s = make_stub(auth=auth)
    path = "/swagger.json" if service is None else f"/api/v1/service/{service}/swagger.json"
    resp = s.http.get(s.url + path, timeout=5)
    assert resp.status_code == 200
    doc = resp.json()
    validate(doc, cls=OpenAPIV2SpecValidator)
    assert doc["swagger"] == "2.0"
    assert doc["paths"]["/"]["get"]["operationId"] == "ServiceHealthCheck"
    run = doc["paths"]["/score"]["post"]
    assert run["operationId"] == "RunMLService"
    assert set(doc["definitions"]) == {"ServiceInput", "ServiceOutput", "ErrorResponse"}
    row = doc["definitions"]["ServiceInput"]["properties"]["data"]["items"]
    assert row["minItems"] == row["maxItems"] == 10
    assert doc["definitions"]["ServiceInput"]["example"] == {"data": PAGE_ROWS}
    assert doc["basePath"] == ("/" if service is None else f"/api/v1/service/{service}")
    if auth == "none":
        assert "securityDefinitions" not in doc and "security" not in run
    else:
        assert doc["securityDefinitions"]["Bearer"]["name"] == "Authorization"
        assert run["security"] == [{"Bearer": []}]


def test_swagger_output_example_is_the_real_prediction(stub):
    doc = stub.http.get(stub.url + "/swagger.json", timeout=5).json()
    assert doc["definitions"]["ServiceOutput"]["example"] == stub.score().json()
