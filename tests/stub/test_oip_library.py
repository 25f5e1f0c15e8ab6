"""Triton's Python client (``tritonclient[http]``, code this project did not write) against the stub's OIP dialect.

It talks to the default service at host:port, the root paths of a real server: readiness, metadata, and a
prediction on ``diabetes`` equal to the stub model's.  What the stub does not support (the binary data
extension) is a clear 4xx, which the library reports with the stub's message.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import numpy as np
import pytest
import tritonclient.http as httpclient  # pinned in requirements-test.txt
from tritonclient.utils import InferenceServerException

from server_stub.model import LinearModel
from tests.conftest import PAGE_ROWS


@pytest.fixture
def client(stub):
    return httpclient.InferenceServerClient(url=urlsplit(stub.url).netloc)


def request_input(binary: bool) -> object:
    tensor = httpclient.InferInput("input-0", [len(PAGE_ROWS), len(PAGE_ROWS[0])], "FP64")
    tensor.set_data_from_numpy(np.array(PAGE_ROWS, dtype=np.float64), binary_data=binary)
    return tensor


def test_readiness(client):
    assert client.is_server_live() and client.is_server_ready()
    assert client.is_model_ready("diabetes") and client.is_model_ready("iris", model_version="1")
    assert not client.is_model_ready("nope")


def test_metadata(client):
    assert client.get_server_metadata()["name"] == "mlserver"
    meta = client.get_model_metadata("diabetes")
    assert meta["inputs"][0]["datatype"] == "FP64" and meta["outputs"][0]["name"] == "predict"
    with pytest.raises(InferenceServerException, match="Model nope not found"):
        client.get_model_metadata("nope")


def test_prediction_equals_the_stub_models(client):
    output = httpclient.InferRequestedOutput("predict", binary_data=False)
    result = client.infer("diabetes", [request_input(binary=False)], outputs=[output])
    assert result.as_numpy("predict").ravel().tolist() == LinearModel.load().predict(PAGE_ROWS)
    assert result.get_response()["model_name"] == "diabetes"


def test_the_binary_data_extension_is_a_clear_4xx(client):
    with pytest.raises(InferenceServerException, match="binary data extension") as caught:
        client.infer("diabetes", [request_input(binary=True)])
    assert caught.value.status() == "400"
