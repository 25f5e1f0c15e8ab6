"""Showing a docs check: one row per code block, then the details a maintainer acts on.

Like the matrix's reports (``harness/report.py``), everything works on the
JSON form of a run (``to_json``, already redacted): the terminal table,
``results.json``, ``junit.xml`` (one test case per block; skipped blocks as
JUnit skips, never passes) and ``summary.md`` (also appended to
``$GITHUB_STEP_SUMMARY``).
"""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from ..outputs import DEFAULT_FORMATS, Case, Suite, details, junit, write_all
from ..redact import Redactor
from ..results import Status
from ..writers import failure_text, near_miss
from .check import DocsRun, Outcome

MARK = {"pass": "[green]✔ pass[/]", "fail": "[red]✘ FAIL[/]", "skipped": "[dim]– skipped[/]"}
EMOJI = {"pass": "✅ pass", "fail": "❌ fail", "skipped": "⏭️ skipped"}


def _sample(o: Outcome) -> dict:
    doc = asdict(o)
    doc["lines"] = f"{o.start}-{o.end}" if o.end > o.start else str(o.start)
    return doc


def to_json(run: DocsRun, redactor: Redactor) -> dict:
    samples = [_sample(o) for o in run.outcomes]
    counts = {v: sum(s["verdict"] == v for s in samples) for v in ("pass", "fail", "skipped")}
    return redactor.data(
        {
            "kind": "docs-check",
            "backend": run.backend,
            "started": run.started,
            "seconds": round(run.seconds, 3),
            "ok": run.ok,
            "counts": counts,
            "pages": run.pages,
            "samples": samples,
        }
    )


def _yes_no(value: bool | None) -> str:
    return "" if value is None else "[green]yes[/]" if value else "[red]no[/]"


def table(doc: dict) -> Table:
    t = Table(title=f"Docs check ({doc['backend']} backend, {doc['seconds']:.0f} s)", title_justify="left")
    for name in ("page", "lines", "language", "scenario", "built", "ran", "lint", "verdict", "reason"):
        t.add_column(name, overflow="fold", style="dim" if name in ("page", "scenario") else None)
    for s in doc["samples"]:
        t.add_row(
            escape(Path(s["page"]).name),
            s["lines"],
            escape(s["language"]),
            s["scenario"],
            _yes_no(s["built"]),
            _yes_no(s["ran"]),
            _count(s),
            MARK[s["verdict"]],
            escape(s["reason"]),
        )
    return t


def _ranges(lines: list[int]) -> str:
    """[388, 389, 390, 399] -> "388-390, 399"."""
    out: list[list[int]] = []
    for n in sorted(set(lines)):
        if out and n == out[-1][1] + 1:
            out[-1][1] = n
        else:
            out.append([n, n])
    return ", ".join(f"{a}-{b}" if b > a else str(a) for a, b in out)


def grouped_findings(s: dict, labelled: bool = False) -> list[str]:
    """One line per distinct finding, with every page line it was reported at ("page line 12: go vet:
    ...", with its rule: "page line 8: security: ... [tls-verify-off]"); ``labelled``: each line
    starts with "lint", or with its level for a finding with a rule."""
    groups: dict[tuple[str, str, str, str], list[int]] = {}
    for f in s["findings"]:
        key = (f["tool"], f["message"], f.get("rule", ""), f.get("level", "warning"))
        groups.setdefault(key, []).extend([f["line"]] if f["line"] else [])
    out = []
    for (tool, message, rule, level), lines in groups.items():
        where = f"page line{'s' if len(lines) > 1 else ''} {_ranges(lines)}" if lines else "the sample"
        line = f"{where}: {tool}: {message}" + (f" [{rule}]" if rule else "")
        out.append(f"{level if rule else 'lint'} {line}" if labelled else line)
    return out


def _count(s: dict) -> str:
    """The table's findings cell: blank for a block that was neither built nor found anything in."""
    return str(len(s["findings"])) if s["built"] is not None or s["findings"] else ""


def _where(s: dict) -> str:
    return f"{s['page']}:{s['lines']} ({s['language']})"


