"""The language comparison report: what a team reads to pick a client language.

Per language: scenarios passed, lines of code of the sample, its third-party
dependencies, build time of the first run and of later runs, the median run
time of the ``json-key`` scenario, and the SDK image's size (Docker backend).
From one or more saved runs (``results.json``, oldest first: with several,
a language's first build counts as cold, the median of its others as warm;
files of different languages, as CI's per-language jobs write, combine), as a
self-contained HTML page with plotly charts and as a Markdown table.

    python -m harness report results/results.json [later/results.json ...] --html report.html
"""

from __future__ import annotations

import html
import re
import statistics
from pathlib import Path

import plotly.graph_objects as go

from .catalog import Language, load_languages

RUN_SCENARIO = "json-key"


def lines_of_code(language: Language) -> int:
    """Non-blank lines that are not only a comment, over the sample's source files."""
    count = 0
    for pattern in language.sources:
        for path in sorted(language.client.glob(pattern)):
            for line in path.read_text(encoding="utf-8").splitlines():
                text = line.strip()
                if text and not text.startswith(("//", "#", "/*", "*")):
                    count += 1
    return count


def dependencies(language: Language) -> list[str]:
    if not language.dependencies:
        return []
    file, pattern = language.dependencies
    path = language.client / file
    return sorted(set(re.findall(pattern, path.read_text(encoding="utf-8")))) if path.is_file() else []


def rows(docs: list[dict], languages: dict[str, Language]) -> list[dict]:
    """One row per language, from the last run that has it, with figures from all runs that do.

    So both work: several runs of the whole matrix, and one file per language (CI's jobs).
    """
    out = []
    names = list(dict.fromkeys(x["name"] for d in docs for x in d["languages"]))
    for name in names:
        present = [x for d in docs for x in d["languages"] if x["name"] == name]
        lang = present[-1]
        runs = [r for r in present if r["status"] == "built"]
        cells = lang["cells"]
        times = [c["run"]["seconds"] for r in runs for c in r["cells"] if c["scenario"] == RUN_SCENARIO and c["run"]]
        known = languages.get(lang["name"])
        out.append(
            {
                "name": lang["name"],
                "title": lang["title"],
                "toolchain": lang["toolchain"] or lang["status"],
                "passed": sum(c["status"] == "pass" for c in cells),
                "scenarios": len(cells),
                "loc": lines_of_code(known) if known else None,
                "dependencies": dependencies(known) if known else [],
                "cold_build": runs[0]["build_seconds"] if runs else None,
                "warm_build": statistics.median(r["build_seconds"] for r in runs[1:]) if len(runs) > 1 else None,
                "run_median": statistics.median(times) if times else None,
                "runs": len(times),
                "image": lang.get("image", ""),
                "image_mb": round(lang["image_bytes"] / 1e6) if lang.get("image_bytes") else None,
            }
        )
    return out


def _fmt(value, unit: str = "") -> str:
    if value is None:
        return "–"
    return f"{value:.2f}{unit}" if isinstance(value, float) else f"{value}{unit}"


COLUMNS = [
    ("language", lambda r: r["title"]),
    ("scenarios passed", lambda r: f"{r['passed']}/{r['scenarios']}"),
    ("lines of code", lambda r: _fmt(r["loc"])),
    ("third-party dependencies", lambda r: ", ".join(r["dependencies"]) or "none"),
    ("build, first run", lambda r: _fmt(r["cold_build"], " s")),
    ("build, later runs", lambda r: _fmt(r["warm_build"], " s")),
    (f"{RUN_SCENARIO} run (median)", lambda r: _fmt(r["run_median"], " s") + f" of {r['runs']}"),
    ("SDK image", lambda r: _fmt(r["image_mb"], " MB")),
    ("toolchain", lambda r: r["toolchain"]),
]


def to_markdown(table: list[dict]) -> str:
    lines = ["| " + " | ".join(name for name, _ in COLUMNS) + " |", "|" + " --- |" * len(COLUMNS)]
    lines += ["| " + " | ".join(cell(r) for _, cell in COLUMNS) + " |" for r in table]
    return "\n".join(lines) + "\n"


def _chart(title: str, table: list[dict], series: dict[str, str], unit: str) -> go.Figure:
    fig = go.Figure()
    for label, key in series.items():
        fig.add_bar(name=label, x=[r["title"] for r in table], y=[r[key] for r in table])
    fig.update_layout(title=title, yaxis_title=unit, barmode="group", height=320, margin=dict(t=50, b=40))
    return fig


def to_html(table: list[dict], backend: str) -> str:
    """A self-contained page (plotly.js inline): the table, then one chart per measure."""
    charts = [
        _chart("Lines of code of the sample", table, {"lines": "loc"}, "lines"),
        _chart("Build time", table, {"first run": "cold_build", "later runs": "warm_build"}, "seconds"),
        _chart(f"Run time of {RUN_SCENARIO} (median)", table, {"median": "run_median"}, "seconds"),
        _chart("SDK image size", table, {"size": "image_mb"}, "MB"),
    ]
    parts = [
        fig.to_html(full_html=False, include_plotlyjs=(i == 0), div_id=f"chart-{i}") for i, fig in enumerate(charts)
    ]
    head = "".join(f"<th>{html.escape(name)}</th>" for name, _ in COLUMNS)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(cell(r))}</td>" for _, cell in COLUMNS) + "</tr>" for r in table)
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Client languages compared</title>
<style>body{{font-family:system-ui,sans-serif;margin:2em;max-width:1100px}}
table{{border-collapse:collapse}}td,th{{border:1px solid #ccc;padding:4px 8px;text-align:left}}</style></head>
<body><h1>Client languages compared</h1>
<p>Backend: {html.escape(backend)}. Build "first run" is the first results file given, "later runs" the
median of the others; run time is the {RUN_SCENARIO} scenario's, median over all runs given.</p>
<table id="comparison"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>
{"".join(parts)}
</body></html>
"""


def command(args, console) -> int:
    """``python -m harness report FILE...``: the comparison page over saved matrix results."""
    from .summary import read_results

    docs = read_results(args.files)
    out = args.out or args.files[-1].parent
    out.mkdir(parents=True, exist_ok=True)
    for path in write(docs, load_languages(), out):
        console.print(f"wrote {path}")
    return 0


def write(docs: list[dict], languages: dict[str, Language], folder: Path) -> list[Path]:
    """comparison.html and comparison.md in folder."""
    table = rows(docs, languages)
    page, markdown = folder / "comparison.html", folder / "comparison.md"
    backends = ", ".join(dict.fromkeys(d["backend"] for d in docs))
    page.write_text(to_html(table, backends), encoding="utf-8")
    markdown.write_text(to_markdown(table), encoding="utf-8")
    return [page, markdown]
