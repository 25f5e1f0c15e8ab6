"""Running the harness as a user would: ``python -m harness ...`` in a subprocess."""

import json
import os
import subprocess
import sys
from dataclasses import dataclass

import pytest

from tests.conftest import ROOT

FIXTURES = ROOT / "tests" / "fixtures" / "broken"


@dataclass
class HarnessRun:
    code: int
    out: str
    err: str
    results: dict | None

    def cell(self, language: str, scenario: str) -> dict:
        lang = next(lang for lang in self.results["languages"] if lang["name"] == language)
        return next(c for c in lang["cells"] if c["scenario"] == scenario)

    def failed_checks(self, language: str, scenario: str) -> dict[str, dict]:
        return {c["name"]: c for c in self.cell(language, scenario)["checks"] if not c["ok"]}


@pytest.fixture
def harness(tmp_path):
    """Run the harness; the local backend unless env or --backend says otherwise."""

    def run(*args: str, env: dict | None = None, timeout: float = 600, command: str = "run") -> HarnessRun:
        results = tmp_path / "results"
        proc = subprocess.run(
            [sys.executable, "-m", "harness", command, "--results", str(results), *args],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=timeout,
            env=env or {**os.environ, "HARNESS_BACKEND": "local"},
        )
        path = results / "results.json"
        return HarnessRun(
            proc.returncode, proc.stdout, proc.stderr, json.loads(path.read_text()) if path.exists() else None
        )

    return run
