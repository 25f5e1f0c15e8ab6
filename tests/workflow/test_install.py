"""The kit as a user installs it: a wheel built from the checkout's files, installed into a fresh venv, its
``scoring-kit`` command run from a folder outside the checkout on a page copied there."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

PAGE = ROOT / "tests" / "docs" / "pages" / "workflow.md"


def _run(args: list[str], cwd: Path, timeout: float = 300) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "PYTHON"))}
    return subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """The venv's bin folder. Its venv sees this interpreter's packages (the pinned dependencies are there
    already); the kit itself comes only from the wheel, built from a copy of the checkout's files."""
    tmp = tmp_path_factory.mktemp("install")
    listed = _run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], ROOT).stdout
    for name in filter(None, listed.split("\0")):
        if (ROOT / name).is_file():
            (tmp / "src" / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, tmp / "src" / name)
    built = _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp / "dist"), "."], tmp / "src")
    assert built.returncode == 0, built.stderr
    _run([sys.executable, "-m", "venv", "--system-site-packages", str(tmp / "venv")], tmp).check_returncode()
    wheel = next((tmp / "dist").glob("*.whl"))
    done = _run([str(tmp / "venv" / "bin" / "python"), "-m", "pip", "install", "-q", "--no-deps", str(wheel)], tmp)
    assert done.returncode == 0, done.stderr
    return tmp / "venv" / "bin"


def test_the_command_has_every_subcommand_and_finds_its_files_in_the_venv(installed, tmp_path):
    shown = _run([str(installed / "scoring-kit"), "--help"], tmp_path)
    assert shown.returncode == 0, shown.stderr
    for command in ("run", "docs", "stub", "report", "clean", "list", "summary", "fidelity", "images"):
        assert command in shown.stdout.split("{", 1)[1].split("}", 1)[0].split(","), command
    listed = _run([str(installed / "scoring-kit"), "list"], tmp_path)
    assert listed.returncode == 0, listed.stderr
    assert "harness/clients/python" in listed.stdout and str(ROOT) not in listed.stdout
    code = "import importlib.metadata as m; print('\\n'.join(m.requires('scoring-sample-kit')))"
    requires = set(_run([str(installed / "python"), "-c", code], tmp_path).stdout.splitlines())
    for file in ("server_stub/requirements.txt", "harness/requirements.txt"):  # requirements.txt's two files
        pins = {line.split("#")[0].strip() for line in (ROOT / file).read_text().splitlines()} - {""}
        assert pins <= requires, file
    stub = _run([str(installed / "scoring-kit"), "stub", "--port", "nope"], tmp_path)
    assert stub.returncode == 2 and "--port" in stub.stderr  # the stub's own options, its own errors


def test_docs_check_runs_a_page_outside_the_checkout(installed, tmp_path):
    shutil.copy(PAGE, tmp_path / PAGE.name)
    proc = _run([str(installed / "scoring-kit"), "docs", "check", PAGE.name, "--backend", "local"], tmp_path)
    doc = json.loads((tmp_path / "results" / "docs" / "results.json").read_text())  # under the cwd by default
    # The page has one good sample and one that calls `request.post`: exit status 1, each judged on its own.
    assert proc.returncode == 1, proc.stdout[-2000:] + proc.stderr
    verdicts = {s["start"]: (s["verdict"], s["reason"]) for s in doc["samples"]}
    assert verdicts[6][0] == "pass"
    assert verdicts[21][0] == "fail" and "NameError" in verdicts[21][1]
    assert (tmp_path / "results" / "docs" / "junit.xml").is_file()
    assert not list(PAGE.parent.glob("results")) and not (ROOT / "build").exists()
