"""Deliberately broken clients: each fault is caught by the right check, with a diff."""

import os
import re
import shutil

import pytest

from tests.conftest import ROOT
from tests.harness.conftest import FIXTURES


def broken(name: str) -> str:
    return f"python={FIXTURES / name}"


def test_missing_content_type_names_the_header(harness):
    run = harness("-l", "python", "-s", "json-key", "--client", broken("no-content-type"))
    assert run.code == 1
    bad = run.failed_checks("python", "json-key")
    assert bad["#1 header Content-Type"]["received"] == "(not sent)"
    assert bad["#1 header Content-Type"]["expected"] == "application/json"
    assert "✘ FAIL" in run.out and "#1 header Content-Type" in run.out and "header is not present" in run.out


def test_wrong_auth_scheme_shows_expected_and_received_masked(harness):
    run = harness("-l", "python", "-s", "json-key", "--client", broken("wrong-auth-scheme"))
    check = run.failed_checks("python", "json-key")["#1 header Authorization"]
    assert check["expected"].startswith("Bearer ****") and check["received"].startswith("Token ****")
    assert "#1 header Authorization" in run.out


def test_wrong_body_names_the_json_path(harness):
    run = harness("-l", "python", "-s", "json-no-auth", "--client", broken("wrong-body"))
    detail = run.failed_checks("python", "json-no-auth")["#1 body"]["detail"]
    assert "$.data[1][3]: expected 0.0528581912385822, received 0.052858" in detail
    assert "$.data[1][3]" in run.out


def test_wrong_number_printed_is_a_stdout_diff(harness):
    run = harness("-l", "python", "-s", "json-no-auth", "--client", broken("wrong-number"))
    bad = run.failed_checks("python", "json-no-auth")
    assert set(bad) == {"stdout"}
    assert "differs from the answer compacted at character 6" in bad["stdout"]["detail"]
    assert "'[217.68," in bad["stdout"]["detail"]  # what it printed, beside what the service answered


def test_hung_client_is_killed_at_the_timeout(harness):
    run = harness("-l", "python", "-s", "json-no-auth", "--run-timeout", "3", "--client", broken("hang"))
    assert run.code == 1
    bad = run.failed_checks("python", "json-no-auth")
    assert "killed after" in bad["finished"]["received"]
    assert run.cell("python", "json-no-auth")["run"]["killed"] is True


def test_a_client_that_waits_past_its_timeout_fails_gave_up(harness):
    """It does give up, after 30 s instead of its 5: the stub's clock says so, whatever the machine's load."""
    run = harness("-l", "python", "-s", "timeout", "--client", broken("waits-too-long"))
    bad = run.failed_checks("python", "timeout")
    assert set(bad) == {"gave up"}
    assert bad["gave up"]["expected"] == "each request closed by the client within 20 s"
    assert re.fullmatch(r"#1 closed after 3\d\.\d s", bad["gave up"]["received"])


def test_client_that_hides_errors_fails_server_error(harness):
    run = harness("-l", "python", "-s", "server-error", "--client", broken("ignores-errors"))
    bad = run.failed_checks("python", "server-error")
    assert bad["exit code"]["expected"] == "non-zero" and bad["exit code"]["received"] == "0"


def test_stack_trace_is_not_one_clear_line(harness):
    run = harness("-l", "python", "-s", "bad-credentials", "--client", broken("stack-trace"))
    bad = run.failed_checks("python", "bad-credentials")
    assert "stderr is one line" in bad
    assert "Traceback" in bad["stderr is one line"]["detail"]


def test_build_failure_shows_the_compiler_message(harness):
    run = harness("-l", "go", "-s", "json-key", "--client", f"go={FIXTURES / 'go-build-failure'}")
    assert run.code == 1
    go = run.results["languages"][0]
    assert go["status"] == "build-failed"
    assert "main.go:7" in go["message"] and "cannot use" in go["message"]
    assert "build-failed" in run.out and "cannot use" in run.out


def test_missing_toolchain_names_what_to_install_and_fails(harness, tmp_path):
    empty = tmp_path / "empty-path"
    empty.mkdir()
    env = {**os.environ, "PATH": str(empty), "HARNESS_BACKEND": "local"}
    run = harness("-l", "go", "-s", "json-key", env=env)
    assert run.code == 1
    go = run.results["languages"][0]
    assert go["status"] == "missing-toolchain"
    assert "apt-get install -y golang-go" in go["message"]
    assert run.cell("go", "json-key")["status"] == "fail"


