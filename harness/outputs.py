"""The files every command writes, in one place: results.json, junit.xml, summary.md and
$GITHUB_STEP_SUMMARY.  The matrix (writers.py) and the docs check (docs/report.py) each say what
their cases and tables are; how those become files is here, once.
"""

from __future__ import annotations

import json
import os
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

from .results import Status


@dataclass
class Case:
    """One JUnit test case: a matrix cell or a docs sample."""

    classname: str
    name: str
    seconds: float
    status: Status
    message: str = ""  # the failure's or skip's one line
    text: str = ""  # the failure's whole text
    out: str | None = None  # system-out, system-err (None: not written)
    err: str | None = None


@dataclass
class Suite:
    name: str
    cases: list[Case]
    seconds: float
    properties: dict[str, str] = field(default_factory=dict)


def junit(name: str, seconds: float, suites: list[Suite]) -> str:
    """JUnit XML; skipped cases as JUnit skips, never passes."""
    root = ET.Element("testsuites", name=name, time=f"{seconds:.3f}")
    for s in suites:
        suite = ET.SubElement(root, "testsuite", name=s.name, tests=str(len(s.cases)))
        suite.set("failures", str(sum(c.status == Status.FAIL for c in s.cases)))
        skipped = sum(c.status == Status.SKIPPED for c in s.cases)
        if skipped or name == "docs-check":
            suite.set("skipped", str(skipped))
        suite.set("errors", "0")
        suite.set("time", f"{s.seconds:.3f}")
        if s.properties:
            props = ET.SubElement(suite, "properties")
            for key, value in s.properties.items():
                ET.SubElement(props, "property", name=key, value=value)
        for c in s.cases:
            case = ET.SubElement(suite, "testcase", classname=c.classname, name=c.name, time=f"{c.seconds:.3f}")
            if c.status == Status.SKIPPED:
                ET.SubElement(case, "skipped", message=c.message)
            elif c.status == Status.FAIL:
                ET.SubElement(case, "failure", message=c.message or "failed").text = c.text
            if c.out is not None:
                ET.SubElement(case, "system-out").text = c.out
            if c.err is not None:
                ET.SubElement(case, "system-err").text = c.err
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"


def details(mark: str, title: str, text: str) -> list[str]:
    """A collapsed Markdown block with a failure's text."""
    return [
        "",
        f"<details><summary>{mark} {title}</summary>",
        "",
        "```",
        text.replace("```", "'''"),
        "```",
        "",
        "</details>",
    ]


# The files a run can write, by --format; what is written when none is asked for.
FILES = {"json": "results.json", "junit": "junit.xml", "md": "summary.md", "sarif": "results.sarif"}
DEFAULT_FORMATS = ("json", "junit", "md")


def write_all(
    results_dir: Path,
    doc: dict | None,
    junit_xml: str,
    markdown: str,
    formats: tuple[str, ...] = DEFAULT_FORMATS,
    more: dict[str, str] | None = None,
) -> Path:
    """The files of ``formats`` (results.json only when ``doc`` is given; ``more``: other formats' texts) and
    the summary appended to $GITHUB_STEP_SUMMARY when set. Returns results.json's path, or the folder's."""
    results_dir.mkdir(parents=True, exist_ok=True)
    texts = {"json": None if doc is None else json.dumps(doc, indent=2) + "\n", "junit": junit_xml, "md": markdown}
    texts.update(more or {})
    for fmt in formats:
        if texts.get(fmt) is not None:
            (results_dir / FILES[fmt]).write_text(texts[fmt], encoding="utf-8")
    if os.environ.get("GITHUB_STEP_SUMMARY"):
        with open(os.environ["GITHUB_STEP_SUMMARY"], "a", encoding="utf-8") as summary:
            summary.write(markdown)
    path = results_dir / FILES["json"]
    return path if "json" in formats and doc is not None else results_dir
