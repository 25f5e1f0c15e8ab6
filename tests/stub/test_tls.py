"""TLS handshakes counted per HTTPS listener (a failed handshake never reaches HTTP, so it has no service)."""

import socket
import ssl
import time

import pytest
import requests
import trustme

import server_stub


@pytest.fixture(scope="module")
def certs(tmp_path_factory):
    folder = tmp_path_factory.mktemp("tls")
    ca = trustme.CA()
    for name in ("a", "b"):
        ca.issue_cert("localhost").private_key_and_cert_chain_pem.write_to_path(str(folder / f"{name}.pem"))
    ca.cert_pem.write_to_path(str(folder / "ca.pem"))
    trustme.CA().cert_pem.write_to_path(str(folder / "other-ca.pem"))  # a CA that signed nothing here
    return folder


@pytest.fixture
def tls_stub(certs):
    with server_stub.running(tls=[(0, str(certs / "a.pem")), (0, str(certs / "b.pem"))]) as (stub, url):
        yield url, [t.port for t in stub.tls_listeners]


def counts(url: str, port: int | None = None, settle: bool = True) -> dict:
    """The listener's counts, once no handshake is under way (a client's alert lands a moment after its error)."""
    deadline = time.monotonic() + 5
    while True:
        listeners = requests.get(url + "/__admin/tls", timeout=5).json()["listeners"]
        (doc,) = [t for t in listeners if t["port"] == port] if port else listeners[:1]
        if not settle or doc["incomplete"] == 0 or time.monotonic() > deadline:
            return doc
        time.sleep(0.02)


def test_a_client_that_trusts_the_certificate_makes_one_handshake(tls_stub, certs):
    url, (port, _) = tls_stub
    assert requests.get(f"https://localhost:{port}/", verify=certs / "ca.pem", timeout=5).text == "Healthy"
    doc = counts(url, port)
    assert (doc["connections"], doc["handshakes"], doc["failed"], doc["incomplete"]) == (1, 1, 0, 0)
    assert doc["pem"].endswith("a.pem") and doc["lastError"] is None


def test_a_client_with_an_unknown_ca_fails_once(tls_stub, certs):
    url, (port, _) = tls_stub
    with pytest.raises(requests.exceptions.SSLError):
        requests.get(f"https://localhost:{port}/", verify=certs / "other-ca.pem", timeout=5)
    doc = counts(url, port)
    assert (doc["connections"], doc["handshakes"], doc["failed"], doc["incomplete"]) == (1, 0, 1, 0)
    assert "UNKNOWN_CA" in doc["lastError"].upper()


def test_each_retry_of_an_untrusting_client_is_counted(tls_stub, certs):
    url, (port, _) = tls_stub
    for _ in range(3):
        with pytest.raises(requests.exceptions.SSLError):
            requests.get(f"https://localhost:{port}/", verify=certs / "other-ca.pem", timeout=5)
    assert counts(url, port)["failed"] == 3


def test_counts_are_per_listener(tls_stub, certs):
    url, (port_a, port_b) = tls_stub
    with pytest.raises(requests.exceptions.SSLError):
        requests.get(f"https://localhost:{port_a}/", verify=certs / "other-ca.pem", timeout=5)
    requests.get(f"https://localhost:{port_b}/", verify=certs / "ca.pem", timeout=5)
    assert (counts(url, port_a)["failed"], counts(url, port_a)["handshakes"]) == (1, 0)
    assert (counts(url, port_b)["failed"], counts(url, port_b)["handshakes"]) == (0, 1)


def test_plain_http_to_a_tls_port_is_a_failed_handshake(tls_stub):
    url, (port, _) = tls_stub
    with pytest.raises(requests.exceptions.ConnectionError):
        requests.get(f"http://localhost:{port}/", timeout=5)
    doc = counts(url, port)
    assert (doc["connections"], doc["handshakes"], doc["failed"]) == (1, 0, 1)


def test_a_client_that_hangs_up_without_tls_is_incomplete_not_failed(tls_stub):
    url, (port, _) = tls_stub
    socket.create_connection(("localhost", port), timeout=5).close()
    deadline = time.monotonic() + 5
    while counts(url, port, settle=False)["connections"] == 0 and time.monotonic() < deadline:
        time.sleep(0.02)
    doc = counts(url, port, settle=False)
    assert (doc["connections"], doc["handshakes"], doc["failed"], doc["incomplete"]) == (1, 0, 0, 1)


