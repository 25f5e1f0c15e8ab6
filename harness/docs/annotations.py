"""GitHub Actions workflow commands for a docs check: ``::error file=PAGE,line=N,title=...::message``.

GitHub shows them on the page line of a pull request's diff. Escaped as GitHub's own toolkit does: ``%``,
CR and LF in the message; those and ``:`` and ``,`` in a property's value.
"""

from __future__ import annotations

import os

from .problems import problems

COMMAND = {"error": "error", "warning": "warning", "note": "notice"}


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def wanted(mode: str) -> bool:
    """--annotations github, none, or auto: github inside a GitHub Actions job."""
    return mode == "github" or (mode == "auto" and os.environ.get("GITHUB_ACTIONS") == "true")


def commands(doc: dict) -> list[str]:
    out = []
    for p in problems(doc):
        props = ",".join(
            f"{k}={escape_property(v)}" for k, v in (("file", p.page), ("line", str(p.line)), ("title", p.title))
        )
        out.append(f"::{COMMAND.get(p.level, 'warning')} {props}::{escape_data(p.message)}")
    return out
