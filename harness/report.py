"""Showing results: the language x scenario table, near-miss details, results.json.

Everything here works on the JSON form of a run (``to_json``), already
redacted, so a live run, ``python -m harness summary`` over saved files and
CI reports all show the same thing.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from .redact import Redactor
from .runner import Cell, Matrix

MARK = {"pass": "[green]✔ pass[/]", "fail": "[red]✘ FAIL[/]"}


def to_json(matrix: Matrix, redactor: Redactor) -> dict:
    def cell(c: Cell) -> dict:
        return {
            "language": c.language,
            "scenario": c.scenario,
            "status": c.status,
            "service": c.service,
            "message": c.message,
            "checks": [k.to_json() for k in c.checks],
            "run": asdict(c.run) if c.run else None,
        }

    return redactor.data(
        {
            "backend": matrix.backend,
            "started": matrix.started,
            "seconds": round(matrix.seconds, 3),
            "ok": matrix.ok,
            "scenarios": [{"name": s.name, "summary": s.summary} for s in matrix.scenarios],
            "languages": [
                {
                    "name": o.language.name,
                    "title": o.language.title,
                    "status": o.status,
                    "toolchain": o.toolchain,
                    "message": o.message,
                    "log": str(o.log_path),
                    "build_seconds": round(o.build_seconds, 3),
                    "cells": [cell(c) for c in o.cells],
                }
                for o in matrix.languages
            ],
        }
    )


def write_json(doc: dict, results_dir: Path) -> Path:
    path = results_dir / "results.json"
    path.write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")
    return path


def merge(docs: list[dict]) -> dict:
    """Several runs' results (e.g. one per language) as one matrix."""
    scenarios: dict[str, dict] = {}
    for doc in docs:
        for s in doc["scenarios"]:
            scenarios.setdefault(s["name"], s)
    languages = [lang for doc in docs for lang in doc["languages"]]
    return {
        "backend": ", ".join(sorted({d["backend"] for d in docs})),
        "started": min(d["started"] for d in docs),
        "seconds": round(sum(d["seconds"] for d in docs), 3),
        "ok": all(d["ok"] for d in docs),
        "scenarios": list(scenarios.values()),
        "languages": languages,
    }


def matrix_table(doc: dict) -> Table:
    table = Table(title=f"Conformance ({doc['backend']} backend, {doc['seconds']:.0f} s)", title_justify="left")
    table.add_column("language")
    table.add_column("toolchain", style="dim")
    for scenario in doc["scenarios"]:
        table.add_column(scenario["name"], justify="center")
    for lang in doc["languages"]:
        by_name = {c["scenario"]: c for c in lang["cells"]}
        row = [lang["title"], lang["toolchain"] or lang["status"]]
        row += [MARK[by_name[s["name"]]["status"]] if s["name"] in by_name else "" for s in doc["scenarios"]]
        table.add_row(*row)
    return table


def near_miss(cell: dict) -> Table:
    """All checks of a failed cell, failing ones marked, WireMock-style."""
    table = Table(box=None, pad_edge=False)
    table.add_column("", width=2)
    table.add_column("check", style="bold")
    table.add_column("expected", overflow="fold")
    table.add_column("received", overflow="fold")
    for check in cell["checks"]:
        received = escape(check["received"])
        if not check["ok"] and check["detail"]:
            received += f"\n[red]{escape(check['detail'])}[/]"
        table.add_row(
            "[green]✔[/]" if check["ok"] else "[red]✘[/]", escape(check["name"]), escape(check["expected"]), received
        )
    return table


def print_details(doc: dict, console: Console) -> None:
    for lang in doc["languages"]:
        if lang["status"] != "built":
            console.print(f"\n[red bold]{escape(lang['title'])}: {lang['status']}[/]")
            console.print(escape(lang["message"]))
            continue
        for cell in lang["cells"]:
            if cell["status"] == "pass":
                continue
            console.print(
                f"\n[red bold]✘ {escape(lang['title'])} × {cell['scenario']}[/]  [dim](service {cell['service']})[/]"
            )
            if cell["message"]:
                console.print(escape(cell["message"]))
            console.print(near_miss(cell))
            stderr = (cell["run"] or {}).get("stderr", "").strip()
            if stderr:
                console.print("[dim]client stderr:[/] " + escape(stderr[-600:]))


def print_summary(doc: dict, console: Console) -> None:
    cells = [c for lang in doc["languages"] for c in lang["cells"]]
    failed = sum(c["status"] != "pass" for c in cells)
    console.print()
    console.print(matrix_table(doc))
    for lang in doc["languages"]:
        console.print(f"[dim]log {lang['name']}: {lang['log']}[/]")
    word = "[green]all passed[/]" if doc["ok"] and not failed else f"[red]{failed} of {len(cells)} failed[/]"
    console.print(f"{len(cells) - failed} passed, {failed} failed: {word}")


def print_report(doc: dict, console: Console, results_path: Path | None = None) -> None:
    print_details(doc, console)
    print_summary(doc, console)
    if results_path:
        console.print(f"[dim]results: {results_path}[/]")
