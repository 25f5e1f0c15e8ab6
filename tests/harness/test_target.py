"""--target URL: a service the user deployed behind the stub; here a stand-in on 127.0.0.1 over TLS with its own key."""

import os

import pytest
import trustme

import server_stub

LIVE_KEY = "live-endpoint-key-5f1c9a"


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    """A stand-in for a deployed endpoint: HTTPS with a certificate of its own CA, key auth with LIVE_KEY."""
    folder = tmp_path_factory.mktemp("live")
    ca = trustme.CA()
    ca.issue_cert("localhost").private_key_and_cert_chain_pem.write_to_path(str(folder / "server.pem"))
    ca.cert_pem.write_to_path(str(folder / "ca.pem"))
    config = server_stub.StubConfig(auth="key", primary_key=LIVE_KEY)
    with server_stub.running(config, tls=[(0, str(folder / "server.pem"))]) as (stub, _):
        yield f"https://localhost:{stub.tls_listeners[0].port}", folder / "ca.pem"


def target_run(harness, live, *args, key=LIVE_KEY, ca=True):
    url, ca_pem = live
    env = {**os.environ, "HARNESS_BACKEND": "local", "LIVE_KEY": key}
    extra = ["--target-ca-bundle", str(ca_pem)] if ca else []
    return harness("-l", "python", "--target", url, "--target-key-env", "LIVE_KEY", *extra, *args, env=env)


def test_the_samples_pass_against_the_live_service_and_its_key_is_never_shown(harness, live, tmp_path):
    run = target_run(harness, live, "-s", "json-key,json-token,server-error,binary,modelarts-json")
    assert run.code == 0, run.out[-3000:]
    status = {c["scenario"]: c for c in run.results["languages"][0]["cells"]}
    for name in ("json-key", "json-token", "server-error"):
        assert status[name]["status"] == "pass" and status[name]["server"] == "real"
    assert status["binary"]["status"] == status["modelarts-json"]["status"] == "skipped"
    assert "the live service at localhost" in run.out
    written = "".join(p.read_text(errors="replace") for p in (tmp_path / "results").rglob("*") if p.is_file())
    assert LIVE_KEY not in run.out + run.err + written


def test_an_untrusted_certificate_is_not_a_pass(harness, live):
    run = target_run(harness, live, "-s", "json-key", ca=False)
    assert run.code == 1
    assert "not trusted" in run.failed_checks("python", "json-key")["answered by the real server"]["detail"]


def test_a_wrong_live_key_is_not_a_pass(harness, live):
    run = target_run(harness, live, "-s", "json-key", key="not-the-key")
    assert run.code == 1 and "stdout" in run.failed_checks("python", "json-key")


@pytest.mark.parametrize(
    "args, message",
    [
        (["--target-key-env", "NO_SUCH_VARIABLE_X"], "needs the service's key or token in $NO_SUCH_VARIABLE_X"),
        (["--target", "ftp://x"], "give the service's http(s)://HOST[:PORT][/PATH]"),
    ],
)
def test_bad_target_settings_are_one_line(harness, args, message):
    argv = ["--target", "https://localhost:1", *args] if args[0] != "--target" else args
    run = harness("-l", "python", *argv, env={**os.environ, "HARNESS_BACKEND": "local"})
    assert run.code == 2 and message in run.err and len(run.err.strip().splitlines()) == 1


def test_record_then_replay_round_trip(harness, live, tmp_path):
    """record writes the exchange with the live service as a scenario; it replays on the stub alone (no
    live key, host or service name kept) and judges a client as any shipped scenario does."""
    from tests.harness.conftest import FIXTURES

    url, ca_pem = live
    out = tmp_path / "recorded"
    env = {**os.environ, "HARNESS_BACKEND": "local", "LIVE_KEY": LIVE_KEY}
    rec = harness(
        "--target", url, "--target-key-env", "LIVE_KEY", "--target-ca-bundle", str(ca_pem),
        "--out", str(out), "--name", "my-endpoint", env=env, command="record",
    )  # fmt: skip
    assert rec.code == 0, rec.out[-3000:] + rec.err
    text = (out / "my-endpoint.toml").read_text()
    assert LIVE_KEY not in text and "localhost" not in text and "python-json-key" not in text
    assert "{primary_key}" in text and "{service}" in text and 'program = "score"' in text
    env = {**os.environ, "HARNESS_BACKEND": "local"}
    replay = harness("--scenarios", str(out), "-l", "python", "-s", "my-endpoint", env=env)
    assert replay.code == 0 and replay.cell("python", "my-endpoint")["status"] == "pass", replay.out[-3000:]
    # Its negative twin: a client that leaves out the Content-Type fails the replayed scenario.
    folder = FIXTURES / "no-content-type"
    broken = harness("--scenarios", str(out), "-s", "my-endpoint", "--client", f"python={folder}", env=env)
    assert broken.code == 1 and "#1 header Content-Type" in broken.failed_checks("python", "my-endpoint")


def test_record_refuses_what_it_cannot_record(harness):
    env = {**os.environ, "HARNESS_BACKEND": "local", "K": "x"}
    run = harness("--target", "https://localhost:1", "--target-key-env", "K", "--program", "nope",
                  "--out", "/tmp/x", env=env, command="record")  # fmt: skip
    assert run.code == 2 and "--program 'nope'" in run.err and len(run.err.strip().splitlines()) == 1
