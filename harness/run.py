"""``python -m harness run``: the conformance matrix, as a workflow of small steps.

select the cells -> make the backend -> run the matrix (runner.py) -> write the results (writers.py) and the
comparison page (report.py) -> print the table.  Each step can stop the run with a CatalogError (exit 2).
"""

from __future__ import annotations

import argparse
import os
from dataclasses import replace
from pathlib import Path

from rich.console import Console

from server_stub.state import upstream_url

from . import catalog, report, runner, selection, writers
from .backends import get_backend
from .live import LiveProgress
from .options import backend_options, names, output_formats
from .record import Recorder
from .redact import Redactor
from .targets import LiveService


def with_client_overrides(languages: dict[str, catalog.Language], overrides: list[str]) -> dict:
    """``--client LANG=DIR``: DIR as LANG's client folder (e.g. a fixture or a doc sample)."""
    for item in overrides:
        name, sep, folder = item.partition("=")
        if not sep or name not in languages:
            raise catalog.CatalogError(f"--client takes LANG=DIR with LANG one of {', '.join(languages)}; got {item!r}")
        path = Path(folder).resolve()
        if not path.is_dir():
            raise catalog.CatalogError(f"--client {name}: {folder} is not a folder")
        languages[name] = replace(languages[name], client=path)
    return languages


def select_cells(args: argparse.Namespace, languages: dict, scenarios: dict) -> dict[str, set[str]]:
    """language -> the scenarios to run, after --language, --scenario, --changed-since and --last-failed."""
    chosen = catalog.select(languages, names(args.language), "language")
    wanted = {s.name for s in catalog.select(scenarios, names(args.scenario), "scenario")}
    cells = {lang.name: set(wanted) for lang in chosen}
    if args.changed_since:
        changed = {
            lang.name for lang in selection.changed_languages(chosen, selection.changed_files(args.changed_since))
        }
        cells = {name: w for name, w in cells.items() if name in changed}
    if args.last_failed:
        failed = selection.last_failed(args.results.resolve() / "results.json")
        cells = {name: w & failed.get(name, set()) for name, w in cells.items()}
    return {name: w for name, w in cells.items() if w}


def live_service(args: argparse.Namespace, redactor: Redactor) -> LiveService | None:
    """``--target URL``: the user's own service behind the stub, its key from ``--target-key-env`` (masked)."""
    if not args.target:
        return None
    if not upstream_url(args.target):
        raise catalog.CatalogError(f"--target {args.target!r}: give the service's http(s)://HOST[:PORT][/PATH]")
    key = os.environ.get(args.target_key_env, "")
    if not key.strip():
        raise catalog.CatalogError(f"--target needs the service's key or token in ${args.target_key_env}: it is unset")
    redactor.add(key)
    pem = args.target_ca_bundle.read_text(encoding="utf-8") if args.target_ca_bundle else None
    return LiveService(args.target.rstrip("/"), args.target_protocol, f"Bearer {key}", pem)


def command(args: argparse.Namespace, console: Console, recorder: Recorder | None = None) -> int:
    for folder in getattr(args, "scenarios", None) or []:  # --scenarios DIR: more scenario files (e.g. recorded)
        if not folder.is_dir():
            raise catalog.CatalogError(f"--scenarios {folder}: not a folder")
        extra = os.environ.get(catalog.EXTRA_SCENARIOS_ENV)
        os.environ[catalog.EXTRA_SCENARIOS_ENV] = os.pathsep.join([*([extra] if extra else []), str(folder.resolve())])
    languages = with_client_overrides(catalog.load_languages(), args.client)
    scenarios = catalog.load_scenarios()
    cells = select_cells(args, languages, scenarios)
    if not cells:
        why = "nothing failed in the last run" if args.last_failed else f"no client changed since {args.changed_since}"
        console.print(f"{why}: nothing to run")
        return 0
    chosen = [languages[name] for name in languages if name in cells]
    chosen_scenarios = [s for s in scenarios.values() if any(s.name in w for w in cells.values())]
    if args.run_timeout is not None:
        chosen_scenarios = [replace(s, run_timeout=min(s.run_timeout, args.run_timeout)) for s in chosen_scenarios]
    results_dir = args.results.resolve()
    redactor = Redactor()
    live = live_service(args, redactor)
    progress = LiveProgress(console, {name: len(w) for name, w in cells.items()})
    backend = get_backend(args.backend, backend_options(args, lambda m: progress.note(args.backend, m)))
    try:
        with progress:
            matrix = runner.run_matrix(
                chosen,
                chosen_scenarios,
                backend,
                results_dir,
                args.jobs or os.cpu_count() or 1,
                redactor,
                progress,
                cells,
                scenario_jobs=args.scenario_jobs,
                server_mode="real" if live and "server" not in args.given else args.server,
                note=lambda m: progress.note("real", m),
                live=live,
                recorder=recorder,
            )
    finally:
        backend.close()
    doc = writers.to_json(matrix, redactor)
    path = writers.write(doc, results_dir, output_formats(args))
    report.write([doc], languages, results_dir)  # with --client's folders, as run
    writers.print_report(doc, console, path)
    return 0 if matrix.ok else 1
