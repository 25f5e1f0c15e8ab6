"""MLflow's own clients (mlflow-skinny) against the stub: code this project did not write judges the dialect.

``ScoringServerClient`` is what MLflow's own tooling uses to talk to a scoring server at ``host:port``:
readiness (``/ping``) and ``/version``.  (Its ``invoke`` cannot run on a light install: MLflow 3.17's
``dump_input_data`` calls ``importlib.util.find_spec("scipy.sparse")``, which raises without scipy.)
Predictions come from the Databricks deployment client
(``mlflow.deployments.get_deploy_client("databricks")``), which queries ``/serving-endpoints/<name>/invocations``
with the workspace token from ``DATABRICKS_HOST`` / ``DATABRICKS_TOKEN``.
"""

from urllib.parse import urlsplit

import pytest
from mlflow.deployments import get_deploy_client
from mlflow.pyfunc.scoring_server.client import ScoringServerClient

from server_stub.dialects.mlflow import VERSION
from tests.conftest import PAGE_ROWS
from tests.stub.test_mlflow import mlflow_predictions

FEATURES = ["age", "sex", "bmi", "bp", "s1", "s2", "s3", "s4", "s5", "s6"]


def client_of(stub) -> ScoringServerClient:
    url = urlsplit(stub.url)
    return ScoringServerClient(url.hostname, url.port)


def test_the_scoring_server_client_sees_a_ready_server_and_its_version(stub):
    client = client_of(stub)
    client.wait_server_ready(timeout=5)
    client.ping()
    assert client.get_version() == VERSION


def test_the_databricks_deployment_client_queries_an_endpoint_with_its_token(make_stub, monkeypatch):
    stub = make_stub(auth="key", primary_key="dapi-key", secondary_key="other")
    monkeypatch.setenv("DATABRICKS_HOST", stub.url)
    monkeypatch.setenv("DATABRICKS_TOKEN", "dapi-key")
    answer = get_deploy_client("databricks").predict(
        endpoint="diabetes", inputs={"dataframe_split": {"columns": FEATURES, "data": PAGE_ROWS}}
    )
    assert answer["predictions"] == mlflow_predictions(stub, PAGE_ROWS)
    (request,) = [e for e in stub.journal("diabetes") if e["method"] == "POST"]
    assert request["path"] == "/serving-endpoints/diabetes/invocations"
    assert ["Authorization", "Bearer dapi-key"] in request["headers"]


def test_the_databricks_deployment_client_raises_on_a_wrong_token(make_stub, monkeypatch):
    stub = make_stub(auth="key", primary_key="dapi-key", secondary_key="other")
    monkeypatch.setenv("DATABRICKS_HOST", stub.url)
    monkeypatch.setenv("DATABRICKS_TOKEN", "wrong")
    with pytest.raises(Exception, match="Invalid access token"):
        get_deploy_client("databricks").predict(endpoint="diabetes", inputs={"dataframe_split": {"data": [[1]]}})
