"""Showing results: the language x scenario table, near-miss details, results.json.

Everything here works on the JSON form of a run (``to_json``), already
redacted, so a live run, ``python -m harness summary`` over saved files and
CI reports all show the same thing.
"""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from .outputs import Case, Suite, details, junit, write_all
from .redact import Redactor
from .results import Status
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
            "kind": "conformance",
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
                    "image": o.image,
                    "image_bytes": o.image_bytes,
                    "cells": [cell(c) for c in o.cells],
                }
                for o in matrix.languages
            ],
        }
    )


def _grid(doc: dict) -> list[tuple[str, list[str | None]]]:
    """One row per scenario: its name and each language's cell status (None where it did not run)."""
    by_lang = [{c["scenario"]: c["status"] for c in lang["cells"]} for lang in doc["languages"]]
    return [(s["name"], [cells.get(s["name"]) for cells in by_lang]) for s in doc["scenarios"]]


def matrix_table(doc: dict) -> Table:
    """Scenarios down, languages across: it stays readable however many scenarios there are."""
    table = Table(title=f"Conformance ({doc['backend']} backend, {doc['seconds']:.0f} s)", title_justify="left")
    table.add_column("scenario")
    for lang in doc["languages"]:
        table.add_column(f"{lang['title']}\n[dim]{lang['toolchain'] or lang['status']}[/dim]", justify="center")
    for name, statuses in _grid(doc):
        table.add_row(name, *(MARK[s] if s else "" for s in statuses))
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


# -- files for CI: JUnit XML and a Markdown summary -----------------------------


def failure_text(cell: dict) -> str:
    """A failed cell as plain text: the message, then each failing check's expected vs received."""
    lines = [cell["message"]] if cell["message"] else []
    for check in cell["checks"]:
        if not check["ok"]:
            lines += [f"✘ {check['name']}", f"  expected: {check['expected']}", f"  received: {check['received']}"]
            lines += [f"  {line}" for line in check["detail"].splitlines()] if check["detail"] else []
    return "\n".join(lines)


def to_junit(doc: dict) -> str:
    """JUnit XML: a test suite per language, a test case per scenario (classname ``conformance.<language>``)."""
    suites = []
    for lang in doc["languages"]:
        cases = []
        for cell in lang["cells"]:
            run, text = cell["run"] or {}, failure_text(cell)
            out = f"log: {lang['log']}\n--- stdout\n{run.get('stdout', '')}"
            message = text.splitlines()[0] if text else "failed"
            case = Case(f"conformance.{lang['name']}", cell["scenario"], run.get("seconds", 0), Status(cell["status"]))
            case.message, case.text, case.out, case.err = message, text, out, run.get("stderr", "")
            cases.append(case)
        seconds = lang["build_seconds"] + sum(c.seconds for c in cases)
        suites.append(Suite(lang["title"], cases, seconds, {"toolchain": lang["toolchain"]}))
    return junit("conformance", doc["seconds"], suites)


def to_markdown(doc: dict) -> str:
    """The matrix as a Markdown table (for $GITHUB_STEP_SUMMARY), then the failing checks."""
    cells = [c for lang in doc["languages"] for c in lang["cells"]]
    failed = sum(c["status"] != "pass" for c in cells)
    langs = doc["languages"]
    lines = [
        f"### Conformance ({doc['backend']} backend): {len(cells) - failed} passed, {failed} failed",
        "",
        "| scenario | "
        + " | ".join(f"{lang['title']} ({lang['toolchain'] or lang['status']})" for lang in langs)
        + " |",
        "| --- |" + " :---: |" * len(langs),
    ]
    for name, statuses in _grid(doc):
        marks = ["" if s is None else "✅" if s == "pass" else "❌" for s in statuses]
        lines.append(f"| {name} | " + " | ".join(marks) + " |")
    for lang in doc["languages"]:
        for cell in lang["cells"]:
            if cell["status"] != Status.PASS:
                lines += details("❌", f"{lang['title']} × {cell['scenario']}", failure_text(cell))
    return "\n".join(lines) + "\n"


def write(doc: dict, results_dir: Path) -> Path:
    """results.json, junit.xml and summary.md (and $GITHUB_STEP_SUMMARY)."""
    return write_all(results_dir, doc, to_junit(doc), to_markdown(doc))
