"""What a reviewer must see at a page line: each failing sample and each finding, for SARIF and annotations.

Both work on a docs check's JSON form (report.to_json): a failing sample is rule ``sample-failed`` (level
error) at its block's first line with the verdict's reason; a finding keeps its rule id (a linter's own code,
or the tool's name when it has none), level and line (the block's first when it has none).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

SAMPLE_FAILED = "sample-failed"


@dataclass(frozen=True)
class Problem:
    rule: str
    level: str  # error | warning | note (SARIF's levels)
    page: str  # as a repository path: relative to the current folder when under it
    line: int
    title: str
    message: str


def page_path(page: str) -> str:
    """The page's path as GitHub and SARIF name files: relative to the current folder (the checkout) when under it."""
    path = Path(page)
    absolute = path.resolve()
    if absolute.is_relative_to(Path.cwd()):
        return absolute.relative_to(Path.cwd()).as_posix()
    return path.as_posix()


_CODE = re.compile(r"([A-Z]{1,4}[0-9]{2,5})\b")  # a linter's code leading its message: F821, SC2086, CS0168


def _rule(finding: dict) -> str:
    """The finding's rule id; else the code its message starts with; else its tool's name."""
    code = _CODE.match(finding["message"])
    return finding["rule"] or (code.group(1) if code else re.sub(r"[^a-z0-9]+", "-", finding["tool"].lower()))


def problems(doc: dict) -> Iterator[Problem]:
    for s in doc["samples"]:
        page = page_path(s["page"])
        if s["verdict"] == "fail":
            yield Problem(SAMPLE_FAILED, "error", page, s["start"], f"{s['language']} sample fails", s["reason"])
        for f in s["findings"]:
            title = f"{f['tool']} {f['rule']}".strip()
            yield Problem(_rule(f), f["level"], page, f["line"] or s["start"], title, f["message"])
