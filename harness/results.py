"""The result model every command shares: a status, and the checks behind it.

A check is one row ``(name, ok, expected, received, detail)``; a report shows
all rows of a failed case with the failing ones marked, like WireMock's
near-miss table, so a reader sees the whole request, not a bare "False".
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from enum import StrEnum


class Status(StrEnum):
    PASS = "pass"
    FAIL = "fail"
    SKIPPED = "skipped"  # not run, with a reason (never counted as a pass)


@dataclass
class Check:
    name: str
    ok: bool
    expected: str = ""
    received: str = ""
    detail: str = ""

    def to_json(self) -> dict:
        return asdict(self)


def verdict(checks: list[Check]) -> Status:
    return Status.PASS if all(c.ok for c in checks) else Status.FAIL
