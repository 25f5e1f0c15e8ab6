"""A conformance run, as a workflow of small steps:

select languages and scenarios -> start the stub -> for each language (in
parallel): build once, then per scenario configure the stub, run the
client, read the journal, check -> collect the results.  Reporting is
``report.py``'s job.
"""

from __future__ import annotations

import datetime
import re
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from .backends import BuildError, Built
from .catalog import CatalogError, Language, Scenario, render
from .checks import Check, RunResult, evaluate
from .redact import Redactor
from .stubctl import StubControl, StubUnavailable


@dataclass
class Cell:
    language: str
    scenario: str
    status: str  # pass | fail
    checks: list[Check] = field(default_factory=list)
    run: RunResult | None = None
    message: str = ""
    service: str = ""

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


@dataclass
class Matrix:
    backend: str
    languages: list[LanguageOutcome]
    scenarios: list[Scenario]
    started: str
    seconds: float
    results_dir: Path
    error: str = ""

    @property
    def ok(self) -> bool:
        return not self.error and all(c.status == "pass" for lo in self.languages for c in lo.cells)


Progress = Callable[[str, str, str], None]  # (language, step, message)


_log_lock = threading.Lock()


def service_name(language: str, scenario: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]", "-", f"{language}-{scenario}")[:63]


def set_up(
    scenario: Scenario, service: str, backend, stub: StubControl, client_url: str, redactor: Redactor
) -> tuple[dict[str, str], dict[str, str]]:
    """Ready the stub's service for one run of a scenario: (variables, the client's environment)."""
    creds = stub.prepare(service, scenario.stub.get("auth", "none"), scenario.stub.get("input", "json"))
    redactor.add(creds["primary_key"], creds["secondary_key"], creds["token"])
    variables = {
        "base_url": client_url,
        "service": service,
        "scoring_uri": f"{client_url}/api/v1/service/{service}/score",
        "payloads": backend.payloads,  # harness/payloads as the client sees it
        **creds,
    }
    # The stub's HTTPS addresses: certificates from the run's CA, and from an unknown one.
    if getattr(backend, "tls", None):
        variables.update(
            tls_base_url=backend.tls.url, tls_unknown_ca_base_url=backend.tls.unknown_url, ca_file=backend.tls.ca_file
        )
    for name, value in scenario.vars.items():
        variables[name] = render(value, variables)
    for fault in render(scenario.stub.get("faults", []), variables):
        stub.add_fault(service, fault)
    if "jobs" in scenario.stub:
        stub.set_jobs(service, render(scenario.stub["jobs"], variables))
    return variables, render(scenario.env, variables)


def run_cell(
    built: Built, scenario: Scenario, backend, stub: StubControl, client_url: str, redactor: Redactor, log
) -> Cell:
    lang = built.language.name
    service = service_name(lang, scenario.name)
    if scenario.program not in built.programs:
        return Cell(
            lang,
            scenario.name,
            "fail",
            message=f"{built.language.title} has no {scenario.program!r} program: add its sample to "
            f"{built.language.client.name}/ and name it in [programs] of harness/languages/{lang}.toml",
            service=service,
        )
    variables, env = set_up(scenario, service, backend, stub, client_url, redactor)
    # With trust_ca, the run's CA is handed over the standard way of the language ([tls]).
    run = backend.run(built, env, scenario.run_timeout, scenario.program, scenario.trust_ca)
    stub.clear_faults(service)
    entries = stub.journal(service)
    checks = evaluate(scenario, variables, entries, run)
    record = redactor.text(
        f"\n=== {scenario.name} (service {service}): exit {run.exit_code}, {run.seconds:.2f} s"
        f"{', killed at timeout' if run.killed else ''}\n--- stdout\n{run.stdout}--- stderr\n{run.stderr}"
    )
    with _log_lock:  # one block per run, whole, when scenarios run at once
        log.write(record)
        log.flush()
    status = "pass" if all(c.ok for c in checks) else "fail"
    return Cell(lang, scenario.name, status, checks, run, service=service)


