"""Unit tests of the checks: each can fail, and says why."""

import json
from dataclasses import replace

import pytest

from harness import checks
from harness.checks import Check, RunResult, compare_json, json_differences
from harness.scenario import parse_expect, parse_requests


def check_requests(expected: list[dict], entries: list[dict], allow_retries: bool) -> list[Check]:
    """The checks as a scenario file's tables would make them."""
    return checks.check_requests(parse_requests(expected), entries, allow_retries)


def check_run(expect: dict, run, entries: list[dict], run_timeout: float, exact: bool = True) -> list[Check]:
    """``exact=False``: judged as the docs check judges a page's sample (the JSON printed, not its bytes)."""
    return checks.check_run(replace(parse_expect(expect), stdout_exact=exact), run, entries, run_timeout)


def entry(
    headers=(("Content-Type", "application/json"),),
    body='{"data": [[1, 2]]}',
    method="POST",
    path="/api/v1/service/s/score",
    status=200,
    response_body="[1.5]",
):
    return {
        "method": method,
        "path": path,
        "query": "",
        "headers": [list(h) for h in headers],
        "body": body,
        "bodyEncoding": "utf-8",
        "response": {"status": status, "headers": {}, "body": response_body},
    }


EXPECTED = {
    "method": "POST",
    "path": "/api/v1/service/s/score",
    "headers": {"Content-Type": "application/json"},
    "forbidden_headers": ["Authorization"],
    "body": {"json": {"data": [[1, 2]]}},
}


def failing(checks: list[Check]) -> dict[str, Check]:
    return {c.name: c for c in checks if not c.ok}


@pytest.mark.parametrize("a, b", [(1, 1.0), (0.1, 0.1), ({"a": 1, "b": [2]}, {"b": [2.0], "a": 1}), (-0.0, 0.0)])
def test_equal_json_has_no_differences(a, b):
    assert json_differences(a, b) == []


@pytest.mark.parametrize(
    "expected, received, message",
    [
        (0.1, 0.1000000001, "$: expected 0.1, received 0.1000000001"),
        ({"data": [[1, 2]]}, {"data": [[1, 3]]}, "$.data[0][1]: expected 2.0, received 3.0"),
        ({"data": 1}, {}, "$.data: missing"),
        ({}, {"x": 1}, "$.x: not expected, received 1.0"),
        ([1, 2], [1], "$: expected 2 items, received 1"),
        ({"a": 1}, {"a": "1"}, '$.a: expected 1.0 (number), received "1" (string)'),
        (True, 1, "$: expected true (boolean), received 1.0 (number)"),
    ],
)
def test_json_differences_name_the_path(expected, received, message):
    assert message in json_differences(expected, received)


def test_compare_json_reports_invalid_json_and_a_diff():
    bad = compare_json("stdout", [1.5], "not json")
    assert not bad.ok and "not JSON" in bad.detail
    diff = compare_json("stdout", [217.67980824029587], "[217.68]")
    assert not diff.ok
    assert "$[0]: expected 217.67980824029587, received 217.68" in diff.detail
    assert "-  217.67980824029587" in diff.detail and "+  217.68" in diff.detail


def test_correct_request_passes_every_check():
    checks = check_requests([EXPECTED], [entry()], allow_retries=False)
    assert all(c.ok for c in checks)
    assert {c.name for c in checks} >= {
        "#1 method",
        "#1 path",
        "#1 header Content-Type",
        "#1 no header Authorization",
        "#1 body",
        "requests received",
    }


def test_header_names_are_case_insensitive_values_exact():
    ok = check_requests([EXPECTED], [entry(headers=[("content-type", "application/json")])], False)
    assert not failing(ok)
    bad = failing(
        check_requests([EXPECTED], [entry(headers=[("Content-Type", "application/json; charset=utf-8")])], False)
    )
    assert bad["#1 header Content-Type"].received == "application/json; charset=utf-8"


def test_missing_header_is_named():
    bad = failing(check_requests([EXPECTED], [entry(headers=[])], False))
    check = bad["#1 header Content-Type"]
    assert check.expected == "application/json" and check.received == "(not sent)"
    assert "not present" in check.detail


def test_forbidden_header_is_reported():
    bad = failing(
        check_requests(
            [EXPECTED], [entry(headers=[("Content-Type", "application/json"), ("authorization", "Bearer x")])], False
        )
    )
    assert bad["#1 no header Authorization"].received == "Bearer x"


def test_wrong_method_path_and_body_are_reported():
    bad = failing(check_requests([EXPECTED], [entry(method="PUT", path="/score", body='{"data": [[1, 2.5]]}')], False))
    assert bad["#1 method"].received == "PUT"
    assert bad["#1 path"].received == "/score"
    assert "$.data[0][1]: expected 2.0, received 2.5" in bad["#1 body"].detail


