"""Finding what a sample leaves for its reader to fill in, and filling it in.

Every placeholder pattern (``placeholders.toml``, plus ``--placeholders``
files, tried first) is searched in the code as the page has it; where two
matches overlap, the one found by the earlier pattern wins, then the longer.
A pattern with a group named ``value`` replaces only that group (a token after
``X-Auth-Token:``), not the text around it.
"""

from __future__ import annotations

from dataclasses import dataclass

from .data import Placeholder


@dataclass(frozen=True)
class Found:
    kind: str  # uri | key | file
    start: int  # offsets in the code
    end: int
    text: str  # what the page has there
    line: int  # line of the code, 0-based


def find(code: str, placeholders: list[Placeholder]) -> list[Found]:
    """Non-overlapping placeholders in the code, in order."""
    hits = []
    for rank, ph in enumerate(placeholders):
        for m in ph.pattern.finditer(code):
            span = m.span("value") if "value" in ph.pattern.groupindex and m.group("value") else m.span()
            hits.append((rank, -(span[1] - span[0]), span, ph.kind))
    chosen: list[Found] = []
    for _, _, (start, end), kind in sorted(hits):
        if start == end or any(start < f.end and f.start < end for f in chosen):
            continue
        chosen.append(Found(kind, start, end, code[start:end], code.count("\n", 0, start)))
    return sorted(chosen, key=lambda f: f.start)


def replace(code: str, found: list[Found], values: dict[str, str]) -> str:
    """The code with each placeholder replaced by the value of its kind."""
    out, at = [], 0
    for f in found:
        out += [code[at : f.start], values.get(f.kind, "")]
        at = f.end
    return "".join(out) + code[at:]


def blank(code: str, found: list[Found]) -> str:
    """The code with placeholders blanked out (same length), e.g. so a URL's digits are not read as data."""
    chars = list(code)
    for f in found:
        chars[f.start : f.end] = " " * (f.end - f.start)
    return "".join(chars)
