"""Fault injection: per-service answers that replace or delay the real one.

A fault may delay the request, then either drop the connection (a TCP
reset), or answer a fixed status, headers and body.  A delay-only fault
delays and then lets the request through.  ``times`` makes a fault apply to
the next N requests only ("fail the next N requests"); without it the fault
stays until cleared.  Faults queue: the oldest active one that matches the
request (``method``, and ``path``: a regular expression searched in the path)
applies first.

``after = true`` with ``drop`` resets the connection *after* the service has
acted on the request (a job created, a job started): the ambiguous failure a
client must not blindly repeat.  ``retry_after_date = N`` sends
``Retry-After`` as an HTTP date N seconds from the moment of the answer.
"""

from __future__ import annotations

import itertools
import re
import time
from dataclasses import asdict, dataclass, field
from email.utils import formatdate
from typing import Any

_ids = itertools.count(1)
MAX_DELAY = 600.0
FRAMING = ("content-length", "transfer-encoding", "connection")
_TOKEN = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
_VALUE = re.compile(r"[^\x00-\x08\x0a-\x1f\x7f]*")  # no control characters but tab
FIELDS = {"status", "body", "headers", "delay", "drop", "times", "after", "method", "path", "retry_after_date"}
MAX_RETRY_AFTER = 86400.0


@dataclass
class Fault:
    status: int | None = None
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    drop: bool = False
    times: int | None = None
    after: bool = False  # drop only after the service acted on the request
    method: str | None = None  # only requests of this method
    path: str | None = None  # only requests whose path this regular expression is found in
    retry_after_date: float | None = None  # Retry-After as an HTTP date, this many seconds ahead
    id: int = field(default_factory=lambda: next(_ids))

    @classmethod
    def from_json(cls, doc: Any) -> Fault:
        """Build a fault from an admin request; ValueError says what is wrong."""
        if not isinstance(doc, dict):
            raise ValueError("a fault is a JSON object")
        unknown = set(doc) - FIELDS
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
        after, method, path = doc.get("after", False), doc.get("method"), doc.get("path")
        date = doc.get("retry_after_date")
        if not isinstance(after, bool) or (after and not drop):
            raise ValueError("after is true or false, and only with drop (reset once the service has acted)")
        if method is not None and (not isinstance(method, str) or not _TOKEN.fullmatch(method)):
            raise ValueError("method must be an HTTP method such as POST")
        if path is not None:
            if not isinstance(path, str):
                raise ValueError("path must be a regular expression (a string)")
            try:
                re.compile(path)
            except re.error as exc:
                raise ValueError(f"path is not a regular expression: {exc}") from None
        if date is not None:
            if isinstance(date, bool) or not isinstance(date, (int, float)) or not 0 <= date <= MAX_RETRY_AFTER:
                raise ValueError(f"retry_after_date must be a number of seconds from 0 to {MAX_RETRY_AFTER:g}")
            if status is None or any(k.lower() == "retry-after" for k in headers):
                raise ValueError("retry_after_date needs a status, and no Retry-After in headers")
        return cls(
            status=status,
            body=doc.get("body"),
            headers=headers,
            delay=float(delay),
            drop=drop,
            times=times,
            after=after,
            method=method.upper() if method else None,
            path=path,
            retry_after_date=float(date) if date is not None else None,
        )

    def matches(self, method: str, path: str) -> bool:
        return (self.method is None or self.method == method.upper()) and (
            self.path is None or re.search(self.path, path) is not None
        )

    def answer_headers(self) -> dict[str, str]:
        """The headers to answer with, Retry-After as a date computed now when asked for."""
        if self.retry_after_date is None:
            return dict(self.headers)
        when = formatdate(time.time() + self.retry_after_date, usegmt=True)  # IMF-fixdate, whatever the locale
        return {**self.headers, "Retry-After": when}

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

    def take(self, method: str = "POST", path: str = "/") -> Fault | None:
        """The fault for this request (the oldest that matches it), counting down limited ones."""
        fault = next((f for f in self._faults if f.matches(method, path)), None)
        if fault is not None and fault.times is not None:
            fault.times -= 1
            if fault.times == 0:
                self._faults.remove(fault)
        return fault