def run_language(
    language: Language,
    scenarios: list[Scenario],
    backend,
    stub: StubControl,
    client_url: str,
    results_dir: Path,
    redactor: Redactor,
    progress: Progress,
    scenario_jobs: int = 1,
) -> LanguageOutcome:
    log_path = results_dir / "logs" / f"{language.name}.log"
    outcome = LanguageOutcome(language, "error", log_path=log_path)
    with log_path.open("w", encoding="utf-8") as log:
        progress(language.name, "build", "building")
        try:
            built = backend.build(language, results_dir / "build" / language.name, log)
        except BuildError as exc:
            outcome.status, outcome.message = exc.kind, str(exc)
            log.write(f"\n{exc}\n")
            progress(language.name, exc.kind, str(exc).splitlines()[0])
            outcome.cells = [Cell(language.name, s.name, "fail", message=str(exc)) for s in scenarios]
            return outcome
        outcome.status, outcome.toolchain, outcome.build_seconds = "built", built.toolchain.name, built.seconds
        outcome.image, outcome.image_bytes = built.image, built.image_bytes
        progress(language.name, "built", f"built with {built.toolchain.name} in {built.seconds:.1f} s")

        def one(scenario: Scenario) -> Cell:
            try:
                cell = run_cell(built, scenario, backend, stub, client_url, redactor, log)
            except (StubUnavailable, CatalogError) as exc:
                cell = Cell(language.name, scenario.name, "fail", message=f"harness error: {exc}")
            took = f" ({cell.run.seconds:.1f} s)" if cell.run else f": {cell.message}"
            progress(language.name, cell.status, f"{scenario.name}{took}")
            return cell

        # Scenarios share nothing but the built client (each has its own service
        # on the stub), and most of a run is waiting: on Retry-After, a timeout,
        # a batch job.  Several at once; results stay in scenario order.
        with ThreadPoolExecutor(max_workers=max(1, scenario_jobs), thread_name_prefix=language.name) as pool:
            outcome.cells = list(pool.map(one, scenarios))
    return outcome


def run_matrix(
    languages: list[Language],
    scenarios: list[Scenario],
    backend,
    results_dir: Path,
    jobs: int,
    redactor: Redactor,
    progress: Progress,
    cells: dict[str, set[str]] | None = None,
    scenario_jobs: int = 1,
) -> Matrix:
    """Every language x scenario, or per language only the scenarios ``cells`` names.

    ``jobs`` languages at once, each running ``scenario_jobs`` of its scenarios at once.
    """
    started = datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")
    t0 = time.monotonic()
    (results_dir / "logs").mkdir(parents=True, exist_ok=True)
    outcomes: list[LanguageOutcome] = []
    with backend.stub(results_dir / "logs" / "stub.log") as (admin_url, client_url):
        stub = StubControl(admin_url)
        lock = threading.Lock()
        stopping = threading.Event()

        def safe_progress(lang: str, step: str, message: str) -> None:
            with lock:
                if not stopping.is_set():  # an interrupted run's dying clients are not results
                    progress(lang, step, redactor.text(message))

        with ThreadPoolExecutor(max_workers=max(1, jobs), thread_name_prefix="lang") as pool:
            futures = [
                pool.submit(
                    run_language,
                    lang,
                    [s for s in scenarios if cells is None or s.name in cells.get(lang.name, ())],
                    backend,
                    stub,
                    client_url,
                    results_dir,
                    redactor,
                    safe_progress,
                    scenario_jobs,
                )
                for lang in languages
            ]
            try:
                outcomes = [f.result() for f in futures]
            except BaseException:  # Ctrl-C, SIGTERM: stop the workers' clients so the pool can end
                stopping.set()
                for future in futures:
                    future.cancel()
                backend.close()
                raise
    return Matrix(backend.name, outcomes, scenarios, started, time.monotonic() - t0, results_dir)
