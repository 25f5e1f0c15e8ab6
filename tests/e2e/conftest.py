import json
import os
import subprocess
import sys

import pytest

from tests.conftest import ROOT
from tests.harness.conftest import HarnessRun

# The Docker matrix runs on the registry-free images unless HARNESS_IMAGES says
# otherwise (official images need a reachable registry); HARNESS_CA_BUNDLE, if
# set, is passed through to the harness by the environment.
BACKEND_ARGS = {
    "local": ["--backend", "local"],
    "docker": ["--backend", "docker", "--images", os.environ.get("HARNESS_IMAGES", "debian")],
}


@pytest.fixture(scope="session", params=sorted(BACKEND_ARGS))
def harness_run(request, tmp_path_factory):
    """One full-matrix run per backend, shared by the tests of this folder."""
    cache: dict = {}

    def run() -> HarnessRun:
        if "run" not in cache:
            results = tmp_path_factory.mktemp(f"matrix-{request.param}")
            proc = subprocess.run(
                [sys.executable, "-m", "harness", "run", *BACKEND_ARGS[request.param], "--results", str(results)],
                cwd=ROOT,
                capture_output=True,
                text=True,
                timeout=1800,
            )
            path = results / "results.json"
            cache["run"] = HarnessRun(
                proc.returncode, proc.stdout, proc.stderr, json.loads(path.read_text()) if path.exists() else None
            )
        return cache["run"]

    run.backend = request.param
    return run
