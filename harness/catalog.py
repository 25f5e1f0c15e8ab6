"""Languages and scenarios, loaded from the data files beside this module.

``languages/<name>.toml`` says how to build and run one client;
``scenarios/<name>.toml`` says how to set up the stub, what environment the
client gets and what it must send and print.  Adding either means adding a
file.  Everything is validated on load, so a typo in a data file is one
clear message naming the file, not a traceback in the middle of a run.
"""

from __future__ import annotations

import json
import re
import shutil
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
LANGUAGES_DIR = HERE / "languages"
SCENARIOS_DIR = HERE / "scenarios"


class CatalogError(Exception):
    """A data file is missing, malformed or asks for something unknown."""


def _load_toml(path: Path) -> dict:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise CatalogError(f"{path}: {exc}") from None


def _only(doc: dict, allowed: set[str], where: str) -> None:
    unknown = set(doc) - allowed
    if unknown:
        raise CatalogError(
            f"{where}: unknown key(s) {', '.join(sorted(unknown))}; allowed: {', '.join(sorted(allowed))}"
        )


def _command(value: Any, where: str) -> tuple[str, ...]:
    if not (isinstance(value, list) and value and all(isinstance(a, str) for a in value)):
        raise CatalogError(f"{where}: a command is a non-empty list of strings")
    return tuple(value)


# -- languages ---------------------------------------------------------------
@dataclass(frozen=True)
class TlsTrust:
    """The standard way a language's client trusts an extra CA ({ca_file}): commands run once after the
    build (e.g. importing it into a trust store), then environment variables, or another run command
    (e.g. Java's system properties), for the runs that need it."""

    prepare: tuple[tuple[str, ...], ...] = ()
    env: dict[str, str] = field(default_factory=dict)
    run: tuple[str, ...] | None = None


def _tls(doc: Any, where: str) -> TlsTrust | None:
    if doc is None:
        return None
    if not isinstance(doc, dict):
        raise CatalogError(f"{where}: tls is a table with prepare and env")
    _only(doc, {"prepare", "env", "run"}, f"{where}.tls")
    return TlsTrust(
        prepare=tuple(_command(c, f"{where}.tls.prepare") for c in doc.get("prepare", ())),
        env={str(k): str(v) for k, v in doc.get("env", {}).items()},
        run=_command(doc["run"], f"{where}.tls.run") if "run" in doc else None,
    )


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

    def missing(self) -> list[str]:
        """What this machine lacks for this toolchain (empty when usable)."""
        return [c for c in self.requires if shutil.which(c) is None] + [f for f in self.files if not Path(f).exists()]


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
    lint: tuple[LintStep, ...]
    docker: dict = field(default_factory=dict)
    sources: tuple[str, ...] = ()  # globs (in the client folder) counted as the sample's code
    dependencies: tuple[str, str] | None = None  # (build file, regex whose group 1 names a dependency)
    # The client's programs (one per service dialect) by name, each the value of {program} in `run`.
    programs: dict[str, str] = field(default_factory=lambda: {DEFAULT_PROGRAM: ""})
    tls: dict | None = None  # [tls]: the default of every toolchain's `tls`


def _toolchain(doc: Any, where: str) -> Toolchain:
    if not isinstance(doc, dict):
        raise CatalogError(f"{where}: a toolchain is a table")
    _only(doc, {"name", "requires", "build", "run", "env", "files", "install", "tls"}, where)
    for key in ("name", "build", "run"):
        if key not in doc:
            raise CatalogError(f"{where}: missing {key!r}")
    return Toolchain(
        name=str(doc["name"]),
        requires=tuple(doc.get("requires", ())),
        build=tuple(_command(c, f"{where}.build") for c in doc["build"]),
        run=_command(doc["run"], f"{where}.run"),
        env={str(k): str(v) for k, v in doc.get("env", {}).items()},
        files=tuple(doc.get("files", ())),
        install=str(doc.get("install", "")),
        tls=_tls(doc.get("tls"), where),
    )


DEFAULT_PROGRAM = "score"  # the Azure ML scoring sample every client folder has
DOCKER_KEYS = {"build", "run", "env", "caches", "tls"}
PROFILES = ("official", "debian")


def docker_toolchain(language: Language, profile: str) -> Toolchain:
    """The Docker toolchain of a profile: ``[docker]`` with ``[docker.<profile>]`` on top."""
    doc = {k: v for k, v in language.docker.items() if k not in PROFILES}
    doc.update(language.docker.get(profile, {}))
    where = f"{LANGUAGES_DIR / language.name}.toml: [docker] ({profile} profile)"
    if "build" not in doc or "run" not in doc:
        raise CatalogError(f"{where}: no build or run command")
    return Toolchain(
        name=f"docker/{profile}",
        requires=(),
        build=tuple(_command(c, f"{where}.build") for c in doc["build"]),
        run=_command(doc["run"], f"{where}.run"),
        env={str(k): str(v) for k, v in doc.get("env", {}).items()},
        caches=tuple(str(c) for c in doc.get("caches", ())),
        tls=_tls(doc.get("tls", language.tls), where),
    )


