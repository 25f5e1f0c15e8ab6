"""``python -m harness``: a table of commands, each an argparse subcommand with its handler.

    python -m harness [run] [--language L] [--scenario S] [--backend local] ...
    python -m harness list
    python -m harness clean [--volumes] [--all]
    python -m harness summary results/*/results.json
    python -m harness report results/results.json [more/results.json ...]
    python -m harness docs check PAGE... [--backend local] ...
    python -m harness fidelity [--server NAME] [--rows N]
    python -m harness images standins
    python -m harness stub [--port 8080 ...]     (the options of python -m server_stub)

Installed (``pipx install .``), the same table is the ``scoring-kit`` command.

Each command's handler lives in the module of the same name (run.py,
summary.py, report.py, docs/); this file only wires them.  Exit status: 0 when
everything passed, 1 when something failed, 2 when the request itself is wrong
(unknown language, bad data file or option, stub won't start).
"""

from __future__ import annotations

import argparse
import signal
import sys
from collections.abc import Callable
from pathlib import Path

from rich.console import Console
from rich.markup import escape

from . import catalog
from .backends import BackendUnavailable
from .docs.extract import FORMATS
from .options import (
    Parser,
    add_backend_options,
    add_output_options,
    at_least,
    choice,
    existing_file,
    option,
    positive_seconds,
    resolve_environment,
)
from .protocols import load_protocols
from .realserver import ServerUnavailable
from .stubctl import StubUnavailable
from .targets import SERVER_MODES

DEFAULT_COMMAND = "run"  # `python -m harness --language go` runs the matrix


def _run(sub) -> None:
    from . import run

    p = sub.add_parser("run", help="run the conformance matrix (the default command)")
    p.add_argument("-s", "--scenario", action="append", help="only these scenarios (repeat or comma-separate)")
    p.add_argument("--target", metavar="URL", help="your deployed service as the real server behind the stub")
    add_output_options(p, "json", "junit", "md", annotations=False)  # a matrix cell has no page line for SARIF
    _run_options(p)
    p.set_defaults(handler=run.command)


def _record(sub) -> None:
    from . import record

    p = sub.add_parser(
        "record",
        help="run one sample against your live service and write the exchange as a scenario (replayed by the stub)",
    )
    p.add_argument("--target", metavar="URL", required=True, help="your deployed service")
    p.add_argument("--program", default="score", help="the sample program to record (default: score)")
    p.add_argument("--out", type=Path, required=True, metavar="DIR", help="the folder to write the scenario into")
    p.add_argument("--name", default=None, help="the scenario's name (default: recorded-<program>)")
    _run_options(p)
    p.set_defaults(handler=record.command, language=None)


def _run_options(p) -> None:
    """The options of `run` that `record` shares."""
    p.add_argument("-l", "--language", action="append", help="only these languages (repeat or comma-separate)")
    add_backend_options(p)
    p.add_argument(
        "--last-failed", action="store_true", help="only the cells that failed in the last run (same --results)"
    )
    p.add_argument("--changed-since", metavar="REF", help="only languages whose client folder changed since git REF")
    option(p, "-j", "--jobs", type=at_least("--jobs", 1), default=None, help="languages at once (default: CPU count)")
    p.add_argument(
        "--scenario-jobs",
        type=at_least("--scenario-jobs", 1),
        default=4,
        metavar="N",
        help="scenarios at once per language",
    )
    p.add_argument("--results", type=Path, default=Path("results"), help="folder for logs and results.json")
    p.add_argument("--client", action="append", metavar="LANG=DIR", default=[], help="DIR as LANG's client folder")
    p.add_argument("--run-timeout", type=positive_seconds("--run-timeout"), metavar="SECONDS", help="cap on each run")
    option(
        p,
        "--server",
        env="HARNESS_SERVER",
        default="stub",
        type=choice(*SERVER_MODES),
        help="who answers: the stub, the real model server of each protocol behind it (harness/servers/), or both",
    )
    p.add_argument("--target-key-env", metavar="NAME", default="SCORING_KEY", help="env var with its key or token")
    p.add_argument("--target-ca-bundle", type=existing_file("--target-ca-bundle"), help="CAs it may be signed by")
    p.add_argument("--target-protocol", default="azureml", type=choice(*load_protocols()), help="what it speaks")
    p.add_argument(
        "--scenarios", action="append", type=Path, metavar="DIR", help="more scenario files (e.g. what record wrote)"
    )


