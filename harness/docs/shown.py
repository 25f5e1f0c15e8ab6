"""A page's shown output (the block right after a sample) against what the sample printed.

Which block is a shown output is data (``shown.toml``).  Both sides are read as JSON (or a Python
literal: ``{'a': 1.0}``) and compared as values, so pretty-printed vs compact JSON, quotes and
spacing are not differences; else as text, with spacing and quote marks ignored and numbers
compared as numbers.  Numbers are equal when the printed one, rounded to the digits the page
shows, is the page's (``5215.19`` shown, ``5215.180312699`` printed: not equal at 2 decimals),
or within ``refit_tolerance`` (relative: the stub's models are refits of the pages'), or, with the
hint ``tolerance=T`` on the shown block, when
``|printed - shown| <= T * max(|shown|, |printed|, 1)``.  A shown output that elides the rest
(``...``) is compared up to there.
"""

from __future__ import annotations

import functools
import json
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .data import HERE, DocsError, _load, _only, _regex
from .printed import as_json

SHOWN = HERE / "shown.toml"
TOOL, RULE = "shown output", "output-differs"
NUMBER = re.compile(r"-?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")


@dataclass(frozen=True)
class Rules:
    labels: frozenset[str]
    transcripts: frozenset[str]
    prose: tuple[re.Pattern, ...]
    markup: re.Pattern
    heading: re.Pattern
    prompt: re.Pattern
    elided: re.Pattern
    unjudged: tuple[re.Pattern, ...]
    refit_tolerance: float


@functools.cache
def load(path: Path = SHOWN) -> Rules:
    doc = _load(path)
    keys = {"labels", "transcripts", "prose", "markup", "heading", "prompt", "elided", "unjudged", "refit_tolerance"}
    _only(doc, keys, str(path))
    missing = keys - set(doc)
    if missing:
        raise DocsError(f"{path}: missing {', '.join(sorted(missing))}")
    one = lambda key, flags=0: _regex(doc[key], f"{path}: {key}", flags)  # noqa: E731
    return Rules(
        frozenset(str(w).lower() for w in doc["labels"]),
        frozenset(str(w).lower() for w in doc["transcripts"]),
        tuple(_regex(p, f"{path}: prose", re.IGNORECASE) for p in doc["prose"]),
        one("markup"),
        one("heading"),
        one("prompt"),
        one("elided"),
        tuple(_regex(p, f"{path}: unjudged") for p in doc["unjudged"]),
        _tolerance(doc["refit_tolerance"], f"{path}: refit_tolerance"),
    )


