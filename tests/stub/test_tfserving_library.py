"""The stub's default service as KServe's own end-to-end tests call a v1 model server.

KServe's e2e tests (``test/e2e/common/utils.py``) call an InferenceService
through ``kserve.InferenceRESTClient`` with ``RESTConfig(protocol="v1")`` and a
``Host`` header naming the service behind the ingress.  ``kserve`` 0.21.0 takes
over two minutes to install here and pulls in the Kubernetes client, gRPC and
pandas, so it is not pinned in requirements-test.txt; these tests send, with
``requests``, exactly what that client sends (read from
``kserve/inference_client.py`` 0.21.0): ``GET {base}/v1/models/{m}`` reading
``ready`` for ``is_model_ready``, and ``POST {base}/v1/models/{m}:predict`` with the
compact JSON body and ``content-type: application/json`` for ``infer``, whose
answer it returns as a dict.  (Checked by hand against the stub with the
library itself in a throwaway venv: the same three answers.)
"""

from __future__ import annotations

import json

import pytest
import requests

from tests.conftest import MODEL, PAGE_ROWS

HOST = {"Host": "diabetes.kserve-ci-e2e-test.example.com"}  # the e2e tests' ingress routing header


def infer(base_url: str, model_name: str, data: dict) -> requests.Response:
    """``InferenceRESTClient.infer`` for protocol v1: the URL, body bytes and headers it sends."""
    body = json.dumps(data, separators=(",", ":")).encode()  # orjson.dumps: compact
    headers = {**HOST, "content-type": "application/json"}
    return requests.post(f"{base_url}/v1/models/{model_name}:predict", data=body, headers=headers, timeout=10)


def is_model_ready(base_url: str, model_name: str) -> bool | None:
    """``InferenceRESTClient.is_model_ready`` for v1: 503 is False, other errors raise, else ``ready``."""
    response = requests.get(f"{base_url}/v1/models/{model_name}", headers=HOST, timeout=10)
    if response.status_code == 503:
        return False
    response.raise_for_status()
    return response.json().get("ready")


@pytest.mark.parametrize("model", ["diabetes", "iris"])
def test_every_served_model_is_ready(stub, model):
    assert is_model_ready(stub.url, model) is True


def test_an_unknown_model_raises_as_the_client_does(stub):
    with pytest.raises(requests.HTTPError, match="404"):
        is_model_ready(stub.url, "no-such-model")


def test_the_model_list_names_both_models(stub):
    assert requests.get(stub.url + "/v1/models", headers=HOST, timeout=10).json() == {"models": ["diabetes", "iris"]}


def test_infer_on_diabetes_returns_the_stub_models_predictions(stub):
    response = infer(stub.url, "diabetes", {"instances": PAGE_ROWS})
    assert response.status_code == 200
    assert response.json() == {"predictions": MODEL["example"]["predictions"]}
    assert [e["path"] for e in stub.journal()] == ["/v1/models/diabetes:predict"]  # the colon as sent


def test_infer_on_an_unknown_model_is_the_clients_http_status_error(stub):
    response = infer(stub.url, "no-such-model", {"instances": PAGE_ROWS})
    assert response.status_code == 404
    assert response.json() == {"error": "Model with name no-such-model does not exist."}