def print_details(doc: dict, console: Console) -> None:
    for s in doc["samples"]:
        if s["verdict"] != "fail" and not s["findings"] and (s["verdict"] == "skipped" or not s["notes"]):
            continue
        colour = "red" if s["verdict"] == "fail" else "green"
        console.print(
            f"\n[{colour} bold]{MARK[s['verdict']]} {escape(_where(s))}[/]  [dim]{escape(s['scenario_why'])}[/]"
        )
        if s["verdict"] == "fail":
            console.print(escape(s["reason"]))
            for replaced in s["replaced"]:
                console.print(f"[dim]filled in: {escape(replaced)}[/]")
            if s["checks"]:
                console.print(near_miss(s))
            run = s["run"] or {}
            for stream in ("stdout", "stderr"):
                text = (run.get(stream) or "").strip()
                if text:
                    console.print(f"[dim]{stream}:[/] " + escape(text[-800:]))
        for finding in grouped_findings(s, labelled=True):
            console.print(f"[yellow]{escape(finding)}[/]")
        for note in s["notes"]:
            console.print(f"[dim]note: {escape(note)}[/]")
        if s["project"]:
            console.print(f"[dim]project: {s['project']}  log: {s['log']}[/]")


def summary_line(doc: dict) -> str:
    c = doc["counts"]
    return f"{c['pass']} passed, {c['fail']} failed, {c['skipped']} skipped (not programs, or not run)"


def print_report(doc: dict, console: Console, results_path: Path | None = None) -> None:
    console.print()
    console.print(table(doc))
    print_details(doc, console)
    console.print()
    colour = "red" if doc["counts"]["fail"] else "green"
    console.print(f"[{colour}]{summary_line(doc)}[/]")
    if results_path:
        console.print(f"[dim]results: {results_path}[/]")


# -- files for CI -----------------------------------------------------------------------
def _findings_text(s: dict) -> str:
    lines = grouped_findings(s, labelled=True)
    return "\n".join(lines + [f"note: {n}" for n in s["notes"]])


def to_junit(doc: dict) -> str:
    """A test suite per page, a test case per code block (classname ``docs.<page>``)."""
    suites = []
    for page in doc["pages"]:
        cases = []
        for s in (s for s in doc["samples"] if s["page"] == page):
            run = s["run"] or {}
            case = Case(f"docs.{Path(page).stem}", f"L{s['lines']} {s['language']}", s["seconds"], Status(s["verdict"]))
            case.message = s["reason"]
            if case.status == Status.FAIL:
                case.text = failure_text({"message": s["reason"], "checks": s["checks"]})
            if case.status != Status.SKIPPED or s["findings"]:
                case.out = (
                    f"{s['scenario_why']}\nlog: {s['log']}\n{_findings_text(s)}\n--- stdout\n{run.get('stdout', '')}"
                )
                case.err = run.get("stderr", "")
            cases.append(case)
        suites.append(Suite(page, cases, sum(c.seconds for c in cases)))
    return junit("docs-check", doc["seconds"], suites)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def to_markdown(doc: dict) -> str:
    lines = [
        f"### Docs check ({doc['backend']} backend): {summary_line(doc)}",
        "",
        "| page | lines | language | scenario | built | ran | lint | verdict | reason |",
        "| --- | --- | --- | --- | :---: | :---: | :---: | --- | --- |",
    ]
    yes_no = lambda v: "" if v is None else "yes" if v else "no"  # noqa: E731
    for s in doc["samples"]:
        lint = _count(s)
        lines.append(
            f"| {_cell(Path(s['page']).name)} | {s['lines']} | {s['language']} | {s['scenario']} | "
            f"{yes_no(s['built'])} | {yes_no(s['ran'])} | {lint} | {EMOJI[s['verdict']]} | {_cell(s['reason'])} |"
        )
    for s in doc["samples"]:
        if s["verdict"] == "fail" or s["findings"]:
            mark = "❌" if s["verdict"] == "fail" else "⚠️"
            text = failure_text({"message": s["reason"], "checks": s["checks"]}) if s["verdict"] == "fail" else ""
            text = "\n".join(t for t in (text, _findings_text(s)) if t)
            lines += details(mark, _cell(_where(s)), text)
    return "\n".join(lines) + "\n"


def write(doc: dict, results_dir: Path, formats: tuple[str, ...] = DEFAULT_FORMATS, more: dict | None = None) -> Path:
    """The files of ``formats`` (``more``: other formats' texts); the summary also to $GITHUB_STEP_SUMMARY."""
    return write_all(results_dir, doc, to_junit(doc), to_markdown(doc), formats, more)
