"""The reaper: a run killed with SIGKILL at any point leaves nothing behind within 10 s.

Each case counts the killed run's containers and networks (by its process id
label) before the kill, so that a pass means objects existed and were
removed, and after it, polling until none is left; it prints how long that took.
"""

from __future__ import annotations

import contextlib
import io
import os
import socket
import subprocess
import sys
import tarfile
import threading
import time
import uuid
from pathlib import Path

import docker.errors
import pytest
from docker.models.networks import Network

from harness.backends.docker import HOST, KEEP, MANAGED, PID, SESSION, DockerUnavailable, clean, host_ca_bundle
from harness.backends.docker_images import Images
from harness.backends.reaper import AGENT, ROLE, Reaper
from tests.conftest import ROOT
from tests.docker.conftest import IMAGES, harness_argv
from tests.docker.engine_proxy import EngineProxy

LIMIT = 10.0  # seconds from the kill to nothing left (the bound)
REAPER_CREATE = rb"POST /v[0-9.]+/containers/create\?name=scoring-kit-reaper-"


def objects(client, pid: int) -> dict[str, list[str]]:
    """A run's containers and networks, by its process id label (list calls only: no race with removals)."""
    flt = {"label": f"{PID}={pid}"}
    return {
        "containers": sorted(n.lstrip("/") for c in client.api.containers(all=True, filters=flt) for n in c["Names"]),
        "networks": sorted(n["Name"] for n in client.api.networks(filters=flt)),
    }


class Run:
    """``python -m harness run`` in the background, its output lines collected as they come."""

    def __init__(self, tmp_path, *args: str, env: dict[str, str] | None = None) -> None:
        argv = harness_argv("run", "--backend", "docker", "--images", IMAGES, "--results", str(tmp_path / "r"), *args)
        self.proc = subprocess.Popen(
            argv, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env or dict(os.environ)
        )
        self.lines: list[str] = []
        threading.Thread(target=lambda: self.lines.extend(self.proc.stdout), daemon=True).start()

    def wait_for(self, ready, what: str, timeout: float = 600) -> None:
        deadline = time.monotonic() + timeout
        while not ready():
            if self.proc.poll() is not None:
                pytest.fail(f"the run ended before {what}: {''.join(self.lines)}")
            if time.monotonic() > deadline:
                self.proc.kill()
                pytest.fail(f"no {what} within {timeout:.0f} s: {''.join(self.lines)}")
            time.sleep(0.05)

    def printed(self, *words: str) -> bool:
        return any(line.split()[:2] == list(words) for line in list(self.lines))


def kill_and_time(client, run: Run, case: str) -> float:
    """SIGKILL the run; the seconds until none of its containers and networks is left (fails past LIMIT)."""
    before = objects(client, run.proc.pid)
    run.proc.kill()
    start = time.monotonic()
    run.proc.wait(timeout=30)
    while (left := objects(client, run.proc.pid)) != {"containers": [], "networks": []}:
        if time.monotonic() - start > LIMIT:
            pytest.fail(f"{case}: {left} still there {LIMIT:.0f} s after the kill (there were {before})")
        time.sleep(0.1)
    took = time.monotonic() - start
    print(f"\n{case}: {before} gone {took:.1f} s after SIGKILL")
    # The killed run had its reaper, and more than the reaper: the pass above means something.
    assert any(name.startswith("scoring-kit-reaper-") for name in before["containers"]), before
    assert len(before["containers"]) >= 2 and before["networks"], before
    return took


def has_container(client, run: Run, part: str):
    return lambda: any(part in name for name in objects(client, run.proc.pid)["containers"])


def test_killed_during_an_image_build(docker_client, tmp_path):
    """SIGKILL while the harness builds an SDK image (the Go one, after the stub and the reaper are up)."""
    proxy = EngineProxy(tmp_path / "engine.sock", [REAPER_CREATE, rb"POST /v[0-9.]+/build\?"])
    try:
        run = Run(tmp_path, "-l", "go", "-s", "json-key", env={**os.environ, "DOCKER_HOST": proxy.url})
        run.wait_for(proxy.seen.is_set, "image build after the reaper started")
        kill_and_time(docker_client, run, "image build")
        assert not run.printed("go", "built")
    finally:
        proxy.close()


def test_killed_during_a_client_build(docker_client, tmp_path):
    """SIGKILL while Maven builds the Java client in its container."""
    run = Run(tmp_path, "-l", "java", "-s", "json-key")
    run.wait_for(has_container(docker_client, run, "-java-"), "Java container")
    assert not run.printed("java", "built"), "the kill must land during the build"
    kill_and_time(docker_client, run, "client build")


def test_killed_mid_scenario(docker_client, tmp_path):
    """SIGKILL while the client waits on a service slower than its timeout (the `timeout` scenario)."""
    run = Run(tmp_path, "-l", "python", "-s", "timeout")
    run.wait_for(lambda: run.printed("python", "built"), "built client")
    time.sleep(1.0)  # the client is running: it gives up after 2 s, the service answers after 15 s
    assert not any("timeout (" in line for line in run.lines), "the kill must land during the scenario"
    kill_and_time(docker_client, run, "mid-scenario")


