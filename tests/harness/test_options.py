"""Options: a backend refuses what it cannot honour; types validate once, from the command line or the environment."""

import os

import pytest


@pytest.mark.parametrize(
    "args, flag",
    [
        (["--offline"], "--offline"),
        (["--images", "debian"], "--images"),
        (["--cache-dir", "/tmp"], "--cache-dir"),
        (["--ca-bundle", "/etc/hostname"], "--ca-bundle"),
    ],
)
def test_the_local_backend_refuses_docker_options_in_one_line(harness, args, flag):
    run = harness("--backend", "local", "-l", "go", *args)
    assert run.code == 2 and run.err.count("\n") == 1, run.err
    assert f"the local backend does not support {flag}" in run.err
    assert run.results is None  # refused before anything ran


def test_docker_options_from_the_environment_are_defaults_not_requests(harness):
    """CI sets HARNESS_IMAGES for every run; a local run must not be refused for it."""
    env = {**os.environ, "HARNESS_BACKEND": "local", "HARNESS_IMAGES": "debian", "HARNESS_CACHE_DIR": "/tmp/x"}
    run = harness("-l", "go", "-s", "json-no-auth", env=env)
    assert run.code == 0, run.err


@pytest.mark.parametrize(
    "args, message",
    [
        (["--run-timeout", "0"], "--run-timeout must be a positive number of seconds"),
        (["--run-timeout", "nan"], "--run-timeout must be a positive number of seconds"),
        (["--jobs", "x"], "--jobs takes a number, not 'x'"),
        (["--ca-bundle", "/no/such.pem"], "--ca-bundle /no/such.pem: no such file"),
        (["--images", "ubuntu"], "'ubuntu': choose from auto, official, debian"),
    ],
)
def test_bad_option_values_are_one_line(harness, args, message):
    run = harness(*args)
    assert run.code == 2 and run.err.count("\n") == 1 and message in run.err, run.err


def test_a_bad_file_from_the_environment_names_the_variable(harness):
    run = harness("-l", "go", env={**os.environ, "HARNESS_CA_BUNDLE": "/no/such.pem"})
    assert run.code == 2 and "HARNESS_CA_BUNDLE='/no/such.pem'" in run.err and "no such file" in run.err


def test_images_auto_uses_the_official_images_only_where_a_registry_answers(monkeypatch):
    import http.server
    import threading

    from harness.backends import docker as backend

    said: list[str] = []
    monkeypatch.setattr(backend, "REGISTRY_PROBE", "http://127.0.0.1:1/v2/")  # nothing listens there
    assert backend.choose_profile("auto", said.append) == "debian"
    assert said and said[-1].startswith("images: debian (registry-free)")

    class Registry(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # a registry answers 401 to anyone
            self.send_response(401)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Registry)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        monkeypatch.setattr(backend, "REGISTRY_PROBE", f"http://127.0.0.1:{server.server_port}/v2/")
        assert backend.choose_profile("auto", said.append) == "official"
        assert backend.choose_profile("debian", said.append) == "debian"  # an explicit profile is kept
    finally:
        server.shutdown()
