"""Pages that call their own models (half_plus_three, sklearn-iris, my-model, a wine classifier, a table model):
the stub's stand-in serves them, each sample is judged on what it sent and on printing the answer, its outcome
says that values were not judged; a wrong route, a wrong content type or a body not of the protocol's shape
fails with the service's reason (local backend)."""

import json

import pytest

from tests.docs.conftest import PAGES, docs_check

PAGE = "own-models.md"

# (first line of the block's code, scenario, the model the stand-in served, the route the sample called)
PASSING = [
    (10, "tfserving-model-server", "half_plus_three", "/v1/models/half_plus_three:predict"),  # TF Serving on 8501
    (26, "tfserving-no-auth", "sklearn-iris", "/v1/models/sklearn-iris:predict"),  # KServe v1, requests
    (52, "oip-no-auth", "my-model", "/v2/models/my-model/infer"),  # OIP v2, a two-element FP32 tensor
    (84, "mlflow-dataframe-split", "stand-in", "/invocations"),  # MLflow, two columns of its own
    (98, "aml-online-traffic", "stand-in", "/score"),  # an online endpoint, input_data of three columns
]

# (first line, the failed checks, words of the service's refusal the reason must carry)
FAILING = [
    (18, {"#1 path", "service accepted the request"}, "404"),  # a wrong route: /versions/latest
    (39, {"service accepted the request", "exit code"}, "Expecting shape [4] as element 0 has"),  # a short row
    (68, {"service accepted the request", "exit code"}, "has no field"),  # a tensor of no datatype
    (91, {"#1 header Content-Type", "service accepted the request"}, "415"),  # curl's form type
]


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    results = tmp_path_factory.mktemp("docs-own-models")
    return docs_check("--backend", "local", str(PAGES / PAGE), results=results, timeout=1200)


def test_every_block_of_the_page_is_judged(page):
    starts = {s["start"] for s in page.results["samples"]}
    assert starts == {b[0] for b in PASSING + FAILING}, page.out[-2000:]
    assert page.code == 1  # the broken twins fail the page


@pytest.mark.parametrize("start, scenario, model, route", PASSING)
def test_a_sample_of_its_own_model_passes_on_what_it_sent(page, start, scenario, model, route):
    s = page.sample(PAGE, start)
    assert (s["scenario"], s["verdict"]) == (scenario, "pass"), s["reason"]
    checks = {c["name"]: c for c in s["checks"]}
    assert checks["#1 path"]["ok"] and checks["#1 path"]["received"].endswith(route)
    assert checks["service accepted the request"]["ok"] and checks["stdout"]["ok"] and checks["exit code"]["ok"]
    assert any(n.startswith(f"prediction values were not judged (stand-in model `{model}`)") for n in s["notes"])


def test_the_answer_has_the_protocols_shape_one_prediction_per_row(page):
    tf = json.loads(page.sample(PAGE, 10)["run"]["stdout"])
    assert len(tf["predictions"]) == 3  # one per instance of [1.0, 2.0, 5.0]
    checks = {c["name"]: c for c in page.sample(PAGE, 52)["checks"]}
    assert "my-model" in checks["stdout"]["received"] and "FP64" in checks["stdout"]["received"]


@pytest.mark.parametrize("start, failed, said", FAILING)
def test_a_broken_twin_fails_with_the_services_reason(page, start, failed, said):
    s = page.sample(PAGE, start)
    assert s["verdict"] == "fail", s["reason"]
    assert failed <= set(page.failed_checks(PAGE, start)), s["reason"]
    assert said in s["reason"] or said in page.failed_checks(PAGE, start)["service accepted the request"]["received"]
    assert not any(n.startswith("prediction values were not judged") for n in s["notes"])
