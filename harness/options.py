"""Command-line options, declared once: type, default, environment variable, help.

Types validate once, at parse time, whether a value came from the command
line or from the environment; a bad value is one line and exit status 2.
``given(args)`` tells which options the user set explicitly (a backend refuses
those it cannot honour; one taken from the environment is a default, not a
request).
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, NoReturn

from .backends import NAMES as BACKENDS
from .backends import BackendOptions
from .catalog import PROFILES
from .outputs import DEFAULT_FORMATS

UNSET = object()


class Parser(argparse.ArgumentParser):
    """argparse, with every error on one line: ``harness: error: --jobs must be at least 1``."""

    def error(self, message: str) -> NoReturn:
        m = re.match(r"argument (?:-\w+/)?(--[\w-]+): (.*)", message, re.S)
        if m and m.group(2).startswith(m.group(1)):
            message = m.group(2)
        elif m:
            message = f"{m.group(1)}: {m.group(2)}"
        print(f"harness: error: {' '.join(message.split())}", file=sys.stderr)
        raise SystemExit(2)


def at_least(flag: str, low: float, kind: Callable[[str], Any] = int) -> Callable[[str], Any]:
    def convert(text: str) -> Any:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{flag} takes a number, not {text!r}") from None
        if value < low or value != value:
            raise argparse.ArgumentTypeError(f"{flag} must be at least {low:g}")
        return value

    return convert


def positive_seconds(flag: str) -> Callable[[str], float]:
    def convert(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            value = -1.0
        if not value > 0 or value == float("inf"):
            raise argparse.ArgumentTypeError(f"{flag} must be a positive number of seconds")
        return value

    return convert


def existing_file(flag: str) -> Callable[[str], Path]:
    def convert(text: str) -> Path:
        if not Path(text).is_file():
            raise argparse.ArgumentTypeError(f"{flag} {text}: no such file")
        return Path(text)

    return convert


def choice(*values: str) -> Callable[[str], str]:
    def convert(text: str) -> str:
        if text not in values:
            raise argparse.ArgumentTypeError(f"{text!r}: choose from {', '.join(values)}")
        return text

    return convert


_ENV: dict[str, tuple[str, Callable[[str], Any], Any]] = {}  # dest -> (variable, type, default)


def option(parser: argparse.ArgumentParser, *flags: str, env: str | None = None, default: Any = None, **kw: Any):
    """An option whose default may come from an environment variable (named in its help)."""
    if env:
        kw["help"] = f"{kw.get('help', '')} [{env}]"
    action = parser.add_argument(*flags, default=UNSET if env else default, **kw)
    if env:
        _ENV[action.dest] = (env, kw.get("type") or str, default)
    return action


def resolve_environment(parser: Parser, args: argparse.Namespace) -> argparse.Namespace:
    """Fill in the options left unset from their environment variables (validated by their type)."""
    given = set()
    for dest, (variable, convert, default) in _ENV.items():
        if not hasattr(args, dest):
            continue
        if getattr(args, dest) is not UNSET:
            given.add(dest)
            continue
        text = os.environ.get(variable)
        value = default
        if text:
            try:
                value = convert(text)
            except argparse.ArgumentTypeError as exc:
                parser.error(f"{variable}={text!r}: {str(exc).removeprefix(repr(text) + ': ')}")
        setattr(args, dest, value)
    args.given = frozenset(given)
    return args


def add_backend_options(parser: argparse.ArgumentParser) -> None:
    """Where clients build and run: the options `run` and `docs check` share."""
    option(
        parser,
        "--backend",
        env="HARNESS_BACKEND",
        default="docker",
        type=choice(*BACKENDS),
        help="docker: the stub and each client in containers (default); local: this machine's toolchains",
    )
    option(
        parser,
        "--images",
        env="HARNESS_IMAGES",
        default="auto",
        type=choice("auto", *PROFILES),
        help="docker: the languages' official SDK images, or equivalents built from Debian packages "
        "(no registry needed); auto (the default): official where a container registry answers",
    )
    option(
        parser,
        "--ca-bundle",
        env="HARNESS_CA_BUNDLE",
        type=existing_file("--ca-bundle"),
        help="docker: PEM file of CA certificates every image must trust, e.g. a TLS-inspecting proxy's "
        "(default: the host's own bundle)",
    )
    option(
        parser,
        "--cache-dir",
        env="HARNESS_CACHE_DIR",
        type=Path,
        help="docker: keep the package caches in this host folder instead of named volumes (e.g. one CI "
        "saves and restores)",
    )
    parser.add_argument(
        "--offline",
        action="store_true",
        help="docker: containers reach the stub and nothing else (a warm rerun needs no downloads)",
    )


def backend_options(args: argparse.Namespace, log: Callable[[str], None]) -> BackendOptions:
    given = {name for name in ("images", "ca_bundle", "cache_dir") if name in args.given}
    if args.offline:
        given.add("offline")
    return BackendOptions(
        images=args.images,
        ca_bundle=args.ca_bundle,
        cache_dir=args.cache_dir.resolve() if args.cache_dir else None,
        offline=args.offline,
        log=log,
        given=frozenset(given),
    )


def names(values: list[str] | None) -> list[str]:
    """``-l go,java -l python`` -> ["go", "java", "python"]."""
    return [n.strip() for v in values or [] for n in v.split(",") if n.strip()]


def format_list(*allowed: str) -> Callable[[str], list[str]]:
    def convert(text: str) -> list[str]:
        values = [v.strip() for v in text.split(",") if v.strip()]
        unknown = [v for v in values if v not in allowed]
        if unknown or not values:
            raise argparse.ArgumentTypeError(f"--format {text!r}: choose from {', '.join(allowed)}")
        return values

    return convert


def add_output_options(parser: argparse.ArgumentParser, *allowed: str, annotations: bool = True) -> None:
    """--format (the files to write) and --annotations (GitHub workflow commands at the page lines)."""
    parser.add_argument(
        "--format",
        dest="formats",
        action="append",
        type=format_list(*allowed),
        metavar="FORMAT",
        help=f"files to write, repeat or comma-separate: {', '.join(allowed)} (default: {','.join(DEFAULT_FORMATS)})",
    )
    if not annotations:
        return
    parser.add_argument(
        "--annotations",
        default="auto",
        type=choice("auto", "github", "none"),
        help="print GitHub's ::error file=...,line=...:: commands for failures and findings (auto: when "
        "GITHUB_ACTIONS=true)",
    )


def output_formats(args: argparse.Namespace) -> tuple[str, ...]:
    chosen = [f for values in getattr(args, "formats", None) or [] for f in values]
    return tuple(dict.fromkeys(chosen)) or DEFAULT_FORMATS
