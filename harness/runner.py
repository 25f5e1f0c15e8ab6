"""A conformance run, as a workflow of small steps:

select languages and scenarios -> start the stub -> for each language (in
parallel): build once, then per scenario configure the stub, run the
client, read the journal, check -> collect the results.  Reporting is
``writers.py``'s job.
"""

from __future__ import annotations

import contextlib
import datetime
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO
from urllib.parse import urlsplit, urlunsplit

from .backends import Backend, BuildError, Built, RunResult
from .catalog import CatalogError, Language, Scenario
from .checks import check_upstream, evaluate
from .engine import Engine, Progress
from .plan import CellPlan, plan_cell, service_name
from .record import Recorder
from .redact import Redactor
from .results import Check, Status, verdict
from .stubctl import StubControl, StubUnavailable
from .targets import LiveService, RealServers, servers_of


@dataclass
class Cell:
    language: str
    scenario: str
    status: Status
    checks: list[Check] = field(default_factory=list)
    run: RunResult | None = None
    message: str = ""
    service: str = ""
    server: str = "stub"  # who answered: the stub, or a real server behind it (targets.py)

    @property
    def failed_checks(self) -> list[Check]:
        return [c for c in self.checks if not c.ok]


@dataclass
class LanguageOutcome:
    language: Language
    status: str  # built | build-failed | missing-toolchain | error
    toolchain: str = ""
    message: str = ""
    log_path: Path | None = None
    build_seconds: float = 0.0
    cells: list[Cell] = field(default_factory=list)
    image: str = ""
    image_bytes: int = 0
    standin: str = ""  # the stand-in label of its image, when it ran on a stand-in for an official image


@dataclass
class Matrix:
    backend: str
    languages: list[LanguageOutcome]
    scenarios: list[Scenario]
    started: str
    seconds: float
    results_dir: Path
    error: str = ""
    servers: tuple[str, ...] = ("stub",)
    real_servers: dict[str, str] = field(default_factory=dict)  # scenario -> the real server that served it
    notes: list[str] = field(default_factory=list)  # the backend's word on where clients ran (stand-in images)

    @property
    def ok(self) -> bool:
        """Nothing failed ("stub only" cells are skipped, never passes) and something passed."""
        cells = [c for lo in self.languages for c in lo.cells]
        return (
            not self.error
            and all(c.status != Status.FAIL for c in cells)
            and any(c.status == Status.PASS for c in cells)
        )


def set_up(
    scenario: Scenario, service: str, backend: Backend, stub: StubControl, client_url: str, redactor: Redactor
) -> CellPlan:
    """Ready the stub's service for one run of a scenario and return the cell's plan."""
    creds = stub.prepare(service, scenario.stub.auth, scenario.stub.input, scenario.stub.token_lifetime)
    redactor.add(creds["primary_key"], creds["secondary_key"], creds["token"])
    known = {
        "base_url": client_url,
        "service": service,
        "scoring_uri": f"{client_url}/api/v1/service/{service}/score",
        "payloads": backend.payloads,  # harness/payloads as the client sees it
        **creds,
    }
    tls_port = None
    if backend.tls:  # the stub's HTTPS addresses: certificates from the run's CA, and from an unknown one
        unknown = backend.tls.unknown_url
        if scenario.stub.tls_listener == "unknown-ca":  # the cell's own, so its connections are counted apart
            tls_port = stub.open_tls(like=urlsplit(unknown).port)
            unknown = urlunsplit(urlsplit(unknown)._replace(netloc=f"{urlsplit(unknown).hostname}:{tls_port}"))
        known.update(tls_base_url=backend.tls.url, tls_unknown_ca_base_url=unknown, ca_file=backend.tls.ca_file)
    plan = plan_cell(scenario, service, known, tls_port)
    stub.apply(plan)
    return plan


SETTLE_SECONDS = 5.0  # how long a finished client's requests may still be open at the stub


def finish(plan: CellPlan, stub: StubControl) -> tuple[list[dict], dict | None]:
    """After the run: the service's faults cleared; its journal, and what its own TLS listener saw (closed).

    The client has exited, so its connections are closed; a request the stub still holds (a fault's delay)
    gets its ending (closed by the client, and when) at the stub's next look, later on a loaded machine:
    the journal is read again until every request has one, for at most SETTLE_SECONDS."""
    stub.clear_faults(plan.service)
    entries = stub.journal(plan.service)
    deadline = time.monotonic() + SETTLE_SECONDS
    while any(e.get("response") is None for e in entries) and time.monotonic() < deadline:
        time.sleep(0.1)
        entries = stub.journal(plan.service)
    return entries, stub.close_tls(plan.tls_port) if plan.tls_port is not None else None


@dataclass
class Context:
    """What every cell of one matrix run shares."""

    backend: Backend
    stub: StubControl
    client_url: str
    results_dir: Path
    engine: Engine
    scenario_jobs: int = 1
    servers: tuple[str, ...] = ("stub",)
    real: RealServers | None = None
    recorder: Recorder | None = None  # `harness record`: each cell on the live service written as a scenario


