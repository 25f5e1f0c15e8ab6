"""Every client's README, checked by the docs check like anyone else's page (this machine's toolchains).

A README opens with the minimal sample of its ``score`` program: its first code block must be a
sample the docs check ran and passed, with the key sent as a Bearer token (json-key); every other
block (build commands, the variables' tables, outputs) is skipped with a reason, none fails.  The
READMEs are found, not listed: a new language's README is checked the day it lands.
"""

import tomllib
from pathlib import Path

import pytest

from harness.docs.extract import read_page
from tests.conftest import ROOT
from tests.docs.conftest import DocsRun, docs_check

READMES = sorted((ROOT / "clients").glob("*/README.md"))
SCENARIO = "json-key"  # the clients' contract: SCORING_KEY goes out as `Authorization: Bearer <key>`
TWIN_OF = ROOT / "clients" / "python" / "README.md"  # the quickest to build, for the broken copies


def samples_of(run: DocsRun, page: Path) -> list[dict]:
    return [s for s in run.results["samples"] if (ROOT / s["page"]).resolve() == page.resolve()]


def problems(run: DocsRun, page: Path) -> list[str]:
    """What is wrong with a README's outcome ([] when nothing): the rules of this module's docstring."""
    samples = samples_of(run, page)
    if not samples:
        return [f"the docs check reported nothing for {page}"]
    first = read_page(page)[0].start
    out = [f"line {s['start']}: {s['verdict']}: {s['reason']}" for s in samples if s["verdict"] == "fail"]
    out += [
        f"line {s['start']}: skipped without a reason" for s in samples if s["verdict"] == "skipped" and not s["reason"]
    ]
    opening = [s for s in samples if s["start"] == first]
    if not opening or opening[0]["verdict"] != "pass":
        out.append(
            f"the first code block (line {first}) is not a sample that passed: {opening and opening[0]['reason']}"
        )
    elif opening[0]["scenario"] != SCENARIO:
        out.append(
            f"the first code block was checked as {opening[0]['scenario']}, not {SCENARIO} (the key is not sent?)"
        )
    return out


@pytest.fixture(scope="module")
def readmes(tmp_path_factory) -> DocsRun:
    # One docs check over all of them.  The first Rust build on a machine downloads and compiles
    # ureq (minutes); later ones reuse the compiled crates (CARGO_BUILD_BUILD_DIR).
    results = tmp_path_factory.mktemp("docs-readmes")
    return docs_check("--backend", "local", *map(str, READMES), results=results, timeout=2400)


def test_every_language_has_a_readme_found_here():
    clients = {ROOT / tomllib.loads(t.read_text())["client"] for t in (ROOT / "harness" / "languages").glob("*.toml")}
    assert clients and {r.parent for r in READMES} == clients


@pytest.mark.parametrize("readme", READMES, ids=lambda p: p.parent.name)
def test_readme_opens_with_a_minimal_sample_that_passes_and_nothing_fails(readmes, readme):
    assert problems(readmes, readme) == [], readmes.out[-4000:]
    passed = [s for s in samples_of(readmes, readme) if s["verdict"] == "pass"]
    assert passed and all(s["built"] and s["ran"] for s in passed)
    assert {c["name"]: c["ok"] for c in passed[0]["checks"]}["stdout"]  # printed the service's answer


def test_the_docs_check_of_all_readmes_exits_0(readmes):
    counts = readmes.results["counts"]
    assert (readmes.code, counts["fail"]) == (0, 0) and counts["pass"] >= len(READMES), readmes.out[-4000:]


# The negative twins: copies of a README whose minimal sample a reader broke.  Each replaces a
# text of the README (found once) and may name the scenario its sample is checked with.
TWINS = {
    # A misspelt header name: the key still reads as a Bearer token (json-key), the service gets none.
    "misspelt-header": ('{"Authorization": f"Bearer {key}"}', '{"Authorisation": f"Bearer {key}"}', ""),
    # The key dropped altogether: the docs check sees no auth and checks it without; the README rule does not.
    "no-key": ('{"Authorization": f"Bearer {key}"} if key else {}', "{}", ""),
    # The status left unchecked: with a wrong key, the 401's body is printed as if it were predictions.
    "unchecked-status": ("if not 200 <= response.status_code < 300:", "if False:", "bad-credentials"),
    "checked-status": ("", "", "bad-credentials"),  # its control: the README as it is, checked the same way
    # The sample no longer first: a command block opens the README.
    "late-sample": ("\n```python\n", "\n```sh\npip install requests\n```\n\n```python\n", ""),
}


@pytest.fixture(scope="module")
def twins(tmp_path_factory) -> tuple[DocsRun, dict[str, Path]]:
    folder = tmp_path_factory.mktemp("readme-twins")
    text = TWIN_OF.read_text()
    pages = {}
    for name, (good, bad, scenario) in TWINS.items():
        assert not good or text.count(good) == 1, f"{TWIN_OF}: the twin {name!r} looks for {good!r}"
        page = text.replace(good, bad) if good else text
        if scenario:
            page = page.replace("\n```python\n", f"\n<!-- scoring-check: scenario={scenario} -->\n```python\n", 1)
        pages[name] = folder / f"README-{name}.md"
        pages[name].write_text(page)
    return docs_check("--backend", "local", *map(str, pages.values()), results=folder / "results"), pages


def the_sample(run: DocsRun, page: Path) -> dict:
    [sample] = [s for s in samples_of(run, page) if s["verdict"] != "skipped"]
    return sample


def test_twin_with_a_misspelt_authorization_header_fails(twins):
    run, pages = twins
    assert run.code == 1
    sample = the_sample(run, pages["misspelt-header"])
    assert (sample["verdict"], sample["scenario"]) == ("fail", SCENARIO)
    failed = {c["name"] for c in sample["checks"] if not c["ok"]}
    assert {"#1 header Authorization", "exit code"} <= failed
    assert any("failed" in p for p in problems(run, pages["misspelt-header"]))


def test_twin_that_sends_no_key_passes_the_docs_check_but_not_the_readme_rule(twins):
    run, pages = twins
    sample = the_sample(run, pages["no-key"])
    assert (sample["verdict"], sample["scenario"]) == ("pass", "json-no-auth")
    assert problems(run, pages["no-key"]) == [
        f"the first code block was checked as json-no-auth, not {SCENARIO} (the key is not sent?)"
    ]


def test_twin_that_prints_an_error_answer_as_predictions_fails_where_the_readme_reports_it(twins):
    run, pages = twins
    outcome = {}
    for name in ("unchecked-status", "checked-status"):
        sample = the_sample(run, pages[name])
        assert sample["scenario"] == "bad-credentials", sample["reason"]
        outcome[name] = sample["verdict"], {c["name"]: c["ok"] for c in sample["checks"]}, sample["run"]
    (broken, broken_checks, broken_run), (control, _, control_run) = outcome.values()
    assert control == "pass" and control_run["exit_code"] == 1 and control_run["stdout"] == ""
    assert control_run["stderr"].startswith("error: HTTP 401") and control_run["stderr"].count("\n") == 1
    assert broken == "fail" and not broken_checks["exit code"] and broken_run["exit_code"] == 0


def test_twin_whose_first_block_is_a_command_breaks_the_readme_rule(twins):
    run, pages = twins
    assert the_sample(run, pages["late-sample"])["verdict"] == "pass"
    [problem] = problems(run, pages["late-sample"])
    assert problem.startswith("the first code block (line 10) is not a sample that passed: no curl command")