def test_breaking_one_real_client_turns_only_its_cells_red(harness, tmp_path):
    """Drop the Content-Type header from the Go sample: only the Go cells fail, and say why."""
    client = tmp_path / "go"
    shutil.copytree(ROOT / "clients" / "go", client)
    source = (client / "main.go").read_text()
    setter = 'http.Header{"Content-Type": {"application/json"}}'
    assert source.count(setter) == 1, f"expected one {setter} in clients/go/main.go"
    (client / "main.go").write_text(source.replace(setter, "http.Header{}"))
    run = harness("-l", "go,python", "-s", "json-key,json-no-auth", "--client", f"go={client}")
    assert run.code == 1
    statuses = {(c["language"], c["scenario"]): c["status"] for lang in run.results["languages"] for c in lang["cells"]}
    assert statuses == {
        ("go", "json-key"): "fail",
        ("go", "json-no-auth"): "fail",
        ("python", "json-key"): "pass",
        ("python", "json-no-auth"): "pass",
    }
    assert "#1 header Content-Type" in run.failed_checks("go", "json-key")


@pytest.mark.parametrize(
    "args, message",
    [
        (["-l", "cobol"], "unknown language(s): cobol"),
        (["-s", "nope"], "unknown scenario(s): nope"),
        (["--client", "go"], "--client takes LANG=DIR"),
        (["--jobs", "0"], "--jobs must be at least 1"),
        (["--scenario-jobs", "0"], "--scenario-jobs must be at least 1"),
    ],
)
def test_bad_requests_are_one_line_and_exit_2(harness, args, message):
    run = harness(*args)
    assert run.code == 2
    assert run.err.strip().count("\n") == 0
    assert message in run.err


def test_a_client_that_does_not_retry_fails_the_retry_scenario(harness):
    run = harness("-l", "python", "-s", "retry", "--client", broken("no-retry"))
    bad = run.failed_checks("python", "retry")
    assert bad["requests received"]["expected"] == "3" and bad["requests received"]["received"].startswith("1:")
    assert "exit code" in bad and "#2 request" in bad


def test_a_client_that_ignores_retry_after_fails_the_spacing_check(harness):
    run = harness("-l", "python", "-s", "retry", "--client", broken("retry-too-soon"))
    bad = run.failed_checks("python", "retry")
    assert set(bad) == {"retry spacing"}, bad
    assert bad["retry spacing"]["expected"] == "at least 0.9 s between attempts"


def test_a_client_that_retries_a_400_fails_the_no_retry_scenario(harness):
    run = harness("-l", "python", "-s", "no-retry-400", "--client", broken("retries-400"))
    bad = run.failed_checks("python", "no-retry-400")
    assert bad["requests received"]["expected"] == "1" and bad["requests received"]["received"].startswith("4:")


@pytest.mark.parametrize("variable", ["HARNESS_BACKEND", "HARNESS_IMAGES"])
def test_a_bad_choice_from_the_environment_is_refused_in_one_line(harness, variable):
    run = harness("-l", "go", env={**os.environ, "HARNESS_BACKEND": "local", variable: "nonsense"})
    assert run.code == 2
    assert f"error: {variable}='nonsense': choose from" in run.err


def test_bytes_labelled_as_text_fail_the_content_type_check(harness):
    run = harness("-l", "python", "-s", "binary", "--client", broken("binary-as-text"))
    bad = run.failed_checks("python", "binary")
    check = bad["#1 header Content-Type"]
    assert (check["expected"], check["received"]) == ("application/octet-stream", "text/plain")


def test_a_truncated_file_fails_the_bytes_check_with_the_offset(harness):
    run = harness("-l", "python", "-s", "binary", "--client", broken("binary-truncated"))
    bad = run.failed_checks("python", "binary")
    assert "#1 body" in bad
    size = (ROOT / "harness" / "payloads" / "sample.png").stat().st_size
    assert bad["#1 body"]["expected"].startswith(f"{size} bytes")
    assert bad["#1 body"]["received"].startswith(f"{size - 1} bytes")
    assert f"first difference at byte {size - 1}" in bad["#1 body"]["detail"]


