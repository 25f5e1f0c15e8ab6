"""Security findings: what a reader who copies a sample copies with it (``security.toml``).

Every code block of a known language is scanned, whether it runs or is skipped: TLS
verification turned off, credentials written into the code.  Rules are searched in the code
with its comments blanked out; a rule's match inside a string literal counts only for rules
that say ``strings = true``.  A credential is never shown: the finding masks it (``****abcd``)
and the run's Redactor learns it, so no report or log prints it either.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path

from ..redact import Redactor
from .data import HERE, DocLanguage, DocsError, _load, _only, _regex
from .numbers import strip_comments
from .outcome import Finding

SECURITY = HERE / "security.toml"
TOOL = "security"
LEVELS = ("error", "warning", "note")


@dataclass(frozen=True)
class Rule:
    id: str
    languages: tuple[str, ...]
    match: re.Pattern
    message: str
    level: str = "warning"
    strings: bool = False

    def applies(self, language: str) -> bool:
        return "*" in self.languages or language in self.languages


@dataclass(frozen=True)
class Rules:
    rules: tuple[Rule, ...]
    placeholder: tuple[re.Pattern, ...]  # a credential's value that is a placeholder
    secret: tuple[re.Pattern, ...]  # a value that looks like a secret (one of them matches)


@functools.cache
def load(path: Path = SECURITY) -> Rules:
    doc = _load(path)
    _only(doc, {"rule", "credential"}, str(path))
    cred = doc.get("credential", {})
    _only(cred, {"placeholder", "secret"}, f"{path}: [credential]")
    rules = []
    for i, item in enumerate(doc.get("rule", [])):
        where = f"{path}: rule[{i}]"
        _only(item, {"id", "languages", "match", "message", "level", "strings"}, where)
        if not all(item.get(k) for k in ("id", "languages", "match", "message")):
            raise DocsError(f"{where}: needs id, languages, match and message")
        if item.get("level", "warning") not in LEVELS:
            raise DocsError(f"{where}: level must be one of {', '.join(LEVELS)}")
        rules.append(
            Rule(
                str(item["id"]),
                tuple(item["languages"]),
                _regex(item["match"], where),
                str(item["message"]),
                str(item.get("level", "warning")),
                bool(item.get("strings", False)),
            )
        )
    pats = lambda key: tuple(_regex(p, f"{path}: [credential].{key}") for p in cred.get(key, []))  # noqa: E731
    return Rules(tuple(rules), pats("placeholder"), pats("secret"))


def mask(secret: str) -> str:
    """``****abcd``: enough to find it, never enough to use it."""
    return "****" + secret[-4:] if len(secret) >= 8 else "****"


def is_secret(value: str, rules: Rules) -> bool:
    """A literal that looks like a real credential, not a placeholder for one."""
    if any(p.search(value) for p in rules.placeholder):
        return False
    return any(p.search(value) for p in rules.secret)


def scan(
    code: str, lang: DocLanguage, first_line: int, redactor: Redactor, rules: Rules | None = None
) -> list[Finding]:
    """The security findings of one block's code (``first_line``: the page line of its first line)."""
    rules = rules or load()
    plain = strip_comments(code, lang.quotes, lang.line_comment, lang.block_comment)
    bare = strip_comments(code, lang.quotes, lang.line_comment, lang.block_comment, strings=True)
    found: list[Finding] = []
    taken: list[tuple[int, int]] = []  # spans already reported (one finding per secret or setting)
    for rule in rules.rules:
        if not rule.applies(lang.name):
            continue
        for m in rule.match.finditer(plain):
            group = "at" if "at" in rule.match.groupindex and m.group("at") else 0
            start, end = m.span(group)
            if not rule.strings and bare[start:end] != plain[start:end]:
                continue  # inside a string: text about the setting, not the setting
            secret = m.group("secret") if "secret" in rule.match.groupindex else None
            if secret is not None:
                if not is_secret(secret, rules):
                    continue
                start, end = m.span("secret")
                redactor.add(secret)
            if any(start < b and a < end for a, b in taken):
                continue
            taken.append((start, end))
            text = " ".join(m.group(group).split())[:80]
            message = rule.message.format(match=text, masked=mask(secret or ""))
            found.append(Finding(first_line + plain.count("\n", 0, start), TOOL, message, rule.id, rule.level))
    return sorted(found, key=lambda f: f.line or 0)
