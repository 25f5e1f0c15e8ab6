"""A client language, parsed once from ``languages/<name>.toml`` into frozen objects.

A language file names its client folder and programs, defines each toolchain
once under ``[toolchains.<name>]`` (with what differs inside a container under
``[toolchains.<name>.docker]``), then refers to them by name: ``local`` (tried
in order on this machine) and ``docker`` (one per image profile).  Builds that
repeat per program are written once as ``build_each``.  Everything that is
specific to a language (folders a build leaves behind, environment variables a
local run needs) is here, not in Python.
"""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from .datafiles import KIT, CatalogError, command, load_toml, only, strings

DEFAULT_PROGRAM = "score"  # the Azure ML scoring sample every client folder has
PROFILES = ("official", "debian")
TOOLCHAIN_KEYS = {"requires", "files", "build", "build_each", "run", "env", "install", "tls", "docker"}
DOCKER_KEYS = {"build", "build_each", "run", "env", "caches", "tls"}
LANGUAGE_KEYS = {"title", "client", "programs", "toolchains", "local", "docker", "tls", "lint", "report"}
LANGUAGE_KEYS |= {"ignore", "pass_env"}


@dataclass(frozen=True)
class TlsTrust:
    """The standard way a client trusts an extra CA ({ca_file}): commands run once after the build (e.g.
    importing it into a trust store), then environment variables, or another run command (Java's system
    properties), for the runs that need it."""

    prepare: tuple[tuple[str, ...], ...] = ()
    env: dict[str, str] = field(default_factory=dict)
    run: tuple[str, ...] | None = None


@dataclass(frozen=True)
class Toolchain:
    """One way to build and run a client: named commands and how to get them."""

    name: str
    requires: tuple[str, ...]
    build: tuple[tuple[str, ...], ...]
    run: tuple[str, ...]
    env: dict[str, str] = field(default_factory=dict)
    files: tuple[str, ...] = ()
    install: str = ""
    caches: tuple[str, ...] = ()  # named volumes (Docker backend)
    tls: TlsTrust | None = None  # how this toolchain's client is told to trust an extra CA
    build_each: tuple[tuple[str, ...], ...] = ()  # steps run once per program ({program} and its variables)

    def missing(self) -> list[str]:
        """What this machine lacks for this toolchain (empty when usable)."""
        return [c for c in self.requires if shutil.which(c) is None] + [f for f in self.files if not Path(f).exists()]


@dataclass(frozen=True)
class Program:
    """One program of a client: ``value`` is ``{program}`` in the toolchain's commands; ``variables`` are the
    program's other placeholders (e.g. ``{project}``, ``{source}``) for ``build_each``."""

    value: str
    variables: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class LintStep:
    command: tuple[str, ...]
    fail_on_output: bool = False


@dataclass(frozen=True)
class Language:
    name: str
    title: str
    client: Path
    local: tuple[Toolchain, ...]
    lint: tuple[LintStep, ...] = ()
    docker: dict[str, Toolchain] = field(default_factory=dict)  # image profile -> toolchain
    sources: tuple[str, ...] = ()  # globs (in the client folder) counted as the sample's code
    dependencies: tuple[str, str] | None = None  # (build file, regex whose group 1 names a dependency)
    handles: dict[str, str] = field(default_factory=dict)  # comparison.toml feature -> how the sample does it
    programs: dict[str, Program] = field(default_factory=lambda: {DEFAULT_PROGRAM: Program("")})
    ignore: tuple[str, ...] = ()  # build outputs a reader may have left in the client folder: never copied
    pass_env: tuple[str, ...] = ()  # environment a local run inherits from the harness, besides the basics
    source: Path | None = None  # the language file


def docker_toolchain(language: Language, profile: str) -> Toolchain:
    """The toolchain that builds the language's client in the image profile's SDK image."""
    if profile not in language.docker:
        raise CatalogError(f"{language.source}: no Docker toolchain for the {profile} image profile ([docker])")
    return language.docker[profile]


def _tls(doc: Any, where: str) -> TlsTrust | None:
    if doc is None:
        return None
    if not isinstance(doc, dict):
        raise CatalogError(f"{where}: tls is a table with prepare, env and run")
    only(doc, {"prepare", "env", "run"}, f"{where}.tls")
    return TlsTrust(
        prepare=tuple(command(c, f"{where}.tls.prepare") for c in doc.get("prepare", ())),
        env=strings(doc.get("env", {})),
        run=command(doc["run"], f"{where}.tls.run") if "run" in doc else None,
    )


def _commands(doc: dict, key: str, where: str) -> tuple[tuple[str, ...], ...]:
    value = doc.get(key, [])
    if not isinstance(value, list):
        raise CatalogError(f"{where}.{key}: a list of commands")
    return tuple(command(c, f"{where}.{key}") for c in value)


