"""Labels, clean-up on every way a run can end, `clean`, caches and clear errors."""

import os
import re
import signal
import subprocess
import time

import pytest

from harness.backends.docker import KEEP, MANAGED, PID
from harness.backends.docker_images import ImageError, Images
from harness.backends.reaper import ROLE
from tests.conftest import ROOT
from tests.docker.conftest import IMAGES, harness_argv, run_harness


def labelled(client, pid: int | None = None) -> dict[str, list]:
    """The harness's containers and networks (of one run's process, or all)."""
    flt = {"label": f"{PID}={pid}" if pid else f"{MANAGED}=true"}
    # A plain list: a container removed meanwhile is no error (inspecting each one would be).
    return {
        "containers": [c["Names"][0].lstrip("/") for c in client.api.containers(all=True, filters=flt)],
        "networks": [n.name for n in client.networks.list(filters=flt)],
    }


def start_and_wait_for_containers(client, tmp_path, want: int = 3) -> subprocess.Popen:
    """Start a full docker run; return once it has its reaper, the stub and a language container up."""
    proc = subprocess.Popen(
        harness_argv("run", "--backend", "docker", "--images", IMAGES, "--results", str(tmp_path / "r")),
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 600
    while len(labelled(client, proc.pid)["containers"]) < want:
        if proc.poll() is not None:
            pytest.fail(f"the run ended before it was interrupted: {proc.stderr.read()}")
        if time.monotonic() > deadline:
            proc.kill()
            pytest.fail("no containers appeared within 600 s")
        time.sleep(0.2)
    return proc


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_an_interrupted_run_removes_its_containers_and_network(docker_client, tmp_path, sig):
    proc = start_and_wait_for_containers(docker_client, tmp_path)
    assert labelled(docker_client, proc.pid)["networks"], "the run has its own network"
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    assert "harness: interrupted" in err
    assert labelled(docker_client, proc.pid) == {"containers": [], "networks": []}
    # The only survivors on purpose: the package caches.
    for volume in docker_client.volumes.list(filters={"label": f"{MANAGED}=true"}):
        assert volume.attrs["Labels"].get(KEEP) == "cache", volume.name


def test_clean_removes_what_a_killed_run_left_and_spares_live_runs(docker_client, tmp_path):
    live = start_and_wait_for_containers(docker_client, tmp_path / "live")
    live.send_signal(signal.SIGSTOP)  # alive but frozen: its containers stay until it goes on
    try:
        # (Starting a run also reaps dead runs' objects: the live one must survive that too.)
        killed = start_and_wait_for_containers(docker_client, tmp_path / "killed")
        # Without its reaper (gone with an engine restart, say), a killed run's objects stay until `clean`.
        for reaper in docker_client.api.containers(filters={"label": [f"{PID}={killed.pid}", f"{ROLE}=reaper"]}):
            docker_client.api.remove_container(reaper["Id"], force=True)
        killed.kill()  # SIGKILL: no clean-up of its own
        killed.wait(timeout=60)
        left = labelled(docker_client, killed.pid)
        assert left["containers"] and left["networks"], left
        done = run_harness("clean")
        assert done.returncode == 0, done.stderr
        assert f"{len(left['containers'])} containers removed" in done.stdout
        assert labelled(docker_client, killed.pid) == {"containers": [], "networks": []}
        assert labelled(docker_client, live.pid)["containers"], "a live run's containers are not clean's business"
    finally:
        live.terminate()
        live.send_signal(signal.SIGCONT)
        live.communicate(timeout=120)
    assert labelled(docker_client, live.pid) == {"containers": [], "networks": []}


def test_a_warm_rerun_builds_no_image_and_downloads_nothing(docker_client, tmp_path):
    """The second run is --offline: its containers reach the stub and nothing else, so every build is from cache."""
    args = ("run", "--backend", "docker", "--images", IMAGES, "-s", "json-key")
    first = run_harness(*args, "--results", str(tmp_path / "a"))
    assert first.returncode == 0, first.stdout + first.stderr
    second = run_harness(*args, "--offline", "--results", str(tmp_path / "b"))
    assert second.returncode == 0, second.stdout + second.stderr
    image_builds = [ln for ln in second.stdout.splitlines() if re.match(r"docker\s+(building|built|rebuilt) ", ln)]
    assert not image_builds, second.stdout
    volumes = {v.name for v in docker_client.volumes.list(filters={"label": f"{KEEP}=cache"})}
    assert {"scoring-kit-cache-m2", "scoring-kit-cache-go-mod", "scoring-kit-cache-pip"} <= volumes
    assert labelled(docker_client) == {"containers": [], "networks": []}


def test_offline_means_offline(docker_client, tmp_path):
    """A client whose build must download a module cannot build under --offline (so the test above means something).

    The fixture needs github.com/google/uuid, which no sample uses, so no cache volume has it.
    """
    run = run_harness(
        "run", "--backend", "docker", "--images", IMAGES, "--offline", "-l", "go", "-s", "json-key",
        "--client", f"go={ROOT / 'tests' / 'fixtures' / 'needs-download-go'}", "--results", str(tmp_path / "r"),
    )  # fmt: skip
    assert run.returncode == 1, run.stdout + run.stderr
    log = (tmp_path / "r" / "logs" / "go.log").read_text()
    assert "build-failed" in run.stdout
    assert "go: downloading github.com/google/uuid v1.6.0" in log and "proxy.golang.org" in log, log
    assert labelled(docker_client) == {"containers": [], "networks": []}


def test_an_image_that_cannot_be_pulled_points_to_the_debian_profile(docker_client):
    images = Images(docker_client, "official", None, {}, lambda message: None)
    with pytest.raises(ImageError) as caught:
        images._pull("registry.invalid/scoring-kit/none:0")
    message = str(caught.value)
    assert "\n" not in message
    assert "cannot pull registry.invalid/scoring-kit/none:0" in message and "--images debian" in message


def test_no_docker_engine_is_one_line_and_exit_2(tmp_path):
    env = {**os.environ, "DOCKER_HOST": f"unix://{tmp_path}/no-such.sock"}
    proc = subprocess.run(
        harness_argv("run", "--backend", "docker", "--results", str(tmp_path / "r")),
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("harness: error: Docker is not available") and "--backend local" in lines[0]


def test_caches_can_live_in_a_host_folder(docker_client, tmp_path):
    """--cache-dir: what CI saves and restores between jobs instead of named volumes."""
    cache = tmp_path / "cache"
    run = run_harness(
        "run", "--backend", "docker", "--images", IMAGES, "-l", "go,python", "-s", "json-key",
        "--cache-dir", str(cache), "--results", str(tmp_path / "r"),
    )  # fmt: skip
    assert run.returncode == 0, run.stdout + run.stderr
    assert sorted(p.name for p in cache.iterdir()) == ["go-build", "go-mod", "pip"]
    assert any((cache / "go-build").rglob("*-d")), "go's build cache was written"
    assert list((cache / "pip" / "wheels").glob("requests-*.whl")), "pip's wheels were kept"


def test_a_broken_client_is_caught_in_a_container_too(docker_client, tmp_path):
    """Fixture folders link a shared file; the container gets the folder with links resolved."""
    fixture = ROOT / "tests" / "fixtures" / "broken" / "no-retry"
    run = run_harness(
        "run", "--backend", "docker", "--images", IMAGES, "-l", "python", "-s", "retry,json-key",
        "--client", f"python={fixture}", "--results", str(tmp_path / "r"),
    )  # fmt: skip
    assert run.returncode == 1, run.stdout + run.stderr
    assert "docker/" in run.stdout and "✘ Python × retry" in run.stdout
    assert "✘ Python × json-key" not in run.stdout  # it is right about everything else
