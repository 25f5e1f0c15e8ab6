"""Choosing what to re-run: what failed last time, or what changed since a git ref."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from .catalog import ROOT, CatalogError, Language


def last_failed(results_json: Path) -> dict[str, set[str]]:
    """language -> scenarios that did not pass in a saved run (empty when all passed)."""
    try:
        doc = json.loads(results_json.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CatalogError(f"--last-failed: no earlier run in {results_json.parent} (no results.json)") from None
    except ValueError as exc:
        raise CatalogError(f"--last-failed: cannot read {results_json}: {exc}") from None
    failed: dict[str, set[str]] = {}
    for lang in doc["languages"]:
        for cell in lang["cells"]:
            if cell["status"] != "pass":
                failed.setdefault(lang["name"], set()).add(cell["scenario"])
    return failed


def changed_files(ref: str) -> list[str]:
    """Paths (relative to the repository) that differ from ``ref``: committed, staged, unstaged or new."""

    def git(*args: str) -> list[str]:
        proc = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True)
        if proc.returncode != 0:
            reason = (proc.stderr.strip().splitlines() or ["git failed"])[-1]
            raise CatalogError(f"--changed-since {ref}: {reason}")
        return [line for line in proc.stdout.splitlines() if line]

    return sorted(set(git("diff", "--name-only", ref, "--")) | set(git("ls-files", "--others", "--exclude-standard")))


def changed_languages(languages: list[Language], files: list[str]) -> list[Language]:
    """The languages whose client folder holds every changed file; any other change selects them all."""
    folders = {lang.name: lang.client.relative_to(ROOT).as_posix() + "/" for lang in languages}
    hit: set[str] = set()
    for path in files:
        owners = [name for name, folder in folders.items() if path.startswith(folder)]
        if not owners:
            return list(languages)  # the harness, the stub, a scenario...: everything may be affected
        hit.update(owners)
    return [lang for lang in languages if lang.name in hit]
