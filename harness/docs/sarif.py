"""A docs check as SARIF 2.1.0, the format of GitHub code scanning (github/codeql-action/upload-sarif).

One result per failing sample (rule ``sample-failed``, level error, at the block's first page line, the
verdict's reason as message) and one per finding (its rule id and level); problems.py says which.
"""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import quote

from .problems import SAMPLE_FAILED, problems

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
TOOL = "scoring-kit docs check"
SAMPLE_RULE = "A sample on the page does not build, run, send what the service expects or handle its answer"


def uri(page: str) -> str:
    """A page as SARIF names an artifact: a relative URI reference (resolved against the checkout), or file://."""
    return Path(page).as_uri() if Path(page).is_absolute() else quote(page)


def _region(line: int) -> dict:
    return {"startLine": max(line, 1)}


def to_sarif(doc: dict) -> dict:
    found = list(problems(doc))
    rules: dict[str, dict] = {}
    for p in found:
        text = SAMPLE_RULE if p.rule == SAMPLE_FAILED else f"{p.title}, found in a sample"
        rules.setdefault(p.rule, {"id": p.rule, "shortDescription": {"text": text}})
    index = {rule: i for i, rule in enumerate(rules)}
    results = [
        {
            "ruleId": p.rule,
            "ruleIndex": index[p.rule],
            "level": p.level if p.level in ("error", "warning", "note") else "warning",
            "message": {"text": p.message},
            "locations": [{"physicalLocation": {"artifactLocation": {"uri": uri(p.page)}, "region": _region(p.line)}}],
        }
        for p in found
    ]
    driver = {"name": TOOL, "rules": list(rules.values())}
    return {"$schema": SCHEMA, "version": "2.1.0", "runs": [{"tool": {"driver": driver}, "results": results}]}


def text(doc: dict) -> str:
    return json.dumps(to_sarif(doc), indent=2) + "\n"
