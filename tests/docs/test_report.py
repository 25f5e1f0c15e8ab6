"""The docs check's reports: skipped blocks are JUnit skips (never passes), failures carry the diff."""

import xml.etree.ElementTree as ET
from pathlib import Path

from harness.checks import Check, RunResult
from harness.docs.check import DocsRun, Finding, Outcome
from harness.docs.report import grouped_findings, to_json, to_junit, to_markdown, write
from harness.redact import Redactor


def sample_run() -> tuple[DocsRun, Redactor]:
    secret = "k3y-0f-the-stub-service"
    passed = Outcome("01", "page.md", 10, 20, "go", "pass", "sent what the scenario expects", "json-key")
    passed.built, passed.ran = True, True
    passed.findings = [Finding(12, "go vet", "struct field tag not compatible"), Finding(None, "go vet", "exit 1")]
    failed = Outcome("02", "page.md", 30, 35, "python", "fail", "failed: #1 header Authorization", "json-key")
    failed.built, failed.ran = True, True
    failed.checks = [
        Check("#1 method", True, "POST", "POST"),
        Check("#1 header Authorization", False, f"Bearer {secret}", f"Token {secret}", "wrong scheme"),
    ]
    failed.run = RunResult(0, "[1.0]\n", "", 0.5)
    skipped = Outcome("03", "page.md", 40, 40, "json", "skipped", "json: data, not a program")
    redactor = Redactor()
    redactor.add(secret)
    return DocsRun(
        "local", ["page.md"], [passed, failed, skipped], "2026-01-01T00:00:00+00:00", 3.0, Path(".")
    ), redactor


def test_json_counts_and_redacts():
    run, redactor = sample_run()
    doc = to_json(run, redactor)
    assert doc["counts"] == {"pass": 1, "fail": 1, "skipped": 1} and doc["ok"] is False
    assert doc["samples"][1]["checks"][1]["expected"] == "Bearer ****vice"
    assert doc["samples"][0]["lines"] == "10-20" and doc["samples"][2]["lines"] == "40"


def test_junit_skips_are_skips_and_failures_have_the_diff():
    run, redactor = sample_run()
    root = ET.fromstring(to_junit(to_json(run, redactor)))
    suite = root.find("testsuite")
    assert suite.get("tests") == "3" and suite.get("failures") == "1" and suite.get("skipped") == "1"
    cases = {c.get("name"): c for c in suite.findall("testcase")}
    assert set(cases) == {"L10-20 go", "L30-35 python", "L40 json"}
    assert cases["L40 json"].find("skipped").get("message") == "json: data, not a program"
    failure = cases["L30-35 python"].find("failure")
    assert "✘ #1 header Authorization" in failure.text and "Token ****vice" in failure.text
    assert "k3y-0f" not in to_junit(to_json(run, redactor))
    assert cases["L10-20 go"].find("failure") is None and cases["L10-20 go"].find("skipped") is None


def test_markdown_table_and_findings(tmp_path, monkeypatch):
    run, redactor = sample_run()
    doc = to_json(run, redactor)
    md = to_markdown(doc)
    assert "1 passed, 1 failed, 1 skipped" in md
    assert "| page.md | 40 | json |  |  |  |  | ⏭️ skipped | json: data, not a program |" in md
    assert "lint page line 12: go vet: struct field tag not compatible" in md
    summary = tmp_path / "step-summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    write(doc, tmp_path / "out")
    assert {p.name for p in (tmp_path / "out").iterdir()} == {"results.json", "junit.xml", "summary.md"}
    assert summary.read_text() == md


def test_findings_grouped_by_message_with_line_ranges():
    s = {
        "findings": [
            {"line": n, "tool": "compiler", "message": "unchecked call"} for n in (388, 389, 390, 392, 393, 399)
        ]
        + [{"line": 413, "tool": "compiler", "message": "raw put"}]
    }
    assert grouped_findings(s) == [
        "page lines 388-390, 392-393, 399: compiler: unchecked call",
        "page line 413: compiler: raw put",
    ]


def test_findings_with_a_rule_show_it_and_their_level_even_on_skipped_blocks():
    run, redactor = sample_run()
    skipped = run.outcomes[2]
    skipped.findings = [Finding(40, "security", "curl's TLS certificate check is turned off", "tls-verify-off")]
    doc = to_json(run, redactor)
    found = doc["samples"][2]["findings"][0]
    assert (found["line"], found["rule"], found["level"]) == (40, "tls-verify-off", "warning")
    line = "warning page line 40: security: curl's TLS certificate check is turned off [tls-verify-off]"
    assert line in to_markdown(doc) and "| page.md | 40 | json |  |  |  | 1 |" in to_markdown(doc)
    cases = {c.get("name"): c for c in ET.fromstring(to_junit(doc)).iter("testcase")}
    assert cases["L40 json"].find("skipped") is not None and line in cases["L40 json"].find("system-out").text
    assert (
        grouped_findings(doc["samples"][0], labelled=True)[0]
        == "lint page line 12: go vet: struct field tag not compatible"
    )