def _docs(sub) -> None:
    from .docs import command as docs
    from .docs.findings import parse_fail_on

    def fail_on(text: str) -> list[str]:
        try:
            return parse_fail_on(text)
        except ValueError as exc:
            raise argparse.ArgumentTypeError(f"--fail-on {text}: {exc}") from None

    p = sub.add_parser("docs", help="documentation pages: check the code samples inside them")
    docs_sub = p.add_subparsers(dest="docs_command", required=True)
    check = docs_sub.add_parser(
        "check",
        help="find, build and run each page's samples against the stub; a verdict per sample",
        description="Read Markdown or reStructuredText pages, build and run the samples that call a scoring "
        "service against the stub (placeholders filled in), check what they sent and printed, lint them. "
        "Exit status 1 when a sample fails, 2 for bad input.",
    )
    check.add_argument("pages", nargs="+", type=Path, metavar="PAGE", help="Markdown, reStructuredText or HTML pages")
    add_backend_options(check)
    check.add_argument("--results", type=Path, default=Path("results/docs"), help="folder for the reports and logs")
    check.add_argument("-l", "--language", action="append", help="only samples in these languages")
    check.add_argument(
        "--placeholders",
        action="append",
        type=existing_file("--placeholders"),
        default=[],
        metavar="FILE",
        help="more placeholder patterns (the format of harness/docs/placeholders.toml), tried first",
    )
    check.add_argument("--page-format", choices=FORMATS, help="the pages' format (default: by name and content)")
    add_output_options(check, "json", "junit", "md", "sarif")
    check.add_argument("-j", "--jobs", type=at_least("--jobs", 1), default=None, help="samples at once (default: CPUs)")
    check.add_argument(
        "--run-timeout", type=positive_seconds("--run-timeout"), metavar="SECONDS", help="cap on each run"
    )
    check.add_argument(
        "--fail-on",
        type=fail_on,
        metavar="LIST",
        help="finding categories that fail their block (exit 1): security, output (comma list; default none)",
    )
    check.set_defaults(handler=docs.check)


def _small_commands(sub) -> None:
    from . import report, summary

    p = sub.add_parser("list", help="list languages and scenarios")
    p.set_defaults(handler=list_catalogue)
    p = sub.add_parser("clean", help="remove containers and networks left by killed docker runs")
    p.add_argument("--all", action="store_true", help="also those of runs still going on")
    p.add_argument("--volumes", action="store_true", help="also remove the package cache volumes")
    p.set_defaults(handler=clean)
    p = sub.add_parser("report", help="the language comparison page over saved results.json files")
    p.add_argument("files", nargs="+", type=existing_file("report"), help="results.json files, oldest first")
    p.add_argument("--out", type=Path, help="folder for comparison.html/.md (default: the last file's)")
    p.set_defaults(handler=report.command)
    p = sub.add_parser("summary", help="one matrix table over saved results.json files")
    p.add_argument("files", nargs="*", type=Path, help="results.json files (others, e.g. a docs check's, are skipped)")
    p.add_argument("--since", type=float, default=0.0, help="ignore files older than this Unix time")
    p.set_defaults(handler=summary.command)


def _fidelity(sub) -> None:
    from .fidelity import command as fidelity
    from .fidelity.probes import FIDELITY

    p = sub.add_parser(
        "fidelity",
        help="the stub against the real servers it imitates: every probe to both, differences listed",
        description="Start the stub and each real server of harness/servers/ that speaks a probe catalogue's "
        "protocol, send every probe to both, print probe | real | stub | same and compare predictions. Exit "
        "status 1 for a difference not listed in the differences file, 2 for bad input.",
    )
    p.add_argument("--server", action="append", metavar="NAME", help="only these real servers (harness/servers/)")
    p.add_argument("--probes", action="append", type=existing_file("--probes"), metavar="FILE", help="catalogues")
    p.add_argument(
        "--differences",
        dest="differences_file",
        type=existing_file("--differences"),
        default=FIDELITY / "differences.toml",
        metavar="FILE",
        help="the deliberate differences, each with its reason (default harness/fidelity/differences.toml)",
    )
    p.add_argument("--rows", type=at_least("--rows", 1), default=1000, help="random valid rows for predictions")
    p.add_argument("--seed", type=int, default=20261201, help="seed of the random rows")
    p.add_argument("--results", type=Path, default=Path("results/fidelity"), help="folder for fidelity.json, logs")
    p.set_defaults(handler=fidelity.command)


