"""The CI workflow: lint-clean by actionlint, and one conformance job per language."""

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from harness import catalog
from tests.conftest import ROOT

WORKFLOW = ROOT / ".github" / "workflows" / "conformance.yml"


@pytest.fixture(scope="module")
def actionlint() -> str:
    found = shutil.which("actionlint")
    if not found:
        gopath = subprocess.run(["go", "env", "GOPATH"], capture_output=True, text=True).stdout.strip()
        candidate = Path(gopath or os.path.expanduser("~/go")) / "bin" / "actionlint"
        found = str(candidate) if candidate.is_file() else None
    if not found:
        pytest.fail(
            "actionlint is not installed: scripts/setup.sh installs it (go install github.com/rhysd/actionlint)"
        )
    return found


def test_workflows_pass_actionlint(actionlint):
    proc = subprocess.run([actionlint, "-no-color"], cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_actionlint_does_catch_a_broken_workflow(actionlint, tmp_path):
    bad = tmp_path / "bad.yml"
    bad.write_text(WORKFLOW.read_text().replace("runs-on: ubuntu-24.04", "runs-on: ${{ matrix.nope }}", 1))
    proc = subprocess.run([actionlint, "-no-color", str(bad)], capture_output=True, text=True)
    assert proc.returncode == 1 and "matrix.nope" in proc.stdout


def test_the_matrix_has_every_language():
    text = WORKFLOW.read_text()
    line = next(ln for ln in text.splitlines() if ln.strip().startswith("language: ["))
    listed = [name.strip() for name in line.split("[", 1)[1].rstrip("]").split(",")]
    assert sorted(listed) == sorted(catalog.load_languages()), "add the new language to the workflow's matrix"
    assert "fail-fast: false" in text
    assert 'nox -s conformance -- --language "${{ matrix.language }}"' in text
