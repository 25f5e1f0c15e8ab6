"""The body a page's sample builds: the numbers its code writes, against the numbers it sent.

A sample's rows are written in its code (a C# array, Java ``add`` calls, a
Python dict, a curl ``-d``), so the check reads the code's numeric literals,
comments left out, in order, and compares them with the numbers of the JSON
body the stub received, in order, as IEEE doubles, exactly:

* every number sent must be one the code writes, in the same order;
* every decimal literal of the code (``0.0199132141783263``, ``1e-3``) must
  have been sent: a row that lost a value, a rounded number, a reordered
  pair all fail.  Whole numbers in the code may be something else (a
  timeout, an index, a status code), so they are matched when sent, not required.

A decimal literal that is not data (``timeout=2.5``) makes a false failure;
the hint ``body=any`` turns this check off for a block.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from ..checks import Check

NUMBER = re.compile(
    r"(?<![\w.])-?(?:\d+\.\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?|\d+[eE][+-]?\d+|\d+)"
    r"(?:[fFdDmMlL](?!\w)|_?f(?:32|64)(?!\w))?(?![\w.])"
)
SUFFIX = re.compile(r"(?:_?f(?:32|64)|[fFdDmMlL])$")  # C#'s 2.5m, Java's 2.5f, Rust's 2.5_f64


@dataclass(frozen=True)
class Literal:
    value: float
    text: str
    decimal: bool  # written with a point or an exponent
    line: int  # line of the code, 0-based


def strip_comments(
    code: str, quotes: tuple[str, ...], line_comment: str, block: tuple[str, str] | None, strings: bool = False
) -> str:
    """The code with comments replaced by spaces (newlines kept); string literals are kept as they are,
    or, with ``strings``, their contents blanked too (the quotes kept)."""
    out = list(code)
    i, n = 0, len(code)
    quote = ""
    while i < n:
        ch = code[i]
        if quote:
            if ch == "\\" and quote != "`":
                if strings:
                    out[i : i + 2] = [c if c == "\n" else " " for c in code[i : i + 2]]
                i += 2
                continue
            if ch == quote:
                quote = ""
            elif strings and ch != "\n":
                out[i] = " "
            i += 1
        elif ch in quotes:
            quote = ch
            i += 1
        elif block and code.startswith(block[0], i):
            end = code.find(block[1], i + len(block[0]))
            end = n if end < 0 else end + len(block[1])
            out[i:end] = [c if c == "\n" else " " for c in code[i:end]]
            i = end
        elif (
            line_comment
            and code.startswith(line_comment, i)
            and (line_comment != "#" or i == 0 or code[i - 1] in " \t\n;")
        ):
            end = code.find("\n", i)
            end = n if end < 0 else end
            out[i:end] = [" "] * (end - i)
            i = end
        else:
            i += 1
    return "".join(out)


def literals(code: str) -> list[Literal]:
    found = []
    for m in NUMBER.finditer(code):
        text = SUFFIX.sub("", m.group(0))
        try:
            value = float(text)
        except ValueError:
            continue
        found.append(Literal(value, text, any(c in text for c in ".eE"), code.count("\n", 0, m.start())))
    return found


def body_numbers(value: Any, path: str = "$") -> list[tuple[float, str]]:
    """Every number of a JSON document with its path, in document order."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return []
    if isinstance(value, (int, float)):
        return [(float(value), path)]
    if isinstance(value, list):
        return [n for i, v in enumerate(value) for n in body_numbers(v, f"{path}[{i}]")]
    if isinstance(value, dict):
        return [n for k, v in value.items() for n in body_numbers(v, f"{path}.{k}")]
    return []


def _show(x: float) -> str:
    return repr(x)


def compare(name: str, written: list[Literal], body_text: str, first_line: int) -> Check:
    """A check row: the numbers the code writes (``first_line``: the page line of the code's line 0) vs the body's."""
    decimals = sum(lit.decimal for lit in written)
    want = f"the {decimals} decimal numbers the sample's code writes, in order"
    try:
        sent = body_numbers(json.loads(body_text))
    except ValueError as exc:
        return Check(name, False, want, body_text[:120] or "(empty)", f"the body is not JSON: {exc}")
    if not written:
        return Check(name, True, "(the code writes no numbers: not compared)", f"{len(sent)} numbers")
    problems = []
    j = 0
    for lit in written:
        if j < len(sent) and sent[j][0] == lit.value:
            j += 1
        elif lit.decimal:
            got = f"received {_show(sent[j][0])} at {sent[j][1]}" if j < len(sent) else "the body has no more numbers"
            problems.append(f"page line {first_line + lit.line}: the code writes {lit.text}; {got}")
            if j < len(sent):
                j += 1
            if len(problems) >= 10:
                break
    if not problems and j < len(sent):
        value, path = sent[j]
        problems.append(f"{path}: sent {_show(value)}, which the code does not write (there or at all)")
    received = f"{len(sent)} numbers: " + ", ".join(_show(v) for v, _ in sent[:4]) + (" ..." if len(sent) > 4 else "")
    return Check(name, not problems, want, received, "\n".join(problems))
