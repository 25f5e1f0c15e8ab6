"""Real servers as data: definitions validated like the language files, a cached venv, start, ready, stop."""

from __future__ import annotations

import os
import textwrap
import urllib.request

import pytest

from harness import realserver
from harness.datafiles import CatalogError

SERVING = '["{python}", "-m", "http.server", "--bind", "{host}", "{port}"]'


def definition(folder, name="toy", command=SERVING, extra="", model_protocol="azureml", start_seconds=20):
    (folder / name).mkdir(parents=True, exist_ok=True)
    (folder / name / "requirements.txt").write_text("# nothing: the standard library serves\n")
    (folder / f"{name}.toml").write_text(
        textwrap.dedent(f"""\
        title = "a toy server"
        protocols = ["azureml"]
        ready = {{ path = "/", status = 200 }}
        start_seconds = {start_seconds}
        {extra}
        [local]
        command = {command}
        env = {{ TOY = "{{server_dir}}" }}

        [models.m]
        protocol = "{model_protocol}"
        """)
    )
    return realserver.load_server(folder / f"{name}.toml")


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("SCORING_KIT_CACHE", str(tmp_path / "cache"))
    return tmp_path / "cache"


def gone(pid: int) -> bool:
    try:
        os.killpg(pid, 0)
    except ProcessLookupError:
        return True
    return False


def test_the_shipped_definitions_load():
    found = realserver.load_servers()
    assert "azureml-inference-server-http" in found
    aml = found["azureml-inference-server-http"]
    assert aml.protocols == ("azureml",) and {"diabetes", "iris"} <= set(aml.models)


@pytest.mark.parametrize(
    "old, new, message",
    [
        ('title = "a toy server"', 'title = "a toy server"\ncolour = "blue"', r"unknown key\(s\) colour"),
        ('protocols = ["azureml"]', 'protocols = ["grpc"]', "protocols must name some of azureml"),
        ("[local]", "[local]\nimage = 'x'", r"\[local\]: unknown key\(s\) image"),
        ('ready = { path = "/", status = 200 }', 'ready = { route = "/" }', "ready: unknown key"),
    ],
)
def test_a_bad_definition_is_one_clear_error(tmp_path, old, new, message):
    definition(tmp_path)  # its twin: as written, it loads
    path = tmp_path / "toy.toml"
    path.write_text(path.read_text().replace(old, new))
    with pytest.raises(CatalogError, match=message):
        realserver.load_server(path)


def test_a_model_in_a_protocol_the_server_lacks_is_refused(tmp_path):
    with pytest.raises(CatalogError, match="not one of the server's protocols"):
        definition(tmp_path, model_protocol="mlflow")


def test_missing_requirements_are_refused(tmp_path):
    definition(tmp_path)
    (tmp_path / "toy" / "requirements.txt").unlink()
    with pytest.raises(CatalogError, match="no file"):
        realserver.load_server(tmp_path / "toy.toml")


def test_a_new_server_is_files_only_and_stops_leaving_no_process(tmp_path, cache):
    defn = definition(tmp_path / "servers")
    with realserver.running(defn, "m", log_dir=tmp_path) as server:
        assert urllib.request.urlopen(server.url + "/", timeout=5).status == 200
        pid = server.pid
        assert not gone(pid)
    assert gone(pid)
    assert realserver.venv_path(defn).parent == cache / "servers"


def test_the_venv_is_made_once_and_remade_when_the_requirements_change(tmp_path, cache):
    defn = definition(tmp_path / "servers")
    first = realserver.ensure_venv(defn)
    marker = (first / realserver.COMPLETE).stat().st_mtime_ns
    assert realserver.ensure_venv(defn) == first and (first / realserver.COMPLETE).stat().st_mtime_ns == marker
    (defn.requirements).write_text("# changed\n")
    assert realserver.ensure_venv(defn) != first


def test_a_server_that_never_gets_ready_is_stopped_and_reported(tmp_path, cache):
    sleeping = '["{python}", "-c", "import time; time.sleep(120)"]'
    defn = definition(tmp_path / "servers", command=sleeping, start_seconds=1)
    with pytest.raises(realserver.ServerUnavailable, match=r"did not answer GET / with 200 within 1 s"):
        with realserver.running(defn, "m", log_dir=tmp_path):
            pass
    assert not running_commands("time.sleep(120)")


def running_commands(fragment: str) -> list[str]:
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                line = f.read().replace(b"\0", b" ").decode("utf-8", "replace")
        except OSError:
            continue
        if fragment in line and "pytest" not in line:
            found.append(line)
    return found


def test_a_server_that_exits_while_starting_says_so(tmp_path, cache):
    failing = '["{python}", "-c", "print(\'no model here\'); raise SystemExit(3)"]'
    defn = definition(tmp_path / "servers", command=failing)
    with pytest.raises(realserver.ServerUnavailable, match="exited with code 3 while starting: no model here"):
        with realserver.running(defn, "m", log_dir=tmp_path):
            pass


def test_an_unknown_model_is_refused(tmp_path, cache):
    defn = definition(tmp_path / "servers")
    with pytest.raises(CatalogError, match="serves no model 'x'; it serves m"):
        with realserver.running(defn, "x", log_dir=tmp_path):
            pass
