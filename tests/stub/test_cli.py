"""Start-up from the command line: ready line, credentials, clean errors and stop."""

import re
import signal
import socket
import subprocess
import sys
import time
import warnings

import requests

from tests.conftest import ROOT


def start(*args, env=None):
    return subprocess.Popen(
        [sys.executable, "-m", "server_stub", "--port", "0", *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


def wait_ready(proc):
    lines = []
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        lines.append(line)
        m = re.search(r"listening on (http://\S+)", line)
        if m:
            return m.group(1), "".join(lines)
    raise AssertionError("stub never said it was listening:\n" + "".join(lines) + proc.stderr.read())


def test_start_prints_url_and_key_then_serves_and_stops_on_sigterm():
    proc = start("--auth", "key", "--primary-key", "cli-key")
    try:
        url, banner = wait_ready(proc)
        assert "primary key: cli-key" in banner
        assert requests.get(url + "/__admin/health", timeout=5).json()["status"] == "ready"
        resp = requests.post(
            url + "/score", json={"data": [[0] * 10]}, headers={"Authorization": "Bearer cli-key"}, timeout=5
        )
        assert resp.status_code == 200
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0


def test_token_mode_prints_a_working_token():
    proc = start("--auth", "token")
    try:
        url, banner = wait_ready(proc)
        token = re.search(r"token for service 'default': (\S+)", banner).group(1)
        resp = requests.post(
            url + "/score", json={"data": [[0] * 10]}, headers={"Authorization": f"Bearer {token}"}, timeout=5
        )
        assert resp.status_code == 200
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_environment_variables_configure_the_stub():
    import os

    proc = start(env={**os.environ, "STUB_AUTH": "key", "STUB_PRIMARY_KEY": "from-env"})
    try:
        _, banner = wait_ready(proc)
        assert "primary key: from-env" in banner
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_port_in_use_is_one_clear_line():
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = subprocess.run(
            [sys.executable, "-m", "server_stub", "--port", str(port)],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=20,
        )
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0
    assert f"cannot listen on 127.0.0.1:{port}" in result.stderr


def test_bad_model_file_is_one_clear_line(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "server_stub", "--model", str(tmp_path / "missing.json")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=20,
    )
    assert result.returncode == 2
    assert result.stderr.startswith("server_stub: error:") and result.stderr.count("\n") == 1


def test_public_bind_warns_about_the_admin_api():
    proc = start("--host", "0.0.0.0")
    try:
        _, banner = wait_ready(proc)
        assert "WARNING: the admin API is open" in banner
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_tls_listeners_serve_the_same_stub_over_https_and_refuse_old_tls(tmp_path):
    import ssl

    import trustme

    ca = trustme.CA()
    pem = tmp_path / "server.pem"
    ca.issue_cert("localhost").private_key_and_cert_chain_pem.write_to_path(str(pem))
    ca.cert_pem.write_to_path(str(tmp_path / "ca.pem"))
    proc = start("--tls", f"0={pem}")
    try:
        url, banner = wait_ready(proc)
        https = re.search(r"listening on (https://\S+) with (\S+)", banner)
        assert https and https.group(2) == str(pem)
        base = https.group(1).replace("127.0.0.1", "localhost")
        resp = requests.post(base + "/api/v1/service/s/score", json={"data": [[0] * 10]}, verify=tmp_path / "ca.pem")
        assert resp.status_code == 200
        (entry,) = requests.get(url + "/__admin/requests", params={"service": "s"}, timeout=5).json()["requests"]
        assert entry["scheme"] == "https"
        with requests.Session() as plain:  # the same journal over plain HTTP says http
            plain.post(url + "/api/v1/service/p/score", json={"data": [[0] * 10]}, timeout=5)
        assert requests.get(url + "/__admin/requests?service=p", timeout=5).json()["requests"][0]["scheme"] == "http"
        # Unknown CA: refused by a verifying client; TLS 1.1: refused by the stub.
        try:
            requests.get(base + "/", timeout=5)
            raise AssertionError("a certificate from an unknown CA was accepted")
        except requests.exceptions.SSLError:
            pass
        # TLS 1.2 is served; TLS 1.1 is refused by the stub (the client is set to offer it, so the refusal is the
        # server's: an end of stream, not the client's own "no ciphers available").
        port = int(base.rsplit(":", 1)[1])
        for version, accepted in ((ssl.TLSVersion.TLSv1_2, True), (ssl.TLSVersion.TLSv1_1, False)):
            context = ssl.create_default_context(cafile=str(tmp_path / "ca.pem"))
            context.set_ciphers("DEFAULT:@SECLEVEL=0")
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", DeprecationWarning)  # TLSv1_1 is deprecated: that is the point
                context.minimum_version = context.maximum_version = version
            with socket.create_connection(("localhost", port), timeout=5) as sock:
                try:
                    with context.wrap_socket(sock, server_hostname="localhost") as tls:
                        assert accepted and tls.version() == "TLSv1.2"
                except ssl.SSLError as exc:
                    assert not accepted and "NO_CIPHERS" not in str(exc) and "NO_PROTOCOLS" not in str(exc), exc
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0


def test_a_bad_tls_setting_is_one_line_and_exit_2(tmp_path):
    (tmp_path / "junk.pem").write_text("not a certificate")
    bad = subprocess.run(
        [sys.executable, "-m", "server_stub", "--port", "0", "--tls", f"0={tmp_path / 'junk.pem'}"],
        cwd=ROOT, capture_output=True, text=True, timeout=30,
    )  # fmt: skip
    assert bad.returncode == 2 and bad.stderr.strip().count("\n") == 0
    assert "cannot use the TLS certificate" in bad.stderr or "cannot listen" in bad.stderr
    shape = subprocess.run(
        [sys.executable, "-m", "server_stub", "--tls", "cert.pem"], cwd=ROOT, capture_output=True, text=True, timeout=30
    )
    assert shape.returncode == 2 and "expected PORT=PEM-FILE" in shape.stderr
    missing = subprocess.run(
        [sys.executable, "-m", "server_stub", "--tls", "443=/no/such.pem"], cwd=ROOT, capture_output=True, text=True
    )
    assert missing.returncode == 2 and "/no/such.pem: no such file" in missing.stderr


def test_the_tls_context_asks_for_tls_1_2_or_newer(tmp_path):
    """The context's own floor, not the system OpenSSL's policy (Debian's refuses TLS 1.1 anyway, which is
    why the handshake test above cannot tell the two apart)."""
    import trustme

    from server_stub.server import tls_context

    pem = tmp_path / "server.pem"
    trustme.CA().issue_cert("localhost").private_key_and_cert_chain_pem.write_to_path(str(pem))
    assert tls_context(str(pem)).minimum_version == __import__("ssl").TLSVersion.TLSv1_2


def test_the_event_loop_is_uvloops_unless_asked_for_asyncio_or_uvloop_is_missing(monkeypatch):
    import asyncio
    import os

    import uvloop  # pinned in server_stub/requirements.txt: its absence is a failure here, not a skip

    from server_stub.server import new_loop

    loops = [new_loop(), new_loop("asyncio")]
    monkeypatch.setitem(sys.modules, "uvloop", None)  # as on a machine without it: import fails
    loops.append(new_loop())
    try:
        assert [isinstance(loop, uvloop.Loop) for loop in loops] == [True, False, False]
        assert all(isinstance(loop, asyncio.BaseEventLoop) for loop in loops[1:])
    finally:
        for loop in loops:
            loop.close()
    proc = start("--event-loop", "asyncio")
    try:
        url, _ = wait_ready(proc)
        assert requests.post(url + "/score", json={"data": [[0] * 10]}, timeout=5).status_code == 200
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0
    bad = subprocess.run(
        [sys.executable, "-m", "server_stub", "--port", "0"],
        env={**os.environ, "STUB_EVENT_LOOP": "tokio"}, cwd=ROOT, capture_output=True, text=True, timeout=30,
    )  # fmt: skip
    assert bad.returncode == 2 and "--event-loop: expected one of uvloop, asyncio, got 'tokio'" in bad.stderr
