"""The language comparison report: its figures, and that the page really renders its charts."""

import shutil
import subprocess

import pytest

from harness import catalog
from harness import report as compare


def doc(build: float, run: float, image_bytes: int = 0, status: str = "pass") -> dict:
    cells = [
        {"scenario": "json-key", "status": status, "run": {"seconds": run}},
        {"scenario": "timeout", "status": "pass", "run": {"seconds": 2.0}},
    ]
    lang = {
        "name": "go",
        "title": "Go",
        "toolchain": "docker/debian",
        "status": "built",
        "build_seconds": build,
        "image": "scoring-kit/debian-go:bookworm",
        "image_bytes": image_bytes,
        "cells": cells,
    }
    return {"backend": "docker/debian", "languages": [lang]}


def test_first_run_is_cold_later_runs_are_warm_and_run_time_is_a_median():
    languages = catalog.load_languages()
    docs = [doc(30.0, 0.5), doc(2.0, 0.1), doc(4.0, 0.3, 585_000_000, status="fail")]
    (row,) = compare.rows(docs, languages)
    assert (row["cold_build"], row["warm_build"]) == (30.0, 3.0)
    assert (row["run_median"], row["runs"]) == (0.3, 3)
    assert (row["passed"], row["scenarios"]) == (1, 2)  # from the last run
    assert row["image_mb"] == 585
    (single,) = compare.rows([doc(30.0, 0.5)], languages)
    assert single["warm_build"] is None and "| – |" in compare.to_markdown([single])


def test_sample_sizes_and_dependencies_come_from_the_client_folders():
    languages = catalog.load_languages()
    deps = {name: compare.dependencies(lang) for name, lang in languages.items()}
    first_four = {name: deps[name] for name in ("csharp", "go", "java", "python")}
    assert first_four == {"csharp": ["Newtonsoft.Json"], "go": [], "java": ["jackson-databind"], "python": ["requests"]}
    # Every program of the client counts (the Go kit: main.go and cmd/<program>/main.go), comments and blanks not.
    go = languages["go"].client
    go_files = [go / "main.go", *sorted(go.glob("cmd/*/main.go"))]
    assert len(go_files) == len(languages["go"].programs)
    lines = [ln.strip() for f in go_files for ln in f.read_text().splitlines()]
    assert compare.lines_of_code(languages["go"]) == sum(1 for ln in lines if ln and not ln.startswith("//"))
    assert all(compare.lines_of_code(lang) > 20 for lang in languages.values())


