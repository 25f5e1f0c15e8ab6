"""The docs check for real on pages whose blocks name no language, a typo'd call in a block quote,
and a published HTML page: every unlabelled client sample is built and run in its own language."""

import pytest

from tests.docs.conftest import PAGES, docs_check
from tests.docs.test_extract_pages import line_of

# unlabelled.rst holds the same programs as unlabelled.md; its plan is checked in test_detect.py.
MY_PAGES = ["unlabelled.md", "quoted.md", "published.html"]


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    results = tmp_path_factory.mktemp("docs-detect")
    return docs_check("--backend", "local", *(str(PAGES / p) for p in MY_PAGES), results=results)


def samples(run, page: str) -> list[dict]:
    return [s for s in run.results["samples"] if s["page"].endswith(page)]


def test_unlabelled_samples_pass_in_every_language(run):
    ran = [s for s in samples(run, "unlabelled.md") if s["verdict"] != "skipped" and s["language"] != "json"]
    assert sorted(s["language"] for s in ran) == ["csharp", "go", "java", "python", "python", "python", "shell"]
    for s in ran:
        assert (s["verdict"], s["built"], s["ran"]) == ("pass", True, True), (s["start"], s["reason"])
        assert f"language: {s['language']} (from content: `" in s["scenario_why"], s["scenario_why"]
        assert "#1 body" in {c["name"] for c in s["checks"]}


def test_data_and_output_blocks_stay_skipped(run):
    skipped = {s["start"]: s["reason"] for s in samples(run, "unlabelled.md") if s["verdict"] == "skipped"}
    page = PAGES / "unlabelled.md"
    assert skipped[line_of(page, "HTTP/1.1 200 OK")].startswith("http: data, not a program; data: http")
    assert skipped[line_of(page, "<ten numbers per row>")].startswith("json: data, not a program; data: json")
    assert skipped[line_of(page, "$ pip install requests")].startswith("no curl command: not a client of a service")
    assert len(skipped) == 3 and run.results["counts"]["skipped"] == 3 + 1 + 1  # unlabelled, quoted, published
    # An answer shown right after a sample is compared with what the sample printed (and passes or has a finding).
    shown = {s["start"]: s["reason"] for s in samples(run, "unlabelled.md") if "compared with block L" in s["reason"]}
    assert set(shown) == {line_of(page, "[217.67978776218715]"), line_of(page, "[217.67978776218715]", 100)}


def test_typo_in_a_block_quote_runs_and_fails_with_pythons_name_error_at_its_line(run):
    page = PAGES / "quoted.md"
    failed = [s for s in samples(run, "quoted.md") if s["verdict"] == "fail"]
    assert len(failed) == 2, run.out[-3000:]
    for s in failed:
        line = line_of(page, "resp = request.post(", s["start"])
        assert s["built"] and s["ran"]
        message = "NameError: name 'request' is not defined. Did you mean: 'requests'?"
        assert s["reason"].startswith(f"{message} (page line {line})"), s["reason"]
        assert any("F821" in f["message"] and f["line"] == line for f in s["findings"])
    assert run.code == 1 and run.results["counts"]["fail"] == 2  # nothing else failed


def test_published_html_page(run):
    got = {(s["language"], s["verdict"]) for s in samples(run, "published.html")}
    assert got == {("python", "pass"), ("shell", "pass"), ("go", "pass"), ("json", "pass"), ("python", "skipped")}
    go = next(s for s in samples(run, "published.html") if s["language"] == "go")
    assert go["start"] == line_of(PAGES / "published.html", "package main")
    assert "the <pre>'s class names none" in go["scenario_why"]