def test_a_form_with_the_wrong_field_name_is_named(harness):
    run = harness("-l", "python", "-s", "multipart-file", "--client", broken("multipart-wrong-field"))
    bad = run.failed_checks("python", "multipart-file")
    check = bad["#1 form field"]
    assert (check["expected"], check["received"]) == ("'images'", "fields: 'image'")


def test_a_correct_form_passes_with_the_fixture_client(harness):
    """The same fixture code with the right field passes: the check above fails for the field alone."""
    run = harness("-l", "python", "-s", "multipart-file", "--client", broken("no-retry"))
    assert run.code == 0, run.out


def test_a_modelarts_token_sent_as_bearer_fails_both_header_checks(harness):
    run = harness("-l", "python", "-s", "modelarts-json", "--client", broken("modelarts-bearer"))
    bad = run.failed_checks("python", "modelarts-json")
    assert bad["#1 header X-Auth-Token"]["received"] == "(not sent)"
    assert bad["#1 no header Authorization"]["detail"] == "header must not be sent"


def test_a_made_up_modelarts_uuid_fails_the_pattern_and_only_that(harness):
    run = harness("-l", "python", "-s", "modelarts-json", "--client", broken("modelarts-fixed-uuid"))
    bad = run.failed_checks("python", "modelarts-json")
    assert set(bad) == {"#1 body $.meta.uuid"}
    assert bad["#1 body $.meta.uuid"]["received"] == '"request-1"'


def test_a_batch_client_that_does_not_poll_until_the_end_fails(harness):
    run = harness("-l", "python", "-s", "classic-bes", "--client", broken("bes-no-poll"))
    bad = run.failed_checks("python", "classic-bes")
    assert bad["requests received"]["expected"] == "4 or more (polling)"
    assert bad["#4 request"]["received"] == "nothing received"


def test_a_batch_client_that_hides_a_failed_job_fails(harness):
    run = harness("-l", "python", "-s", "classic-bes-failed", "--client", broken("bes-ignores-failure"))
    bad = run.failed_checks("python", "classic-bes-failed")
    assert bad["exit code"]["received"] == "0"
    assert "stderr contains" in bad and "stdout" in bad


def test_a_classic_table_under_the_wrong_field_name_is_named(harness):
    run = harness("-l", "python", "-s", "classic-rrs", "--client", broken("rrs-lowercase-inputs"))
    bad = run.failed_checks("python", "classic-rrs")
    assert "$.Inputs: missing" in bad["#1 body"]["detail"] and "$.inputs: not expected" in bad["#1 body"]["detail"]
    # The stub refuses the table, in the classic service's own words, and the client exits non-zero.
    assert bad["exit code"]["received"] == "1"
    assert not any(name.startswith(("#1 header", "#1 path", "#1 query")) for name in bad)


def test_a_client_that_turns_verification_off_fails_the_unknown_ca_scenario(harness):
    run = harness("-l", "python", "-s", "tls", "-s", "tls-unknown-ca", "--client", broken("tls-no-verify"))
    assert run.cell("python", "tls")["status"] == "pass"
    bad = run.failed_checks("python", "tls-unknown-ca")
    assert bad["requests received"]["expected"] == "0"
    assert bad["exit code"]["received"] == "0"
    assert "stderr matches" in bad and "stdout" in bad


def test_the_same_client_verifying_passes_the_unknown_ca_scenario(harness):
    """The fixture code with verification on refuses the unknown CA: the check above fails for that alone."""
    run = harness("-l", "python", "-s", "tls", "-s", "tls-unknown-ca", "--client", broken("no-retry"))
    assert run.code == 0, run.out


def test_a_client_that_retries_an_untrusted_certificate_fails_on_the_connections_the_stub_saw(harness):
    """Judged from the TLS connections the cell's own listener counted, not from how long the run took."""
    run = harness("-l", "python", "-s", "tls-unknown-ca", "--client", broken("retries-tls-errors"))
    bad = run.failed_checks("python", "tls-unknown-ca")
    assert set(bad) == {"TLS connections"}, bad
    assert bad["TLS connections"]["expected"] == "1" and bad["TLS connections"]["received"].startswith("3 (")
