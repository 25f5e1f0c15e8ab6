"""JavaScript and Rust samples of a page built and run for real on this machine (node + npm, cargo)."""

import tomllib
from pathlib import Path

import pytest

from tests.docs.conftest import PAGES, docs_check

PAGE = "js-rust.md"


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    # Slow the first time on a machine: cargo downloads reqwest and its crates from crates.io and
    # compiles them (minutes on 2 busy cores); later runs reuse the compiled crates
    # (CARGO_BUILD_BUILD_DIR, languages.toml), and npm its cache.  Hence the generous time limit.
    results = tmp_path_factory.mktemp("docs-js-rust")
    return docs_check("--backend", "local", str(PAGES / PAGE), results=results, timeout=2400)


def test_fetch_sample_sends_the_key_and_the_pages_numbers_and_passes(page):
    s = page.sample(PAGE, 16)
    assert (s["language"], s["scenario"], s["verdict"]) == ("javascript", "json-key", "pass"), s["reason"]
    assert s["built"] and s["ran"] and s["toolchain"] == "node" and s["packages"] == []
    checks = {c["name"]: c for c in s["checks"]}
    assert checks["#1 header Authorization"]["ok"] and checks["#1 header Authorization"]["received"].startswith(
        "Bearer ****"
    )
    assert checks["#1 body"]["expected"] == "the 20 decimal numbers the sample's code writes, in order"
    assert checks["stdout"]["ok"] and s["run"]["stdout"].startswith("[217.6798")
    assert (Path(s["project"]) / "score.mjs").is_file()


def test_axios_commonjs_sample_gets_axios_from_npm_and_passes(page):
    s = page.sample(PAGE, 58)
    assert (s["verdict"], s["scenario"]) == ("pass", "json-key"), s["reason"]
    assert [p.split()[0] for p in s["packages"]] == ["axios"]
    assert (Path(s["project"]) / "score.cjs").is_file()  # require(): CommonJS


def test_misspelt_variable_fails_with_nodes_message_at_its_page_line(page):
    s = page.sample(PAGE, 85)
    assert (s["verdict"], s["built"], s["ran"]) == ("fail", True, True)
    # Where it failed (line 94), and the call that got there (line 97).
    assert s["reason"].startswith("ReferenceError: respones is not defined (page lines 94, 97); failed: exit code")
    assert "Node.js v" not in s["reason"]


def test_rust_reqwest_blocking_sample_builds_and_passes(page):
    s = page.sample(PAGE, 134)
    assert (s["language"], s["scenario"], s["verdict"]) == ("rust", "json-key", "pass"), s["reason"]
    assert s["toolchain"] == "cargo" and s["run"]["stdout"].startswith("[217.6798")
    cargo = tomllib.loads((Path(s["project"]) / "Cargo.toml").read_text())
    assert set(cargo["dependencies"]) == {"reqwest", "serde_json"}


def test_rust_sample_that_does_not_compile_fails_with_rustcs_message(page):
    s = page.sample(PAGE, 175)
    assert (s["verdict"], s["built"], s["ran"]) == ("fail", False, None)
    assert s["reason"].startswith("does not build: page line 181: cannot find value `apikey` in this scope")


def test_skipped_blocks_say_why_and_the_page_fails(page):
    assert page.sample(PAGE, 116)["reason"].startswith("TypeScript: not run yet")
    assert "fragment" in page.sample(PAGE, 165)["reason"]
    assert page.code == 1
    assert page.results["counts"] == {"pass": 3 + 1, "fail": 2, "skipped": 5}  # + the shown output of L16
    assert page.sample(PAGE, 44)["reason"].startswith("shown output: compared with block L16, ")
