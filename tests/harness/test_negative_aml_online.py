"""Deliberately broken clients of an Azure ML online endpoint: each aml-online-* scenario catches its own."""

import pytest

from harness import catalog
from harness.checks import check_answer_headers
from harness.scenario import Expect
from tests.harness.conftest import FIXTURES

DEPLOYMENT = "azureml-model-deployment"
CAUGHT = [
    # (fixture, scenario, the checks that fail: exactly these)
    ("no-deployment-header", "aml-online-key-deployment", {f"#1 header {DEPLOYMENT}", f"answer header {DEPLOYMENT}"}),
    (
        "deployment-header-misspelt",
        "aml-online-key-deployment",
        {f"#1 header {DEPLOYMENT}", f"answer header {DEPLOYMENT}"},
    ),
    ("empty-deployment-header", "aml-online-traffic", {f"#1 no header {DEPLOYMENT}"}),
    (
        "key-without-bearer",
        "aml-online-secondary-key",
        {"#1 header Authorization", f"answer header {DEPLOYMENT}", "exit code", "stdout"},
    ),
    (
        "key-without-bearer",
        "aml-online-aml-token",
        {"#1 header Authorization", f"answer header {DEPLOYMENT}", "exit code", "stdout"},
    ),
    ("ignores-errors", "aml-online-unknown-deployment", {"exit code", "stderr is one line", "stderr names the answer"}),
    ("stack-trace", "aml-online-token-expired", {"stderr is one line"}),
]


@pytest.mark.parametrize(("fixture", "scenario", "failing"), CAUGHT, ids=[f"{f}-{s}" for f, s, _ in CAUGHT])
def test_broken_client_is_caught_by_the_right_checks(harness, fixture, scenario, failing):
    run = harness("-l", "python", "-s", scenario, "--client", f"python={FIXTURES / fixture}")
    assert run.code == 1
    assert set(run.failed_checks("python", scenario)) == failing


def test_a_client_that_names_no_deployment_prints_the_answer_of_the_split(harness):
    """Without the header the split (all to blue) serves it: the printed answer is blue's, and the report says so."""
    client = f"python={FIXTURES / 'no-deployment-header'}"
    run = harness("-l", "python", "-s", "aml-online-key-deployment", "--client", client)
    bad = run.failed_checks("python", "aml-online-key-deployment")
    assert bad[f"answer header {DEPLOYMENT}"]["expected"] == "green"
    assert bad[f"answer header {DEPLOYMENT}"]["received"] == "blue"
    assert bad[f"#1 header {DEPLOYMENT}"]["detail"] == "header is not present"


# -- the scenario file's [stub] deployments, traffic and token_lifetime, and [expect] answer_headers ------------------
@pytest.mark.parametrize(
    "stub, fragment",
    [
        ("deployments = { b = {} }", "a name is 3-32 letters"),
        ("deployments = { blue = { scale = 0 } }", "scale must be a positive number"),
        ("deployments = { blue = { scale = 'big' } }", "scale must be a positive number"),
        ("deployments = { blue = { model = 'x' } }", "unknown key(s) model"),
        ("deployments = { blue = {} }\ntraffic = { green = 100 }", "unknown key(s) green; allowed: blue"),
        ("deployments = { blue = {} }\ntraffic = { blue = 90 }", "adds up to 90, not 100"),
        ("deployments = { blue = {} }\ntraffic = { blue = 100.0 }", "whole percentages"),
        ("traffic = { blue = 100 }", "unknown key(s) blue"),
        ("auth = 'key'\ntoken_lifetime = -60", 'with auth = "token"'),
        ("auth = 'token'\ntoken_lifetime = 'soon'", "token_lifetime is a number"),
    ],
)
def test_broken_online_endpoint_settings_are_one_line_errors(tmp_path, stub, fragment):
    path = tmp_path / "bad.toml"
    path.write_text(f"[stub]\n{stub}\n")
    with pytest.raises(catalog.CatalogError) as err:
        catalog.load_scenario(path)
    assert fragment in str(err.value) and "bad.toml" in str(err.value) and "\n" not in str(err.value)


def test_answer_headers_are_judged_case_insensitively_and_a_missing_one_fails():
    expect = Expect(answer_headers={"azureml-model-deployment": "green"})
    [ok] = check_answer_headers(expect, {"headers": {"AzureML-Model-Deployment": "green"}})
    [other] = check_answer_headers(expect, {"headers": {"azureml-model-deployment": "blue"}})
    [absent] = check_answer_headers(expect, {"headers": {}})
    [unanswered] = check_answer_headers(expect, None)
    assert ok.ok and not other.ok and not absent.ok and not unanswered.ok
    assert other.received == "blue" and absent.received == unanswered.received == "(not sent)"
