"""Fault injection: per-service answers that replace or delay the real one.

A fault may delay the request, then either drop the connection (a TCP
reset), or answer a fixed status, headers and body.  A delay-only fault
delays and then lets the request through.  ``times`` makes a fault apply to
the next N requests only ("fail the next N requests"); without it the fault
stays until cleared.  Faults queue: the oldest active one applies first.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import asdict, dataclass, field
from typing import Any

_ids = itertools.count(1)
MAX_DELAY = 600.0
FRAMING = ("content-length", "transfer-encoding", "connection")
_TOKEN = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
_VALUE = re.compile(r"[^\x00-\x08\x0a-\x1f\x7f]*")  # no control characters but tab


@dataclass
class Fault:
    status: int | None = None
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    drop: bool = False
    times: int | None = None
    id: int = field(default_factory=lambda: next(_ids))

    @classmethod
    def from_json(cls, doc: Any) -> Fault:
        """Build a fault from an admin request; ValueError says what is wrong."""
        if not isinstance(doc, dict):
            raise ValueError("a fault is a JSON object")
        unknown = set(doc) - {"status", "body", "headers", "delay", "drop", "times"}
        if unknown:
            raise ValueError(f"unknown fault field(s): {', '.join(sorted(unknown))}")
        status, delay, drop, times = doc.get("status"), doc.get("delay", 0), doc.get("drop", False), doc.get("times")
        headers = doc.get("headers", {})
        if status is not None and (not isinstance(status, int) or isinstance(status, bool) or not 200 <= status <= 599):
            raise ValueError("status must be an HTTP status code of a final answer (200-599)")
        if isinstance(delay, bool) or not isinstance(delay, (int, float)) or not 0 <= delay <= MAX_DELAY:
            raise ValueError(f"delay must be a number of seconds from 0 to {MAX_DELAY:g}")
        if not isinstance(drop, bool):
            raise ValueError("drop must be true or false")
        if times is not None and (not isinstance(times, int) or isinstance(times, bool) or times < 1):
            raise ValueError("times must be a whole number of at least 1 (omit it for 'until cleared')")
        if not isinstance(headers, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in headers.items()
        ):
            raise ValueError("headers must be an object of string values")
        for name, value in headers.items():
            _check_header(name, value)
        if drop and status is not None:
            raise ValueError("a fault either drops the connection or answers a status, not both")
        if status is None and not drop and not delay:
            raise ValueError("a fault needs a status, drop or delay")
        return cls(status=status, body=doc.get("body"), headers=headers, delay=float(delay), drop=drop, times=times)

    def to_json(self) -> dict:
        return asdict(self)


def _check_header(name: str, value: str) -> None:
    """A header the stub can send as given: a token name, a value without control characters, no framing."""
    if not _TOKEN.fullmatch(name):
        raise ValueError(f"header name {name[:40]!r} is not an HTTP token (letters, digits, !#$%&'*+-.^_`|~)")
    if name.lower() in FRAMING:
        raise ValueError(f"header {name} is set by the stub itself (it frames the body); leave it out")
    if not _VALUE.fullmatch(value):
        raise ValueError(f"header {name} has control characters; send printable text")


class FaultQueue:
    def __init__(self) -> None:
        self._faults: list[Fault] = []

    def add(self, fault: Fault) -> Fault:
        self._faults.append(fault)
        return fault

    def clear(self) -> None:
        self._faults.clear()

    def list(self) -> list[dict]:
        return [f.to_json() for f in self._faults]

    def take(self) -> Fault | None:
        """The fault for the next request, counting down limited ones."""
        if not self._faults:
            return None
        fault = self._faults[0]
        if fault.times is not None:
            fault.times -= 1
            if fault.times == 0:
                self._faults.pop(0)
        return fault
