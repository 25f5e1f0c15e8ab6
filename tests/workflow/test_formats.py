"""`docs check --format sarif|junit|json|md` and `--annotations github`: the files and workflow commands a CI
reads, checked against the run's own results.json (nothing expected is written down twice)."""

from __future__ import annotations

import copy
import json
import re
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

from harness.docs import annotations
from harness.docs import sarif as sarif_module
from harness.outputs import DEFAULT_FORMATS, FILES
from tests.conftest import ROOT
from tests.docs.conftest import PAGES, docs_check

SUBSET = json.loads((Path(__file__).with_name("sarif-2.1.0-subset.json")).read_text())
PAGE = PAGES / "workflow.md"


def sarif_errors(doc: dict) -> list[str]:
    """Schema errors, and the cross-references a schema cannot say: each ruleIndex names its ruleId's rule."""
    errors = [e.message for e in jsonschema.Draft202012Validator(SUBSET).iter_errors(doc)]
    for run in doc.get("runs", []) if not errors else []:
        rules = [r["id"] for r in run["tool"]["driver"].get("rules", [])]
        for r in run.get("results", []):
            if "ruleIndex" in r and (r["ruleIndex"] >= len(rules) or rules[r["ruleIndex"]] != r.get("ruleId")):
                errors.append(f"result {r.get('ruleId')}: ruleIndex {r['ruleIndex']} names another rule")
    return errors


@pytest.fixture(scope="module")
def checked(tmp_path_factory):
    results = tmp_path_factory.mktemp("formats")
    run = docs_check(
        str(PAGE),
        "--backend",
        "local",
        "--format",
        "sarif,json",
        "--format",
        "junit",
        "--annotations",
        "github",
        results=results,
        env={"GITHUB_ACTIONS": ""},
    )
    return run, json.loads((results / "results.sarif").read_text())


def expected_problems(results: dict) -> list[tuple[str, int, str]]:
    """(level, line, message) of each failing sample and each finding, from results.json."""
    out = []
    for s in results["samples"]:
        out += [("error", s["start"], s["reason"])] if s["verdict"] == "fail" else []
        out += [(f["level"], f["line"] or s["start"], f["message"]) for f in s["findings"]]
    return out


def test_sarif_has_a_result_per_failing_sample_and_per_finding(checked):
    run, sarif = checked
    assert run.code == 1 and not sarif_errors(sarif), sarif_errors(sarif)
    got = [
        (r["level"], r["locations"][0]["physicalLocation"]["region"]["startLine"], r["message"]["text"])
        for r in sarif["runs"][0]["results"]
    ]
    assert got == expected_problems(run.results) and got  # the page has a failing sample and findings
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in sarif["runs"][0]["results"]}
    assert uris == {"tests/docs/pages/workflow.md"}  # relative to the checkout (the current folder)
    ids = {r["ruleId"] for r in sarif["runs"][0]["results"]}
    assert "sample-failed" in ids and "F821" in ids  # a lint finding keeps its linter's code


def test_only_the_formats_asked_for_are_written(checked):
    run, _ = checked
    assert sorted(p.name for p in run.results_dir.glob("*.*")) == ["junit.xml", "results.json", "results.sarif"]


@pytest.mark.parametrize(
    "breakage",
    [
        lambda d: d.update(version="2.0.0"),
        lambda d: d["runs"][0]["results"][0].update(level="fatal"),
        lambda d: d["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"].update(startLine=0),
        lambda d: d["runs"][0]["results"][0]["message"].pop("text"),
        lambda d: d["runs"][0]["results"][0].update(ruleIndex=len(d["runs"][0]["tool"]["driver"]["rules"])),
        lambda d: d["runs"][0]["tool"]["driver"].pop("name"),
    ],
)
def test_the_sarif_check_rejects_a_broken_file(checked, breakage):
    broken = copy.deepcopy(checked[1])
    breakage(broken)
    assert sarif_errors(broken)


def _unescape(text: str) -> str:
    return re.sub(r"%(25|0D|0A|3A|2C)", lambda m: bytes.fromhex(m.group(1)).decode(), text)


def test_annotations_name_the_page_line_of_each_problem(checked):
    run, _ = checked
    lines = [line for line in run.out.splitlines() if line.startswith("::")]
    parsed = []
    for line in lines:
        m = re.fullmatch(r"::(error|warning|notice) file=([^,]*),line=(\d+),title=([^,:]*)::(.*)", line)
        assert m, line
        assert m.group(2) == "tests/docs/pages/workflow.md"
        parsed.append((m.group(1).replace("notice", "note"), int(m.group(3)), _unescape(m.group(5))))
    assert parsed == expected_problems(run.results)


def test_escaping_follows_githubs_rules():
    assert annotations.escape_data("100% done\r\nnext: a, b") == "100%25 done%0D%0Anext: a, b"
    assert annotations.escape_property("a:b,c%\n") == "a%3Ab%2Cc%25%0A"
    doc = {
        "samples": [
            {
                "page": "p.md",
                "start": 3,
                "language": "go",
                "verdict": "fail",
                "reason": "x:\ny",
                "findings": [{"line": None, "tool": "go vet", "message": "m", "rule": "", "level": "note"}],
            }
        ]
    }
    assert annotations.commands(doc) == [
        "::error file=p.md,line=3,title=go sample fails::x:%0Ay",
        "::notice file=p.md,line=3,title=go vet::m",
    ]


def test_annotations_only_inside_github_actions_unless_asked(monkeypatch):
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    assert not annotations.wanted("auto") and annotations.wanted("github")
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    assert annotations.wanted("auto") and not annotations.wanted("none")


def test_a_bad_format_is_one_line_and_status_2(tmp_path):
    run = docs_check(str(PAGE), "--format", "sarif,pdf", results=tmp_path)
    assert run.code == 2 and run.err.strip().count("\n") == 0 and "choose from json, junit, md, sarif" in run.err
    assert not list(tmp_path.iterdir())


@pytest.mark.parametrize("formats", [["--format", "junit"], []])
def test_run_writes_the_formats_asked_for(tmp_path, formats):
    proc = subprocess.run(
        [sys.executable, "-m", "harness", "run", "--backend", "local", "-l", "curl", "-s", "json-key"]
        + [*formats, "--results", str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr
    wanted = formats[1:] or list(DEFAULT_FORMATS)
    written = {fmt for fmt, name in FILES.items() if (tmp_path / name).is_file()}
    assert written == set(wanted)


def test_sarif_keeps_each_findings_rule_and_level(tmp_path):
    finding = {"line": None, "tool": "security", "message": "TLS off", "rule": "tls-verify-off", "level": "error"}
    page = tmp_path / "a page.md"
    doc = {"samples": [{"page": str(page), "start": 7, "language": "python", "verdict": "pass", "findings": [finding]}]}
    sarif = sarif_module.to_sarif(doc)
    assert not sarif_errors(sarif)
    (result,) = sarif["runs"][0]["results"]
    assert (result["ruleId"], result["level"], result["message"]["text"]) == ("tls-verify-off", "error", "TLS off")
    location = result["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == page.as_uri() and location["region"]["startLine"] == 7
