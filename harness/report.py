"""Showing a run: the language x scenario table, near-miss details, results.json."""

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


def matrix_table(matrix: Matrix) -> Table:
    table = Table(title=f"Conformance ({matrix.backend} backend, {matrix.seconds:.0f} s)", title_justify="left")
    table.add_column("language")
    table.add_column("toolchain", style="dim")
    for scenario in matrix.scenarios:
        table.add_column(scenario.name, justify="center")
    for outcome in matrix.languages:
        by_name = {c.scenario: c for c in outcome.cells}
        row = [outcome.language.title, outcome.toolchain or outcome.status]
        row += [MARK[by_name[s.name].status] if s.name in by_name else "" for s in matrix.scenarios]
        table.add_row(*row)
    return table


def near_miss(cell: Cell, redactor: Redactor) -> Table:
    """All checks of a failed cell, failing ones marked, WireMock-style."""
    table = Table(show_lines=False, box=None, pad_edge=False)
    table.add_column("", width=2)
    table.add_column("check", style="bold")
    table.add_column("expected", overflow="fold")
    table.add_column("received", overflow="fold")
    for check in cell.checks:
        mark = "[green]✔[/]" if check.ok else "[red]✘[/]"
        received = redactor.text(check.received) + (
            f"\n[red]{escape(redactor.text(check.detail))}[/]" if not check.ok and check.detail else ""
        )
        table.add_row(
            mark,
            escape(check.name),
            escape(redactor.text(check.expected)),
            received if not check.ok else escape(redactor.text(check.received)),
        )
    return table


def print_report(matrix: Matrix, console: Console, redactor: Redactor) -> None:
    console.print()
    console.print(matrix_table(matrix))
    for outcome in matrix.languages:
        if outcome.status != "built":
            console.print(f"\n[red bold]{outcome.language.title}: {outcome.status}[/]")
            console.print(escape(redactor.text(outcome.message)))
            continue
        for cell in outcome.cells:
            if cell.status == "pass":
                continue
            console.print(
                f"\n[red bold]✘ {outcome.language.title} × {cell.scenario}[/]  [dim](service {cell.service})[/]"
            )
            if cell.message:
                console.print(escape(redactor.text(cell.message)))
            console.print(near_miss(cell, redactor))
            if cell.run and cell.run.stderr.strip():
                console.print("[dim]client stderr:[/] " + escape(redactor.text(cell.run.stderr.strip()[-600:])))
    failed = sum(c.status != "pass" for o in matrix.languages for c in o.cells)
    total = sum(len(o.cells) for o in matrix.languages)
    console.print()
    for outcome in matrix.languages:
        console.print(f"[dim]log {outcome.language.name}: {outcome.log_path}[/]")
    console.print(f"[dim]results: {matrix.results_dir / 'results.json'}[/]")
    word = "[green]all passed[/]" if matrix.ok else f"[red]{failed} of {total} failed[/]"
    console.print(f"{total - failed} passed, {failed} failed: {word}")


def to_json(matrix: Matrix) -> dict:
    def cell(c: Cell) -> dict:
        run = asdict(c.run) if c.run else None
        return {
            "language": c.language,
            "scenario": c.scenario,
            "status": c.status,
            "service": c.service,
            "message": c.message,
            "checks": [k.to_json() for k in c.checks],
            "run": run,
        }

    return {
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


def write_json(matrix: Matrix, redactor: Redactor) -> Path:
    path = matrix.results_dir / "results.json"
    path.write_text(json.dumps(redactor.data(to_json(matrix)), indent=2) + "\n", encoding="utf-8")
    return path
