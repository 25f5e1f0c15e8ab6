import json
import subprocess
import sys

import pytest

from tests.conftest import ROOT
from tests.harness.conftest import HarnessRun


@pytest.fixture(scope="session")
def harness_run(tmp_path_factory):
    """One full-matrix run shared by the tests of this folder."""
    cache: dict = {}

    def run() -> HarnessRun:
        if "run" not in cache:
            results = tmp_path_factory.mktemp("matrix")
            proc = subprocess.run(
                [sys.executable, "-m", "harness", "run", "--results", str(results)],
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

    return run
