"""Start-up from the command line: ready line, credentials, clean errors and stop."""

import re
import signal
import socket
import subprocess
import sys
import time

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