def load_language(path: Path) -> Language:
    doc = _load_toml(path)
    where = str(path)
    _only(doc, {"title", "client", "local", "lint", "docker", "report", "programs", "tls"}, where)
    if "client" not in doc:
        raise CatalogError(f"{where}: missing 'client' (the client folder)")
    client = (ROOT / doc["client"]).resolve()
    if not client.is_dir():
        raise CatalogError(f"{where}: client folder {doc['client']} does not exist")
    docker = dict(doc.get("docker", {}))
    _only(docker, DOCKER_KEYS | set(PROFILES), f"{where}: [docker]")
    for profile in PROFILES:
        _only(docker.get(profile, {}), DOCKER_KEYS, f"{where}: [docker.{profile}]")
    lint = []
    for i, step in enumerate(doc.get("lint", [])):
        _only(step, {"command", "fail_on_output"}, f"{where}: lint[{i}]")
        lint.append(LintStep(_command(step.get("command"), f"{where}: lint[{i}]"), bool(step.get("fail_on_output"))))
    _tls(doc.get("tls"), f"{where}: [tls]")  # checked here too: the Docker sections read it only when used
    programs = doc.get("programs", {DEFAULT_PROGRAM: ""})
    if not isinstance(programs, dict) or DEFAULT_PROGRAM not in programs:
        raise CatalogError(f"{where}: [programs] must name the {DEFAULT_PROGRAM!r} program (the {{program}} of `run`)")
    report = doc.get("report", {})
    _only(report, {"sources", "dependencies"}, f"{where}: [report]")
    deps = report.get("dependencies")
    if deps is not None:
        _only(deps, {"file", "pattern"}, f"{where}: [report.dependencies]")
        try:
            re.compile(deps["pattern"])
            deps = (str(deps["file"]), str(deps["pattern"]))
        except (KeyError, re.error) as exc:
            raise CatalogError(f"{where}: [report.dependencies] needs a file and a valid pattern ({exc})") from None
    return Language(
        name=path.stem,
        title=str(doc.get("title", path.stem)),
        client=client,
        local=tuple(
            _toolchain({"tls": doc["tls"], **t} if "tls" in doc else t, f"{where}: local[{i}]")
            for i, t in enumerate(doc.get("local", []))
        ),
        lint=tuple(lint),
        docker=docker,
        sources=tuple(str(g) for g in report.get("sources", ())),
        dependencies=deps,
        programs={str(k): str(v) for k, v in programs.items()},
        tls=doc.get("tls"),
    )


# -- scenarios ---------------------------------------------------------------
@dataclass(frozen=True)
class Scenario:
    name: str
    summary: str
    stub: dict
    env: dict[str, str]
    vars: dict[str, str]
    requests: tuple[dict, ...]
    expect: dict
    run_timeout: float
    source: Path
    program: str = DEFAULT_PROGRAM  # which of a client's programs the scenario runs
    trust_ca: bool = False  # hand the client the run's CA the standard way of its language ([tls])


EXPECT_KEYS = {"requests", "allow_retries", "exit_code", "stdout", "stderr", "max_seconds", "min_retry_gap"}
REQUEST_KEYS = {"scheme", "method", "path", "query", "headers", "forbidden_headers", "body", "times"}
BODY_KEYS = {"json", "json_file", "text", "empty", "file", "multipart"}
BODY_OPTIONS = {"patterns"}  # with json: values at these paths match a regex instead (e.g. a fresh UUID)
MULTIPART_KEYS = {"field", "filename", "content_type", "file"}
STDERR_KEYS = {"one_line", "mentions_response", "contains", "pattern"}
STDOUT_MODES = {"response-json", "empty", "any"}
DEFAULT_RUN_TIMEOUT = 60.0


def _check_request(req: dict, where: str) -> dict:
    _only(req, REQUEST_KEYS, where)
    body = dict(req.get("body", {}))
    _only(body, BODY_KEYS | BODY_OPTIONS, f"{where}.body")
    if len(set(body) - BODY_OPTIONS) > 1:
        raise CatalogError(f"{where}.body: give one of {', '.join(sorted(BODY_KEYS))}")
    if "multipart" in body:  # a form upload: one file field
        _only(body["multipart"], MULTIPART_KEYS, f"{where}.body.multipart")
        if set(body["multipart"]) != MULTIPART_KEYS:
            raise CatalogError(f"{where}.body.multipart: give {', '.join(sorted(MULTIPART_KEYS))}")
    for what, spec in (("file", body.get("file")), ("multipart.file", body.get("multipart", {}).get("file"))):
        if spec is not None and not (HERE / spec).is_file():  # exact bytes, e.g. an image
            raise CatalogError(f"{where}.body.{what}: {HERE / spec} does not exist")
    for path, pattern in body.get("patterns", {}).items():
        if not re.fullmatch(r"\$(\.[A-Za-z_][\w-]*|\[\d+\])+", path):
            raise CatalogError(f"{where}.body.patterns: {path!r} is not a path like $.meta.uuid or $.rows[0]")
        try:
            re.compile(pattern)
        except re.error as exc:
            raise CatalogError(f"{where}.body.patterns[{path!r}]: {exc}") from None
    if "json_file" in body:
        path = HERE / body.pop("json_file")
        try:
            body["json"] = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise CatalogError(f"{where}.body.json_file: {exc}") from None
    return {**req, "body": body}


