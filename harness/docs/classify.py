"""What to do with each code block: run it (with which scenario), or skip it and say why.

A block's language is its label's, or its content's when the label names none
(``detect.py``).  A block runs when it is in a language the check can build,
calls a service (names its address, imports an HTTP library or builds a
request: ``languages.toml`` ``calls``) and is a whole program (``program``).
Anything else is skipped with the reason: data (JSON shown on the page), a
language with no runner, server-side or deployment code (``detect.toml``
``[[skip]]``), a block that calls nothing (``pip install``), an address of a
protocol with no scenario yet, a fragment (a three-line tip).  A block that is
meant to run but cannot (a name it never imported or misspelt, a compiler
error) is not skipped: it runs and fails with the interpreter's or compiler's
message.
"""

from __future__ import annotations

from dataclasses import dataclass

from . import detect, placeholders
from .data import Data, DocLanguage, DocsError
from .extract import Block
from .numbers import strip_comments


@dataclass
class Plan:
    block: Block
    language: DocLanguage | None
    shown: str  # the language as the report names it
    runnable: bool
    reason: str  # why it is skipped, or how its scenario was chosen
    scenario: str = ""
    found: list[placeholders.Found] | None = None
    why: str = ""  # how the block's content decided its language ("" when its label or a hint did)
    context: object = None  # session.Context: what the page's earlier blocks give it


def _language(block: Block, data: Data) -> detect.Decision:
    """The block's language: a hint's, else its label's or its content's (``detect.decide``)."""
    if "language" in block.hints:
        word = block.hints["language"].lower()
        lang = data.language_of_fence(word)
        if lang is None and word not in data.formats:
            known = sorted({f for lang in data.languages.values() for f in lang.fences} | set(data.formats))
            where = block.hint_where
            raise DocsError(f"{where}: unknown language {word!r} in scoring-check hint; known: {', '.join(known)}")
        return detect.Decision(lang, lang.name if lang else word)
    return detect.decide(block, data)


def _line_of(block: Block, offset: int) -> int:
    return block.start + block.code.count("\n", 0, offset)


def code_of(block: Block, lang: DocLanguage) -> str:
    """The block's code with its comments blanked out (offsets and lines unchanged)."""
    return strip_comments(block.code, lang.quotes, lang.line_comment, lang.block_comment)


def infer_scenario(block: Block, code: str, data: Data) -> tuple[str, str]:
    """The scenario, and why: a hint, or the first rule of infer.toml whose patterns all match the code."""
    if "scenario" in block.hints:
        name = block.hints["scenario"]
        if name not in data.scenarios:
            raise DocsError(
                f"{block.hint_where}: unknown scenario {name!r} in scoring-check hint; "
                f"known: {', '.join(sorted(data.scenarios))}"
            )
        return name, f"scenario {name} (hint)"
    for rule in data.rules:
        hits = [p.search(code) for p in rule.match]
        if all(hits):
            if not hits:
                return rule.scenario, f"scenario {rule.scenario} (the default: nothing in the code asks for another)"
            first = hits[0]
            return (
                rule.scenario,
                f"scenario {rule.scenario} (from `{first.group(0)}`, line {_line_of(block, first.start())})",
            )
    raise AssertionError("infer.toml's last rule matches everything (checked on load)")


def _joined(reason: str, why: str) -> str:
    return f"{reason}; {why}" if why else reason


def classify(block: Block, data: Data) -> Plan:
    decision = _language(block, data)
    lang, shown, why = decision.lang, decision.shown, decision.why
    if block.hints.get("body", "any") != "any":
        raise DocsError(f"{block.hint_where}: scoring-check hint body= takes only 'any'")
    skip = lambda reason: Plan(block, lang, shown or "?", False, _joined(reason, why), why=why)  # noqa: E731
    if "skip" in block.hints:
        return skip(f"skip hint: {block.hints['skip']}" if block.hints["skip"] else "skip hint")
    if lang is None:
        if shown in data.formats:
            return skip(f"{shown}: data, not a program")
        if not shown:
            return skip("the block names no language (a hint can: language=...)")
        return skip(f"no runner for {shown!r}")
    if lang.not_run:  # recognised, not run yet (TypeScript)
        return skip(lang.not_run)
    found = placeholders.find(block.code, data.placeholders)
    forced = "run" in block.hints
    code = code_of(block, lang)
    not_a_client = "" if forced else detect.skip_rule(code, lang)
    if not_a_client:
        return skip(not_a_client)
    # A sample that names the service's address, imports an HTTP library or builds a request (even
    # misspelt: `request.post`) is meant to call the service: it runs, and fails if it cannot.
    addresses = [f.text for f in found if f.kind == "uri"]
    if not (forced or addresses or any(p.search(code) for p in lang.calls)):
        what = "no curl command" if lang.name == "shell" else "no HTTP call"
        return skip(f"{what}: not a client of a service")
    protocol = "" if forced else detect.unsupported_protocol(code)
    if protocol:
        return skip(protocol)
    whole = bool(lang.program) and all(p.search(code) for p in lang.program)
    if not (forced or whole or (lang.program_if_address and addresses)):
        return skip(lang.fragment)
    scenario, reason = infer_scenario(block, code, data)
    return Plan(block, lang, shown, True, _joined(reason, why), scenario, found, why)
