"""Progress of a run as it happens.

On a terminal: one live row per language (state, scenarios passed/failed of
the total, the latest step, elapsed time), redrawn in place; messages such as
image builds scroll above it.  Elsewhere (CI logs, pipes): one plain line per
step, so a log reads top to bottom.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from rich.console import Console
from rich.live import Live
from rich.table import Table

FAILED_STEPS = {"fail", "build-failed", "missing-toolchain", "error"}


@dataclass
class Row:
    state: str = "waiting"
    message: str = ""
    passed: int = 0
    failed: int = 0
    started: float = field(default_factory=time.monotonic)
    ended: float | None = None


class LiveProgress:
    """``with LiveProgress(console, {language: n_scenarios}) as progress: progress(lang, step, message)``."""

    def __init__(self, console: Console, scenarios: dict[str, int]) -> None:
        self.console, self.scenarios = console, scenarios
        self.rows = {name: Row() for name in scenarios}
        self.live = Live(console=console, refresh_per_second=4, transient=False, get_renderable=self._table)
        self.enabled = console.is_terminal

    def __enter__(self) -> LiveProgress:
        if self.enabled:
            self.live.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.enabled:
            self.live.stop()

    def note(self, source: str, message: str) -> None:
        """A message that is not a language's step (e.g. an image being built)."""
        self.console.print(f"[dim]{source:8} {message}[/]", highlight=False)

    def __call__(self, language: str, step: str, message: str) -> None:
        row = self.rows.setdefault(language, Row())
        if row.state == "waiting":
            row.started = time.monotonic()
        row.message = message
        row.passed += step == "pass"
        row.failed += step == "fail"
        broken = step in ("build-failed", "missing-toolchain", "error")
        if broken or row.passed + row.failed >= self.scenarios.get(language, 0):
            row.state, row.ended = ("failed" if broken or row.failed else "passed"), time.monotonic()
        else:
            row.state = "running" if step in ("pass", "fail") else step  # build, built
        if not self.enabled:
            colour = "red" if step in FAILED_STEPS else "green" if step == "pass" else "cyan"
            self.console.print(f"[bold]{language:8}[/] [{colour}]{step:8}[/] {message}", highlight=False)

    def _table(self) -> Table:
        table = Table(box=None, show_header=True, header_style="bold", pad_edge=False)
        for column in ("language", "state", "scenarios", "time", "latest"):
            table.add_column(column, no_wrap=column != "latest", overflow="ellipsis")
        now = time.monotonic()
        for name, row in self.rows.items():
            colour = {"passed": "green", "failed": "red", "waiting": "dim"}.get(row.state, "cyan")
            done = f"[green]{row.passed}✔[/] [red]{row.failed}✘[/] / {self.scenarios.get(name, 0)}"
            elapsed = "" if row.state == "waiting" else f"{(row.ended or now) - row.started:5.1f} s"
            table.add_row(name, f"[{colour}]{row.state}[/]", done, elapsed, row.message)
        return table