def load_scenario(path: Path) -> Scenario:
    doc = _load_toml(path)
    where = str(path)
    _only(doc, {"summary", "program", "stub", "client", "vars", "expect", "run"}, where)
    stub = dict(doc.get("stub", {}))
    _only(stub, {"auth", "faults", "input", "jobs"}, f"{where}: [stub]")
    if stub.get("auth", "none") not in ("none", "key", "token"):
        raise CatalogError(f"{where}: [stub] auth must be none, key or token")
    if stub.get("input", "json") not in ("json", "binary", "multipart"):
        raise CatalogError(f"{where}: [stub] input must be json, binary or multipart")
    _only(stub.get("jobs", {}), {"seconds", "fail", "nextId"}, f"{where}: [stub.jobs]")
    client = doc.get("client", {})
    _only(client, {"env", "trust_ca"}, f"{where}: [client]")
    expect = dict(doc.get("expect", {}))
    _only(expect, EXPECT_KEYS, f"{where}: [expect]")
    requests = []
    for i, r in enumerate(expect.pop("requests", [])):
        times = r.get("times", 1) if isinstance(r, dict) else 1
        more = isinstance(times, str) and times.endswith("+")  # "2+": at least twice, e.g. polling
        times = int(times[:-1]) if more and times[:-1].isdigit() else times
        if not isinstance(times, int) or isinstance(times, bool) or times < 1:
            raise CatalogError(f'{where}: expect.requests[{i}].times is a whole number of at least 1, or "N+"')
        checked = _check_request(r, f"{where}: expect.requests[{i}]")
        checked.pop("times", None)
        requests += [checked] * (times - 1) + [{**checked, "repeats": True} if more else checked]
    requests = tuple(requests)
    exit_code = expect.get("exit_code", 0)
    if exit_code != "nonzero" and not isinstance(exit_code, int):
        raise CatalogError(f'{where}: expect.exit_code is a number or "nonzero"')
    if expect.get("stdout", "any") not in STDOUT_MODES:
        raise CatalogError(f"{where}: expect.stdout is one of {', '.join(sorted(STDOUT_MODES))}")
    _only(expect.get("stderr", {}), STDERR_KEYS, f"{where}: expect.stderr")
    if "pattern" in expect.get("stderr", {}):
        try:
            re.compile(expect["stderr"]["pattern"])
        except re.error as exc:
            raise CatalogError(f"{where}: expect.stderr.pattern: {exc}") from None
    run = doc.get("run", {})
    _only(run, {"timeout"}, f"{where}: [run]")
    return Scenario(
        name=path.stem,
        summary=str(doc.get("summary", "")),
        stub=stub,
        env={str(k): str(v) for k, v in client.get("env", {}).items()},
        vars={str(k): str(v) for k, v in doc.get("vars", {}).items()},
        requests=requests,
        expect=expect,
        run_timeout=float(run.get("timeout", DEFAULT_RUN_TIMEOUT)),
        source=path,
        program=str(doc.get("program", DEFAULT_PROGRAM)),
        trust_ca=bool(client.get("trust_ca", False)),
    )


def _load_dir(directory: Path, loader: Any) -> dict:
    items = {p.stem: loader(p) for p in sorted(directory.glob("*.toml"))}
    if not items:
        raise CatalogError(f"no data files in {directory}")
    return items


def load_languages(directory: Path = LANGUAGES_DIR) -> dict[str, Language]:
    return _load_dir(directory, load_language)


def load_scenarios(directory: Path = SCENARIOS_DIR) -> dict[str, Scenario]:
    return _load_dir(directory, load_scenario)


def select(available: dict, wanted: list[str] | None, kind: str) -> list:
    """The named items in catalogue order, or all; unknown names are an error."""
    if not wanted:
        return list(available.values())
    unknown = [w for w in wanted if w not in available]
    if unknown:
        raise CatalogError(f"unknown {kind}(s): {', '.join(unknown)}; known: {', '.join(available)}")
    return [available[name] for name in available if name in wanted]


# -- placeholders ------------------------------------------------------------
_PLACEHOLDER = re.compile(r"\{([a-z_][a-z0-9_]*)\}")


def render(value: Any, variables: dict[str, str]) -> Any:
    """Fill ``{name}`` placeholders in strings, lists and tables."""
    if isinstance(value, str):

        def fill(m: re.Match) -> str:
            if m.group(1) not in variables:
                raise CatalogError(f"unknown placeholder {m.group(0)}; known: {', '.join(sorted(variables))}")
            return variables[m.group(1)]

        return _PLACEHOLDER.sub(fill, value)
    if isinstance(value, list):
        return [render(v, variables) for v in value]
    if isinstance(value, dict):
        return {k: render(v, variables) for k, v in value.items()}
    return value
