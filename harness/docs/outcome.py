"""What a docs check produces: an outcome per code block, and the run."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..backends import BackendOptions, RunResult
from ..results import Check, Status


@dataclass
class Finding:
    """Something a reviewer should see at a page line, whatever the verdict: a compiler warning,
    a linter's message, a security problem, a shown output that differs from what the sample printed."""

    line: int | None  # page line
    tool: str  # who found it: "compiler", "ruff check", "go vet", "security", "shown output"
    message: str
    rule: str = ""  # a stable id for SARIF and annotations: "F821", "tls-verify-off", "output-differs"
    level: str = "warning"  # error | warning | note (SARIF's levels)


@dataclass
class Outcome:
    id: str
    page: str
    start: int
    end: int
    language: str
    verdict: Status
    reason: str
    scenario: str = ""
    scenario_why: str = ""
    built: bool | None = None
    ran: bool | None = None
    toolchain: str = ""
    checks: list[Check] = field(default_factory=list)
    run: RunResult | None = None
    findings: list[Finding] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    replaced: list[str] = field(default_factory=list)
    packages: list[str] = field(default_factory=list)
    project: str = ""
    log: str = ""
    seconds: float = 0.0


@dataclass
class DocsRun:
    backend: str
    pages: list[str]
    outcomes: list[Outcome]
    started: str
    seconds: float
    results_dir: Path

    @property
    def ok(self) -> bool:
        return all(o.verdict != Status.FAIL for o in self.outcomes)


@dataclass
class Options:
    backend: str = "docker"
    backend_options: BackendOptions = field(default_factory=BackendOptions)
    results_dir: Path = Path("results/docs")
    jobs: int = 1
    languages: list[str] = field(default_factory=list)  # only these (others are skipped)
    run_timeout: float | None = None
    page_format: str | None = None
    fail_on: list[str] = field(default_factory=list)  # finding categories that fail a block (findings.CATEGORIES)
