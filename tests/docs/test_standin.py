"""A page's own model in the stub's address (harness/docs/standin.py), without running anything: which model
the address names, which route the sample gets and which path it is expected to call; a scenario asking for
the stand-in; a stub that is told to serve it."""

from pathlib import Path

import pytest

from harness import catalog
from harness.docs import standin
from harness.docs.placeholders import Found
from harness.plan import CellPlan
from harness.scenario import Expect, ExpectedRequest, StubSetup

BASE = "http://127.0.0.1:5001/svc/s1"
TF, OIP = f"{BASE}/v1/models/diabetes:predict", f"{BASE}/v2/models/diabetes/infer"


def plan_for(uri: str) -> CellPlan:
    expect = Expect(requests=(ExpectedRequest(method="POST", path=uri.removeprefix("http://127.0.0.1:5001")),))
    scenario = catalog.load_scenarios()["tfserving-no-auth"]
    return CellPlan(scenario, "s1", {}, StubSetup(), {"SCORING_URI": uri}, expect)


def adopted(uri: str, page: str) -> tuple[str, str, str]:
    plan, model = standin.adopt(plan_for(uri), [Found("uri", 0, len(page), page, 0)])
    return plan.env["SCORING_URI"].removeprefix(BASE), plan.expect.requests[0].path.removeprefix("/svc/s1"), model


@pytest.mark.parametrize(
    "uri, host, route, path, model",
    [
        # a page's own model: kept, with its version; the expected path too
        (TF, "http://localhost:8501", "/v1/models/half_plus_three:predict", None, "half_plus_three"),
        (TF, "localhost:8080", "/v1/models/sklearn-iris/versions/2:predict", None, "sklearn-iris"),
        (OIP, "${INGRESS_HOST}:${INGRESS_PORT}", "/v2/models/my-model/versions/v3/infer", None, "my-model"),
        # a route the protocol does not have: the sample calls it, the expected path is the protocol's
        (TF, "http://localhost:8501", "/v1/models/toy/versions/latest:predict", "/v1/models/toy:predict", "toy"),
    ],
)
def test_a_page_model_is_kept_in_the_stubs_address(uri, host, route, path, model):
    assert adopted(uri, host + route) == (route, path or route, model)


@pytest.mark.parametrize(
    "uri, page",
    [
        (TF, "http://localhost:8501/v1/models/diabetes:predict"),  # the stub's own model
        (OIP, "http://localhost:8080/v2/models/diabetes-ridge/infer"),  # [known] maps it to the stub's
        (OIP, "http://localhost:8080/v2/models/${MODEL_NAME}/infer"),  # a placeholder: the scenario's model
        (TF, "http://<host>/v1/models/<model-name>:predict"),
        (f"{BASE}/invocations", "http://127.0.0.1:5000/invocations"),  # no model in the route: the stub decides
        (TF, "http://localhost:8080/v2/models/toy/infer"),  # another protocol's route than the scenario's
    ],
)
def test_otherwise_the_address_is_the_scenarios_as_before(uri, page):
    path = uri.removeprefix(BASE)
    assert adopted(uri, page) == (path, path, "")


def test_iris_is_the_stubs_own_classifier():
    assert adopted(TF, "http://localhost:8501/v1/models/iris:predict") == (("/v1/models/iris:predict",) * 2 + ("iris",))


def test_the_note_names_each_stand_in_model_once():
    entries = [{"standIn": "toy"}, {"standIn": "toy"}, {}, {"standIn": "stand-in"}]
    assert standin.note(entries).startswith("prediction values were not judged (stand-in model `toy`, `stand-in`)")
    assert standin.note([{}, {"response": {}}]) == ""


class FakeStub:
    def __init__(self):
        self.calls = []

    def set_stand_in(self, service, enabled):
        self.calls.append((service, enabled))


def test_every_sample_s_service_serves_the_stand_in():
    stub, page = FakeStub(), "http://localhost:8501/v1/models/toy:predict"
    plan, notes = standin.serve(plan_for(TF), [Found("uri", 0, len(page), page, 0)], stub)
    assert stub.calls == [("s1", True)] and notes == ["the page's model `toy` is kept in the stub's address"]
    assert standin.serve(plan_for(TF), [], stub)[1] == []


@pytest.mark.parametrize("value, ok", [("true", True), ("false", False), ("'yes'", None), ("1", None)])
def test_a_scenario_asks_for_the_stand_in(tmp_path: Path, value, ok):
    path = tmp_path / "own.toml"
    path.write_text(f"[stub]\nstand_in = {value}\n")
    if ok is None:
        with pytest.raises(catalog.CatalogError, match="stand_in is true or false"):
            catalog.load_scenario(path)
    else:
        assert catalog.load_scenario(path).stub.stand_in is ok