def _images(sub) -> None:
    from .backends import standins

    p = sub.add_parser("images", help="SDK images: stand-ins for the official ones where no registry is reachable")
    images_sub = p.add_subparsers(dest="images_command", required=True)
    build = images_sub.add_parser(
        "standins",
        help="build stand-ins tagged like the official go, java and python images, check their layout",
        description="Build, from the debian profile's images, images tagged exactly like the official SDK images of "
        "harness/images/images.toml and laid out like them (harness/images/standins/), labelled scoring-kit.standin; "
        "a present image under such a tag without that label is kept. Exit status 1 when a layout differs.",
    )
    build.set_defaults(handler=standins.command)


def _stub(sub) -> None:
    # add_help=False: every argument, --help too, is the stub's own (parse_args hands them over).
    p = sub.add_parser("stub", help="start the stub scoring server (options: python -m server_stub)", add_help=False)
    p.set_defaults(handler=stub)


def stub(args: argparse.Namespace, console: Console) -> int:
    from server_stub.server import main as serve

    return serve(args.stub_args)


COMMANDS: list[Callable] = [_run, _record, _docs, _small_commands, _fidelity, _images, _stub]


def parser() -> Parser:
    prog = "scoring-kit" if Path(sys.argv[0]).name == "scoring-kit" else "python -m harness"
    top = Parser(prog=prog, description=__doc__.split("\n")[0])
    sub = top.add_subparsers(dest="command", parser_class=Parser)
    for add in COMMANDS:
        add(sub)
    return top


def parse_args(argv: list[str]) -> argparse.Namespace:
    top = parser()
    commands = set(top._subparsers._group_actions[0].choices)  # type: ignore[union-attr]
    if not argv or (argv[0] not in commands and argv[0] not in ("-h", "--help")):
        argv = [DEFAULT_COMMAND, *argv]
    args, extra = top.parse_known_args(argv)
    if extra and args.command != "stub":
        top.error(f"unrecognized arguments: {' '.join(extra)}")
    args.stub_args = extra
    return resolve_environment(top, args)


def list_catalogue(args: argparse.Namespace, console: Console) -> int:
    for lang in catalog.load_languages().values():
        chains = ", ".join(
            f"{t.name}{'' if not t.missing() else ' (missing ' + ', '.join(t.missing()) + ')'}" for t in lang.local
        )
        where = lang.client.relative_to(catalog.ROOT) if lang.client.is_relative_to(catalog.ROOT) else lang.client
        console.print(f"language  {lang.name:8} {lang.title:8} {where}  local: {chains}")
    for sc in catalog.load_scenarios().values():
        console.print(f"scenario  {sc.name:16} {sc.summary}")
    list_support(console)
    return 0


def list_support(console: Console) -> None:
    """The end of support of each pinned runtime and image (harness/support.toml), soonest first."""
    support = catalog.load_toml(catalog.HERE / "support.toml")
    for e in sorted(support["entry"], key=lambda e: e["until"]):
        ended = f"; {e['ended']['support']} ended {e['ended']['on']}" if "ended" in e else ""
        line = f"support   {e['until']}{' (estimated)' if e.get('estimated') else ''}  {e['what']}{ended}"
        console.print(escape(line), soft_wrap=True)


def clean(args: argparse.Namespace, console: Console) -> int:
    from .backends.docker import clean as remove
    from .backends.docker import connect

    counts = remove(connect(), only_dead=not args.all, volumes=args.volumes)
    console.print(", ".join(f"{n} {kind} removed" for kind, n in counts.items()))
    return 0


def _sigterm(signum: int, frame: object) -> None:
    raise KeyboardInterrupt  # the same clean-up path as Ctrl-C


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    signal.signal(signal.SIGTERM, _sigterm)
    # Ctrl-C stops the run even when started from a shell that ignores SIGINT (a background job).
    signal.signal(signal.SIGINT, signal.default_int_handler)
    # Logs and CI have no terminal width; keep the tables readable there.
    console = Console(highlight=False, width=None if sys.stdout.isatty() else 160)
    try:
        return args.handler(args, console)
    except (catalog.CatalogError, StubUnavailable, BackendUnavailable, ServerUnavailable) as exc:
        print(f"harness: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("harness: interrupted", file=sys.stderr)
        return 130
