"""``python -m harness summary FILE...``: one matrix table over saved results files (e.g. one per CI job).

A results file of another kind (a docs check's) is skipped with a note, never read as a matrix.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from rich.console import Console

from . import writers
from .catalog import CatalogError

KIND = "conformance"


def read_results(paths: list[Path], kind: str | None = KIND, skipped: list[str] | None = None) -> list[dict]:
    """The results files of ``kind`` (None: any); others are named in ``skipped``."""
    docs = []
    for path in paths:
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise CatalogError(f"cannot read results file {path}: {exc}") from None
        found = doc.get("kind", KIND if "scenarios" in doc else "unknown") if isinstance(doc, dict) else "unknown"
        if kind is not None and found != kind:
            if skipped is None:
                raise CatalogError(f"{path}: not matrix results (a {found} results file)")
            skipped.append(f"{path} ({found})")
            continue
        docs.append(doc)
    return docs


def merge(docs: list[dict]) -> dict:
    """Several runs' results (e.g. one per language) as one matrix."""
    scenarios: dict[str, dict] = {}
    for doc in docs:
        for s in doc["scenarios"]:
            scenarios.setdefault(s["name"], s)
    return {
        "kind": KIND,
        "backend": ", ".join(sorted({d["backend"] for d in docs})),
        "started": min(d["started"] for d in docs),
        "seconds": round(sum(d["seconds"] for d in docs), 3),
        "ok": all(d["ok"] for d in docs),
        "scenarios": list(scenarios.values()),
        "languages": [lang for doc in docs for lang in doc["languages"]],
    }


def command(args: argparse.Namespace, console: Console) -> int:
    skipped: list[str] = []
    recent = [p for p in args.files if not args.since or p.stat().st_mtime >= args.since]
    docs = read_results(recent, skipped=skipped)
    for name in skipped:
        console.print(f"[dim]skipped {name}: not matrix results[/]")
    if not docs:
        raise CatalogError("no results files to summarise" + (" from this run" if args.since else ""))
    doc = merge(docs)
    writers.print_summary(doc, console)
    return 0 if doc["ok"] else 1
