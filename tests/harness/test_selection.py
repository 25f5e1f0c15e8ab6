"""--last-failed and --changed-since: re-running only what matters."""

import json

import pytest

from harness import catalog, selection
from tests.harness.test_negative import broken


def test_changed_languages_follow_the_client_folders():
    languages = list(catalog.load_languages().values())
    pick = lambda files: [lang.name for lang in selection.changed_languages(languages, files)]  # noqa: E731
    assert pick(["clients/go/main.go"]) == ["go"]
    assert pick(["clients/go/main.go", "clients/java/pom.xml"]) == ["go", "java"]
    assert pick([]) == []
    # Anything outside clients/ may affect every language.
    assert pick(["clients/go/main.go", "harness/runner.py"]) == [lang.name for lang in languages]
    assert pick(["clients/README.md"]) == [lang.name for lang in languages]


def test_last_failed_reads_the_failing_cells(tmp_path):
    doc = {
        "languages": [
            {"name": "go", "cells": [{"scenario": "a", "status": "pass"}, {"scenario": "b", "status": "fail"}]},
            {"name": "java", "cells": [{"scenario": "a", "status": "pass"}]},
        ]
    }
    (tmp_path / "results.json").write_text(json.dumps(doc))
    assert selection.last_failed(tmp_path / "results.json") == {"go": {"b"}}
    with pytest.raises(catalog.CatalogError, match="no earlier run"):
        selection.last_failed(tmp_path / "nowhere" / "results.json")


def test_last_failed_reruns_exactly_the_failed_cells(harness):
    first = harness("-l", "python", "--client", broken("wrong-number"))
    failed = {c["scenario"] for c in first.results["languages"][0]["cells"] if c["status"] == "fail"}
    # It prints a rounded number (and does not retry): the error scenarios still pass.
    assert {"json-key", "json-no-auth", "json-token"} <= failed, first.out
    assert not failed & {"bad-credentials", "server-error", "timeout"}, first.out
    second = harness("-l", "python", "--last-failed")  # the real client this time
    assert second.code == 0, second.out
    assert {c["scenario"] for c in second.results["languages"][0]["cells"]} == failed
    third = harness("-l", "python", "--last-failed")
    assert third.code == 0 and "nothing failed in the last run: nothing to run" in third.out


def test_a_bad_git_ref_is_one_line_and_exit_2(harness):
    run = harness("--changed-since", "no-such-ref-anywhere")
    assert run.code == 2
    assert run.err.startswith("harness: error: --changed-since no-such-ref-anywhere:") and run.err.count("\n") == 1


def test_scenarios_run_at_once_and_results_keep_the_catalogue_order(harness, tmp_path):
    # classic-bes polls its job for about 2 s; json-key is one quick request.
    run = harness("-l", "python", "-s", "classic-bes,json-key", "--scenario-jobs", "2")
    assert run.code == 0, run.out
    assert [c["scenario"] for c in run.results["languages"][0]["cells"]] == ["classic-bes", "json-key"]
    log = (tmp_path / "results" / "logs" / "python.log").read_text()
    # Run at once, json-key finishes first: its block is written first, whole.
    blocks = log.split("\n=== ")[1:]
    assert [b.split(" ")[0] for b in blocks] == ["json-key", "classic-bes"]
    assert all(b.count("--- stdout") == 1 and b.count("--- stderr") == 1 for b in blocks)


def test_one_scenario_at_a_time_keeps_the_run_order(harness, tmp_path):
    run = harness("-l", "python", "-s", "classic-bes,json-key", "--scenario-jobs", "1")
    assert run.code == 0, run.out
    log = (tmp_path / "results" / "logs" / "python.log").read_text()
    assert [b.split(" ")[0] for b in log.split("\n=== ")[1:]] == ["classic-bes", "json-key"]