# A process that owns a session's reaper, then waits to be killed.
OWNER = """
import os, socket, sys, time
from harness.backends.docker import HOST, MANAGED, PID, SESSION, connect
from harness.backends.reaper import Reaper
labels = {MANAGED: "true", SESSION: sys.argv[1], PID: str(os.getpid()), HOST: socket.gethostname()}
reaper = Reaper(connect(), lambda: sys.argv[2], labels)
print("ready", flush=True)
time.sleep(600)
"""


@pytest.fixture(scope="module")
def stub_image(docker_client) -> str:
    """The image the reaper runs in (the stub's), made as a run makes it."""
    bundle = os.environ.get("HARNESS_CA_BUNDLE")
    return Images(
        docker_client, IMAGES, Path(bundle) if bundle else host_ca_bundle(), {MANAGED: "true"}, lambda m: None
    ).stub()


def session_objects(client, session: str) -> dict[str, int]:
    flt = {"label": f"{SESSION}={session}"}
    return {
        "containers": len(client.api.containers(all=True, filters=flt)),
        "networks": len(client.api.networks(filters=flt)),
        "volumes": len(client.volumes.list(filters=flt)),
    }


def test_the_reaper_removes_its_session_only_and_keeps_caches(docker_client, stub_image):
    """Of the objects labelled with its session it spares cache volumes; other sessions' it never touches."""
    ours, theirs = uuid.uuid4().hex[:10], uuid.uuid4().hex[:10]
    argv = [sys.executable, "-c", OWNER, ours, stub_image]
    owner = subprocess.Popen(argv, cwd=ROOT, stdout=subprocess.PIPE, text=True)
    made = []
    try:
        assert owner.stdout.readline().strip() == "ready"
        assert session_objects(docker_client, ours)["containers"] == 1  # the reaper itself
        for session in (ours, theirs):  # HOST "elsewhere": `clean` of runs going on meanwhile leaves them alone
            labels = {MANAGED: "true", SESSION: session, PID: str(owner.pid), HOST: "elsewhere"}
            name = f"scoring-kit-reapertest-{session}"
            made.append(
                docker_client.containers.create(stub_image, ["300"], entrypoint="sleep", name=name, labels=labels)
            )
            made.append(docker_client.networks.create(name, labels=labels))
            made.append(docker_client.volumes.create(name, labels=labels))
            made.append(docker_client.volumes.create(f"{name}-cache", labels={**labels, KEEP: "cache"}))
        assert session_objects(docker_client, ours) == {"containers": 2, "networks": 1, "volumes": 2}
        owner.kill()
        owner.wait(timeout=30)
        start = time.monotonic()
        while (left := session_objects(docker_client, ours)) != {"containers": 0, "networks": 0, "volumes": 1}:
            assert time.monotonic() - start < LIMIT, f"{left} of the session outlived its owner by {LIMIT:.0f} s"
            time.sleep(0.1)
        print(f"\nsession objects of a killed owner gone {time.monotonic() - start:.1f} s after SIGKILL")
        kept = [v.name for v in docker_client.volumes.list(filters={"label": f"{SESSION}={ours}"})]
        assert kept == [f"scoring-kit-reapertest-{ours}-cache"], kept
        assert session_objects(docker_client, theirs) == {"containers": 1, "networks": 1, "volumes": 2}
    finally:
        owner.kill()
        for thing in made:
            with contextlib.suppress(docker.errors.NotFound):
                thing.remove(**({} if isinstance(thing, Network) else {"force": True}))


@pytest.mark.parametrize(
    ("action", "at", "leaves"),
    [("cut", "create", 0), ("cut", "start", 1), ("hold", "start", 0)],
    ids=["stops-at-create", "stops-at-start", "hangs-at-start"],
)
def test_the_engine_going_away_as_the_reaper_starts_is_one_line(docker_client, tmp_path, action, at, leaves):
    """An engine that stops (cut) or stops answering (hold) as the reaper starts: exit 2, one line, no hang.

    Stopped after the reaper's container was made, the engine keeps it (created, never started) and no
    one can remove it then: the next run's start, or `harness clean`, does (the process is gone).
    """
    steps = [REAPER_CREATE] + ([rb"POST /v[0-9.]+/containers/[0-9a-f]+/start"] if at == "start" else [])
    proxy = EngineProxy(tmp_path / "engine.sock", steps, action)
    argv = harness_argv("run", "--backend", "docker", "--images", IMAGES, "--results", str(tmp_path / "r"))
    start = time.monotonic()
    try:
        proc = subprocess.Popen(
            argv, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            env={**os.environ, "DOCKER_HOST": proxy.url},
        )  # fmt: skip
        out, err = proc.communicate(timeout=120)
    finally:
        proxy.close()
    print(f"\nengine {action} at {at}: exit {proc.returncode} after {time.monotonic() - start:.1f} s: {err.strip()}")
    assert proxy.seen.is_set(), "the engine must have gone away at that request"
    assert proc.returncode == 2, out + err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("harness: error: Docker stopped answering"), err
    assert "reaper" in lines[0] and "docker info" in lines[0]
    left = objects(docker_client, proc.pid)
    assert left["networks"] == [] and len(left["containers"]) == leaves, left
    clean(docker_client, only_dead=True)
    assert objects(docker_client, proc.pid) == {"containers": [], "networks": []}


