"""The GitHub Action's script (harness/action.py) on a fixture docs repository: a branch changes one of two
pages; with changed-only it checks just that page, writes the files it names in $GITHUB_OUTPUT, appends the
summary and prints annotations at the page lines."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from harness import action
from tests.conftest import ROOT
from tests.docs.conftest import PAGES

CHANGED = PAGES / "workflow.md"  # one good sample, one that calls `request.post`
UNCHANGED = PAGES / "broken.md"  # failing samples: checking it by mistake shows
ACTION = yaml.safe_load((ROOT / "action.yml").read_text())


def _git(repo: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True)


@pytest.fixture
def repo(tmp_path) -> Path:
    """main: docs/scoring.md (the good sample only) and docs/other.md; branch `fix`: scoring.md gains a sample."""
    repo = tmp_path / "docs-repo"
    (repo / "docs").mkdir(parents=True)
    _git(repo, "init", "-q", "-b", "main")
    _git(repo, "config", "user.email", "ci@example.com")
    _git(repo, "config", "user.name", "CI")
    good_half = CHANGED.read_text().split("The same call")[0]
    (repo / "docs" / "scoring.md").write_text(good_half)
    (repo / "docs" / "other.md").write_text(UNCHANGED.read_text())
    _git(repo, "add", ".")
    _git(repo, "commit", "-q", "-m", "two pages")
    _git(repo, "checkout", "-q", "-b", "fix")
    (repo / "docs" / "scoring.md").write_text(CHANGED.read_text())
    _git(repo, "commit", "-q", "-am", "a second sample")
    return repo


def run_action(repo: Path, **inputs: str) -> tuple[subprocess.CompletedProcess, dict, Path]:
    github = repo.parent / "github"
    github.mkdir(exist_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "INPUT_"))}
    env.update({f"INPUT_{k.upper()}": v for k, v in inputs.items()})
    env.update(GITHUB_ACTIONS="true", GITHUB_BASE_REF="main", PYTHONPATH=str(ROOT))
    env.update(GITHUB_OUTPUT=str(github / "output"), GITHUB_STEP_SUMMARY=str(github / "summary"))
    proc = subprocess.run(
        [sys.executable, "-m", "harness.action"], cwd=repo, env=env, capture_output=True, text=True, timeout=900
    )
    out = github / "output"
    outputs = dict(line.split("=", 1) for line in out.read_text().splitlines()) if out.exists() else {}
    return proc, outputs, github / "summary"


def test_changed_only_checks_just_the_changed_page(repo):
    proc, outputs, summary = run_action(
        repo, pages="docs/*.md\nREADME.md", changed_only="true", backend="local", languages="python"
    )
    assert proc.returncode == 1, proc.stdout[-3000:] + proc.stderr  # the new sample fails
    assert "changed-only: 1 of 2 pages changed against main" in proc.stdout
    results = json.loads(Path(outputs["results"]).read_text())
    assert results["pages"] == ["docs/scoring.md"] and outputs["checked"] == "1"
    failed = [s for s in results["samples"] if s["verdict"] == "fail"]
    assert len(failed) == 1
    annotations = re.findall(r"^::(error|warning|notice) file=([^,]+),line=(\d+),", proc.stdout, re.M)
    assert ("error", "docs/scoring.md", str(failed[0]["start"])) in annotations
    assert {file for _, file, _ in annotations} == {"docs/scoring.md"}
    sarif = json.loads(Path(outputs["sarif"]).read_text())
    located = [r["locations"][0]["physicalLocation"] for r in sarif["runs"][0]["results"]]
    assert {loc["artifactLocation"]["uri"] for loc in located} == {"docs/scoring.md"}
    assert len(located) == len(annotations)
    assert Path(outputs["junit"]).is_file() and "Docs check" in summary.read_text()
    assert set(ACTION["outputs"]) == set(outputs)  # every output action.yml declares, written


def test_action_yml_hands_each_input_to_the_script_through_the_environment():
    steps = ACTION["runs"]["steps"]
    assert ACTION["runs"]["using"] == "composite" and all("${{" not in step["run"] for step in steps)
    check = next(step for step in steps if step.get("id") == "check")
    assert "-m harness.action" in check["run"]
    wanted = {f"INPUT_{name.upper().replace('-', '_')}" for name in ACTION["inputs"] if name != "python"}
    assert set(check["env"]) == wanted
    read = set(re.findall(r'(?<![.\w])get\("([A-Z_]+)"', (ROOT / "harness" / "action.py").read_text()))
    assert {f"INPUT_{name}" for name in read} == wanted


def test_every_page_without_changed_only(repo, monkeypatch):
    monkeypatch.chdir(repo)
    assert action.select_pages("docs/*.md", False, "main") == (["docs/other.md", "docs/scoring.md"], "")
    assert action.select_pages("docs/*.md", True, "main")[0] == ["docs/scoring.md"]
    pages, note = action.select_pages("docs/*.md", True, "")  # a push, not a pull request
    assert pages == ["docs/other.md", "docs/scoring.md"] and "not a pull request" in note


def test_no_changed_page_passes_with_an_empty_sarif(repo):
    _git(repo, "checkout", "-q", "main")
    proc, outputs, _ = run_action(repo, pages="docs/*.md", changed_only="true", backend="local")
    assert proc.returncode == 0 and outputs["checked"] == "0", proc.stderr
    assert json.loads(Path(outputs["sarif"]).read_text())["runs"][0]["results"] == []


@pytest.mark.parametrize(
    ("inputs", "message"),
    [
        (
            {"pages": "docs/*.md", "fail_on": "sometimes"},
            "fail-on: 'sometimes': unknown sometimes; known: security, output, lint, all, or never",
        ),
        ({"pages": "manual/*.md"}, "pages: no file matches manual/*.md"),
        ({"pages": " "}, "pages: name the pages to check"),
        ({"pages": "docs/*.md", "changed_only": "yes"}, "changed-only: 'yes': true or false"),
    ],
)
def test_bad_inputs_are_one_line_and_status_2(repo, inputs, message):
    proc, outputs, _ = run_action(repo, **inputs)
    assert proc.returncode == 2 and proc.stderr.startswith(f"scoring-kit: error: {message}")
    assert proc.stderr.count("\n") == 1
    assert outputs == {} and not (repo / "scoring-kit-results").exists()


def test_changed_only_needs_the_base_in_the_checkout(repo, monkeypatch):
    monkeypatch.chdir(repo)
    with pytest.raises(action.ActionError, match="base 'release' is not in this checkout"):
        action.select_pages("docs/*.md", True, "release")


@pytest.mark.parametrize(
    ("code", "fail_on", "status"),
    [
        (1, "", 1),
        (0, "security", 0),  # --fail-on already failed the check where a finding of its categories was
        (1, "security", 1),
        (1, "never", 0),  # report only
        (2, "never", 2),  # bad input always fails
    ],
)
def test_fail_on(code, fail_on, status):
    assert action.verdict(code, fail_on) == status


def _readme_workflow() -> str:
    section = (ROOT / "README.md").read_text().split("### Use in a docs repository", 1)[1]
    return re.search(r"```yaml\n(.*?)```", section, re.S).group(1)


@pytest.mark.parametrize("broken", [False, True])
def test_the_readmes_workflow_passes_actionlint(tmp_path, broken):
    actionlint = shutil.which("actionlint")
    if not actionlint:
        pytest.fail("actionlint is not installed: scripts/setup.sh installs it")
    text = _readme_workflow()
    assert "<owner>/<repo>@<ref>" in text
    text = text.replace("<owner>/<repo>@<ref>", "octo/scoring-kit@v1")
    if broken:  # the twin: actionlint does catch a mistake in this workflow
        text = text.replace("steps.samples.outputs.sarif", "steps.sample.outputs.sarif")
    (tmp_path / "docs.yml").write_text(text)
    proc = subprocess.run([actionlint, "-no-color", str(tmp_path / "docs.yml")], capture_output=True, text=True)
    assert (proc.returncode != 0) == broken, proc.stdout