def test_the_page_renders_its_charts_in_a_browser(tmp_path):
    chromium = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
    if chromium is None:
        pytest.fail("no Chromium to render the report: scripts/setup.sh installs it (apt-get install chromium)")
    docs = [doc(30.0, 0.5, 585_000_000), doc(2.0, 0.1, 585_000_000)]
    page, markdown = compare.write(docs, catalog.load_languages(), tmp_path)
    assert "| Go | 2/2 |" in markdown.read_text()
    proc = subprocess.run(
        [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--virtual-time-budget=10000", "--dump-dom",
         page.as_uri()],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    dom = proc.stdout
    assert proc.returncode == 0, proc.stderr[-2000:]
    # plotly draws each chart as SVG when its script runs: four charts, each with bars.
    for i in range(4):
        assert f'id="chart-{i}"' in dom
    assert dom.count('class="main-svg"') >= 4, dom[:2000]
    assert dom.count('class="point"') >= 4  # bars drawn
    assert "Lines of code of the sample" in dom and '<table id="comparison">' in dom


def test_one_file_per_language_combines_into_one_table():
    go, java = doc(3.0, 0.1), doc(5.0, 0.9)
    java["languages"][0].update(name="java", title="Java")
    table = compare.rows([go, java], catalog.load_languages())
    assert [r["title"] for r in table] == ["Go", "Java"]
    assert [r["cold_build"] for r in table] == [3.0, 5.0] and [r["warm_build"] for r in table] == [None, None]


def test_the_comparison_page_counts_the_client_folder_the_run_used(harness, tmp_path):
    """--client LANG=DIR: the page's lines of code are DIR's, not clients/LANG's."""
    from dataclasses import replace

    from tests.harness.conftest import FIXTURES

    folder = FIXTURES / "no-content-type"
    run = harness("-l", "python", "-s", "json-no-auth", "--client", f"python={folder}")
    assert run.results is not None, run.err
    python = catalog.load_languages()["python"]
    want = compare.lines_of_code(replace(python, client=folder.resolve()))
    assert want != compare.lines_of_code(python)
    table = (tmp_path / "results" / "comparison.md").read_text()
    row = next(line for line in table.splitlines() if line.startswith("| Python"))
    assert f"| {want} |" in row, row


def test_every_dependency_of_every_client_has_its_licence_on_the_page():
    from harness import report_facts

    languages = catalog.load_languages()
    unknown = {n: d for n, lang in languages.items() for d in compare.dependencies(lang) if not report_facts.licence(d)}
    assert not unknown, f"add their licences to harness/comparison.toml [licences]: {unknown}"
    (row,) = compare.rows([doc(3.0, 0.1)], languages)
    row["dependencies"] = ["requests", "left-pad"]
    assert compare._licensed(row["dependencies"]) == "requests (Apache-2.0), left-pad (licence unknown)"


def test_support_dates_come_from_the_pins_of_each_language():
    """Go's row names Go's pins (its go.mod, its images), never Java's; every language has at least one."""
    from harness import report_facts

    languages = catalog.load_languages()
    support = {n: report_facts.support_of(lang) for n, lang in languages.items()}
    assert all(support.values()), support
    assert any("go.mod" in s.what or "Go 1." in s.what for s in support["go"])
    assert not any("Java" in s.what or "maven" in s.what for s in support["go"])
    assert [s.until for s in support["java"]] == sorted(s.until for s in support["java"])


def test_the_minimal_samples_are_the_readmes_first_blocks_side_by_side():
    languages = catalog.load_languages()
    table = compare.rows([{"backend": "local", "languages": [dict(doc(1.0, 0.1)["languages"][0], name=n, title=n)
                                                              for n in languages]}], languages)  # fmt: skip
    markdown = compare.to_markdown(table, languages)
    for name, lang in languages.items():
        first = (lang.client / "README.md").read_text().split("```", 2)[1].split("\n", 1)[1].rstrip("\n`")
        assert first.strip() in markdown, name
    page = compare.to_html(table, "local", languages)
    assert page.count('<figure class="sample">') == len(languages)


def test_peak_memory_is_measured_on_the_local_backend(tmp_path):
    """A run that holds 80 MB peaks above 80 MB; its twin holding nothing stays far below."""
    import sys

    from harness.procs import run_command

    hold = "import time; x = bytearray(80_000_000); x[::4096] = b'1' * len(x[::4096]); time.sleep(0.2)"
    big = run_command([sys.executable, "-c", hold], cwd=tmp_path, env={}, timeout=30)
    small = run_command([sys.executable, "-c", "import time; time.sleep(0.2)"], cwd=tmp_path, env={}, timeout=30)
    assert big.exit_code == 0 and big.peak_kb and big.peak_kb > 80_000, big
    assert small.peak_kb and small.peak_kb < 60_000, small
    (row,) = compare.rows([doc(1.0, 0.1)], catalog.load_languages())
    assert row["peak_mb"] is None  # a run with no measure shows none, never a zero


def test_every_language_says_how_it_does_each_feature():
    """The features table has no hole: each language file's [report.handles] names every feature of
    comparison.toml (and nothing else), each proved by scenarios that exist."""
    from harness import report_facts

    features = report_facts.features()
    scenarios = catalog.load_scenarios()
    assert features and all(set(f["scenarios"]) <= set(scenarios) for f in features.values())
    for name, lang in catalog.load_languages().items():
        assert set(lang.handles) == set(features), f"{name}: [report.handles] of {sorted(lang.handles)}"
    header, body = compare.handled([{"name": "go", "title": "Go"}], catalog.load_languages())
    assert header[1] == "Go" and all(row[1].startswith(("standard: ", "library: ", "code: ")) for row in body)


def test_a_handles_value_of_no_known_kind_is_refused(tmp_path):
    from harness.language import load_language

    text = (catalog.HERE / "languages" / "go.toml").read_text().replace('"code: a loop', '"by magic: a loop', 1)
    client = f'client = "{catalog.ROOT / "clients/go"}"'
    (tmp_path / "go.toml").write_text(text.replace('client = "clients/go"', client))
    with pytest.raises(catalog.CatalogError, match="report.handles"):
        load_language(tmp_path / "go.toml")