def _tolerance(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value < 1:
        raise DocsError(f"{where}: a relative tolerance from 0 to 1")
    return float(value)


# -- numbers ------------------------------------------------------------------------------------
class Shown(str):
    """A number as the page writes it: its digits say how precisely it is shown."""


def decimals(text: str) -> int:
    """The decimal places a number is written with: ``5215.19`` -> 2, ``1.5e-3`` -> 4, ``12`` -> 0."""
    mantissa, _, exponent = text.lower().partition("e")
    return len(mantissa.partition(".")[2]) - int(exponent or 0)


def close(shown: str, printed: float, tolerance: float | None) -> bool:
    want = float(shown)
    if tolerance is not None:
        return abs(printed - want) <= tolerance * max(abs(want), abs(printed), 1.0)
    half = 0.5 * 10.0 ** -decimals(shown)
    if abs(printed - want) <= half + 4 * math.ulp(max(abs(want), abs(printed))):
        return True
    return abs(printed - want) <= load().refit_tolerance * max(abs(want), abs(printed))  # the stub's refit models


def rule_text(tolerance: float | None) -> str:
    if tolerance is not None:
        return f"within the relative tolerance {tolerance:g}"
    return f"at the digits the page shows, nor within {load().refit_tolerance:g} relative"


def not_equal(shown: str, printed: float, tolerance: float | None) -> str:
    """Why two numbers are not equal, with how far apart they are."""
    want = float(shown)
    relative = abs(printed - want) / max(abs(want), abs(printed), 1e-300)
    how = f"not equal {rule_text(tolerance)}; relative difference {relative:.1e}"
    return f"the page shows {shown}, the sample printed {printed!r} ({how})"


# -- values -------------------------------------------------------------------------------------
def _value(text: str, shown: bool) -> Any:
    """The text as a JSON value (numbers of the shown side kept as written); None: not JSON."""
    text = text.strip()
    if not text:
        return None
    for candidate in (text, as_json(text)):
        if candidate is None:
            continue
        try:
            return json.loads(candidate, parse_float=Shown, parse_int=Shown) if shown else json.loads(candidate)
        except ValueError:
            continue
    return None


def _short(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value)
    return text if len(text) <= 60 else text[:57] + "..."


def diff(shown: Any, got: Any, tolerance: float | None, path: str = "$") -> str:
    """Where two JSON values differ ("" when they do not), the shown one's numbers as written."""
    if isinstance(shown, Shown):
        if isinstance(got, bool) or not isinstance(got, (int, float)):
            return f"{path}: the page shows {shown}, the sample printed {_short(got)}"
        ok = close(shown, float(got), tolerance)
        return "" if ok else f"{path}: {not_equal(shown, float(got), tolerance)}"
    if isinstance(shown, dict) and isinstance(got, dict):
        if set(shown) != set(got):
            return f"{path}: the page shows the keys {sorted(shown)}, the sample printed {sorted(got)}"
        return next((d for k in shown if (d := diff(shown[k], got[k], tolerance, f"{path}.{k}"))), "")
    if isinstance(shown, list) and isinstance(got, list):
        if len(shown) != len(got):
            return f"{path}: the page shows {len(shown)} items, the sample printed {len(got)}"
        return next((d for i, (a, b) in enumerate(zip(shown, got)) if (d := diff(a, b, tolerance, f"{path}[{i}]"))), "")
    if shown != got:
        return f"{path}: the page shows {_short(shown)}, the sample printed {_short(got)}"
    return ""


def _tokens(text: str) -> list[str]:
    """Text as words and numbers, spacing and quote marks left out."""
    text = text.replace("'", '"')
    return [
        t
        for part in re.split(f"({NUMBER.pattern})", text)
        for t in ([part] if NUMBER.fullmatch(part) else part.split())
    ]


def text_diff(shown: str, printed: str, tolerance: float | None, prefix: bool = False) -> str:
    """Where two outputs differ as text ("" when they do not); numbers compared as numbers.
    ``prefix``: the page shows only the start of the output."""
    want, got = _tokens(shown), _tokens(printed)
    for i, w in enumerate(want):
        g = got[i] if i < len(got) else None
        if g is None:
            return f"the page shows {w!r} where the sample's output has ended"
        if NUMBER.fullmatch(w) and NUMBER.fullmatch(g):
            if not close(w, float(g), tolerance):
                return not_equal(w, float(g), tolerance)
        elif w != g:
            return f"the page shows {w!r}, the sample printed {g!r}"
    return "" if prefix or len(got) == len(want) else f"the sample printed more: {' '.join(got[len(want) :])[:60]!r}"


def compare(shown: str, printed: str, tolerance: float | None, rules: Rules | None = None) -> str:
    """ "" when the page's shown output is what the sample printed, else where they differ."""
    rules = rules or load()
    cut = rules.elided.search(shown)
    if cut:
        return text_diff(shown[: cut.start()], printed, tolerance, prefix=True)
    want, got = _value(shown, True), _value(printed, False)
    if want is not None and got is not None:
        return diff(want, got, tolerance)
    return text_diff(shown, printed, tolerance)


def output_of(code: str, label: str, rules: Rules) -> str:
    """What a shown block says was printed: a transcript without its prompt lines."""
    if label in rules.transcripts:
        return "\n".join(line for line in code.splitlines() if not rules.prompt.match(line))
    return code
