"""What CI reads: JUnit XML, the Markdown summary, and no secret in any output."""

import os
import xml.etree.ElementTree as ET

from harness import catalog
from tests.harness.test_negative import broken


def test_no_key_or_token_appears_in_any_output(harness, tmp_path):
    """A client that prints and logs its key everywhere: every file and stream shows it masked only."""
    tmpdir = tmp_path / "tmp"
    tmpdir.mkdir()
    env = {**os.environ, "HARNESS_BACKEND": "local", "TMPDIR": str(tmpdir)}
    run = harness("-l", "python", "--client", broken("leaks-secrets"), env=env)
    sent = set((tmpdir / "scoring-kit-leaked-keys").read_text().split())
    # The bad-credentials scenario's deliberately wrong key is not a secret, nor what malformed-key's key carries
    # after its line break ("X-Injected: 1"): the key before it is (the harness's keys and tokens are long).
    secrets = {s for s in sent if not s.startswith("not-the-key-") and len(s) >= 16}
    assert len(secrets) >= 2, sent  # the key of json-key and the token of json-token at least
    outputs = {"stdout": run.out.encode(), "stderr": run.err.encode()}
    results = tmp_path / "results"
    outputs.update({str(p): p.read_bytes() for p in results.rglob("*") if p.is_file()})
    assert {"results.json", "junit.xml", "summary.md"} <= {p.name for p in results.iterdir()}
    for secret in secrets:
        leaks = [name for name, data in outputs.items() if secret.encode() in data]
        assert not leaks, f"secret ...{secret[-4:]} appears in {leaks}"
        assert any(f"****{secret[-4:]}".encode() in data for data in outputs.values()), "the masked form is shown"


def test_junit_has_a_case_per_cell_with_the_diff_as_failure(harness, tmp_path, monkeypatch):
    step_summary = tmp_path / "step-summary.md"
    step_summary.write_text("earlier step\n")
    env = {**os.environ, "HARNESS_BACKEND": "local", "GITHUB_STEP_SUMMARY": str(step_summary)}
    run = harness("-l", "python", "-s", "json-key,json-no-auth", "--client", broken("no-content-type"), env=env)
    assert run.code == 1
    root = ET.parse(tmp_path / "results" / "junit.xml").getroot()
    (suite,) = root.findall("testsuite")
    assert suite.get("name") == "Python" and suite.get("tests") == "2" and suite.get("failures") == "2"
    cases = {c.get("name"): c for c in suite.findall("testcase")}
    assert set(cases) == {"json-key", "json-no-auth"}
    failure = cases["json-key"].find("failure")
    assert failure.get("message") == "✘ #1 header Content-Type"
    assert "expected: application/json" in failure.text and "received: (not sent)" in failure.text
    assert cases["json-key"].get("classname") == "conformance.python"
    assert "log: " in cases["json-key"].find("system-out").text
    markdown = (tmp_path / "results" / "summary.md").read_text()
    assert "| scenario | Python (python) |" in markdown  # scenarios down, languages across
    assert "| json-key | ❌ |" in markdown and "| json-no-auth | ❌ |" in markdown
    assert "❌ Python × json-key" in markdown and "#1 header Content-Type" in markdown
    assert step_summary.read_text() == "earlier step\n" + markdown


def test_a_passing_run_has_no_failures_in_junit(harness, tmp_path):
    run = harness("-l", "go", "-s", "json-key,json-no-auth")
    assert run.code == 0, run.out
    root = ET.parse(tmp_path / "results" / "junit.xml").getroot()
    assert [s.get("failures") for s in root.findall("testsuite")] == ["0"]
    assert not root.findall(".//failure")
    assert len(root.findall(".//testcase")) == 2
    titles = {lang.title for lang in catalog.load_languages().values()}
    assert root.find("testsuite").get("name") in titles
