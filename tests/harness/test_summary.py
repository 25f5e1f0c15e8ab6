"""Results files of different kinds never break each other: `summary` skips what is not matrix results
(a docs check's results.json beside the matrix's), `report` refuses it in one line."""

import json
import subprocess
import sys

from tests.conftest import ROOT


def matrix_doc(language: str, status: str, kind: bool = True) -> dict:
    doc = {
        "backend": "local",
        "started": "2026-12-01T10:00:00+00:00",
        "seconds": 1.0,
        "ok": status == "pass",
        "scenarios": [{"name": "json-key", "summary": "key auth"}],
        "languages": [
            {
                "name": language,
                "title": language.title(),
                "status": "built",
                "toolchain": language,
                "message": "",
                "log": "x.log",
                "build_seconds": 0.5,
                "image": "",
                "image_bytes": 0,
                "cells": [
                    {
                        "language": language,
                        "scenario": "json-key",
                        "status": status,
                        "service": "s",
                        "message": "",
                        "checks": [],
                        "run": None,
                    }
                ],
            }
        ],
    }
    return {"kind": "conformance", **doc} if kind else doc  # files written before "kind" existed have none


def harness(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "harness", *args], cwd=ROOT, capture_output=True, text=True)


def write(path, doc) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(doc))
    return str(path)


def test_summary_skips_a_docs_check_results_file(tmp_path):
    files = [
        write(tmp_path / "results" / "docs" / "results.json", {"kind": "docs-check", "samples": [], "ok": True}),
        write(tmp_path / "results" / "go" / "results.json", matrix_doc("go", "pass")),
        write(tmp_path / "results" / "python" / "results.json", matrix_doc("python", "pass", kind=False)),
    ]
    run = harness("summary", *files)
    assert run.returncode == 0, run.stderr
    assert "docs/results.json (docs-check)" in run.stdout and "not matrix results" in run.stdout
    assert "2 passed, 0 failed" in run.stdout


def test_summary_still_fails_on_a_failed_cell_and_on_no_matrix_results(tmp_path):
    failed = write(tmp_path / "go.json", matrix_doc("go", "fail"))
    assert harness("summary", failed).returncode == 1
    only_docs = write(tmp_path / "docs.json", {"kind": "docs-check", "samples": []})
    run = harness("summary", only_docs)
    assert run.returncode == 2 and run.stderr.strip() == "harness: error: no results files to summarise"


def test_report_refuses_a_docs_check_file_in_one_line(tmp_path):
    only_docs = write(tmp_path / "docs.json", {"kind": "docs-check", "samples": []})
    run = harness("report", only_docs)
    assert run.returncode == 2 and run.stderr.count("\n") == 1
    assert "not matrix results (a docs-check results file)" in run.stderr
