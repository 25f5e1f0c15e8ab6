"""Comparing two answers to one probe, and the data file of deliberate differences.

A probe's answers are the same when they agree on each *field*: ``status``;
``content-type`` (the media type); ``body`` (for a success, the JSON value
with numbers compared exactly, or the bytes when not JSON); ``error-body``
when both answers are errors (the form: the keys of the JSON object, since
messages are worded differently on purpose); ``header:<name>`` for the
headers the catalogue compares.

``differences.toml`` lists the differences that are deliberate, each with an
``id`` (mirrored in server_stub/README.md), the ``probes`` and ``fields`` it
covers (shell-style patterns) and its ``reason``.  An entry that matches no
difference seen is stale: the stub or the real server changed, and the file
(and README) must say so.
"""

from __future__ import annotations

import fnmatch
import json
from dataclasses import dataclass
from pathlib import Path

from ..datafiles import CatalogError, load_toml, only
from .probes import Answer, Catalogue, Probe

DIFFERENCE_KEYS = {"id", "probes", "fields", "reason", "real", "stub"}
PREDICTION_KEYS = {"max_abs_difference", "reason"}


@dataclass(frozen=True)
class Deliberate:
    id: str
    probes: tuple[str, ...]
    fields: tuple[str, ...]
    reason: str

    def covers(self, probe: str, field: str) -> bool:
        return any(fnmatch.fnmatchcase(probe, p) for p in self.probes) and any(
            fnmatch.fnmatchcase(field, f) for f in self.fields
        )


@dataclass(frozen=True)
class Differences:
    listed: tuple[Deliberate, ...]
    max_abs_difference: float
    predictions_reason: str

    def find(self, probe: str, field: str) -> Deliberate | None:
        return next((d for d in self.listed if d.covers(probe, field)), None)


def _patterns(value, where: str) -> tuple[str, ...]:
    if not (isinstance(value, list) and value and all(isinstance(v, str) and v for v in value)):
        raise CatalogError(f"{where}: a non-empty list of names or patterns")
    return tuple(value)


def load_differences(path: Path) -> Differences:
    doc = load_toml(path)
    only(doc, {"difference", "predictions"}, str(path))
    listed = []
    for i, entry in enumerate(doc.get("difference", [])):
        where = f"{path}: difference {i + 1}"
        only(entry, DIFFERENCE_KEYS, where)
        if not entry.get("id") or not str(entry.get("reason", "")).strip():
            raise CatalogError(f"{where}: each difference needs an id and a reason")
        fields = _patterns(entry.get("fields"), f"{where}.fields")
        probes = _patterns(entry.get("probes"), f"{where}.probes")
        listed.append(Deliberate(str(entry["id"]), probes, fields, entry["reason"]))
    ids = [d.id for d in listed]
    if len(set(ids)) != len(ids):
        raise CatalogError(f"{path}: difference ids must be unique")
    predictions = doc.get("predictions", {})
    only(predictions, PREDICTION_KEYS, f"{path}: [predictions]")
    bound = predictions.get("max_abs_difference", 0.0)
    if isinstance(bound, bool) or not isinstance(bound, (int, float)) or bound < 0:
        raise CatalogError(f"{path}: [predictions] max_abs_difference is a number of at least 0")
    return Differences(tuple(listed), float(bound), str(predictions.get("reason", "")))


def _json(body: bytes):
    try:
        return json.loads(body, parse_float=float, parse_int=int)
    except (ValueError, UnicodeDecodeError):
        return None


def media(answer: Answer) -> str:
    return (answer.header("Content-Type") or "").partition(";")[0].strip().lower()


def body_form(answer: Answer) -> str:
    """A short, comparable view of a body: success bodies whole, error bodies by their JSON keys."""
    if answer.status is None:
        return answer.error
    doc = _json(answer.body)
    if answer.status >= 400:
        if isinstance(doc, dict):
            return "{" + ", ".join(sorted(doc)) + "}"
        return f"text ({len(answer.body)} bytes)" if answer.body else "empty"
    return json.dumps(doc, sort_keys=True) if doc is not None else answer.body.decode("utf-8", "replace")


def fields_of(answer: Answer, headers_equal: tuple[str, ...], headers_present: tuple[str, ...]) -> dict[str, str]:
    body = "error-body" if answer.status is not None and answer.status >= 400 else "body"
    view = {
        "status": str(answer.status) if answer.status is not None else f"no answer ({answer.error})",
        "content-type": media(answer) or "(none)",
        body: body_form(answer),
    }
    for name in headers_equal:
        view[f"header:{name}"] = answer.header(name) or "(absent)"
    for name in headers_present:
        if name not in headers_equal:
            view[f"header:{name}"] = "present" if answer.header(name) is not None else "(absent)"
    return view


def compare(probe: Probe, real: Answer, stub: Answer, catalogue: Catalogue) -> dict[str, tuple[str, str]]:
    """The fields on which the two answers differ: field -> (real, stub)."""
    equal = tuple(dict.fromkeys((*catalogue.headers_equal, *(h.lower() for h in probe.headers_equal))))
    a, b = (fields_of(x, equal, catalogue.headers_present) for x in (real, stub))
    if ("body" in a) != ("body" in b):  # a success on one side, an error on the other: the body differs
        a["body"], b["body"] = a.pop("body", None) or a.pop("error-body"), b.pop("body", None) or b.pop("error-body")
    return {k: (a[k], b[k]) for k in a if a[k] != b[k]}


def summary(answer: Answer) -> str:
    """One table cell: status, media type and body form."""
    if answer.status is None:
        return f"no answer: {answer.error[:60]}"
    form = body_form(answer)
    form = form if len(form) <= 48 else form[:45] + "..."
    return f"{answer.status} {media(answer) or '-'} {form}"
