"""``python -m harness``: run the conformance matrix, list what it knows.

    python -m harness [run] [--language L] [--scenario S] [--backend local] ...
    python -m harness list
    python -m harness clean [--volumes] [--all]
    python -m harness summary results/*/results.json
    python -m harness report results/results.json [more/results.json ...]
    python -m harness docs check PAGE... [--backend local] ...

Exit status: 0 when every selected cell passes, 1 when any fails, 2 when the
request itself is wrong (unknown language, bad data file, stub won't start).
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
from dataclasses import replace
from pathlib import Path

from rich.console import Console
from rich.markup import escape

from . import catalog, compare, report, runner, selection
from .backends import BackendUnavailable, get_backend
from .live import LiveProgress
from .redact import Redactor
from .stubctl import StubUnavailable

BACKENDS = ("docker", "local")
IMAGE_PROFILES = catalog.PROFILES


def _names(values: list[str] | None) -> list[str]:
    return [n.strip() for v in values or [] for n in v.split(",") if n.strip()]


def add_backend_options(parser: argparse.ArgumentParser) -> None:
    """Where clients build and run: the options `run` and `docs check` share."""
    parser.add_argument(
        "--backend",
        choices=BACKENDS,
        default=os.environ.get("HARNESS_BACKEND", "docker"),
        help="docker: the stub and each client in containers (default); local: this machine's toolchains "
        "[HARNESS_BACKEND]",
    )
    parser.add_argument(
        "--images",
        choices=IMAGE_PROFILES,
        default=os.environ.get("HARNESS_IMAGES", "official"),
        help="docker: the languages' official SDK images, or equivalents built from Debian packages "
        "(no registry needed) [HARNESS_IMAGES]",
    )
    parser.add_argument(
        "--ca-bundle",
        type=Path,
        default=os.environ.get("HARNESS_CA_BUNDLE") or None,
        help="docker: PEM file of extra CA certificates every image must trust, e.g. a TLS-inspecting "
        "proxy's [HARNESS_CA_BUNDLE]",
    )
    parser.add_argument(
        "--cache-dir",
        type=Path,
        default=os.environ.get("HARNESS_CACHE_DIR") or None,
        help="docker: keep the package caches in this host folder instead of named volumes (e.g. one CI "
        "saves and restores) [HARNESS_CACHE_DIR]",
    )
    parser.add_argument(
        "--offline",
        action="store_true",
        help="docker: containers reach the stub and nothing else (a warm rerun needs no downloads)",
    )


def add_docs_parser(sub) -> None:
    docs = sub.add_parser("docs", help="documentation pages: check the code samples inside them")
    docs_sub = docs.add_subparsers(dest="docs_command", required=True)
    check = docs_sub.add_parser(
        "check",
        help="find, build and run each page's samples against the stub; a verdict per sample",
        description="Read Markdown or reStructuredText pages, build and run the samples that call a scoring "
        "service against the stub (placeholders filled in), check what they sent and printed, lint them. "
        "Exit status 1 when a sample fails, 2 for bad input.",
    )
    check.add_argument("pages", nargs="+", type=Path, metavar="PAGE", help="Markdown (.md) or reStructuredText (.rst)")
    add_backend_options(check)
    check.add_argument("--results", type=Path, default=Path("results/docs"), help="folder for the reports and logs")
    check.add_argument(
        "-l", "--language", action="append", help="only samples in these languages (repeat or comma-separate)"
    )
    check.add_argument(
        "--placeholders",
        action="append",
        type=Path,
        default=[],
        metavar="FILE",
        help="more placeholder patterns (the format of harness/docs/placeholders.toml), tried first",
    )
    check.add_argument("--format", choices=("markdown", "rst"), help="the pages' format (default: by name and content)")
    check.add_argument(
        "-j", "--jobs", type=int, default=os.cpu_count() or 1, help="samples built and run at once (default: CPU count)"
    )
    check.add_argument(
        "--run-timeout", type=float, metavar="SECONDS", help="kill a sample's run after at most this long"
    )


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m harness", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command")
    run = sub.add_parser("run", help="run the conformance matrix (the default command)")
    run.add_argument("-l", "--language", action="append", help="only these languages (repeat or comma-separate)")
    run.add_argument("-s", "--scenario", action="append", help="only these scenarios (repeat or comma-separate)")
    add_backend_options(run)
    run.add_argument(
        "--last-failed",
        action="store_true",
        help="only the cells that failed in the last run with the same --results folder",
    )
    run.add_argument(
        "--changed-since",
        metavar="REF",
        help="only languages whose client folder changed since git REF (any other change: all)",
    )
    run.add_argument(
        "-j",
        "--jobs",
        type=int,
        default=os.cpu_count() or 1,
        help="languages built and run at once (default: CPU count)",
    )
    run.add_argument(
        "--scenario-jobs",
        type=int,
        default=4,
        metavar="N",
        help="scenarios run at once per language (default 4; most of a run is waiting on the stub)",
    )
    run.add_argument("--results", type=Path, default=Path("results"), help="folder for logs and results.json")
    run.add_argument(
        "--client",
        action="append",
        metavar="LANG=DIR",
        default=[],
        help="use DIR as LANG's client folder instead of clients/LANG (e.g. a fixture or a doc sample)",
    )
    run.add_argument(
        "--run-timeout",
        type=float,
        metavar="SECONDS",
        help="kill a client run after at most this long (caps each scenario's own limit)",
    )
    add_docs_parser(sub)
    sub.add_parser("list", help="list languages and scenarios")
    clean = sub.add_parser("clean", help="remove containers and networks left by killed docker runs")
    clean.add_argument("--all", action="store_true", help="also those of runs still going on")
    clean.add_argument("--volumes", action="store_true", help="also remove the package cache volumes")
    compare = sub.add_parser("report", help="the language comparison page over saved results.json files")
    compare.add_argument("files", nargs="+", type=Path, help="results.json files, oldest first")
    compare.add_argument("--out", type=Path, help="folder for comparison.html/.md (default: the last file's)")
    summary = sub.add_parser("summary", help="one matrix table over saved results.json files")
    summary.add_argument("files", nargs="*", type=Path, help="results.json files")
    summary.add_argument("--since", type=float, default=0.0, help="ignore files older than this Unix time")
    if not argv or argv[0].startswith("-") and argv[0] not in ("-h", "--help"):
        argv = ["run", *argv]
    args = parser.parse_args(argv)
    # argparse checks choices given on the command line, not defaults taken from the environment.
    for option, choices in (("backend", BACKENDS), ("images", IMAGE_PROFILES)):
        value = getattr(args, option, None)
        if value is not None and value not in choices:
            parser.error(f"HARNESS_{option.upper()}={value!r}: choose from {', '.join(choices)}")
    return args


def _with_client_overrides(languages: dict[str, catalog.Language], overrides: list[str]) -> dict:
    for item in overrides:
        name, sep, folder = item.partition("=")
        if not sep or name not in languages:
            raise catalog.CatalogError(f"--client takes LANG=DIR with LANG one of {', '.join(languages)}; got {item!r}")
        path = Path(folder).resolve()
        if not path.is_dir():
            raise catalog.CatalogError(f"--client {name}: {folder} is not a folder")
        languages[name] = replace(languages[name], client=path)
    return languages


def cmd_list(console: Console) -> int:
    for lang in catalog.load_languages().values():
        chains = ", ".join(
            f"{t.name}{'' if not t.missing() else ' (missing ' + ', '.join(t.missing()) + ')'}" for t in lang.local
        )
        console.print(
            f"language  {lang.name:8} {lang.title:8} {lang.client.relative_to(catalog.ROOT)}  local: {chains}"
        )
    for sc in catalog.load_scenarios().values():
        console.print(f"scenario  {sc.name:16} {sc.summary}")
    import tomllib  # the end of support of each pinned runtime and image (harness/support.toml)

    support = tomllib.loads((catalog.HERE / "support.toml").read_text(encoding="utf-8"))
    for e in sorted(support["entry"], key=lambda e: e["until"]):
        ended = f"; {e['ended']['support']} ended {e['ended']['on']}" if "ended" in e else ""
        line = f"support   {e['until']}{' (estimated)' if e.get('estimated') else ''}  {e['what']}{ended}"
        console.print(escape(line), soft_wrap=True)
    return 0


def cmd_run(args: argparse.Namespace, console: Console) -> int:
    languages = _with_client_overrides(catalog.load_languages(), args.client)
    chosen_langs = catalog.select(languages, _names(args.language), "language")
    chosen_scenarios = catalog.select(catalog.load_scenarios(), _names(args.scenario), "scenario")
    for option, value in (("--jobs", args.jobs), ("--scenario-jobs", args.scenario_jobs)):
        if value < 1:
            raise catalog.CatalogError(f"{option} must be at least 1")
    if args.run_timeout is not None:
        if args.run_timeout <= 0:
            raise catalog.CatalogError("--run-timeout must be a positive number of seconds")
        chosen_scenarios = [replace(s, run_timeout=min(s.run_timeout, args.run_timeout)) for s in chosen_scenarios]
    results_dir = args.results.resolve()
    cells = {lang.name: {s.name for s in chosen_scenarios} for lang in chosen_langs}
    if args.changed_since:
        changed = selection.changed_languages(chosen_langs, selection.changed_files(args.changed_since))
        cells = {name: wanted for name, wanted in cells.items() if name in {lang.name for lang in changed}}
    if args.last_failed:
        failed = selection.last_failed(results_dir / "results.json")
        cells = {name: wanted & failed.get(name, set()) for name, wanted in cells.items()}
    cells = {name: wanted for name, wanted in cells.items() if wanted}
    if not cells:
        why = "nothing failed in the last run" if args.last_failed else f"no client changed since {args.changed_since}"
        console.print(f"{why}: nothing to run")
        return 0
    chosen_langs = [lang for lang in chosen_langs if lang.name in cells]
    chosen_scenarios = [s for s in chosen_scenarios if any(s.name in wanted for wanted in cells.values())]
    redactor = Redactor()
    if args.ca_bundle and not args.ca_bundle.is_file():
        raise catalog.CatalogError(f"--ca-bundle {args.ca_bundle}: no such file")
    progress = LiveProgress(console, {name: len(wanted) for name, wanted in cells.items()})
    backend = get_backend(
        args.backend,
        images=args.images,
        ca_bundle=args.ca_bundle,
        offline=args.offline,
        cache_dir=args.cache_dir,
        log=lambda m: progress.note(args.backend, m),
    )
    try:
        with progress:
            matrix = runner.run_matrix(
                chosen_langs,
                chosen_scenarios,
                backend,
                results_dir,
                args.jobs,
                redactor,
                progress,
                cells,
                scenario_jobs=args.scenario_jobs,
            )
    finally:
        backend.close()
    doc = report.to_json(matrix, redactor)
    report.write_ci_files(doc, results_dir)
    compare.write([doc], catalog.load_languages(), results_dir)
    report.print_report(doc, console, report.write_json(doc, results_dir))
    return 0 if matrix.ok else 1


def _read_results(paths: list[Path]) -> list[dict]:
    docs = []
    for path in paths:
        try:
            docs.append(json.loads(path.read_text(encoding="utf-8")))
        except (OSError, ValueError) as exc:
            raise catalog.CatalogError(f"cannot read results file {path}: {exc}") from None
    return docs


def cmd_report(args: argparse.Namespace, console: Console) -> int:
    docs = _read_results(args.files)
    out = args.out or args.files[-1].parent
    out.mkdir(parents=True, exist_ok=True)
    for path in compare.write(docs, catalog.load_languages(), out):
        console.print(f"wrote {path}")
    return 0


def cmd_summary(args: argparse.Namespace, console: Console) -> int:
    """One table over saved results files, e.g. one per language from CI jobs."""
    docs = _read_results([p for p in args.files if not args.since or p.stat().st_mtime >= args.since])
    if not docs:
        raise catalog.CatalogError("no results files to summarise" + (" from this run" if args.since else ""))
    doc = report.merge(docs)
    report.print_summary(doc, console)
    return 0 if doc["ok"] else 1


def cmd_docs_check(args: argparse.Namespace, console: Console) -> int:
    from .docs import check, data
    from .docs import report as docs_report

    if args.jobs < 1:
        raise catalog.CatalogError("--jobs must be at least 1")
    if args.run_timeout is not None and args.run_timeout <= 0:
        raise catalog.CatalogError("--run-timeout must be a positive number of seconds")
    if args.ca_bundle and not args.ca_bundle.is_file():
        raise catalog.CatalogError(f"--ca-bundle {args.ca_bundle}: no such file")
    for path in args.placeholders:
        if not path.is_file():
            raise catalog.CatalogError(f"--placeholders {path}: no such file")
    loaded = data.load(args.placeholders)
    options = check.Options(
        backend=args.backend,
        backend_options={
            "images": args.images,
            "ca_bundle": args.ca_bundle,
            "offline": args.offline,
            "cache_dir": args.cache_dir,
            "log": lambda m: console.print(f"[dim]{args.backend}: {escape(m)}[/]"),
        },
        results_dir=args.results.resolve(),
        jobs=args.jobs,
        languages=_names(args.language),
        run_timeout=args.run_timeout,
        page_format=args.format,
    )
    redactor = Redactor()
    progress = lambda sample, message: console.print(f"[dim]{escape(sample)}:[/] {escape(message)}")  # noqa: E731
    run = check.check(args.pages, loaded, options, redactor, progress)
    doc = docs_report.to_json(run, redactor)
    docs_report.print_report(doc, console, docs_report.write(doc, options.results_dir))
    return 0 if run.ok else 1


def _sigterm(signum: int, frame: object) -> None:
    raise KeyboardInterrupt  # the same clean-up path as Ctrl-C


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    signal.signal(signal.SIGTERM, _sigterm)
    # Ctrl-C stops the run even when started from a shell that ignores SIGINT (a background job).
    signal.signal(signal.SIGINT, signal.default_int_handler)
    # Logs and CI have no terminal width; keep the matrix table readable there.
    console = Console(highlight=False, width=None if sys.stdout.isatty() else 160)
    try:
        if args.command == "list":
            return cmd_list(console)
        if args.command == "summary":
            return cmd_summary(args, console)
        if args.command == "report":
            return cmd_report(args, console)
        if args.command == "docs":
            return cmd_docs_check(args, console)
        if args.command == "clean":
            from .backends.docker import clean, connect

            counts = clean(connect(), only_dead=not args.all, volumes=args.volumes)
            console.print(", ".join(f"{n} {kind} removed" for kind, n in counts.items()))
            return 0
        return cmd_run(args, console)
    except (catalog.CatalogError, StubUnavailable, BackendUnavailable) as exc:
        print(f"harness: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("harness: interrupted", file=sys.stderr)
        return 130
