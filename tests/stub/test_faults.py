"""Fault injection per service: status, delay, drop, fail-the-next-N."""

import time

import pytest
import requests


def add_fault(stub, service, **fault):
    resp = stub.admin("POST", f"/services/{service}/faults", json=fault)
    assert resp.status_code == 201, resp.text
    return resp.json()


def test_fixed_status_and_body(stub):
    add_fault(
        stub,
        "f",
        status=503,
        body={"status_code": 503, "message": "down for maintenance"},
        headers={"Retry-After": "1"},
    )
    resp = stub.score(service="f")
    assert resp.status_code == 503
    assert resp.json()["message"] == "down for maintenance"
    assert resp.headers["Retry-After"] == "1"
    assert stub.journal("f")[0]["response"]["status"] == 503
    # Other services are not affected.
    assert stub.score(service="g").status_code == 200


def test_default_fault_body_is_an_error_document(stub):
    add_fault(stub, "f", status=500)
    assert stub.score(service="f").json() == {"status_code": 500, "message": "injected fault: HTTP 500"}


def test_text_fault_body(stub):
    add_fault(stub, "f", status=502, body="Bad Gateway")
    resp = stub.score(service="f")
    assert resp.text == "Bad Gateway" and resp.headers["Content-Type"].startswith("text/plain")


def test_fail_the_next_n_requests(stub):
    add_fault(stub, "f", status=503, times=2)
    assert [stub.score(service="f").status_code for _ in range(4)] == [503, 503, 200, 200]
    assert stub.admin("GET", "/services/f/faults").json() == {"faults": []}


def test_faults_apply_in_order(stub):
    add_fault(stub, "f", status=429, times=1)
    add_fault(stub, "f", status=503, times=1)
    assert [stub.score(service="f").status_code for _ in range(3)] == [429, 503, 200]


def test_delay_then_normal_answer(stub):
    add_fault(stub, "f", delay=0.5, times=1)
    start = time.monotonic()
    assert stub.score(service="f").status_code == 200
    assert time.monotonic() - start >= 0.5


def test_delay_past_the_client_timeout(stub):
    add_fault(stub, "f", delay=3, times=1)
    with pytest.raises(requests.exceptions.ReadTimeout):
        stub.http.post(stub.url + "/api/v1/service/f/score", json={"data": []}, timeout=0.5)


def test_a_client_that_gives_up_is_journaled_with_how_long_it_waited(stub):
    add_fault(stub, "f", delay=30, times=1)
    start = time.monotonic()
    with pytest.raises(requests.exceptions.ReadTimeout):
        stub.http.post(stub.url + "/api/v1/service/f/score", json={"data": []}, timeout=0.6)
    deadline = time.monotonic() + 5  # the stub notices the closed connection at its next look (every 50 ms)
    while "abandonedAfter" not in stub.journal("f")[0] and time.monotonic() < deadline:
        time.sleep(0.05)
    entry = stub.journal("f")[0]
    assert 0.5 <= entry["abandonedAfter"] <= time.monotonic() - start
    assert entry["response"]["abandoned"] is True and entry["response"]["status"] is None
    assert stub.score(service="f").status_code == 200  # the delay held only the request it was for


def test_a_client_that_waits_out_the_delay_is_answered(stub):
    add_fault(stub, "f", delay=0.3, times=1)
    assert stub.score(service="f").status_code == 200
    entry = stub.journal("f")[0]
    assert "abandonedAfter" not in entry and entry["response"]["status"] == 200


def test_dropped_connection(stub):
    add_fault(stub, "f", drop=True, times=1)
    with pytest.raises(requests.exceptions.ConnectionError):
        stub.score(service="f")
    entry = stub.journal("f")[0]
    assert entry["response"] == {"status": None, "headers": {}, "body": "", "bodyEncoding": "utf-8", "dropped": True}
    assert stub.score(service="f").status_code == 200


def test_clear_faults(stub):
    add_fault(stub, "f", status=500)
    assert len(stub.admin("GET", "/services/f/faults").json()["faults"]) == 1
    stub.admin("DELETE", "/services/f/faults")
    assert stub.score(service="f").status_code == 200


