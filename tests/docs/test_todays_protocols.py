"""Samples of today's model servers, as their product pages write them, judged by the docs check (local
backend): each picks its protocol's scenario from the route it calls, the page's own body is sent, and a
broken twin fails with the service's own reason at its page line."""

import json

import pytest

from tests.docs.conftest import PAGES, docs_check

PAGE = "todays-protocols.md"

# (first line of the block's code, language, scenario the route picks, the text that decided it)
PASSING = [
    (11, "shell", "oip-no-auth", "/v2/models/diabetes-ridge/infer"),  # KServe, curl with a Host header
    (31, "python", "oip-no-auth", "/v2/models/diabetes-ridge/infer"),  # MLServer, requests
    (53, "shell", "tfserving-model-server", "/v1/models/diabetes:predict"),  # TF Serving on its port 8501, curl
    (69, "javascript", "tfserving-model-server", "/v1/models/diabetes:predict"),  # TF Serving, fetch
    (84, "shell", "mlflow-dataframe-split", "/invocations"),  # mlflow models serve, curl
    (108, "python", "databricks-token", "/serving-endpoints/"),  # Databricks, a token
    (146, "python", "aml-online-key-deployment", "azureml-model-deployment"),  # online endpoint, blue
]

# (first line, scenario, the failed checks, words of the service's refusal the reason must carry)
FAILING = [
    (21, "oip-no-auth", {"service accepted the request"}, "shape [1, 10] does not match its data (20 values)"),
    (61, "tfserving-model-server", {"service accepted the request"}, "Missing 'inputs' or 'instances' key"),
    (92, "mlflow-dataframe-split", {"service accepted the request"}, "exactly one of the input fields"),
    (100, "mlflow-dataframe-split", {"#1 header Content-Type", "service accepted the request"}, "415"),
    (128, "databricks-token", {"#1 header Authorization", "service accepted the request"}, "401"),
]


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    results = tmp_path_factory.mktemp("docs-todays-protocols")
    return docs_check("--backend", "local", str(PAGES / PAGE), results=results, timeout=1200)


def test_every_block_of_the_page_is_judged(page):
    starts = {s["start"]: s["verdict"] for s in page.results["samples"]}
    assert sorted(starts) == sorted(b[0] for b in PASSING + FAILING), page.out[-2000:]
    assert page.code == 1  # the broken twins fail the page


@pytest.mark.parametrize("start, language, scenario, decided", PASSING)
def test_good_sample_picks_its_protocol_and_passes(page, start, language, scenario, decided):
    s = page.sample(PAGE, start)
    assert (s["language"], s["scenario"], s["verdict"]) == (language, scenario, "pass"), s["reason"]
    assert decided in s["scenario_why"]
    checks = {c["name"]: c for c in s["checks"]}
    assert checks["service accepted the request"]["ok"] and checks["stdout"]["ok"]
    assert checks["#1 body"]["expected"].endswith("decimal numbers the sample's code writes, in order")


def test_placeholders_of_todays_hosts_are_the_stubs(page):
    kserve = page.sample(PAGE, 11)["replaced"]
    assert any("${SERVICE_HOSTNAME} -> the stub's host:port" in r for r in kserve)
    assert any("${INGRESS_HOST}:${INGRESS_PORT}/v2/models/diabetes-ridge/infer -> the stub's URI" in r for r in kserve)
    databricks = page.sample(PAGE, 108)["replaced"]
    assert any("<your-databricks-token> -> the scenario's key" in r for r in databricks)
    assert any("https://<workspace>/serving-endpoints/diabetes-ridge/invocations ->" in r for r in databricks)
    online = page.sample(PAGE, 146)
    assert any("inference.ml.azure.com/score -> the stub's URI" in r for r in online["replaced"])
    assert any(r.endswith("blue -> green") for r in online["replaced"])  # the scenario's deployment
    header = {c["name"]: c for c in online["checks"]}["#1 header azureml-model-deployment"]
    assert header["ok"] and header["received"] == "green"


def test_what_the_sample_printed_counts_as_the_answer(page):
    """curl prints the whole answer, Python its repr: both are the answer the service gave."""
    curl, python = page.sample(PAGE, 53), page.sample(PAGE, 31)
    assert any("whole answer" in n for n in curl["notes"])
    assert "predictions" in json.loads(curl["run"]["stdout"])
    assert any("Python literal" in n for n in python["notes"])


@pytest.mark.parametrize("start, scenario, failed, said", FAILING)
def test_broken_twin_fails_with_the_services_reason(page, start, scenario, failed, said):
    s = page.sample(PAGE, start)
    assert (s["scenario"], s["verdict"]) == (scenario, "fail"), s["reason"]
    assert failed <= set(page.failed_checks(PAGE, start)), s["reason"]
    assert said in s["reason"]


def test_python_twin_names_its_page_line(page):
    s = page.sample(PAGE, 128)  # no token: raise_for_status() at page line 137
    assert s["reason"].startswith("requests.exceptions.HTTPError: 401") and "(page line 137)" in s["reason"]