def _toolchain(name: str, doc: Any, default_tls: Any, where: str) -> tuple[Toolchain, Toolchain]:
    """The toolchain as it runs on this machine, and as it runs in a container."""
    if not isinstance(doc, dict):
        raise CatalogError(f"{where}: a toolchain is a table")
    only(doc, TOOLCHAIN_KEYS, where)
    if "run" not in doc:
        raise CatalogError(f"{where}: missing 'run'")
    if "build" not in doc and "build_each" not in doc:
        raise CatalogError(f"{where}: missing 'build' (or 'build_each')")
    local = Toolchain(
        name=name,
        requires=tuple(doc.get("requires", ())),
        build=_commands(doc, "build", where),
        build_each=_commands(doc, "build_each", where),
        run=command(doc["run"], f"{where}.run"),
        env=strings(doc.get("env", {})),
        files=tuple(doc.get("files", ())),
        install=str(doc.get("install", "")),
        tls=_tls(doc.get("tls", default_tls), where),
    )
    inside = doc.get("docker", {})
    only(inside, DOCKER_KEYS, f"{where}.docker")
    changed: dict[str, Any] = {
        "name": name,
        "requires": (),
        "files": (),
        "env": {**local.env, **strings(inside.get("env", {}))},
    }
    for key in ("build", "build_each"):
        if key in inside:
            changed[key] = _commands(inside, key, f"{where}.docker")
    if "run" in inside:
        changed["run"] = command(inside["run"], f"{where}.docker.run")
    if "tls" in inside:
        changed["tls"] = _tls(inside["tls"], f"{where}.docker")
    changed["caches"] = tuple(str(c) for c in inside.get("caches", ()))
    return local, replace(local, **changed)


def _programs(doc: Any, where: str) -> dict[str, Program]:
    if not isinstance(doc, dict) or DEFAULT_PROGRAM not in doc:
        raise CatalogError(f"{where}: [programs] must name the {DEFAULT_PROGRAM!r} program (the {{program}} of `run`)")
    out = {}
    for name, value in doc.items():
        if isinstance(value, dict):
            if "value" not in value:
                raise CatalogError(f"{where}: [programs] {name} needs a value (the {{program}} of `run`)")
            out[str(name)] = Program(str(value["value"]), {str(k): str(v) for k, v in value.items() if k != "value"})
        else:
            out[str(name)] = Program(str(value))
    return out


def _client(value: Any, path: Path) -> Path:
    """The client folder: relative to the repository (the installed kit), or to the language file's own folder."""
    if not isinstance(value, str):
        raise CatalogError(f"{path}: missing 'client' (the client folder)")
    for base in (KIT, path.parent):
        if (base / value).is_dir():
            return (base / value).resolve()
    raise CatalogError(f"{path}: client folder {value} does not exist")


def _uses(value: Any, toolchains: dict[str, tuple[Toolchain, Toolchain]], where: str) -> list[str]:
    names = [value] if isinstance(value, str) else list(value or [])
    if not all(isinstance(n, str) for n in names):
        raise CatalogError(f"{where}: toolchain names (each defined under [toolchains.<name>])")
    unknown = [n for n in names if n not in toolchains]
    if unknown:
        raise CatalogError(f"{where}: unknown toolchain(s) {', '.join(unknown)}; defined: {', '.join(toolchains)}")
    return names


HANDLED_BY = ("standard: ", "library: ", "code: ")  # comparison.toml's kinds


def _handles(doc: Any, where: str) -> dict[str, str]:
    """[report.handles]: feature = "standard: ..." | "library: ..." | "code: ..." (the features: comparison.toml)."""
    if not isinstance(doc, dict) or not all(isinstance(v, str) and v.startswith(HANDLED_BY) for v in doc.values()):
        raise CatalogError(f'{where}: [report.handles] values are "standard: ...", "library: ..." or "code: ..."')
    return {str(k): v for k, v in doc.items()}


def _report(doc: dict, where: str) -> tuple[tuple[str, ...], tuple[str, str] | None]:
    only(doc, {"sources", "dependencies", "handles"}, f"{where}: [report]")
    deps = doc.get("dependencies")
    if deps is not None:
        only(deps, {"file", "pattern"}, f"{where}: [report.dependencies]")
        try:
            re.compile(deps["pattern"])
            deps = (str(deps["file"]), str(deps["pattern"]))
        except (KeyError, re.error) as exc:
            raise CatalogError(f"{where}: [report.dependencies] needs a file and a valid pattern ({exc})") from None
    return tuple(str(g) for g in doc.get("sources", ())), deps


def load_language(path: Path) -> Language:
    doc = load_toml(path)
    where = str(path)
    only(doc, LANGUAGE_KEYS, where)
    client = _client(doc.get("client"), path)
    default_tls = doc.get("tls")
    _tls(default_tls, f"{where}: [tls]")
    chains = {
        str(name): _toolchain(str(name), t, default_tls, f"{where}: [toolchains.{name}]")
        for name, t in doc.get("toolchains", {}).items()
    }
    docker = doc.get("docker", {})
    if isinstance(docker, str):  # one toolchain for every image profile
        docker = dict.fromkeys(PROFILES, docker)
    only(docker, set(PROFILES), f"{where}: docker")
    lint = []
    for i, step in enumerate(doc.get("lint", [])):
        only(step, {"command", "fail_on_output"}, f"{where}: lint[{i}]")
        lint.append(LintStep(command(step.get("command"), f"{where}: lint[{i}]"), bool(step.get("fail_on_output"))))
    sources, deps = _report(doc.get("report", {}), where)
    handles = _handles(doc.get("report", {}).get("handles", {}), where)
    return Language(
        name=path.stem,
        title=str(doc.get("title", path.stem)),
        client=client,
        local=tuple(chains[n][0] for n in _uses(doc.get("local"), chains, f"{where}: local")),
        lint=tuple(lint),
        docker={
            p: replace(chains[_uses(n, chains, f"{where}: docker.{p}")[0]][1], name=f"docker/{p}")
            for p, n in docker.items()
        },
        sources=sources,
        dependencies=deps,
        handles=handles,
        programs=_programs(doc.get("programs", {DEFAULT_PROGRAM: ""}), where),
        ignore=tuple(str(p) for p in doc.get("ignore", ())),
        pass_env=tuple(str(p) for p in doc.get("pass_env", ())),
        source=path,
    )
