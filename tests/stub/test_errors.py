"""Every bad request gets a 4xx with a JSON body that says what is wrong."""

import pytest

from tests.conftest import PAGE_ROWS


def assert_error(resp, status, fragment):
    assert resp.status_code == status, resp.text
    assert resp.headers["Content-Type"].startswith("application/json")
    body = resp.json()
    assert body["status_code"] == status
    assert fragment in body["message"], body["message"]


def test_malformed_json_names_the_position(stub):
    assert_error(stub.score(data='{"data": [[1, 2,]]}'), 400, "line 1 column 17")


@pytest.mark.parametrize(
    "body, fragment",
    [
        ({"data": [PAGE_ROWS[0], PAGE_ROWS[1][:9]]}, "row 2 has 9 values, expected 10"),
        ({"data": [PAGE_ROWS[0] + [1.0]]}, "row 1 has 11 values, expected 10"),
        ({"data": PAGE_ROWS[0]}, "flat array of numbers"),
        ({"data": []}, '"data" is empty'),
        ({"data": {"a": 1}}, '"data" must be an array of rows, got an object'),
        ({"data": [5]}, "flat array"),
        ({"data": [[1] * 10, "x"]}, "row 2 is a string"),
        ({"rows": PAGE_ROWS}, 'missing field "data"'),
        ([PAGE_ROWS], "must be a JSON object"),
        ({"data": [[1, 2, "3", 4, 5, 6, 7, 8, 9, 10]]}, 'row 1, value 3 (bmi) is a string ("3"), expected a number'),
        ({"data": [[1, 2, 3, None, 5, 6, 7, 8, 9, 10]]}, "row 1, value 4 (bp) is null"),
        ({"data": [[True] * 10]}, "is a boolean"),
        ({"data": [[10**400] + [0] * 9]}, "out of the range of a double"),
    ],
)
def test_wrong_shapes_and_values_are_explained(stub, body, fragment):
    assert_error(stub.score(body), 400, fragment)


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity"])
def test_non_finite_numbers_are_refused(stub, literal):
    assert_error(stub.score(data=f'{{"data": [[{literal}, 0, 0, 0, 0, 0, 0, 0, 0, 0]]}}'), 400, literal)


def test_overflowing_float_literal_is_refused(stub):
    assert_error(stub.score(data='{"data": [[1e999, 0, 0, 0, 0, 0, 0, 0, 0, 0]]}'), 400, "out of the range")


def test_body_that_is_not_utf8_is_refused(stub):
    assert_error(stub.score(data=b'{"data": "\xff"}'), 400, "not valid UTF-8")


def test_empty_body_is_refused(stub):
    assert_error(stub.score(data=b""), 400, "body is empty")


def test_deeply_nested_json_is_refused_not_crashed(stub):
    assert_error(stub.score(data="[" * 100_000 + "]" * 100_000), 400, "")


@pytest.mark.parametrize("content_type", [None, "text/plain", "application/json; charset=latin-1", "text/json"])
def test_a_json_body_is_scored_whatever_its_content_type(stub, content_type):
    # As the real server (azureml-inference-server-http) does for a plain run(raw_data): the label is not read.
    headers = {"Content-Type": content_type} if content_type else {"Content-Type": None}
    resp = stub.score(headers=headers)
    assert resp.status_code == 200 and len(resp.json()) == 2, resp.text


@pytest.mark.parametrize("content_type", ["application/x-www-form-urlencoded", "multipart/form-data; boundary=x"])
def test_a_form_label_is_refused_because_the_script_would_get_an_empty_body(stub, content_type):
    # The twin: Flask parses a form body into request.form, so run() gets "" (a 500 there, a clear 400 here).
    assert_error(stub.score(headers={"Content-Type": content_type}), 400, "reaches the scoring script empty")


@pytest.mark.parametrize(
    "content_type", ["application/json; charset=utf-8", "Application/JSON", 'application/json;charset="UTF-8"']
)
def test_content_type_variants_are_accepted(stub, content_type):
    assert stub.score(headers={"Content-Type": content_type}).status_code == 200


def test_body_over_the_limit_is_413(make_stub):
    s = make_stub(max_body_bytes=1000)
    assert s.score().status_code == 200
    assert_error(s.score({"data": PAGE_ROWS * 10}), 413, "limit of 1000 bytes")
    entry = s.journal()[-1]
    assert entry["response"]["status"] == 413
    assert "over the size limit" in entry["note"]


def test_chunked_body_over_the_limit_is_413(make_stub):
    s = make_stub(max_body_bytes=1000)
    resp = s.http.post(
        s.url + "/score", data=iter([b"[" * 600, b"]" * 600]), headers={"Content-Type": "application/json"}, timeout=5
    )
    assert_error(resp, 413, "limit")


@pytest.mark.parametrize(
    "method, path",
    [
        ("GET", "/nope"),
        ("POST", "/api/v1/service/x/nope"),
        ("POST", "/api/v1/service/bad%20name/score"),
        ("GET", "/api/v1/other"),
    ],
)
def test_unknown_route_is_404(stub, method, path):
    assert_error(stub.http.request(method, stub.url + path, timeout=5), 404, "no route")


@pytest.mark.parametrize(
    "method, path, allowed",
    [
        ("PUT", "/score", "GET, OPTIONS, POST"),
        ("PUT", "/", "GET, HEAD"),
        ("DELETE", "/api/v1/service/s/score", "GET, OPTIONS, POST"),
        ("POST", "/swagger.json", "GET, HEAD"),
    ],
)
def test_wrong_method_is_405_with_allow(stub, method, path, allowed):
    resp = stub.http.request(method, stub.url + path, timeout=5)
    assert_error(resp, 405, "not allowed")
    assert resp.headers["Allow"] == allowed


def test_admin_errors_are_json_too(stub):
    assert_error(stub.admin("GET", "/nothing-here"), 404, "no route")
    assert_error(stub.admin("POST", "/services/s/faults", data="{bad"), 400, "malformed JSON")
    assert_error(stub.admin("POST", "/services/s/faults", json=[1]), 400, "JSON object")
    assert_error(stub.admin("GET", "/requests", params={"since": "x"}), 400, "since")
    assert_error(stub.admin("PATCH", "/requests"), 405, "not allowed")
