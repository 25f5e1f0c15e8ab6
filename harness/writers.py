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

from .outputs import DEFAULT_FORMATS, Case, Suite, details, junit, write_all
from .redact import Redactor
from .results import Status
from .runner import Cell, Matrix

MARK = {"pass": "[green]✔ pass[/]", "fail": "[red]✘ FAIL[/]", "skipped": "[yellow]stub only[/]"}
EMOJI = {"pass": "✅", "fail": "❌", "skipped": "➖"}


def to_json(matrix: Matrix, redactor: Redactor) -> dict:
    def cell(c: Cell) -> dict:
        return {
            "language": c.language,
            "scenario": c.scenario,
            "status": c.status,
            "service": c.service,
            "server": c.server,
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
            "servers": list(matrix.servers),
            "real_servers": matrix.real_servers,
            "notes": matrix.notes,
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
                    "standin": o.standin,
                    "cells": [cell(c) for c in o.cells],
                }
                for o in matrix.languages
            ],
        }
    )


def servers(doc: dict) -> list[str]:
    return doc.get("servers") or ["stub"]  # results of older runs: the stub


def columns(doc: dict) -> list[tuple[dict, str]]:
    """(language, server) per column: one per language, or one per language and server (--server both)."""
    return [(lang, server) for lang in doc["languages"] for server in servers(doc)]


def _grid(doc: dict) -> list[tuple[str, list[str | None]]]:
    """One row per scenario: its name and each column's cell status (None where it did not run)."""
    by_column = [
        {c["scenario"]: c["status"] for c in lang["cells"] if c.get("server", "stub") == server}
        for lang, server in columns(doc)
    ]
    return [(s["name"], [cells.get(s["name"]) for cells in by_column]) for s in doc["scenarios"]]


def _on(doc: dict, server: str) -> str:
    """`` on real`` after a language or cell when the run has more than one server, else nothing."""
    return f" on {server}" if len(servers(doc)) > 1 else ""


def _stub_only(doc: dict) -> list[str]:
    """The reasons of the run's "stub only" cells, each once."""
    return sorted({c["message"] for lang in doc["languages"] for c in lang["cells"] if c["status"] == "skipped"})


def _heading(doc: dict, lang: dict, server: str) -> str:
    return f"{lang['title']}{_on(doc, server)}"


def _title(doc: dict, seconds: bool = True) -> str:
    on = "" if servers(doc) == ["stub"] else f", {' and '.join(servers(doc))} servers"
    took = f", {doc['seconds']:.0f} s" if seconds else ""
    return f"Conformance ({doc['backend']} backend{on}{took})"


def matrix_table(doc: dict) -> Table:
    """Scenarios down, languages (and servers) across: it stays readable however many scenarios there are."""
    table = Table(title=_title(doc), title_justify="left")
    table.add_column("scenario")
    for lang, server in columns(doc):
        tool = lang["toolchain"] or lang["status"]
        table.add_column(f"{_heading(doc, lang, server)}\n[dim]{tool}[/dim]", justify="center")
    for name, statuses in _grid(doc):
        table.add_row(name, *(MARK[s] if s else "" for s in statuses))
    return table


def counts(doc: dict) -> tuple[int, int, int]:
    """passed, failed, stub only (skipped) cells."""
    cells = [c["status"] for lang in doc["languages"] for c in lang["cells"]]
    return cells.count("pass"), cells.count("fail"), cells.count("skipped")


def tally(doc: dict) -> str:
    passed, failed, skipped = counts(doc)
    return f"{passed} passed, {failed} failed" + (f", {skipped} stub only" if skipped else "")


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
            if cell["status"] != "fail":
                continue
            title = f"{escape(lang['title'])} × {cell['scenario']}{_on(doc, cell.get('server', 'stub'))}"
            console.print(f"\n[red bold]✘ {title}[/]  [dim](service {cell['service']})[/]")
            if cell["message"]:
                console.print(escape(cell["message"]))
            console.print(near_miss(cell))
            stderr = (cell["run"] or {}).get("stderr", "").strip()
            if stderr:
                console.print("[dim]client stderr:[/] " + escape(stderr[-600:]))


def print_summary(doc: dict, console: Console) -> None:
    passed, failed, skipped = counts(doc)
    console.print()
    console.print(matrix_table(doc))
    by_server: dict[str, list[str]] = {}
    for scenario, title in sorted((doc.get("real_servers") or {}).items()):
        by_server.setdefault(title, []).append(scenario)
    for title, names in by_server.items():
        console.print(f"[dim]real server {escape(title)}: {', '.join(names)}[/]")
    for why in _stub_only(doc):
        console.print(f"[yellow]{escape(why)}[/]")
    for lang in doc["languages"]:
        console.print(f"[dim]log {lang['name']}: {lang['log']}[/]")
    total = passed + failed + skipped
    word = "[green]all passed[/]" if doc["ok"] and not failed else f"[red]{failed} of {total} failed[/]"
    console.print(f"{tally(doc)}: {word}")


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
            name = cell["scenario"] + (f" [{cell.get('server', 'stub')}]" if len(servers(doc)) > 1 else "")
            case = Case(f"conformance.{lang['name']}", name, run.get("seconds", 0), Status(cell["status"]))
            case.message, case.text, case.out, case.err = message, text, out, run.get("stderr", "")
            cases.append(case)
        seconds = lang["build_seconds"] + sum(c.seconds for c in cases)
        suites.append(Suite(lang["title"], cases, seconds, {"toolchain": lang["toolchain"]}))
    return junit("conformance", doc["seconds"], suites)


def to_markdown(doc: dict) -> str:
    """The matrix as a Markdown table (for $GITHUB_STEP_SUMMARY), then the failing checks."""
    cols = columns(doc)
    lines = [
        f"### {_title(doc, seconds=False)}: {tally(doc)}",
        "",
        "| scenario | "
        + " | ".join(f"{_heading(doc, lang, server)} ({lang['toolchain'] or lang['status']})" for lang, server in cols)
        + " |",
        "| --- |" + " :---: |" * len(cols),
    ]
    for name, statuses in _grid(doc):
        marks = ["" if s is None else EMOJI[s] for s in statuses]
        lines.append(f"| {name} | " + " | ".join(marks) + " |")
    for lang in doc["languages"]:
        for cell in lang["cells"]:
            if cell["status"] == Status.FAIL:
                title = f"{lang['title']} × {cell['scenario']}{_on(doc, cell.get('server', 'stub'))}"
                lines += details("❌", title, failure_text(cell))
    lines += [f"- ➖ {why}" for why in _stub_only(doc)]
    return "\n".join(lines) + "\n"


def write(doc: dict, results_dir: Path, formats: tuple[str, ...] = DEFAULT_FORMATS) -> Path:
    """The files of ``formats``: results.json, junit.xml, summary.md (and $GITHUB_STEP_SUMMARY)."""
    return write_all(results_dir, doc, to_junit(doc), to_markdown(doc), formats)
