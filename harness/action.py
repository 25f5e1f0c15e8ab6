"""The GitHub Action's logic (action.yml runs ``python -m harness.action``): pick the pages, run the docs check.

Inputs come as the action passes them, in environment variables: INPUT_PAGES (globs, newline or space
separated, relative to the current folder: the checkout), INPUT_LANGUAGES, INPUT_BACKEND, INPUT_IMAGES,
INPUT_CHANGED_ONLY (true: only pages changed against the pull request's base, GITHUB_BASE_REF, which needs
its history: actions/checkout with fetch-depth 0), INPUT_FAIL_ON (empty: fail when a sample fails; the
categories of findings that fail it too, as `docs check --fail-on`: security,output,lint or all; never: report
only) and INPUT_RESULTS. The check writes JUnit, SARIF, results.json and the
summary (appended to $GITHUB_STEP_SUMMARY) and prints annotations at the page lines; the paths of its files
go to $GITHUB_OUTPUT. Exit status: 0, 1 (failures, per fail-on), 2 (bad inputs).
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

from .docs import sarif
from .docs.findings import parse_fail_on


class ActionError(Exception):
    """Bad inputs: one line, exit status 2."""


def _git(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["git", *args], capture_output=True, text=True)


def changed_files(base: str) -> set[str]:
    """Files added or changed on this branch since it left ``base`` (origin/<base> when fetched)."""
    for ref in (f"origin/{base}", base):
        if _git("rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}").returncode == 0:
            diff = _git("diff", "--name-only", "--diff-filter=d", "-z", f"{ref}...HEAD")
            if diff.returncode:
                raise ActionError(f"changed-only: git diff against {ref}: {diff.stderr.strip()}")
            return set(filter(None, diff.stdout.split("\0")))
    raise ActionError(f"changed-only: base {base!r} is not in this checkout (actions/checkout with fetch-depth: 0)")


def select_pages(patterns: str, changed_only: bool, base: str) -> tuple[list[str], str]:
    """The pages the globs name (sorted, each once), only the changed ones if asked, and a note on what was left."""
    globs = patterns.split()
    if not globs:
        raise ActionError("pages: name the pages to check (globs, e.g. docs/**/*.md)")
    cwd = Path.cwd()
    try:
        found = {p for g in globs for p in cwd.glob(g) if p.is_file()}
    except (NotImplementedError, ValueError) as exc:  # an absolute or empty pattern
        raise ActionError(f"pages: {exc} (globs are relative to the checkout)") from None
    pages = sorted(p.relative_to(cwd).as_posix() if p.is_relative_to(cwd) else p.as_posix() for p in found)
    if not pages:
        raise ActionError(f"pages: no file matches {' '.join(globs)}")
    if not changed_only:
        return pages, ""
    if not base:
        return pages, "changed-only: not a pull request (no base ref), every page checked"
    changed = changed_files(base)
    kept = [p for p in pages if p in changed]
    return kept, f"changed-only: {len(kept)} of {len(pages)} pages changed against {base}"


def _inputs(env: Mapping[str, str]) -> dict[str, str]:
    get = lambda name, default="": env.get(f"INPUT_{name}", "").strip() or default  # noqa: E731
    inputs = {
        "pages": get("PAGES"),
        "languages": get("LANGUAGES"),
        "backend": get("BACKEND", "docker"),
        "images": get("IMAGES", "auto"),
        "changed_only": get("CHANGED_ONLY", "false").lower(),
        "fail_on": get("FAIL_ON"),
        "results": get("RESULTS", "scoring-kit-results"),
    }
    if inputs["fail_on"] and inputs["fail_on"] != "never":
        try:
            parse_fail_on(inputs["fail_on"])
        except ValueError as exc:
            raise ActionError(f"fail-on: {inputs['fail_on']!r}: {exc}, or never") from None
    if inputs["changed_only"] not in ("true", "false"):
        raise ActionError(f"changed-only: {inputs['changed_only']!r}: true or false")
    return inputs


def _output(env: Mapping[str, str], values: dict[str, str]) -> None:
    if env.get("GITHUB_OUTPUT"):
        with open(env["GITHUB_OUTPUT"], "a", encoding="utf-8") as out:
            out.writelines(f"{k}={v}\n" for k, v in values.items())


def verdict(code: int, fail_on: str) -> int:
    """The step's exit status: the check's (which --fail-on already hardened), or 0 for ``never`` (report
    only) unless the inputs were bad."""
    return 0 if fail_on == "never" and code in (0, 1) else code


def run(env: Mapping[str, str]) -> int:
    from .cli import main as harness

    inputs = _inputs(env)
    pages, note = select_pages(inputs["pages"], inputs["changed_only"] == "true", env.get("GITHUB_BASE_REF", ""))
    if note:
        print(f"scoring-kit: {note}", flush=True)
    results = Path(inputs["results"]).resolve()
    files = {"sarif": results / "results.sarif", "junit": results / "junit.xml", "results": results / "results.json"}
    if not pages:  # still a SARIF file (no results) for a later upload-sarif step
        results.mkdir(parents=True, exist_ok=True)
        files["sarif"].write_text(sarif.text({"samples": []}), encoding="utf-8")
        _output(env, {"checked": "0", "sarif": str(files["sarif"])})
        return 0
    argv = ["docs", "check", *pages, "--results", str(results), "--backend", inputs["backend"]]
    argv += ["--format", "json,junit,md,sarif", "--annotations", "github"]
    argv += ["--images", inputs["images"]] if inputs["backend"] == "docker" else []
    argv += ["--language", inputs["languages"]] if inputs["languages"] else []
    argv += ["--fail-on", inputs["fail_on"]] if inputs["fail_on"] not in ("", "never") else []
    code = harness(argv)
    if code in (0, 1):
        _output(env, {"checked": str(len(pages)), **{k: str(v) for k, v in files.items()}})
    return verdict(code, inputs["fail_on"])


def main() -> int:
    try:
        return run(os.environ)
    except ActionError as exc:
        print(f"scoring-kit: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
