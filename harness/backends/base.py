"""What every backend is, and the types that cross its boundary.

A backend is where the stub and the clients run (``local``: child processes on
this machine's toolchains; ``docker``: containers).  The rest of the harness
knows a backend only through :class:`Backend`; it hands over a ``Language``
and gets back a :class:`Built` client, then one :class:`RunResult` per run.
Options a backend cannot honour are refused when it is made
(:func:`check_options`), never silently ignored.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field, fields, replace
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, TextIO

from ..catalog import Language, Toolchain, render
from ..tls import TlsEndpoints

if TYPE_CHECKING:
    from ..realserver import RealServer, ServerDefinition


class BackendUnavailable(Exception):
    """The backend cannot run here (e.g. no Docker engine, an option it does not support); the message says why."""


class BuildErrorKind(StrEnum):
    MISSING_TOOLCHAIN = "missing-toolchain"
    BUILD_FAILED = "build-failed"


class BuildError(Exception):
    """The client could not be built; ``kind`` says whether a toolchain was missing or the build failed."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = BuildErrorKind(kind)


@dataclass
class RunResult:
    """What one run of a command did."""

    exit_code: int | None
    stdout: str
    stderr: str
    seconds: float
    killed: bool = False  # still running at its time limit
    peak_kb: int | None = None  # the process's peak resident memory, where the backend measures it (local)


@dataclass
class Built:
    """A client built once by a backend, ready to run any of its programs."""

    language: Language
    toolchain: Toolchain
    src: Path
    programs: dict[str, list[str]]  # the command of each program of the client, by name
    env: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0
    handle: Any = None  # the backend's own (e.g. the language's container)
    image: str = ""  # Docker backend: the SDK image it was built in, and its size
    image_bytes: int = 0
    standin: str = ""  # the image's stand-in label when it is a stand-in for an official image (standins.py)
    tls_env: dict[str, str] = field(default_factory=dict)  # what makes a run trust the run's CA ...
    tls_programs: dict[str, list[str]] | None = None  # ... with these commands, when they differ

    def argv(self, program: str, trust_ca: bool = False) -> list[str]:
        return (self.tls_programs if trust_ca and self.tls_programs else self.programs)[program]


@dataclass(frozen=True)
class BackendOptions:
    """Every backend option of the command line; ``given`` names those the user set explicitly."""

    images: str = "auto"
    ca_bundle: Path | None = None
    cache_dir: Path | None = None
    offline: bool = False
    log: Callable[[str], None] = field(default=lambda message: None, compare=False)
    given: frozenset[str] = frozenset()


OPTION_FLAGS = {
    f.name: "--" + f.name.replace("_", "-") for f in fields(BackendOptions) if f.name not in ("log", "given")
}


class Backend(Protocol):
    """The contract every backend keeps (see local.py and docker.py)."""

    name: str  # shown in reports, e.g. "local", "docker/debian"
    payloads: str  # harness/payloads as a client sees it
    python: str  # the Python a build step or lint command runs as {python}
    tls: TlsEndpoints | None  # the running stub's HTTPS addresses and the run's CA, as clients see them
    notes: list[str]  # what the results must say about where the clients ran (e.g. stand-in images)

    def stub(self, log_path: Path) -> AbstractContextManager[tuple[str, str]]:
        """Start the stub; yields (admin URL for the harness, base URL for the clients)."""
        ...

    def real_server(
        self, defn: ServerDefinition, model: str, log_dir: Path, log: Callable[[str], None]
    ) -> AbstractContextManager[RealServer]:
        """Start a real model server where the stub reaches it (--server real); stop it on the way out."""
        ...

    def build(self, language: Language, build_dir: Path, log: TextIO) -> Built:
        """Build the client once (or raise BuildError)."""
        ...

    def run(
        self, built: Built, env: dict[str, str], timeout: float, program: str = "score", trust_ca: bool = False
    ) -> RunResult:
        """Run one of the built client's programs once."""
        ...

    def execute(self, built: Built, argv: list[str], timeout: float) -> RunResult:
        """Run any command where the client was built (e.g. a linter)."""
        ...

    def close(self) -> None:
        """Release whatever the backend holds (idempotent, safe from any thread)."""
        ...


def check_options(backend: str, options: BackendOptions, supported: set[str]) -> None:
    """Refuse, in one line, an option the user gave that this backend cannot honour."""
    refused = sorted(options.given - supported)
    if refused:
        flags = ", ".join(OPTION_FLAGS[name] for name in refused)
        raise BackendUnavailable(
            f"the {backend} backend does not support {flags} (an option of the docker backend); drop it or use "
            "--backend docker"
        )


def stage_client(language: Language, build_dir: Path) -> Path:
    """A fresh copy of a client folder in build_dir/src, links resolved, the language's build outputs left out."""
    shutil.rmtree(build_dir, ignore_errors=True)
    src = build_dir / "src"
    shutil.copytree(language.client, src, ignore=shutil.ignore_patterns(*language.ignore))
    return src


def program_commands(language: Language, toolchain: Toolchain, variables: dict[str, str]) -> dict[str, list[str]]:
    """The toolchain's run command for each of the language's programs (``{program}`` filled in)."""
    return {
        name: render(list(toolchain.run), {**variables, **program.variables, "program": program.value})
        for name, program in language.programs.items()
    }


def build_commands(language: Language, toolchain: Toolchain, variables: dict[str, str]) -> list[list[str]]:
    """The toolchain's build steps: ``build`` once, then ``build_each`` once per program."""
    steps = [render(list(c), variables) for c in toolchain.build]
    for program in language.programs.values():
        each = {**variables, **program.variables, "program": program.value}
        steps += [render(list(c), each) for c in toolchain.build_each]
    return steps


def tls_steps(language: Language, toolchain: Toolchain, variables: dict[str, str]) -> tuple[list[list[str]], dict]:
    """What makes the toolchain's client trust the run's CA ({ca_file}): the commands to run after the
    build, and the Built fields ``tls_env`` and ``tls_programs``."""
    tls = toolchain.tls
    if tls is None or "ca_file" not in variables:
        return [], {}
    out: dict[str, Any] = {"tls_env": render(dict(tls.env), variables)}
    if tls.run:
        out["tls_programs"] = program_commands(language, replace(toolchain, run=tls.run), variables)
    return [render(list(c), variables) for c in tls.prepare], out


def record_step(log: TextIO, argv: list[str], result: RunResult) -> None:
    """Append a build step's output to the language's log; a failed step raises BuildError with its tail."""
    log.write(result.stdout + result.stderr)
    log.flush()
    if result.exit_code != 0:
        why = "timed out" if result.killed else f"exit code {result.exit_code}"
        output = (result.stderr.strip() or result.stdout.strip() or "(no output)").splitlines()
        raise BuildError("build-failed", f"`{' '.join(argv)}` failed ({why}):\n" + "\n".join(output[-40:]))