def test_delete_answers_the_counts_and_zeroes_them(tls_stub, certs):
    url, (port_a, port_b) = tls_stub
    for port in (port_a, port_b):
        requests.get(f"https://localhost:{port}/", verify=certs / "ca.pem", timeout=5)
    counts(url, port_a), counts(url, port_b)
    (before,) = requests.delete(url + "/__admin/tls", params={"port": port_a}, timeout=5).json()["listeners"]
    assert before["port"] == port_a and before["handshakes"] == 1
    assert counts(url, port_a)["handshakes"] == 0 and counts(url, port_b)["handshakes"] == 1  # only that port
    requests.delete(url + "/__admin/tls", timeout=5)
    assert counts(url, port_b)["handshakes"] == 0


@pytest.mark.parametrize("port, status", [("1", 404), ("x", 400)])
def test_an_unknown_or_malformed_port_is_refused(tls_stub, port, status):
    url, _ = tls_stub
    for method in ("GET", "DELETE"):
        resp = requests.request(method, url + "/__admin/tls", params={"port": port}, timeout=5)
        assert resp.status_code == status and resp.json()["status_code"] == status and "port" in resp.json()["message"]


def test_a_stub_without_tls_lists_no_listeners(stub):
    assert stub.admin("GET", "/tls").json() == {"listeners": []}


def test_the_counting_context_still_refuses_tls_1_1(tls_stub, certs):
    url, (port, _) = tls_stub
    context = ssl.create_default_context(cafile=str(certs / "ca.pem"))
    context.set_ciphers("DEFAULT:@SECLEVEL=0")
    with pytest.warns(DeprecationWarning):
        context.minimum_version = context.maximum_version = ssl.TLSVersion.TLSv1_1
    with socket.create_connection(("localhost", port), timeout=5) as sock, pytest.raises(ssl.SSLError):
        context.wrap_socket(sock, server_hostname="localhost")
    assert counts(url, port)["failed"] == 1


def test_a_listener_opened_through_the_admin_api_counts_apart_and_closes(tls_stub, certs):
    """One listener per harness cell: its handshakes are that cell's alone."""
    url, (port, _) = tls_stub
    opened = requests.post(url + "/__admin/tls", json={"like": port}, timeout=5)
    assert opened.status_code == 201
    extra = opened.json()["listener"]
    assert extra["port"] not in (0, port) and extra["pem"].endswith("a.pem")
    with pytest.raises(requests.exceptions.SSLError):
        requests.get(f"https://localhost:{extra['port']}/", verify=certs / "other-ca.pem", timeout=5)
    assert requests.get(f"https://localhost:{port}/", verify=certs / "ca.pem", timeout=5).ok  # the other one
    assert counts(url, extra["port"])["failed"] == 1 and counts(url, extra["port"])["handshakes"] == 0
    assert counts(url, port)["failed"] == 0
    closed = requests.delete(f"{url}/__admin/tls/{extra['port']}", timeout=5)
    assert closed.status_code == 200 and closed.json()["listener"]["failed"] == 1
    with pytest.raises(requests.exceptions.ConnectionError):
        requests.get(f"https://localhost:{extra['port']}/", verify=certs / "ca.pem", timeout=2)
    assert extra["port"] not in [t["port"] for t in requests.get(url + "/__admin/tls", timeout=5).json()["listeners"]]


@pytest.mark.parametrize(
    "call, status",
    [
        (lambda url, port: requests.post(url + "/__admin/tls", json={"like": 1}, timeout=5), 404),
        (lambda url, port: requests.post(url + "/__admin/tls", json={"like": "x"}, timeout=5), 400),
        (lambda url, port: requests.post(url + "/__admin/tls", json={"like": port, "x": 1}, timeout=5), 400),
        (lambda url, port: requests.delete(url + f"/__admin/tls/{port}", timeout=5), 404),  # a startup listener
        (lambda url, port: requests.delete(url + "/__admin/tls/nope", timeout=5), 404),
    ],
)
def test_opening_and_closing_listeners_refuses_bad_requests_with_json(tls_stub, call, status):
    url, (port, _) = tls_stub
    answer = call(url, port)
    assert answer.status_code == status and "message" in answer.json()
