"""Running the docs check as a maintainer would: ``python -m harness docs check PAGE...``."""

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.docker.conftest import docker_client  # noqa: F401  (the Docker tests' engine check)

PAGES = ROOT / "tests" / "docs" / "pages"
SEED = PAGES / "seed-consume-web-service.md"


@dataclass
class DocsRun:
    code: int
    out: str
    err: str
    results: dict | None
    results_dir: Path

    def sample(self, page: str, start: int) -> dict:
        """The outcome of the block of `page` whose code starts at line `start`."""
        for s in self.results["samples"]:
            if Path(s["page"]).name == page and s["start"] == start:
                return s
        raise AssertionError(f"no block of {page} starts at line {start}: {self.out[-3000:]}")

    def failed_checks(self, page: str, start: int) -> dict[str, dict]:
        return {c["name"]: c for c in self.sample(page, start)["checks"] if not c["ok"]}


def docs_check(*args: str, results: Path, env: dict | None = None, timeout: float = 1200) -> DocsRun:
    proc = subprocess.run(
        [sys.executable, "-m", "harness", "docs", "check", "--results", str(results), *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **(env or {})},
    )
    path = results / "results.json"
    doc = json.loads(path.read_text()) if path.exists() else None
    return DocsRun(proc.returncode, proc.stdout, proc.stderr, doc, results)


@pytest.fixture(scope="session")
def local_pages(tmp_path_factory) -> DocsRun:
    """Every test page checked once on this machine's toolchains (each language built once per sample)."""
    pages = ["seed-consume-web-service.md", "broken.md", "francais.md", "zhongwen.rst", "modelarts.md"]
    results = tmp_path_factory.mktemp("docs-local")
    return docs_check("--backend", "local", *(str(PAGES / p) for p in pages), results=results)
