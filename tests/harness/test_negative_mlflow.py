"""Deliberately broken MLflow / Databricks clients: each mistake is caught by the MLflow scenarios' checks."""

from tests.harness.conftest import FIXTURES


def broken(name: str) -> str:
    return f"python={FIXTURES / name}"


def test_a_misspelt_input_form_fails_the_body_and_gets_mlflow_s_400(harness):
    run = harness("-l", "python", "-s", "mlflow-dataframe-split", "--client", broken("mlflow-dataframe-split-misspelt"))
    bad = run.failed_checks("python", "mlflow-dataframe-split")
    assert set(bad) == {"#1 body", "exit code", "stdout"}
    assert '"dataframe-split"' in bad["#1 body"]["received"]
    assert "exactly one of the input fields" in run.cell("python", "mlflow-dataframe-split")["run"]["stderr"]


def test_a_trailing_semicolon_in_the_content_type_fails_the_header_and_gets_mlflow_s_415(harness):
    run = harness("-l", "python", "-s", "mlflow-dataframe-split", "--client", broken("mlflow-content-type-semicolon"))
    bad = run.failed_checks("python", "mlflow-dataframe-split")
    assert set(bad) == {"#1 header Content-Type", "exit code", "stdout"}
    assert bad["#1 header Content-Type"]["received"] == "application/json;"
    stderr = run.cell("python", "mlflow-dataframe-split")["run"]["stderr"]
    assert "HTTP 415" in stderr and "Unrecognized content type parameters" in stderr


def test_a_databricks_call_without_authorization_fails_the_header_and_gets_401(harness):
    run = harness("-l", "python", "-s", "databricks-token", "--client", broken("databricks-no-auth"))
    bad = run.failed_checks("python", "databricks-token")
    assert set(bad) == {"#1 header Authorization", "exit code", "stdout"}
    assert bad["#1 header Authorization"]["received"] == "(not sent)"
    assert "HTTP 401" in run.cell("python", "databricks-token")["run"]["stderr"]


def test_an_error_line_without_the_service_s_message_fails_both_error_scenarios(harness):
    run = harness("-l", "python", "-s", "mlflow-bad-request,databricks-bad-token", "--client",
                  broken("mlflow-error-without-message"))  # fmt: skip
    for scenario, status, message in (
        ("mlflow-bad-request", "400", "Model is missing inputs"),
        ("databricks-bad-token", "401", "Invalid access token."),
    ):
        bad = run.failed_checks("python", scenario)
        assert set(bad) == {"stderr names the answer"}, scenario
        assert (
            status in bad["stderr names the answer"]["expected"]
            and message in bad["stderr names the answer"]["expected"]
        )
