"""The docs check's data files, loaded and validated: a typo is one message naming the file and key.

* ``languages.toml``: fence names, what makes a block a program, how to build, lint and read it;
* ``placeholders.toml``: what a sample leaves for its reader to fill in;
* ``packages.toml``: import -> the pinned package that provides it;
* ``infer.toml``: what a sample's code says about the scenario (harness/scenarios/) to check it with.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .. import catalog

HERE = Path(__file__).resolve().parent
KINDS = ("uri", "key", "file", "host", "deployment")  # host: the stub's host:port, from the uri
# The client contract variables whose value replaces each kind of placeholder (the first one set).
CONTRACT = {
    "uri": ("SCORING_URI",),
    "key": ("SCORING_KEY", "SCORING_TOKEN"),
    "file": ("SCORING_INPUT_FILE",),
    "deployment": ("SCORING_DEPLOYMENT",),
}


class DocsError(catalog.CatalogError):
    """Bad input to the docs check (a page, a hint, a data file); one line, exit status 2."""


def _load(path: Path) -> dict:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise DocsError(f"{path}: {exc}") from None


def _regex(value: Any, where: str, flags: int = 0) -> re.Pattern:
    try:
        return re.compile(str(value), flags)
    except re.error as exc:
        raise DocsError(f"{where}: bad regular expression: {exc}") from None


def _only(doc: dict, allowed: set[str], where: str) -> None:
    unknown = set(doc) - allowed
    if unknown:
        raise DocsError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}; allowed: {', '.join(sorted(allowed))}")


@dataclass(frozen=True)
class LintCommand:
    command: tuple[str, ...]
    where: str  # "build" | "host"


@dataclass(frozen=True)
class DocLanguage:
    name: str
    fences: tuple[str, ...]
    file: str
    toolchain: str = ""  # a harness/languages/ name, or "" (then requires/run)
    requires: tuple[str, ...] = ()
    run: tuple[str, ...] = ()
    build: tuple[tuple[str, ...], ...] = ()  # the sample's build steps, instead of its toolchain's
    install: str = ""
    not_run: str = ""  # a language recognised but not run yet: why its blocks are skipped
    program: tuple[re.Pattern, ...] = ()
    program_if_address: bool = False
    calls: tuple[re.Pattern, ...] = ()
    sniff: tuple[re.Pattern, ...] = ()
    quotes: tuple[str, ...] = ()
    line_comment: str = ""
    block_comment: tuple[str, str] | None = None
    drop_args: tuple[str, ...] = ()
    env: dict[str, str] = field(default_factory=dict)
    lint: tuple[LintCommand, ...] = ()
    diagnostics: re.Pattern | None = None
    trace: str = ""  # a regex template: {file} is the file's name
    fragment: str = "not a whole program"  # what a block that is not a program lacks
    run_program: str = ""  # the {program} of the toolchain's run command ({main_class}); "" = its score program
    error: re.Pattern | None = None  # finds a failed run's own message in its stderr (its group `message`)


LANGUAGE_KEYS = {
    "fences",
    "toolchain",
    "file",
    "requires",
    "run",
    "build",
    "install",
    "not_run",
    "program",
    "program_if_address",
    "calls",
    "sniff",
    "quotes",
    "line_comment",
    "block_comment",
    "drop_args",
    "env",
    "lint",
    "diagnostics",
    "trace",
    "fragment",
    "run_program",
    "error",
}


def _language(name: str, doc: Any, where: str, toolchains: dict) -> DocLanguage:
    if not isinstance(doc, dict):
        raise DocsError(f"{where}: [{name}] is a table")
    _only(doc, LANGUAGE_KEYS, f"{where}: [{name}]")
    if not doc.get("fences") or not doc.get("file"):
        raise DocsError(f"{where}: [{name}] needs fences and file")
    toolchain = str(doc.get("toolchain", ""))
    if toolchain and toolchain not in toolchains:
        raise DocsError(f"{where}: [{name}] toolchain {toolchain!r} is not in harness/languages/")
    if not toolchain and not doc.get("run") and not doc.get("not_run"):
        raise DocsError(f"{where}: [{name}] needs a toolchain, a run command or not_run (why it is not run)")
    build = doc.get("build", [])
    if not isinstance(build, list) or not all(isinstance(c, list) and c for c in build):
        raise DocsError(f"{where}: [{name}].build is a list of commands (lists of words)")
    lint = []
    for i, step in enumerate(doc.get("lint", [])):
        _only(step, {"command", "where"}, f"{where}: [{name}].lint[{i}]")
        if step.get("where", "build") not in ("build", "host") or not step.get("command"):
            raise DocsError(f'{where}: [{name}].lint[{i}] needs a command and where = "build" or "host"')
        lint.append(LintCommand(tuple(step["command"]), step.get("where", "build")))
    pats = lambda key: tuple(_regex(p, f"{where}: [{name}].{key}") for p in doc.get(key, []))  # noqa: E731
    block = doc.get("block_comment")
    return DocLanguage(
        name=name,
        fences=tuple(str(f).lower() for f in doc["fences"]),
        file=str(doc["file"]),
        toolchain=toolchain,
        requires=tuple(doc.get("requires", ())),
        run=tuple(doc.get("run", ())),
        build=tuple(tuple(str(a) for a in c) for c in build),
        install=str(doc.get("install", "")),
        not_run=str(doc.get("not_run", "")),
        program=pats("program"),
        program_if_address=bool(doc.get("program_if_address", False)),
        calls=pats("calls"),
        sniff=pats("sniff"),
        quotes=tuple(doc.get("quotes", ())),
        line_comment=str(doc.get("line_comment", "")),
        block_comment=(str(block[0]), str(block[1])) if block else None,
        drop_args=tuple(doc.get("drop_args", ())),
        env={str(k): str(v) for k, v in doc.get("env", {}).items()},
        lint=tuple(lint),
        diagnostics=_regex(doc["diagnostics"], f"{where}: [{name}].diagnostics") if "diagnostics" in doc else None,
        trace=str(doc.get("trace", "")),
        fragment=str(doc.get("fragment", "not a whole program")),
        run_program=str(doc.get("run_program", "")),
        error=_regex(doc["error"], f"{where}: [{name}].error") if "error" in doc else None,
    )


@dataclass(frozen=True)
class Placeholder:
    kind: str
    pattern: re.Pattern
    source: str  # the file it came from


@dataclass(frozen=True)
class Rule:
    scenario: str
    match: tuple[re.Pattern, ...]


@dataclass
class Data:
    languages: dict[str, DocLanguage]
    formats: tuple[str, ...]
    placeholders: list[Placeholder]
    packages: dict[str, dict[str, str]]
    rules: list[Rule]
    scenarios: dict[str, catalog.Scenario]
    toolchains: dict[str, catalog.Language]  # harness/languages/: how each language builds and runs

    def language_of_fence(self, word: str) -> DocLanguage | None:
        word = word.lower()
        return next((lang for lang in self.languages.values() if word in lang.fences), None)


def load_placeholders(path: Path) -> list[Placeholder]:
    doc = _load(path)
    _only(doc, {"placeholder"}, str(path))
    out = []
    for i, ph in enumerate(doc.get("placeholder", [])):
        where = f"{path}: placeholder[{i}]"
        _only(ph, {"kind", "text", "pattern"}, where)
        if ph.get("kind") not in KINDS:
            raise DocsError(f"{where}: kind must be one of {', '.join(KINDS)}")
        if ("text" in ph) == ("pattern" in ph):
            raise DocsError(f"{where}: give text or pattern")
        pattern = re.escape(ph["text"]) if "text" in ph else ph["pattern"]
        out.append(Placeholder(ph["kind"], _regex(pattern, where, re.IGNORECASE), str(path)))
    return out


def load(extra_placeholders: list[Path] | None = None) -> Data:
    """Everything the docs check reads, from harness/docs/ (plus any extra placeholder files)."""
    toolchains = catalog.load_languages()
    langs_doc = _load(HERE / "languages.toml")
    formats = tuple(str(f).lower() for f in langs_doc.pop("formats", []))
    languages = {
        name: _language(name, doc, str(HERE / "languages.toml"), toolchains) for name, doc in langs_doc.items()
    }
    placeholders = [p for path in extra_placeholders or [] for p in load_placeholders(path)]
    placeholders += load_placeholders(HERE / "placeholders.toml")
    packages_doc = _load(HERE / "packages.toml")
    _only(packages_doc, set(languages), str(HERE / "packages.toml"))
    packages = {lang: {str(k): str(v) for k, v in table.items()} for lang, table in packages_doc.items()}
    scenarios = catalog.load_scenarios()
    infer = _load(HERE / "infer.toml")
    _only(infer, {"rule"}, str(HERE / "infer.toml"))
    rules = []
    for i, rule in enumerate(infer.get("rule", [])):
        where = f"{HERE / 'infer.toml'}: rule[{i}]"
        _only(rule, {"scenario", "match"}, where)
        if rule.get("scenario") not in scenarios:
            raise DocsError(f"{where}: unknown scenario {rule.get('scenario')!r}")
        rules.append(Rule(rule["scenario"], tuple(_regex(p, where) for p in rule.get("match", []))))
    if not rules or rules[-1].match:
        raise DocsError(f"{HERE / 'infer.toml'}: the last rule must have no patterns (the default scenario)")
    return Data(languages, formats, placeholders, packages, rules, scenarios, toolchains)
