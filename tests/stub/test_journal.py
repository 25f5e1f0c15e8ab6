"""The journal records requests exactly as received; admin calls stay out."""

import base64
import http.client
import json
import threading
from urllib.parse import urlsplit

import pytest

from server_stub.journal import decode_body
from server_stub.server import parse_args


def raw_post(url: str, path: str, headers: list[tuple[str, str]], body: bytes) -> int:
    """POST with headers in exactly this order and case (requests would normalise)."""
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=5)
    conn.putrequest("POST", path, skip_host=True, skip_accept_encoding=True)
    for name, value in headers:
        conn.putheader(name, value)
    conn.endheaders(body)
    status = conn.getresponse().status
    conn.close()
    return status


def test_headers_are_recorded_in_order_and_case(stub):
    headers = [
        ("hOsT", "example"),
        ("X-Custom-Thing", "a b"),
        ("content-type", "application/json"),
        ("X-Dup", "1"),
        ("X-Dup", "2"),
        ("Content-Length", "2"),
    ]
    status = raw_post(stub.url, "/api/v1/service/svc/score?x=1&y=%20z", headers, b"{}")
    assert status == 400
    [entry] = stub.journal("svc")
    assert entry["headers"] == [list(h) for h in headers]
    assert entry["method"] == "POST"
    assert entry["path"] == "/api/v1/service/svc/score"
    assert entry["query"] == "x=1&y=%20z"
    assert entry["body"] == "{}" and entry["bodyEncoding"] == "utf-8"
    assert entry["response"]["status"] == 400
    assert json.loads(entry["response"]["body"])["status_code"] == 400
    assert entry["service"] == "svc"
    assert entry["time"].endswith("+00:00")


def test_body_bytes_are_exact_and_base64_when_not_utf8(stub):
    text_body = b'{"data":  [[1,2,3,4,5,6,7,8,9,10]] }\n'
    binary_body = bytes(range(256))
    stub.score(data=text_body)
    stub.score(data=binary_body)
    first, second = stub.journal()
    assert decode_body(first) == text_body
    assert second["bodyEncoding"] == "base64"
    assert base64.b64decode(second["body"]) == binary_body


def test_response_is_recorded_with_the_prediction_text(stub):
    resp = stub.score()
    [entry] = stub.journal()
    assert entry["response"]["status"] == 200
    assert entry["response"]["body"] == resp.text
    assert entry["response"]["headers"]["x-ms-request-id"] == resp.headers["x-ms-request-id"]


def test_admin_calls_are_not_journaled(stub):
    stub.admin("GET", "/health")
    stub.admin("GET", "/requests")
    stub.admin("POST", "/services/s/faults", json={"status": 500, "times": 1})
    stub.admin("GET", "/no-such-admin-route")
    assert stub.journal() == []
    stub.http.get(stub.url + "/", timeout=5)
    stub.http.get(stub.url + "/nope", timeout=5)
    assert [(e["path"], e["response"]["status"]) for e in stub.journal()] == [("/", 200), ("/nope", 404)]


def test_journal_filters_and_clears_by_service(stub):
    stub.score(service="a")
    stub.score(service="b")
    stub.score(service="a")
    stub.score()
    assert [e["service"] for e in stub.journal()] == ["a", "b", "a", "default"]
    assert len(stub.journal("a")) == 2
    assert stub.admin("DELETE", "/requests", params={"service": "a"}).json() == {"cleared": 2}
    assert [e["service"] for e in stub.journal()] == ["b", "default"]
    assert stub.admin("DELETE", "/requests").json() == {"cleared": 2}
    assert stub.journal() == []


def test_since_returns_only_newer_entries(stub):
    stub.score()
    first_id = stub.journal()[0]["id"]
    stub.score()
    newer = stub.admin("GET", "/requests", params={"since": first_id}).json()["requests"]
    assert [e["id"] for e in newer] == [first_id + 1]


def test_journal_is_capped_and_counts_dropped_entries(make_stub):
    s = make_stub(journal_limit=3)
    for _ in range(5):
        s.http.get(s.url + "/", timeout=5)
    doc = s.admin("GET", "/requests").json()
    assert doc["count"] == 3 and doc["limit"] == 3 and doc["dropped"] == 2
    assert [e["id"] for e in doc["requests"]] == [3, 4, 5]


def test_journal_under_its_cap_drops_nothing(make_stub):
    s = make_stub(journal_limit=3)
    for _ in range(3):
        s.http.get(s.url + "/", timeout=5)
    doc = s.admin("GET", "/requests").json()
    assert doc["count"] == 3 and doc["dropped"] == 0


def test_clearing_the_journal_keeps_the_count_of_dropped_entries(make_stub):
    s = make_stub(journal_limit=1)
    for _ in range(3):
        s.http.get(s.url + "/", timeout=5)
    s.admin("DELETE", "/requests")
    assert s.admin("GET", "/requests").json() == {"requests": [], "count": 0, "dropped": 2, "limit": 1}


@pytest.mark.parametrize(
    "argv, env, limit", [([], {}, 10_000), (["--journal-limit", "7"], {}, 7), ([], {"STUB_JOURNAL_LIMIT": "9"}, 9)]
)
def test_the_journal_cap_comes_from_the_flag_or_the_environment(monkeypatch, argv, env, limit):
    monkeypatch.delenv("STUB_JOURNAL_LIMIT", raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert parse_args(argv).journal_limit == limit


@pytest.mark.parametrize("argv, env", [(["--journal-limit", "0"], {}), ([], {"STUB_JOURNAL_LIMIT": "lots"})])
def test_a_bad_journal_cap_is_a_one_line_error(monkeypatch, capsys, argv, env):
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(SystemExit) as stop:
        parse_args(argv)
    assert stop.value.code == 2 and "--journal-limit: expected a whole number of at least 1" in capsys.readouterr().err


def test_request_is_journaled_before_a_delayed_answer(stub):
    """No race: the entry is readable while the stub is still delaying."""
    stub.admin("POST", "/services/slow/faults", json={"delay": 2})
    thread = threading.Thread(target=stub.score, kwargs={"service": "slow"})
    thread.start()
    try:
        for _ in range(100):
            entries = stub.journal("slow")
            if entries:
                break
            threading.Event().wait(0.02)
        assert len(entries) == 1
        assert entries[0]["response"] is None
    finally:
        thread.join()
    assert stub.journal("slow")[0]["response"]["status"] == 200


def test_reset_service_clears_its_journal_and_settings(stub):
    stub.admin("PUT", "/services/r/auth", json={"mode": "key"})
    stub.score(service="r")
    resp = stub.admin("DELETE", "/services/r")
    assert resp.json()["clearedRequests"] == 1
    assert resp.json()["auth"] == {"mode": "none"}
    assert stub.score(service="r").status_code == 200
