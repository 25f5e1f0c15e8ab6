"""Property-based tests: no input a client can send makes the stub answer 5xx."""

import json

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error

from tests.stub import strategies
from tests.stub.dialect_routes import Answer

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda children: st.lists(children, max_size=12) | st.dictionaries(st.text(max_size=8), children, max_size=5),
    max_leaves=60,
)
FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def assert_clean_answer(resp):
    assert resp.status_code < 500, resp.text
    if resp.status_code >= 400:
        body = resp.json()
        assert body["status_code"] == resp.status_code and body["message"]


@FUZZ
@given(doc=json_values)
def test_any_json_document_gets_a_clean_answer(stub, doc):
    assert_clean_answer(stub.score(data=json.dumps(doc)))


@FUZZ
@given(rows=st.lists(st.lists(json_values, min_size=9, max_size=11), min_size=1, max_size=4))
def test_near_valid_rows_get_a_clean_answer(stub, rows):
    assert_clean_answer(stub.score({"data": rows}))


@FUZZ
@given(
    body=st.binary(max_size=300),
    content_type=st.sampled_from(
        ["application/json", "application/json; charset=utf-16", "text/plain", "", "application/octet-stream", ";;;"]
    ),
    path=st.sampled_from(["/score", "/api/v1/service/x/score", "/", "/swagger.json", "/api/v1/service/-/score"]),
    method=st.sampled_from(["GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"]),
)
def test_arbitrary_bytes_methods_and_routes_get_a_clean_answer(stub, body, content_type, path, method):
    resp = stub.http.request(method, stub.url + path, data=body, headers={"Content-Type": content_type}, timeout=5)
    assert resp.status_code < 500, resp.text


# Header values as HTTP allows them (visible ASCII and spaces inside); control
# characters are refused by the HTTP parser itself, before the stub sees them.
header_values = st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=80).map(str.strip)


@FUZZ
@given(authorization=header_values)
def test_arbitrary_authorization_headers_get_401_not_5xx(stub, authorization):
    stub.admin("PUT", "/services/locked/auth", json={"mode": "key", "primaryKey": "k"})
    resp = stub.http.post(
        stub.url + "/api/v1/service/locked/score",
        json={"data": [[0] * 10]},
        headers={"Authorization": authorization},
        timeout=5,
    )
    assert resp.status_code == (200 if authorization == "Bearer k" else 401), resp.text


def test_schemathesis_finds_no_server_error(stub):
    """Schemathesis generates requests from the stub's own Swagger document
    (its positive and negative cases) for every operation it describes."""
    schema = schemathesis.openapi.from_url(stub.url + "/swagger.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert {op.label for op in operations} == {"GET /", "POST /score"}
    # GET / takes no input, so only POST /score has negative (schema-violating) cases.
    runs = [
        (op, mode)
        for op in operations
        for mode in GenerationMode
        if mode is GenerationMode.POSITIVE or op.method.upper() == "POST"
    ]
    for operation, mode in runs:

        @settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
        @given(case=operation.as_strategy(generation_mode=mode))
        def check(case):
            case.call_and_validate(base_url=stub.url, checks=[not_a_server_error])

        check()
    journal = stub.admin("GET", "/requests").json()
    assert journal["count"] > 100, "schemathesis sent too few requests to mean anything"
    assert {e["response"]["status"] for e in journal["requests"]} >= {200, 400}


DIALECT_ROUTES = [
    ("POST", "/v1/infers/iris"),
    ("POST", "/workspaces/ws/services/c/execute?api-version=2.0"),
    ("POST", "/workspaces/ws/services/c/jobs?api-version=2.0"),
]


def assert_clean_dialect_answer(resp):
    """Any 4xx in the dialect's own error form (ModelArts or classic), never a 5xx."""
    assert resp.status_code < 500, resp.text
    if resp.status_code >= 400:
        body = resp.json()
        assert body.get("error_msg") or body.get("error", {}).get("message") or body.get("message"), body


@FUZZ
@given(doc=json_values, envelope=st.booleans(), route=st.sampled_from(DIALECT_ROUTES))
def test_any_json_to_the_other_dialects_gets_a_clean_answer(stub, doc, envelope, route):
    """Arbitrary documents, bare or inside each dialect's envelope, to ModelArts and classic Studio routes."""
    method, path = route
    if envelope:
        doc = {"data": {"req_data": doc}} if "infers" in path else {"Inputs": {"input1": doc}}
    resp = stub.http.request(
        method, stub.url + path, data=json.dumps(doc), headers={"Content-Type": "application/json"}, timeout=5
    )
    assert_clean_dialect_answer(resp)


@FUZZ
@given(
    records=st.lists(
        st.dictionaries(
            st.sampled_from(["sepal_length", "sepal_width", "petal_length", "petal_width", "x"]),
            json_values,
            max_size=5,
        ),
        min_size=1,
        max_size=3,
    ),
    names=st.lists(st.sampled_from(["age", "sex", "bmi", "bp", "s1", "s2", "s3", "s4", "s5", "s6", "z"]), max_size=12),
    values=st.lists(st.lists(json_values, max_size=12), max_size=3),
)
def test_near_valid_dialect_bodies_get_a_clean_answer(stub, records, names, values):
    json_header = {"Content-Type": "application/json"}
    ma = {"data": {"req_data": records}}
    assert_clean_dialect_answer(stub.http.post(stub.url + "/v1/infers/iris", data=json.dumps(ma), headers=json_header))
    table = {"Inputs": {"input1": {"ColumnNames": names, "Values": values}}}
    url = stub.url + "/workspaces/ws/services/c/execute?api-version=2.0"
    assert_clean_dialect_answer(stub.http.post(url, data=json.dumps(table), headers=json_header))


# -- whole requests on every route (the same strategies as bench/stub_fuzz.py, which runs 10,000+) -----------
@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(probe=strategies.probes())
def test_generated_requests_on_every_route_get_a_clean_answer(stub, probe):
    if not stub.stub.services:
        strategies.set_up(stub.url)
    assert strategies.judge(probe, strategies.attempt(stub.url, probe)) is None


@pytest.mark.parametrize(
    "answer, problem",
    [
        (None, "no answer"),
        (Answer(500, "application/json", b'{"status_code": 500, "message": "x"}'), "HTTP 500"),
        (Answer(503, "text/plain", b"down"), "HTTP 503"),
        (Answer(400, "text/plain", b"Bad Request"), "without a JSON body"),
        (Answer(404, "application/json", b'{"error": "x"}'), "no error form"),
        (Answer(401, "application/json", b'{"status_code": 400, "message": "x"}'), "no error form"),
    ],
)
def test_the_fuzzers_judge_catches_each_kind_of_bad_answer(answer, problem):
    probe = strategies.Probe("POST", "/score", [], b"{}")
    assert problem in strategies.judge(probe, answer)


@pytest.mark.parametrize(
    "path, body",
    [
        ("/score", b'{"status_code": 400, "message": "x"}'),
        ("/v1/infers/s", b'{"error_code": "ModelArts.4002", "error_msg": "x"}'),
        ("/workspaces/w/services/s/execute", b'{"error": {"code": "BadArgument", "message": "x"}}'),
    ],
)
def test_the_fuzzers_judge_passes_each_error_form(path, body):
    assert strategies.judge(strategies.Probe("POST", path, [], b""), Answer(400, "application/json", body)) is None
