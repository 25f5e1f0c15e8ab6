"""Gateway mode: the stub in front (auth, faults, TLS, journal), the answer from the upstream, relayed verbatim.

The real upstream is azureml-inference-server-http from harness/servers/ (its
virtual environment is made once and cached); the raw upstreams of
``upstreams.py`` answer odd bytes, hang or reset, to test the relay itself.
"""

from __future__ import annotations

import json

import pytest
import requests
import trustme

import server_stub
from harness import realserver
from tests.conftest import PAGE_ROWS
from tests.stub.upstreams import raw_upstream

KEY = "gateway-key"
BODY = json.dumps({"data": PAGE_ROWS})
JSON = {"Content-Type": "application/json"}
ODD = (
    b"HTTP/1.1 418 I'm a teapot\r\nX-Dup: a\r\nX-Dup: b\r\nX-Mixed-Case: kept\r\nContent-Type: image/x-odd\r\n"
    b"Server: raw-upstream\r\nContent-Length: 6\r\nConnection: close\r\n\r\n\x00\xff{bin"
)


@pytest.fixture(scope="module")
def real():
    defn = realserver.load_servers()["azureml-inference-server-http"]
    with realserver.running(defn, "diabetes") as server:
        yield server


@pytest.fixture(scope="module")
def pem(tmp_path_factory):
    folder = tmp_path_factory.mktemp("gateway-tls")
    ca = trustme.CA()
    ca.issue_cert("localhost").private_key_and_cert_chain_pem.write_to_path(str(folder / "server.pem"))
    ca.cert_pem.write_to_path(str(folder / "ca.pem"))
    return folder


def gateway(upstream: str, **config):
    config.setdefault("auth", "key")
    config.setdefault("primary_key", KEY)
    tls = config.pop("tls", ())
    return server_stub.running(server_stub.StubConfig(upstream=upstream, **config), tls=tls)


def score(url: str, key: str | None = KEY, path: str = "/score", **kw) -> requests.Response:
    headers = {**JSON, **({"Authorization": f"Bearer {key}"} if key else {})}
    return requests.post(url + path, data=BODY, headers=headers, timeout=30, **kw)


def journal(url: str) -> list[dict]:
    return requests.get(url + "/__admin/requests", timeout=5).json()["requests"]


def test_scores_come_from_the_real_server_and_match_its_own_answer(real):
    direct = requests.post(real.url + "/score", data=BODY, headers=JSON, timeout=30)
    with gateway(real.url) as (_, url):
        via = score(url, path="/api/v1/service/svc/score")
        [entry] = journal(url)
    assert via.status_code == direct.status_code == 200
    assert via.content == direct.content  # the real server's bytes
    assert via.headers["x-ms-server-version"] == direct.headers["x-ms-server-version"] == "azmlinfsrv/1.5.1"
    assert via.headers["Server"] == "gunicorn"  # relayed, not the stub's own
    assert entry["upstream"]["url"] == real.url + "/score" and entry["upstream"]["status"] == 200
    assert entry["response"]["body"] == via.text and entry["service"] == "svc"


def test_the_upstreams_errors_are_relayed_as_they_are(real):
    with gateway(real.url) as (_, url):
        auth = {**JSON, "Authorization": f"Bearer {KEY}"}
        resp = requests.post(url + "/score", data='{"data": [[1, 2]', headers=auth, timeout=30)
    assert resp.status_code == 500  # the real server's answer, not the stub's 400
    assert resp.json() == {"message": "An unexpected error occurred in scoring script. Check the logs for more info."}
    assert resp.headers["x-ms-run-function-failed"] == "True"


def test_the_key_is_checked_in_front_and_never_reaches_the_upstream():
    with raw_upstream(response=ODD) as upstream, gateway(upstream.url) as (_, url):
        refused = score(url, key="wrong")
        assert refused.status_code == 401 and upstream.requests == []
        accepted = score(url)
    assert accepted.status_code == 418  # its twin: the right key is forwarded
    [forwarded] = upstream.requests
    assert b"authorization" not in forwarded.lower() and forwarded.endswith(BODY.encode())


def test_status_headers_and_body_bytes_are_relayed_verbatim():
    with raw_upstream(response=ODD) as upstream, gateway(upstream.url, auth="none") as (_, url):
        resp = requests.post(url + "/api/v1/service/s/score?x=1", data=b"\x01raw", headers={"X-Trace": "t"})
        [entry] = journal(url)
    assert (resp.status_code, resp.reason, resp.content) == (418, "I'm a teapot", b"\x00\xff{bin")
    assert resp.raw.headers.getlist("X-Dup") == ["a", "b"] and resp.headers["X-Mixed-Case"] == "kept"
    assert resp.headers["Content-Type"] == "image/x-odd" and resp.headers["Server"] == "raw-upstream"
    [forwarded] = upstream.requests
    assert forwarded.startswith(b"POST /score?x=1 HTTP/1.1\r\n") and b"X-Trace: t\r\n" in forwarded
    assert forwarded.endswith(b"\r\n\r\n\x01raw")
    assert entry["body"] == "\x01raw" and entry["response"]["status"] == 418


def test_the_upstreams_cookies_go_to_the_client_and_are_never_sent_for_another():
    # A front end relays Set-Cookie to its client; it keeps no cookie jar of its own that would send one
    # client's cookie (an affinity cookie, a session) upstream with the next client's request.
    cookie = ODD.replace(b"Server:", b"Set-Cookie: affinity=one; Path=/\r\nServer:")
    with raw_upstream(response=cookie) as upstream, gateway(upstream.url.replace("127.0.0.1", "localhost")) as (_, url):
        first, second = score(url), score(url)
    assert first.headers["Set-Cookie"] == "affinity=one; Path=/" == second.headers["Set-Cookie"]
    assert [b"affinity" in forwarded for forwarded in upstream.requests] == [False, False]


