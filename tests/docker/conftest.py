"""The Docker backend's lifecycle: what it creates, and that it leaves nothing behind."""

import os
import subprocess
import sys

import pytest

from tests.conftest import ROOT

# Registry-free images unless HARNESS_IMAGES says otherwise; HARNESS_CA_BUNDLE
# (extra CAs for the containers) is passed through by the environment.
IMAGES = os.environ.get("HARNESS_IMAGES", "debian")


@pytest.fixture(scope="session")
def docker_client():
    """The engine the harness will use.  No engine is a failure, not a skip: these checks must run."""
    from harness.backends.docker import DockerUnavailable, connect

    try:
        return connect()
    except DockerUnavailable as exc:
        pytest.fail(f"{exc} (the Docker tests need a running engine; .ci/run starts one)")


def harness_argv(*args: str) -> list[str]:
    return [sys.executable, "-m", "harness", *args]


def run_harness(*args: str, timeout: float = 900) -> subprocess.CompletedProcess:
    return subprocess.run(harness_argv(*args), cwd=ROOT, capture_output=True, text=True, timeout=timeout)