def agent(*args: str) -> subprocess.CompletedProcess:
    """The reaper's agent run on this host, its stdin at its end from the start."""
    argv = [sys.executable, str(AGENT), *args]
    return subprocess.run(argv, input="", capture_output=True, text=True, timeout=60)


def test_the_agent_sweeps_its_session_when_its_stdin_ends(docker_client):
    ours, theirs = uuid.uuid4().hex[:10], uuid.uuid4().hex[:10]
    networks = [
        docker_client.networks.create(f"scoring-kit-agenttest-{s}", labels={SESSION: s}) for s in (ours, theirs)
    ]
    try:
        done = agent(f"{SESSION}={ours}", f"{KEEP}=cache", f"{ROLE}=reaper")
        assert (done.returncode, done.stdout) == (0, "reaper ready\n"), done.stderr
        assert f"{SESSION}={ours}: 1 objects found" in done.stderr
        assert docker_client.api.networks(filters={"label": f"{SESSION}={ours}"}) == []
        assert len(docker_client.api.networks(filters={"label": f"{SESSION}={theirs}"})) == 1
    finally:
        for network in networks:
            with contextlib.suppress(docker.errors.NotFound):
                network.remove()


def test_an_agent_that_cannot_reach_the_engine_says_so_in_one_line(tmp_path):
    done = agent(f"{SESSION}=x", f"{KEEP}=cache", f"{ROLE}=reaper", str(tmp_path / "no-engine.sock"))
    assert done.returncode == 2
    lines = done.stdout.splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"reaper: cannot use the Docker Engine API at {tmp_path}"), lines


def test_a_reaper_that_cannot_start_is_one_line_and_leaves_nothing(docker_client):
    """In an image without python3 the engine cannot start it: a clear error, and no container stays."""
    session = uuid.uuid4().hex[:10]
    data = io.BytesIO()
    with tarfile.open(fileobj=data, mode="w") as tar:
        tar.addfile(tarfile.TarInfo("empty"))
    repository = "scoring-kit/reapertest-no-python"
    docker_client.api.import_image_from_data(data.getvalue(), repository=repository, tag=session)
    labels = {MANAGED: "true", SESSION: session, PID: str(os.getpid()), HOST: socket.gethostname()}
    try:
        with pytest.raises(DockerUnavailable) as caught:
            Reaper(docker_client, lambda: f"{repository}:{session}", labels)
    finally:
        docker_client.images.remove(f"{repository}:{session}", force=True)
    message = str(caught.value)
    assert "\n" not in message and message.startswith("the run's reaper container could not start: "), message
    assert "python3" in message, message
    assert docker_client.api.containers(all=True, filters={"label": f"{SESSION}={session}"}) == []


@pytest.mark.parametrize(
    "step, doing",
    [
        (rb"POST /v[0-9.]+/exec/[0-9a-f]+/start", "building the Go client"),  # the first build step
        (rb'"SCORING_URI=', "running the Go client"),  # a cell's run: its exec names the scoring URI
    ],
    ids=["mid-build", "mid-scenario"],
)
def test_the_engine_stopping_mid_run_is_one_line_and_leaves_nothing(docker_client, tmp_path, step, doing):
    """dockerd stopping while clients build or run: exit 2 with one line naming what the run was doing, no
    traceback, no hang; what it left, `harness clean` removes."""
    proxy = EngineProxy(tmp_path / "engine.sock", [step], "cut")
    argv = harness_argv(
        "run", "--backend", "docker", "--images", IMAGES, "-l", "go", "-s", "json-key", "--results", str(tmp_path / "r")
    )
    try:
        proc = subprocess.Popen(
            argv, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            env={**os.environ, "DOCKER_HOST": proxy.url},
        )  # fmt: skip
        out, err = proc.communicate(timeout=300)
    finally:
        proxy.close()
    assert proxy.seen.is_set(), "the engine must have gone away at that request"
    assert proc.returncode == 2, out + err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"harness: error: Docker stopped answering while {doing}"), lines
    assert "docker info" in lines[0] and "Traceback" not in err
    # Nothing can remove what the run made while no engine answers (here the engine behind the cut socket still
    # runs them; a stopped dockerd stops them): the next run's start, or `harness clean`, does, its owner gone.
    clean(docker_client, only_dead=True)
    assert objects(docker_client, proc.pid) == {"containers": [], "networks": []}