def run_cell(built: Built, scenario: Scenario, ctx: Context, log: TextIO, server: str = "stub") -> Cell:
    lang = built.language.name
    service = service_name(lang, scenario.name, *(("real",) if server == "real" else ()))
    target = ctx.real.target(scenario) if server == "real" and ctx.real else None
    if target and (target.stub_only or target.error):
        status, why = (
            (Status.SKIPPED, f"stub only: {target.stub_only}") if target.stub_only else (Status.FAIL, target.error)
        )
        return Cell(lang, scenario.name, status, message=why, service=service, server=server)
    if scenario.program not in built.programs:
        return Cell(
            lang,
            scenario.name,
            Status.FAIL,
            message=f"{built.language.title} has no {scenario.program!r} program: add its sample to "
            f"{built.language.client.name}/ and name it in [programs] of harness/languages/{lang}.toml",
            service=service,
            server=server,
        )
    plan = set_up(scenario, service, ctx.backend, ctx.stub, ctx.client_url, ctx.engine.redactor)
    if target:  # the stub in front, the real server answering (the journal records its answer)
        ctx.stub.set_upstream(service, target.upstream, target.authorization, target.ca_pem)
    # With trust_ca, the run's CA is handed over the standard way of the language ([tls]).
    try:
        run = ctx.backend.run(built, plan.env, plan.run_timeout, plan.program, plan.trust_ca)
    finally:
        entries, tls = finish(plan, ctx.stub)
    checks = evaluate(plan, entries, run, tls) + ([check_upstream(entries, target.title)] if target else [])
    if target and ctx.recorder:
        path = ctx.recorder.record(plan, entries, run.exit_code)
        checks.append(Check("recorded", True, "a scenario of the exchange", str(path)))
    ctx.engine.log(
        log,
        f"\n=== {scenario.name} on {target.title if target else 'the stub'} ({service}): "
        f"exit {run.exit_code}, {run.seconds:.2f} s"
        f"{', killed at timeout' if run.killed else ''}\n--- stdout\n{run.stdout}--- stderr\n{run.stderr}",
    )
    return Cell(lang, scenario.name, verdict(checks), checks, run, service=service, server=server)


def run_language(language: Language, scenarios: list[Scenario], ctx: Context) -> LanguageOutcome:
    """Build the language's client once, then run its scenarios (several at once: each has its own service
    on the stub, and most of a run is waiting on Retry-After, a timeout or a batch job)."""
    log_path = ctx.results_dir / "logs" / f"{language.name}.log"
    outcome = LanguageOutcome(language, "error", log_path=log_path)
    say = ctx.engine.say
    with log_path.open("w", encoding="utf-8") as log:
        say(language.name, "build", "building")
        try:
            built = ctx.backend.build(language, ctx.results_dir / "build" / language.name, log)
        except BuildError as exc:
            outcome.status, outcome.message = str(exc.kind), str(exc)
            log.write(f"\n{exc}\n")
            say(language.name, str(exc.kind), str(exc).splitlines()[0])
            outcome.cells = [Cell(language.name, s.name, Status.FAIL, message=str(exc)) for s in scenarios]
            return outcome
        outcome.status, outcome.toolchain, outcome.build_seconds = "built", built.toolchain.name, built.seconds
        outcome.image, outcome.image_bytes, outcome.standin = built.image, built.image_bytes, built.standin
        say(language.name, "built", f"built with {built.toolchain.name} in {built.seconds:.1f} s")

        def one(item: tuple[Scenario, str]) -> Cell:
            scenario, server = item
            try:
                cell = run_cell(built, scenario, ctx, log, server)
            except (StubUnavailable, CatalogError) as exc:
                cell = Cell(language.name, scenario.name, Status.FAIL, message=f"harness error: {exc}", server=server)
            took = f" ({cell.run.seconds:.1f} s)" if cell.run else f": {cell.message}"
            on = f" [{server}]" if len(ctx.servers) > 1 else ""
            say(language.name, str(cell.status), f"{scenario.name}{on}{took}")
            return cell

        items = [(s, server) for s in scenarios for server in ctx.servers]
        outcome.cells = ctx.engine.map(one, items, ctx.scenario_jobs, language.name)
    return outcome


def run_matrix(
    languages: list[Language],
    scenarios: list[Scenario],
    backend: Backend,
    results_dir: Path,
    jobs: int,
    redactor: Redactor,
    progress: Progress,
    cells: dict[str, set[str]] | None = None,
    scenario_jobs: int = 1,
    server_mode: str = "stub",
    note: Callable[[str], None] = lambda message: None,
    live: LiveService | None = None,
    recorder: Recorder | None = None,
) -> Matrix:
    """Every language x scenario, or per language only the scenarios ``cells`` names; each on the stub, on
    the real server of its protocol behind the stub, or both (``server_mode``, targets.py).

    ``jobs`` languages at once, each running ``scenario_jobs`` of its scenarios at once.
    """
    started = datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")
    t0 = time.monotonic()
    (results_dir / "logs").mkdir(parents=True, exist_ok=True)
    servers = servers_of(server_mode)
    real = RealServers(backend.real_server, results_dir / "logs", note, live)
    engine = Engine(progress, redactor, on_stop=[backend.close, real.close])
    with backend.stub(results_dir / "logs" / "stub.log") as (admin_url, client_url), contextlib.closing(real):
        if "real" in servers:
            real.start(scenarios)
        ctx = Context(
            backend, StubControl(admin_url), client_url, results_dir, engine, scenario_jobs, servers, real, recorder
        )

        def language_run(lang: Language) -> LanguageOutcome:
            wanted = [s for s in scenarios if cells is None or s.name in cells.get(lang.name, ())]
            return run_language(lang, wanted, ctx)

        outcomes = engine.map(language_run, languages, jobs, "lang")
    titles = {name: t.title for name, t in real.targets.items() if t.title}
    seconds = time.monotonic() - t0
    return Matrix(backend.name, outcomes, scenarios, started, seconds, results_dir, "", servers, titles, backend.notes)
