"""Deliberately broken Open Inference Protocol clients: each fault is caught by the right check."""

import pytest

from tests.harness.conftest import FIXTURES


def broken(name: str) -> str:
    return f"python={FIXTURES / name}"


def test_fp32_datatype_is_a_body_difference_at_its_path(harness):
    # The server scores FP32 data too (rounded to single precision), so only the body check catches it.
    run = harness("-l", "python", "-s", "oip-infer", "--client", broken("oip-fp32"))
    bad = run.failed_checks("python", "oip-infer")
    assert set(bad) == {"#1 body"}
    assert '$.inputs[0].datatype: expected "FP64", received "FP32"' in bad["#1 body"]["detail"]


def test_shape_not_matching_the_data_is_refused_and_named(harness):
    run = harness("-l", "python", "-s", "oip-infer", "--client", broken("oip-shape-mismatch"))
    bad = run.failed_checks("python", "oip-infer")
    assert set(bad) == {"#1 body", "exit code", "stdout"}
    assert "$.inputs[0].shape[0]: expected 2.0, received 10.0" in bad["#1 body"]["detail"]
    # [10, 2] holds the 20 values, but as rows of 2 features: the stub says so, as the real server would.
    stderr = run.cell("python", "oip-infer")["run"]["stderr"]
    assert "HTTP 400" in stderr and "X has 2 features, but Ridge is expecting 10 features as input." in stderr


@pytest.mark.parametrize("scenario", ["oip-unknown-model", "oip-bad-request"])
def test_a_client_that_prints_the_error_body_and_exits_0_fails(harness, scenario):
    run = harness("-l", "python", "-s", scenario, "--client", broken("oip-ignores-errors"))
    bad = run.failed_checks("python", scenario)
    assert set(bad) == {"exit code", "stdout", "stderr is one line", "stderr names the answer"}
    assert bad["exit code"]["received"] == "0"


def test_an_empty_bearer_without_a_key_fails_the_forbidden_header(harness):
    run = harness("-l", "python", "-s", "oip-no-auth", "--client", broken("oip-empty-bearer"))
    bad = run.failed_checks("python", "oip-no-auth")
    assert set(bad) == {"#1 no header Authorization"}
