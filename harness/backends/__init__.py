"""Where stubs and clients run.  Each backend offers the same four things:

* ``stub(log_path)``: a context manager that starts the stub and yields
  ``(admin_url, client_url)``, the stub's address for the harness and for
  the clients (the same locally; a container name in Docker); while it runs,
  ``tls`` holds its HTTPS addresses and the run's CA as clients see them;
* ``build(language, build_dir, log)``: choose a toolchain, build the client
  once and return a ``Built`` handle (or raise ``BuildError``);
* ``run(built, env, timeout, program)``: run one of the built client's
  programs (``Built.programs``) once, returning ``checks.RunResult``;
* ``close()``: release whatever the backend holds.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, TextIO

from ..catalog import Language, Toolchain, render
from ..checks import RunResult


class BackendUnavailable(Exception):
    """The backend cannot run here (e.g. no Docker engine); the message says how to fix it."""


class BuildError(Exception):
    """The client could not be built; ``kind`` is "missing-toolchain" or "build-failed"."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind


@dataclass
class Built:
    language: Language
    toolchain: Toolchain
    src: Path
    programs: dict[str, list[str]]  # the command of each program of the client, by name
    env: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0
    handle: Any = None  # the backend's own (e.g. the language's container)
    image: str = ""  # Docker backend: the SDK image it was built in, and its size
    image_bytes: int = 0
    tls_env: dict[str, str] = field(default_factory=dict)  # what makes a run trust the run's CA ...
    tls_programs: dict[str, list[str]] | None = None  # ... with these commands, when they differ

    def argv(self, program: str, trust_ca: bool = False) -> list[str]:
        return (self.tls_programs if trust_ca and self.tls_programs else self.programs)[program]


# Build outputs a reader may have left in a client folder; never copied.
IGNORED = shutil.ignore_patterns("bin", "obj", "target", ".venv", "venv", "__pycache__", "*.exe", "*.class")


def stage_client(client: Path, build_dir: Path) -> Path:
    """A fresh copy of a client folder in build_dir/src, links resolved, build outputs left out."""
    shutil.rmtree(build_dir, ignore_errors=True)
    src = build_dir / "src"
    shutil.copytree(client, src, ignore=IGNORED)
    return src


def program_commands(language: Language, toolchain: Toolchain, variables: dict[str, str]) -> dict[str, list[str]]:
    """The toolchain's run command for each of the language's programs (``{program}`` filled in)."""
    return {
        name: render(list(toolchain.run), {**variables, "program": value}) for name, value in language.programs.items()
    }


def tls_steps(language: Language, toolchain: Toolchain, variables: dict[str, str]) -> tuple[list[list[str]], dict]:
    """What makes the toolchain's client trust the run's CA ({ca_file}): the commands to run after the
    build, and the Built fields ``tls_env`` and ``tls_programs``."""
    tls = toolchain.tls
    if tls is None or "ca_file" not in variables:
        return [], {}
    fields = {"tls_env": render(dict(tls.env), variables)}
    if tls.run:
        fields["tls_programs"] = program_commands(language, replace(toolchain, run=tls.run), variables)
    return [render(list(c), variables) for c in tls.prepare], fields


def record_step(log: TextIO, argv: list[str], result: RunResult) -> None:
    """Append a build step's output to the language's log; a failed step raises BuildError with its tail."""
    log.write(result.stdout + result.stderr)
    log.flush()
    if result.exit_code != 0:
        why = "timed out" if result.killed else f"exit code {result.exit_code}"
        output = (result.stderr.strip() or result.stdout.strip() or "(no output)").splitlines()
        raise BuildError("build-failed", f"`{' '.join(argv)}` failed ({why}):\n" + "\n".join(output[-40:]))


def get_backend(name: str, **options):
    if name == "local":
        from .local import LocalBackend

        return LocalBackend(**options)
    if name == "docker":
        from .docker import DockerBackend

        return DockerBackend(**options)
    raise ValueError(f"unknown backend {name!r}; available: local, docker")
