"""A real model server in a container of the run (--backend docker --server real): how it fails, and that it is
removed like the run's other containers, also when the harness is killed."""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

import pytest

from harness import realserver
from harness.backends.base import BackendOptions
from harness.backends.docker import MANAGED, DockerBackend, host_ca_bundle
from harness.backends.docker_images import ImageError, Images
from tests.docker.conftest import IMAGES
from tests.docker.test_reaper import Run, has_container, kill_and_time, objects

AZUREML = "azureml-inference-server-http"


@pytest.fixture
def backend():
    bundle = os.environ.get("HARNESS_CA_BUNDLE")
    made = DockerBackend(BackendOptions(images=IMAGES, ca_bundle=Path(bundle) if bundle else None))
    yield made
    made.close()


@pytest.mark.parametrize(
    "change, reason",
    [
        ({"command": ("{python}", "-c", "raise SystemExit(3)")}, "exited with code 3 in its container"),
        ({"command": ("sleep", "60"), "start_seconds": 3.0}, "did not answer GET / with 200 in its container within 3"),
    ],
    ids=["exits", "never-ready"],
)
def test_a_real_server_that_cannot_start_in_its_container_is_one_reason_and_no_container(
    docker_client, backend, tmp_path, change, reason
):
    broken = dataclasses.replace(realserver.load_servers()[AZUREML], **change)  # the same image: built once
    with pytest.raises(realserver.ServerUnavailable) as caught:
        with backend.real_server(broken, "diabetes", tmp_path, lambda m: None):
            pytest.fail("a broken server was reported ready")
    assert reason in str(caught.value) and str(tmp_path) in str(caught.value)
    assert (tmp_path / f"{AZUREML}-diabetes-docker.log").is_file()
    assert not [n for n in objects(docker_client, os.getpid())["containers"] if AZUREML in n]


def test_a_profile_without_an_image_of_the_server_says_so_in_one_line(docker_client):
    images = Images(docker_client, "debian", host_ca_bundle(), {MANAGED: "true"}, lambda m: None)
    with pytest.raises(ImageError) as caught:
        images.server("mlserver", realserver.SERVERS / "mlserver", {"official": "python:3.12-slim-trixie"})
    message = str(caught.value)
    assert "no image on the debian profile" in message and "harness/servers/mlserver.toml" in message
    assert "\n" not in message


def test_killed_while_the_real_server_runs_leaves_nothing(docker_client, tmp_path):
    """SIGKILL while the client waits on the real server's gateway (the `timeout` scenario on --server real)."""
    run = Run(tmp_path, "-l", "python", "-s", "timeout", "--server", "real")
    run.wait_for(has_container(docker_client, run, f"-{AZUREML}-diabetes-"), "the real server's container")
    run.wait_for(lambda: run.printed("python", "built"), "built client")
    kill_and_time(docker_client, run, "real server running")


def test_an_entry_of_its_own_recipe_builds_on_another_debian_release_with_its_arguments(docker_client, monkeypatch):
    """images.toml [debian] python311 (MLServer's base): Debian 12's base and PYTHON_VERSION=3.11, not the
    profile's Debian 13 python; a plain Dockerfile entry still builds on the profile's own base."""
    images = Images(docker_client, "debian", None, {MANAGED: "true"}, lambda m: None)
    built, bases = [], []
    monkeypatch.setattr(images, "build", lambda ctx, dockerfile, tag, args: built.append((dockerfile.name, tag, args)))
    monkeypatch.setattr(images, "_debian_base", lambda wanted: bases.append(wanted) or wanted)
    defn = realserver.load_servers()["mlserver"]
    server_tag = images.server("mlserver", defn.folder, defn.docker_base)
    python = images.sdk("python")
    assert bases == ["scoring-kit/debian-base:bookworm", "scoring-kit/debian-base:trixie"]
    (f1, tag1, args1), (f2, tag2, args2), (f3, tag3, args3) = built
    assert (f1, tag1, args1) == (
        "python.Dockerfile", "scoring-kit/debian-python311:bookworm",
        {"BASE": "scoring-kit/debian-base:bookworm", "PYTHON_VERSION": "3.11"},
    )  # fmt: skip
    assert f2 == "server.Dockerfile" and tag2 == server_tag and args2["BASE"] == tag1
    assert (tag3, args3) == (python, {"BASE": "scoring-kit/debian-base:trixie"}) and tag3.endswith(":trixie")
