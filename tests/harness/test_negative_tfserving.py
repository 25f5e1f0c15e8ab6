"""Deliberately broken TF Serving / KServe v1 clients: each scenario catches its fault, with the right checks."""

import pytest

from tests.harness.conftest import FIXTURES

REQUEST_BODY = "#1 body"


def broken(name: str) -> str:
    return f"python={FIXTURES / name}"


@pytest.mark.parametrize(
    ("fixture", "wrong_key"),
    [
        ("tfserving-instance-misspelled", "$.instance"),  # {"instance": rows}
        ("tfserving-flat-inputs", "$.inputs"),  # {"inputs": [20 numbers]}: columnar, rows run together
    ],
)
def test_a_body_in_the_wrong_form_fails_the_body_and_gets_no_predictions(harness, fixture, wrong_key):
    run = harness("-l", "python", "-s", "tfserving-predict", "--client", broken(fixture))
    bad = run.failed_checks("python", "tfserving-predict")
    assert set(bad) == {REQUEST_BODY, "exit code", "stdout"}
    assert "$.instances: missing" in bad[REQUEST_BODY]["detail"]
    assert f"{wrong_key}: not expected" in bad[REQUEST_BODY]["detail"]
    assert bad["stdout"]["received"] == "(empty)" and bad["stdout"]["expected"].startswith('{"error":')  # its 400


def test_an_escaped_colon_in_the_path_fails_the_path_only(harness):
    """The stub routes /diabetes%3Apredict as real servers do (on the decoded path); the check reads the raw one."""
    run = harness("-l", "python", "-s", "tfserving-predict", "--client", broken("tfserving-escaped-colon"))
    bad = run.failed_checks("python", "tfserving-predict")
    assert set(bad) == {"#1 path"}
    assert bad["#1 path"]["received"].endswith("/v1/models/diabetes%3Apredict")
    assert bad["#1 path"]["expected"].endswith("/v1/models/diabetes:predict")


def test_printing_only_the_predictions_instead_of_the_answer_fails_stdout(harness):
    """The kit's clients print the answer as received; a client that prints a part of it, re-serialised, fails."""
    run = harness("-l", "python", "-s", "tfserving-predict", "--client", broken("tfserving-predictions-only"))
    bad = run.failed_checks("python", "tfserving-predict")
    assert set(bad) == {"stdout"}
    assert "differs from the answer compacted at character 0" in bad["stdout"]["detail"]


@pytest.mark.parametrize(("scenario", "status"), [("tfserving-unknown-model", "404"), ("tfserving-bad-request", "400")])
def test_a_client_that_ignores_the_error_answer_fails(harness, scenario, status):
    run = harness("-l", "python", "-s", scenario, "--client", broken("tfserving-ignores-error"))
    bad = run.failed_checks("python", scenario)
    assert set(bad) == {"exit code", "stderr is one line", "stderr names the answer"}
    assert bad["exit code"]["received"] == "0"
    assert f"'{status}'" in bad["stderr names the answer"]["expected"]


@pytest.mark.parametrize("scenario", ["tfserving-versioned", "tfserving-no-auth"])
def test_an_empty_bearer_without_a_key_fails_the_forbidden_header(harness, scenario):
    run = harness("-l", "python", "-s", scenario, "--client", broken("tfserving-empty-bearer"))
    bad = run.failed_checks("python", scenario)
    assert set(bad) == {"#1 no header Authorization"}
