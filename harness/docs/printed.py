"""What a page's sample printed, judged as the service's answer.

A client of this kit prints the whole answer, compacted, byte for byte; a page's sample prints it
re-serialised, or the part of it the scenario names (``stdout_at``: the predictions), or, in
Python, ``response.json()``: a Python literal rather than JSON.  Each is the answer printed, judged
as the JSON it stands for.
"""

from __future__ import annotations

import ast
import json
from dataclasses import replace

from ..backends import RunResult
from ..checks import evaluate
from ..plan import CellPlan
from ..results import Check


def as_json(text: str) -> str | None:
    """A Python literal (``{'outputs': [...], 'id': None}``) as JSON; None when the text is JSON or neither."""
    try:
        json.loads(text)
        return None
    except ValueError:
        pass
    try:
        value = ast.literal_eval(text.strip())
        return json.dumps(value) if isinstance(value, (dict, list)) else None
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError, OverflowError):  # {[1]: 2}, {b'x'}
        return None


LABEL_STARTS = 20  # where an answer printed after a label may start: the first this many [ or {


def after_label(text: str) -> tuple[str, str] | None:
    """``200 OK [217.6]`` or ``Predictions: {'a': 1}``: (the label, the answer as JSON) when the text is not
    an answer itself but ends with one (JSON or a Python literal) after other text; else None."""
    stripped = text.strip()
    if not stripped or stripped[0] in "[{":
        return None
    starts = [i for i, ch in enumerate(stripped) if ch in "[{"][:LABEL_STARTS]
    for i in starts:
        rest = stripped[i:]
        try:
            json.loads(rest)
            return stripped[:i].strip(), rest
        except ValueError:
            converted = as_json(rest)
            if converted is not None:
                return stripped[:i].strip(), converted
    return None


def judged(plan: CellPlan, entries: list[dict], run: RunResult, notes: list[str]) -> list[Check]:
    """The cell's checks, the stdout one passed by the answer's named part or by the whole answer."""
    plan = replace(plan, expect=replace(plan.expect, stdout_exact=False))  # a page's sample may re-serialise
    converted = as_json(run.stdout)
    labelled = after_label(run.stdout) if converted is None else None
    if labelled:
        label, converted = labelled
        notes.append(f"stdout is the answer after a label ({label[:60]!r}): the answer compared")
    elif converted is not None:
        notes.append("stdout is a Python literal (print(response.json())): compared as the JSON it stands for")
    if converted is not None:
        run = replace(run, stdout=converted)
    checks = evaluate(plan, entries, run)
    if plan.expect.stdout_at is None or all(c.ok for c in checks if c.name == "stdout"):
        return checks
    whole = evaluate(replace(plan, expect=replace(plan.expect, stdout_at=None)), entries, run)
    if all(c.ok for c in whole if c.name == "stdout"):
        notes.append(f"stdout is the whole answer, not only its {plan.expect.stdout_at}")
        return whole
    return checks
