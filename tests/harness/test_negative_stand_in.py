"""A scenario served by the stub's stand-in model still catches what a client sends wrong: the stand-in takes
any well-formed body of the protocol, not any body."""

from tests.harness.conftest import FIXTURES

SCENARIO = "tfserving-stand-in"


def test_a_body_not_of_the_protocols_shape_is_refused_by_the_stand_in(harness):
    run = harness("-l", "python", "-s", SCENARIO, "--client", f"python={FIXTURES / 'tfserving-instance-misspelled'}")
    bad = run.failed_checks("python", SCENARIO)
    assert set(bad) == {"#1 body", "exit code", "stdout"}
    assert "Missing 'inputs' or 'instances' key" in bad["stdout"]["expected"]  # the stand-in's 400, not an answer


def test_a_wrong_route_for_the_users_model_fails_the_path(harness):
    run = harness("-l", "python", "-s", SCENARIO, "--client", f"python={FIXTURES / 'tfserving-escaped-colon'}")
    bad = run.failed_checks("python", SCENARIO)
    assert set(bad) == {"#1 path"}
    assert bad["#1 path"]["received"].endswith("/v1/models/half_plus_three%3Apredict")