def test_request_count_and_retries():
    assert failing(check_requests([EXPECTED], [], False))["#1 request"].received == "nothing received"
    two = [entry(), entry()]
    assert "requests received" in failing(check_requests([EXPECTED], two, allow_retries=False))
    assert not failing(check_requests([EXPECTED], two, allow_retries=True))
    # A retry must be the same request as the first.
    retry_bad = failing(check_requests([EXPECTED], [entry(), entry(headers=[])], allow_retries=True))
    assert "#2 (retry) header Content-Type" in retry_bad


def run(exit_code=0, stdout="", stderr="", seconds=0.1, killed=False):
    return RunResult(exit_code, stdout, stderr, seconds, killed)


def test_stdout_must_be_what_the_service_answered():
    """A kit client prints the answer byte for byte, compacted, and one newline."""
    answered = [entry(response_body="[217.67980824029587, 224.78900903887745]")]
    expect = {"exit_code": 0, "stdout": "response-json"}
    assert not failing(check_run(expect, run(stdout="[217.67980824029587,224.78900903887745]\n"), answered, 60))
    bad = failing(check_run(expect, run(stdout="[217.68,224.79]\n"), answered, 60))
    assert "differs from the answer compacted at character 6" in bad["stdout"].detail


@pytest.mark.parametrize(
    "printed, why",
    [
        ("[217.67980824029587, 224.78900903887745]\n", "not compacted"),
        ("[217.67980824029587,224.78900903887745]", "no newline"),
        ("[217.67980824029587,224.78900903887745]\n\n", "a blank line after it"),
        ("[217.67980824029587,224.78900903887745]\r\n", "a carriage return"),
    ],
)
def test_stdout_of_the_same_json_but_other_bytes_fails(printed, why):
    answered = [entry(response_body="[217.67980824029587, 224.78900903887745]")]
    assert "stdout" in failing(check_run({"stdout": "response-json"}, run(stdout=printed), answered, 60)), why


@pytest.mark.parametrize(
    "answer, printed",
    [
        ("[ 217 ,\n 1e23, -0.0,\t12345678901234567890 ]", "[217,1e23,-0.0,12345678901234567890]"),
        ('{"a" : "x y\\" z", "b": "\\u00e9 <&>"}', '{"a":"x y\\" z","b":"\\u00e9 <&>"}'),
    ],
)
def test_numbers_and_strings_are_printed_as_written(answer, printed):
    """Not re-serialised: 217 stays 217, 1e23 stays 1e23, escapes and spaces inside strings stay."""
    answered = [entry(response_body=answer)]
    assert not failing(check_run({"stdout": "response-json"}, run(stdout=printed + "\n"), answered, 60))
    reserialised = json.dumps(json.loads(answer), separators=(",", ":"), ensure_ascii=False) + "\n"
    assert failing(check_run({"stdout": "response-json"}, run(stdout=reserialised), answered, 60))


def test_a_page_sample_is_judged_by_the_json_it_prints():
    answered = [entry(response_body="[217.67980824029587, 224.78900903887745]")]
    expect = {"exit_code": 0, "stdout": "response-json"}
    assert not failing(check_run(expect, run(stdout="[217.67980824029587, 224.78900903887745]"), answered, 60, False))
    bad = failing(check_run(expect, run(stdout="[217.68, 224.79]\n"), answered, 60, exact=False))
    assert "$[0]: expected 217.67980824029587, received 217.68" in bad["stdout"].detail


def test_a_page_sample_may_print_one_part_of_the_answer():
    answered = [entry(response_body='{"model_name": "diabetes", "outputs": [{"name": "predict", "data": [1.5, 2]}]}')]
    expect = {"exit_code": 0, "stdout": "response-json", "stdout_at": "$.outputs[0].data"}
    assert not failing(check_run(expect, run(stdout="[1.5,2]\n"), answered, 60, exact=False))
    whole = failing(check_run(expect, run(stdout=answered[0]["response"]["body"]), answered, 60, exact=False))
    assert "stdout" in whole
    absent = {**expect, "stdout_at": "$.predictions"}
    assert failing(check_run(absent, run(stdout="[1.5,2]"), answered, 60, exact=False))["stdout"].detail == (
        "the answer has no value at $.predictions"
    )
    # A kit client prints the whole answer, whatever part the scenario names.
    compacted = '{"model_name":"diabetes","outputs":[{"name":"predict","data":[1.5,2]}]}\n'
    assert not failing(check_run(expect, run(stdout=compacted), answered, 60))
    assert "stdout" in failing(check_run(expect, run(stdout="[1.5,2]\n"), answered, 60))