@pytest.mark.parametrize(
    "fault, fragment",
    [
        ({"status": 99}, "status"),
        ({"status": "500"}, "status"),
        ({"delay": -1}, "delay"),
        ({"delay": 10_000}, "delay"),
        ({"drop": "yes"}, "drop"),
        ({"status": 500, "times": 0}, "times"),
        ({"status": 500, "drop": True}, "not both"),
        ({}, "needs a status"),
        ({"status": 500, "colour": 1}, "colour"),
        ({"status": 500, "headers": {"a": 1}}, "headers"),
        ({"status": 101}, "status"),
        ({"status": 500, "headers": {"X": "a\r\nInjected: 1"}}, "control characters"),
        ({"status": 500, "headers": {"X": "a\u0000"}}, "control characters"),
        ({"status": 500, "headers": {"Bad Name": "a"}}, "not an HTTP token"),
        ({"status": 500, "headers": {"": "a"}}, "not an HTTP token"),
        ({"status": 500, "headers": {"Content-Length": "3"}}, "set by the stub itself"),
        ({"status": 500, "headers": {"transfer-encoding": "chunked"}}, "set by the stub itself"),
    ],
)
def test_invalid_faults_are_refused(stub, fault, fragment):
    resp = stub.admin("POST", "/services/f/faults", json=fault)
    assert resp.status_code == 400
    assert fragment in resp.json()["message"]


def test_header_values_with_tabs_and_non_ascii_text_are_sent(stub):
    """The twin of the refused headers: what HTTP allows in a value goes out as given."""
    add_fault(stub, "f", status=503, headers={"Retry-After": "1", "X-Note": "a\tb", "X-Text": "é"}, times=1)
    resp = stub.score(service="f")
    assert resp.status_code == 503 and resp.headers["X-Note"] == "a\tb" and resp.headers["Retry-After"] == "1"


def test_a_fault_applies_only_to_the_requests_it_matches(stub):
    add_fault(stub, "f", status=503, method="POST", path=r"/score$", times=1)
    assert stub.http.get(stub.url + "/api/v1/service/f/swagger.json").status_code == 200  # GET: not matched
    assert stub.score(service="f").status_code == 503
    assert stub.score(service="f").status_code == 200


def test_a_fault_that_matches_nothing_leaves_the_requests_alone(stub):
    """The twin: a path that is not this route's never applies, and stays queued."""
    add_fault(stub, "f", status=503, path=r"/start$", times=1)
    assert stub.score(service="f").status_code == 200
    assert len(stub.admin("GET", "/services/f/faults").json()["faults"]) == 1


def test_drop_after_the_service_acted(stub):
    """The request is handled (here: scored), then the connection is reset: the ambiguous failure."""
    add_fault(stub, "f", drop=True, after=True, times=1)
    with pytest.raises(requests.exceptions.ConnectionError):
        stub.score(service="f")
    entry = stub.journal("f")[0]
    assert entry["response"]["dropped"] is True and entry["acted"] == 200
    assert "fault" not in entry  # the service (or a real server behind) did see it


def test_retry_after_as_an_http_date(stub):
    from email.utils import parsedate_to_datetime

    add_fault(stub, "f", status=503, retry_after_date=30, times=1)
    before = time.time()
    resp = stub.score(service="f")
    when = parsedate_to_datetime(resp.headers["Retry-After"]).timestamp()
    assert resp.headers["Retry-After"].endswith(" GMT")
    assert before + 28 <= when <= time.time() + 31


@pytest.mark.parametrize(
    "fault, fragment",
    [
        ({"status": 500, "after": True}, "only with drop"),
        ({"drop": True, "after": "yes"}, "after"),
        ({"status": 500, "method": "PO ST"}, "method"),
        ({"status": 500, "path": "("}, "not a regular expression"),
        ({"status": 500, "path": 3}, "path"),
        ({"status": 503, "retry_after_date": -1}, "retry_after_date"),
        ({"status": 503, "retry_after_date": True}, "retry_after_date"),
        ({"drop": True, "retry_after_date": 2}, "needs a status"),
        ({"status": 503, "retry_after_date": 2, "headers": {"retry-after": "1"}}, "no Retry-After"),
    ],
)
def test_invalid_matchers_and_dates_are_refused(stub, fault, fragment):
    resp = stub.admin("POST", "/services/f/faults", json=fault)
    assert resp.status_code == 400
    assert fragment in resp.json()["message"]
