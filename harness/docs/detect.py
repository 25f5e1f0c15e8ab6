"""What a code block is: its language from its label, or from its content when the label says nothing.

The rules are data (``detect.toml``: generic and weak labels, data formats, skip rules, protocols
not supported yet; ``languages.toml``: each language's ``sniff`` patterns).  Every decision the
content made comes with the words the report shows, e.g. "language: python (from content:
`import requests`; the fence names none)".
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass
from pathlib import Path

from .data import HERE, Data, DocLanguage, DocsError, _load, _only, _regex
from .extract import Block

DETECT = HERE / "detect.toml"
# What a block's label is called in the report, by where the block comes from.
WHERE = {
    "fence": "the fence",
    "directive": "the directive",
    "literal": "the `::` block",
    "indented": "the indented block",
    "html": "the <pre>'s class",
    "highlight": "`.. highlight::`",
}


@dataclass(frozen=True)
class Rule:
    what: str  # the data format, the skip's reason or the protocol's name
    match: tuple[re.Pattern, ...]
    languages: tuple[str, ...] = ()


@dataclass(frozen=True)
class Rules:
    generic: frozenset[str]
    weak: frozenset[str]
    data: tuple[Rule, ...]
    skips: tuple[Rule, ...]
    protocols: tuple[Rule, ...]


@dataclass(frozen=True)
class Decision:
    lang: DocLanguage | None
    shown: str  # the language or data format as the report names it ("" for none)
    why: str = ""  # how the content decided; "" when the label (or a hint) did


def _rules(doc: dict, key: str, name: str, path: Path) -> tuple[Rule, ...]:
    out = []
    for i, item in enumerate(doc.get(key, [])):
        where = f"{path}: {key}[{i}]"
        _only(item, {name, "match", "languages"}, where)
        patterns = item.get("match")
        patterns = [patterns] if isinstance(patterns, str) else patterns
        if not item.get(name) or not patterns:
            raise DocsError(f"{where}: needs {name} and match")
        out.append(Rule(str(item[name]), tuple(_regex(p, where) for p in patterns), tuple(item.get("languages", ()))))
    return tuple(out)


@functools.cache
def load(path: Path = DETECT) -> Rules:
    doc = _load(path)
    _only(doc, {"generic", "weak", "data", "skip", "protocol"}, str(path))
    lower = lambda key: frozenset(str(w).lower() for w in doc.get(key, ()))  # noqa: E731
    return Rules(
        lower("generic"),
        lower("weak"),
        _rules(doc, "data", "format", path),
        _rules(doc, "skip", "what", path),
        _rules(doc, "protocol", "name", path),
    )


def _quote(text: str) -> str:
    text = " ".join(text.split())
    return f"`{text if len(text) <= 40 else text[:39] + '…'}`"


def sniff(code: str, languages: list[DocLanguage]) -> tuple[list[DocLanguage], str]:
    """The languages whose ``sniff`` patterns score highest in the code (one, or a tie), and the
    first text that scored for the winner; ([], "") when nothing scores."""
    best: list[DocLanguage] = []
    top, evidence = 0, ""
    for lang in languages:
        hits = [m for m in (p.search(code) for p in lang.sniff) if m]
        if hits and len(hits) >= top:
            if len(hits) > top:
                best, top = [], len(hits)
                evidence = min(hits, key=lambda m: m.start()).group(0)
            best.append(lang)
    return best, evidence


def _data_format(code: str, rules: Rules) -> tuple[str, str]:
    """A data format the content is in, by the ``[[data]]`` rules, and what showed it."""
    for rule in rules.data:
        hits = [p.search(code) for p in rule.match]
        if all(hits):
            start = code.rfind("\n", 0, hits[0].start()) + 1
            return rule.what, code[start:].split("\n", 1)[0]  # the line that showed it
    return "", ""


def _label(block: Block) -> tuple[str, str]:
    """The block's label (lower case) and how the report calls where it is written."""
    if block.literal and block.highlight:
        return block.highlight.lower(), WHERE["highlight"]
    return block.fence, WHERE.get(block.source, "the fence")


def from_content(block: Block, data: Data, said: str, candidates: list[DocLanguage] | None = None) -> Decision | None:
    """The content's language or data format, or None when it shows none; ``said`` is how the
    report puts what the label said ("the fence names none")."""
    code = block.code
    try:
        json.loads(code)
    except ValueError:
        pass
    else:
        return Decision(None, "json", f"data: json (from content: it parses as JSON; {said})")
    best, evidence = sniff(code, candidates if candidates is not None else list(data.languages.values()))
    if len(best) == 1:
        return Decision(best[0], best[0].name, f"language: {best[0].name} (from content: {_quote(evidence)}; {said})")
    if len(best) > 1:
        names = " and ".join(lang.name for lang in best)
        return Decision(None, "", f"its content fits {names} equally ({said})")
    fmt, evidence = _data_format(code, load())
    if fmt:
        return Decision(None, fmt, f"data: {fmt} (from content: {_quote(evidence)}; {said})")
    return None


def decide(block: Block, data: Data) -> Decision:
    """The block's language: a label that names one wins, except a generic or a weak one."""
    rules = load()
    label, where = _label(block)
    lang = data.language_of_fence(label)
    if label and label not in rules.generic:
        if lang is None or label not in rules.weak or sniff(block.code, [lang])[0]:
            return Decision(lang, lang.name if lang else label)
        others = [other for other in data.languages.values() if other is not lang]
        said = f"{where} says `{label}`, but nothing in it looks like {lang.name}"
        found = from_content(block, data, said, others)
        return found if found and (found.lang or found.shown) else Decision(lang, lang.name)
    said = f"{where} says `{label}`, which names no language" if label else f"{where} names none"
    found = from_content(block, data, said)
    if found and (found.lang or found.shown):
        return found
    if label:  # nothing recognised: the label's own meaning stands
        return Decision(lang, lang.name if lang else label, found.why if found else "")
    return found or Decision(None, "")


def skip_rule(code: str, lang: DocLanguage) -> str:
    """The reason of the first ``[[skip]]`` rule the code matches, with the text that matched, or ""."""
    for rule in load().skips:
        if rule.languages and lang.name not in rule.languages:
            continue
        hits = [p.search(code) for p in rule.match]
        if all(hits):
            return f"{rule.what}: not a client of a service ({_quote(hits[0].group(0))})"
    return ""


def unsupported_protocol(code: str) -> str:
    """Why a sample of a protocol no scenario checks yet is skipped (the protocol's name and the
    text that shows it), or ""."""
    for rule in load().protocols:
        m = next((m for m in (p.search(code) for p in rule.match) if m), None)
        if m:
            return f"protocol {rule.what} not supported yet ({_quote(m.group(0))})"
    return ""
