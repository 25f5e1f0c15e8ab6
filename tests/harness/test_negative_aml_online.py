"""Deliberately broken clients of an Azure ML online endpoint: each aml-online-* scenario catches its own."""

import pytest

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