def test_faults_apply_in_front_of_the_upstream(real):
    with gateway(real.url) as (_, url):
        requests.post(url + "/__admin/services/default/faults", json={"status": 503, "times": 1}, timeout=5)
        faulted, after = score(url), score(url)
        first, second = journal(url)
    assert faulted.status_code == 503 and "upstream" not in first  # the upstream was not asked
    assert after.status_code == 200 and second["upstream"]["status"] == 200


def test_https_in_front_of_a_plain_http_upstream(real, pem):
    with gateway(real.url, tls=[(0, str(pem / "server.pem"))]) as (stub, url):
        port = stub.tls_listeners[0].port
        resp = score(f"https://localhost:{port}", verify=str(pem / "ca.pem"))
        [entry] = journal(url)
    assert resp.status_code == 200 and len(resp.json()) == 2
    assert entry["scheme"] == "https" and entry["upstream"]["status"] == 200


def test_an_upstream_that_refuses_is_a_502_journaled_as_such():
    port = realserver.free_port()  # nothing listens there
    with gateway(f"http://127.0.0.1:{port}") as (_, url):
        resp = score(url)
        [entry] = journal(url)
    assert resp.status_code == 502 and "refused the connection" in resp.json()["message"]
    assert entry["response"]["status"] == 502 and "refused" in entry["upstream"]["error"]


def test_an_upstream_that_hangs_is_a_504_after_the_timeout():
    with raw_upstream("hang") as upstream, gateway(upstream.url, upstream_timeout=1.0) as (_, url):
        resp = score(url)
        [entry] = journal(url)
    assert resp.status_code == 504 and "did not answer within 1 s" in resp.json()["message"]
    assert entry["upstream"]["error"].startswith("did not answer") and len(upstream.requests) == 1


def test_an_upstream_that_resets_is_a_502():
    with raw_upstream("reset") as upstream, gateway(upstream.url) as (_, url):
        resp = score(url)
        [entry] = journal(url)
    assert resp.status_code == 502 and "closed the connection" in resp.json()["message"]
    assert "closed the connection" in entry["upstream"]["error"]


@pytest.mark.parametrize("value", ["ftp://x", "127.0.0.1:5001", "http://", "http://h/?q=1"])
def test_a_bad_upstream_url_is_one_line_and_exit_2(value, capsys):
    with pytest.raises(SystemExit) as stop:
        server_stub.server.parse_args(["--upstream", value])
    assert stop.value.code == 2 and "expected an http(s)://HOST[:PORT] URL" in capsys.readouterr().err


def test_a_good_upstream_url_is_taken():
    # The twin of the refusals above.
    assert server_stub.server.parse_args(["--upstream", "http://127.0.0.1:31311/"]).upstream == "http://127.0.0.1:31311"


def test_one_service_can_have_its_own_upstream_while_the_others_are_the_stubs():
    """--server both: one stub, some services answered by it, others handed to a real server."""
    with raw_upstream(response=ODD) as upstream, server_stub.running(server_stub.StubConfig()) as (_, url):
        admin = url + "/__admin/services/real-one/upstream"
        assert requests.put(admin, json={"url": upstream.url}, timeout=5).json()["upstream"] == upstream.url
        via = score(url, key=None, path="/api/v1/service/real-one/score")
        own = score(url, key=None, path="/api/v1/service/stub-one/score")
        [forwarded] = upstream.requests
        assert requests.put(admin, json={"url": None}, timeout=5).json()["upstream"] is None
        back = score(url, key=None, path="/api/v1/service/real-one/score")
    assert via.status_code == 418 and forwarded.startswith(b"POST /score HTTP/1.1\r\n")
    assert own.status_code == 200 and own.json() == back.json() and len(own.json()) == len(PAGE_ROWS)
    assert len(upstream.requests) == 1  # after {"url": null} the stub answered itself


@pytest.mark.parametrize(
    "doc", [{"url": "ftp://x"}, {"url": "http://h:1/path"}, {"url": "http://h:99999"}, {"url": 3}, {"to": "x"}, {}]
)
def test_a_bad_upstream_setting_is_a_400(doc):
    with server_stub.running(server_stub.StubConfig()) as (_, url):
        resp = requests.put(url + "/__admin/services/s/upstream", json=doc, timeout=5)
        assert resp.status_code == 400 and "url" in resp.json()["message"]
        assert requests.get(url + "/__admin/services/s", timeout=5).json()["upstream"] is None


@pytest.mark.parametrize(
    "extra, message",
    [
        ({"authorization": "Bearer a\r\nX-Injected: 1"}, "one line"),
        ({"authorization": 5}, "one line"),
        ({"caPem": "not a certificate"}, "caPem"),
        ({"caPem": "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"}, "caPem"),
    ],
)
def test_a_bad_upstream_credential_or_ca_is_a_400(extra, message):
    with server_stub.running(server_stub.StubConfig()) as (_, url):
        resp = requests.put(url + "/__admin/services/s/upstream", json={"url": "https://h", **extra}, timeout=5)
        assert resp.status_code == 400 and message in resp.json()["message"]


def test_the_services_own_authorization_replaces_the_clients():
    with raw_upstream(response=ODD) as upstream, server_stub.running(server_stub.StubConfig()) as (_, url):
        doc = {"url": upstream.url, "authorization": "Bearer live-key"}
        requests.put(url + "/__admin/services/live/upstream", json=doc, timeout=5).raise_for_status()
        score(url, key="clients-stub-key", path="/api/v1/service/live/score")
    [forwarded] = upstream.requests
    assert b"Authorization: Bearer live-key\r\n" in forwarded and b"clients-stub-key" not in forwarded