@pytest.mark.parametrize("doc", [{"stdout_at": "$.x"}, {"stdout": "response-json", "stdout_at": "predictions"}])
def test_stdout_at_needs_a_path_and_the_answer(doc):
    with pytest.raises(Exception, match="stdout_at"):
        parse_expect(doc)


def test_exit_code_rules():
    assert failing(check_run({"exit_code": 0}, run(exit_code=1), [], 60))["exit code"].received == "1"
    assert failing(check_run({"exit_code": "nonzero"}, run(exit_code=0), [], 60))["exit code"].expected == "non-zero"
    assert not failing(check_run({"exit_code": "nonzero"}, run(exit_code=3), [], 60))


def test_killed_client_is_reported():
    bad = failing(check_run({"exit_code": 0}, run(exit_code=None, seconds=5.0, killed=True), [], 5))
    assert "killed after 5.0 s" in bad["finished"].received


def test_stderr_rules():
    answered = [entry(status=503, response_body=json.dumps({"status_code": 503, "message": "down"}))]
    expect = {"exit_code": "nonzero", "stderr": {"one_line": True, "mentions_response": True}}
    assert not failing(check_run(expect, run(1, stderr="error: HTTP 503 Service Unavailable: down\n"), answered, 60))
    bad = failing(
        check_run(expect, run(1, stderr="Traceback (most recent call last):\n  ...\nRuntimeError: 503\n"), answered, 60)
    )
    assert bad["stderr is one line"].received == "3 lines"
    assert "'down'" in bad["stderr names the answer"].detail
    assert not failing(check_run({"stderr": {"pattern": "(?i)timed out"}}, run(stderr="Request TIMED OUT"), [], 60))
    assert failing(check_run({"stderr": {"pattern": "(?i)timed out"}}, run(stderr="boom"), [], 60))


def test_duration_limit():
    assert failing(check_run({"max_seconds": 12}, run(1, seconds=15.2), [], 60))["duration"].received == "15.2 s"


def held(after: float | None) -> dict:
    """A request the service held back: closed by the client ``after`` s, or (None) answered once the delay ended."""
    if after is None:
        return entry()
    closed = {"status": None, "headers": {}, "body": "", "abandoned": True}
    return {**entry(), "abandonedAfter": after, "response": closed}


@pytest.mark.parametrize(
    "entries, ok, received",
    [
        ([held(5.1)], True, "#1 closed after 5.1 s"),
        ([held(5.0), held(4.9)], True, "#1 closed after 5.0 s, #2 closed after 4.9 s"),  # a retry gave up too
        ([held(None)], False, "#1 answered 200"),  # waited for the slow service
        ([held(5.0), held(None)], False, "#1 closed after 5.0 s, #2 answered 200"),
        ([held(25.0)], False, "#1 closed after 25.0 s"),  # its timeout is longer than the scenario's bound
        ([{**entry(), "response": None}], False, "#1 still open after the client exited"),
        ([], False, ""),
    ],
)
def test_gave_up_is_judged_from_the_stubs_clock_not_the_run(entries, ok, received):
    expect = {"gave_up_within": 20, "allow_retries": True}
    got = {c.name: c for c in check_run(expect, run(1, seconds=40.0), entries, 60)}["gave up"]
    assert (got.ok, got.received) == (ok, received)
    assert not any(c.name == "duration" for c in check_run(expect, run(1, seconds=40.0), entries, 60))


# -- polling, patterns, dialect error forms --------------------------------------------------
POLL = {"method": "GET", "path": "/jobs/j"}


@pytest.mark.parametrize(
    "paths, ok, failing_name",
    [
        (["/jobs", "/jobs/j", "/jobs/j", "/jobs/j"], True, None),
        (["/jobs", "/jobs/j", "/jobs/j"], True, None),
        (["/jobs", "/jobs/j"], False, "#3 request"),  # polled once where twice or more is needed
        (["/jobs", "/jobs/j", "/jobs/j", "/jobs/other"], False, "requests received"),
    ],
)
def test_a_repeating_request_takes_every_poll(paths, ok, failing_name):
    expected = [{"method": "GET", "path": "/jobs"}, POLL, {**POLL, "times": "1+"}]
    entries = [entry(method="GET", path=p, body="") for p in paths]
    checks = check_requests(expected, entries, allow_retries=False)
    assert all(c.ok for c in checks) is ok, [c for c in checks if not c.ok]
    if failing_name:
        assert failing_name in failing(checks)
    if ok:  # every poll was checked, the extra ones marked as such
        again = " (again)" if len(paths) > len(expected) else ""
        assert [c.name for c in checks if c.name.endswith("path")][-1] == f"#{len(paths)}{again} path"


