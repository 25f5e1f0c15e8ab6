"""What to do with each code block: run it (with which scenario), or skip it and say why.

A block runs when it is in a language the check can build, calls a service
over HTTP and is a whole program (``languages.toml``: ``calls``, ``program``).
Anything else is skipped with the reason: data (JSON shown on the page), a
language with no runner, a block that calls nothing (a deployment snippet, a
server-side script, ``pip install``), a fragment (a three-line tip).  A block
that is meant to run but cannot (a name it never imported, a compiler error)
is not skipped: it runs and fails with the interpreter's or compiler's message.
"""

from __future__ import annotations

from dataclasses import dataclass

from . import placeholders
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


def _language(block: Block, data: Data) -> tuple[DocLanguage | None, str]:
    """The block's language and the word the report shows for it."""
    where = block.hint_where
    if "language" in block.hints:
        word = block.hints["language"].lower()
        lang = data.language_of_fence(word)
        if lang is None and word not in data.formats:
            known = sorted({f for lang in data.languages.values() for f in lang.fences} | set(data.formats))
            raise DocsError(f"{where}: unknown language {word!r} in scoring-check hint; known: {', '.join(known)}")
        return lang, lang.name if lang else word
    if not block.literal:
        lang = data.language_of_fence(block.fence)
        return lang, lang.name if lang else block.fence
    if block.highlight:  # a reST `::` block under `.. highlight:: LANG`
        lang = data.language_of_fence(block.highlight)
        return lang, lang.name if lang else block.highlight.lower()
    for lang in data.languages.values():  # a `::` block that names no language: recognise it
        if lang.sniff and any(p.search(block.code) for p in lang.sniff):
            return lang, lang.name
    return None, ""


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


def classify(block: Block, data: Data) -> Plan:
    lang, shown = _language(block, data)
    if block.hints.get("body", "any") != "any":
        raise DocsError(f"{block.hint_where}: scoring-check hint body= takes only 'any'")
    skip = lambda why: Plan(block, lang, shown or "?", False, why)  # noqa: E731
    if "skip" in block.hints:
        return skip(f"skip hint: {block.hints['skip']}" if block.hints["skip"] else "skip hint")
    if lang is None:
        if shown in data.formats:
            return skip(f"{shown}: data, not a program")
        if not shown:
            return skip("the block names no language (a hint can: language=...)")
        return skip(f"no runner for {shown!r}")
    found = placeholders.find(block.code, data.placeholders)
    forced = "run" in block.hints
    code = code_of(block, lang)
    if not forced and not any(p.search(code) for p in lang.calls):
        what = "no curl command" if lang.name == "shell" else "no HTTP call"
        return skip(f"{what}: not a client of a service")
    has_address = any(f.kind == "uri" for f in found)
    whole = bool(lang.program) and all(p.search(code) for p in lang.program)
    if not (forced or whole or (lang.program_if_address and has_address)):
        return skip(lang.fragment)
    scenario, why = infer_scenario(block, code, data)
    return Plan(block, lang, shown, True, why, scenario, found)