def test_a_pattern_accepts_any_matching_value_and_the_rest_is_compared_exactly():
    want = {"meta": {"uuid": "0"}, "data": {"x": 1}}
    expected = {"method": "POST", "path": "/p", "body": {"json": want, "patterns": {"$.meta.uuid": "[0-9a-f-]{36}"}}}
    good = entry(
        path="/p", body=json.dumps({"meta": {"uuid": "0f8fad5b-d9cb-469f-a165-70867728950e"}, "data": {"x": 1}})
    )
    assert all(c.ok for c in check_requests([expected], [good], False))
    bad = entry(path="/p", body=json.dumps({"meta": {"uuid": "fixed"}, "data": {"x": 2}}))
    failed = failing(check_requests([expected], [bad], False))
    assert set(failed) == {"#1 body $.meta.uuid", "#1 body"}
    assert "$.data.x: expected 1.0, received 2.0" in failed["#1 body"].detail
    assert "$.meta" not in failed["#1 body"].detail  # the pattern judged the uuid
    missing = failing(check_requests([expected], [entry(path="/p", body='{"data": {"x": 1}}')], False))
    assert missing["#1 body $.meta.uuid"].detail == "no value at $.meta.uuid"


@pytest.mark.parametrize(
    "body, message",
    [
        ({"status_code": 401, "message": "bad key"}, "bad key"),
        ({"error_code": "APIG.0301", "error_msg": "bad token"}, "bad token"),
        ({"error": {"code": "Unauthorized", "message": "bad api key"}}, "bad api key"),
        ({"error": "Model 'nope' not found"}, "Model 'nope' not found"),
        ({"error_code": "BAD_REQUEST", "message": "Invalid input"}, "Invalid input"),
    ],
)
def test_stderr_must_name_the_status_and_the_message_of_each_dialects_error_form(body, message):
    entries = [entry(status=401, response_body=json.dumps(body))]
    expect = {"exit_code": "nonzero", "stderr": {"mentions_response": True}}
    good = RunResult(1, "", f"error: HTTP 401: {message}\n", 0.1)
    assert all(c.ok for c in check_run(expect, good, entries, 10))
    vague = RunResult(1, "", "error: HTTP 401\n", 0.1)
    assert failing(check_run(expect, vague, entries, 10))["stderr names the answer"].detail == f"missing: {message!r}"


def _answered(upstream=None, fault=False, status=200, in_front=False):
    e = entry(status=status)
    if in_front:
        e["inFront"] = True
    if upstream is not None:
        e["upstream"] = upstream
    if fault:
        e["fault"] = True
    return e


@pytest.mark.parametrize(
    "entries, ok, why",
    [
        ([_answered({"url": "u", "status": 200})], True, ""),
        ([_answered(fault=True, status=503), _answered({"url": "u", "status": 200})], True, ""),
        ([_answered(fault=True, status=500)], True, ""),  # every request answered in front by a fault
        ([_answered(status=401, in_front=True)], True, ""),  # the key refused in front
        ([_answered(status=404, in_front=True)], True, ""),  # an unknown deployment refused in front
        ([_answered(status=404)], False, "requests were answered by the stub, not by the real server"),
        ([], True, ""),  # nothing arrived (a refused certificate)
        ([_answered()], False, "requests were answered by the stub, not by the real server"),
        ([_answered({"url": "u", "error": "refused the connection"}, status=502)], False, "refused the connection"),
    ],
)
def test_a_real_server_cell_must_have_been_answered_by_the_real_server(entries, ok, why):
    check = checks.check_upstream(entries, "real 1.0")
    assert (check.ok, check.detail) == (ok, why)


def test_a_message_of_several_lines_is_named_by_one_line_with_its_blanks_joined():
    message = "Failed to predict data '   age  ...\n0  0.019913'. \nError: Model is missing inputs ['sepal_length']."
    entries = [entry(status=400, response_body=json.dumps({"error_code": "BAD_REQUEST", "message": message}))]
    expect = {"exit_code": "nonzero", "stderr": {"one_line": True, "mentions_response": True}}
    joined = "error: HTTP 400 Bad Request: " + " ".join(message.split()) + "\n"
    assert all(c.ok for c in check_run(expect, RunResult(1, "", joined, 0.1), entries, 10))
    cut = "error: HTTP 400 Bad Request: Failed to predict data ' age ...\n"
    assert failing(check_run(expect, RunResult(1, "", cut, 0.1), entries, 10))["stderr names the answer"]
