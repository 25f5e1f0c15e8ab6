"""The language comparison report: what a team reads to pick a client language.

Per language: scenarios passed, lines of code of the sample, its third-party
dependencies and their licences, until when its pinned runtimes are supported,
build time of the first run and of later runs, the median run time and peak
memory of the ``json-key`` scenario (memory: local backend), and the SDK image's
size (Docker backend); then how each language does what a sample needs beyond
one call (retries, Retry-After, multipart, an extra CA), and the minimal samples
of the READMEs side by side (report_facts.py reads those from the kit's files).
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

from . import report_facts as facts
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
        measured = [c["run"] for r in runs for c in r["cells"] if c["scenario"] == RUN_SCENARIO and c["run"]]
        times = [m["seconds"] for m in measured]
        peaks = [m["peak_kb"] for m in measured if m.get("peak_kb")]
        known = languages.get(lang["name"])
        support = facts.support_of(known) if known else []
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
                "peak_mb": round(statistics.median(peaks) / 1024, 1) if peaks else None,
                "support": support,
                "image": lang.get("image", ""),
                "image_mb": round(lang["image_bytes"] / 1e6) if lang.get("image_bytes") else None,
            }
        )
    return out


def _fmt(value, unit: str = "") -> str:
    if value is None:
        return "–"
    return f"{value:.2f}{unit}" if isinstance(value, float) else f"{value}{unit}"


def _licensed(deps: list[str]) -> str:
    return ", ".join(f"{d} ({facts.licence(d) or 'licence unknown'})" for d in deps) or "none"


def _supported(support: list) -> str:
    if not support:
        return "–"
    first = support[0]
    return f"{first.until.isoformat()}{' (estimated)' if first.estimated else ''}: {first.what}"


COLUMNS = [
    ("language", lambda r: r["title"]),
    ("scenarios passed", lambda r: f"{r['passed']}/{r['scenarios']}"),
    ("lines of code", lambda r: _fmt(r["loc"])),
    ("third-party dependencies (licence)", lambda r: _licensed(r["dependencies"])),
    ("supported until (the soonest end of its pins)", lambda r: _supported(r["support"])),
    ("build, first run", lambda r: _fmt(r["cold_build"], " s")),
    ("build, later runs", lambda r: _fmt(r["warm_build"], " s")),
    (f"{RUN_SCENARIO} run (median)", lambda r: _fmt(r["run_median"], " s") + f" of {r['runs']}"),
    ("peak memory of a run", lambda r: _fmt(r["peak_mb"], " MB")),
    ("SDK image", lambda r: _fmt(r["image_mb"], " MB")),
    ("toolchain", lambda r: r["toolchain"]),
]


def _grid(header: list[str], body: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
    return "\n".join(lines + ["| " + " | ".join(c.replace("|", "\\|") for c in row) + " |" for row in body]) + "\n"


def handled(table: list[dict], languages: dict[str, Language]) -> tuple[list[str], list[list[str]]]:
    """The features table: one row per feature (and its scenarios), one column per language."""
    header = ["what the sample must do (scenarios)"] + [r["title"] for r in table]
    body = []
    for key, feature in facts.features().items():
        row = [f"{feature['title']} ({', '.join(feature['scenarios'])})"]
        for r in table:
            known = languages.get(r["name"])
            row.append((known.handles.get(key) if known else None) or "–")
        body.append(row)
    return header, body


def samples(table: list[dict], languages: dict[str, Language]) -> list[tuple[str, str, str]]:
    """(title, fence language, code) of each language's minimal README sample."""
    out = []
    for r in table:
        known = languages.get(r["name"])
        fence, code = facts.minimal_sample(known) if known else ("", "")
        out.append((r["title"], fence, code))
    return out


def to_markdown(table: list[dict], languages: dict[str, Language] | None = None) -> str:
    languages = languages if languages is not None else load_languages()
    text = _grid([name for name, _ in COLUMNS], [[cell(r) for _, cell in COLUMNS] for r in table])
    text += "\n## How each language does it\n\n" + _grid(*handled(table, languages))
    text += "\n## The minimal samples (each README's first block)\n"
    for title, fence, code in samples(table, languages):
        text += f"\n### {title} ({len(code.splitlines())} lines)\n\n```{fence}\n{code.rstrip()}\n```\n"
    return text


def _chart(title: str, table: list[dict], series: dict[str, str], unit: str) -> go.Figure:
    fig = go.Figure()
    for label, key in series.items():
        fig.add_bar(name=label, x=[r["title"] for r in table], y=[r[key] for r in table])
    fig.update_layout(title=title, yaxis_title=unit, barmode="group", height=320, margin=dict(t=50, b=40))
    return fig


def _table(ident: str, header: list[str], body: list[list[str]]) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    rows_ = "".join("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>" for row in body)
    return f'<table id="{ident}"><thead><tr>{head}</tr></thead><tbody>{rows_}</tbody></table>'


def _support_details(table: list[dict]) -> str:
    items = "".join(
        f"<li><b>{html.escape(r['title'])}</b>: "
        + "; ".join(html.escape(f"{s.what} until {s.until.isoformat()}") for s in r["support"])
        + "</li>"
        for r in table
        if r["support"]
    )
    return f'<ul id="support">{items}</ul>'


def _samples_html(table: list[dict], languages: dict[str, Language]) -> str:
    cells = "".join(
        f'<figure class="sample"><figcaption>{html.escape(title)}: {len(code.splitlines())} lines</figcaption>'
        f'<pre><code class="language-{html.escape(fence)}">{html.escape(code)}</code></pre></figure>'
        for title, fence, code in samples(table, languages)
    )
    return f'<div id="samples">{cells}</div>'


def to_html(table: list[dict], backend: str, languages: dict[str, Language] | None = None) -> str:
    """A self-contained page (plotly.js inline): the tables, one chart per measure, the samples side by side."""
    languages = languages if languages is not None else load_languages()
    charts = [
        _chart("Lines of code of the sample", table, {"lines": "loc"}, "lines"),
        _chart("Build time", table, {"first run": "cold_build", "later runs": "warm_build"}, "seconds"),
        _chart(f"Run time of {RUN_SCENARIO} (median)", table, {"median": "run_median"}, "seconds"),
        _chart("SDK image size", table, {"size": "image_mb"}, "MB"),
        _chart(f"Peak memory of a {RUN_SCENARIO} run (local backend)", table, {"peak": "peak_mb"}, "MB"),
    ]
    parts = [
        fig.to_html(full_html=False, include_plotlyjs=(i == 0), div_id=f"chart-{i}") for i, fig in enumerate(charts)
    ]
    figures = _table("comparison", [n for n, _ in COLUMNS], [[cell(r) for _, cell in COLUMNS] for r in table])
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Client languages compared</title>
<style>body{{font-family:system-ui,sans-serif;margin:2em;max-width:1400px}}
table{{border-collapse:collapse}}td,th{{border:1px solid #ccc;padding:4px 8px;text-align:left;vertical-align:top}}
#samples{{display:grid;grid-template-columns:repeat(auto-fill,minmax(420px,1fr));gap:1em}}
.sample pre{{background:#f6f8fa;padding:8px;overflow-x:auto;font-size:12px}}</style></head>
<body><h1>Client languages compared</h1>
<p>Backend: {html.escape(backend)}. Build "first run" is the first results file given, "later runs" the
median of the others; run time and peak memory (sampled every 25 ms; the local backend only) are the
{RUN_SCENARIO} scenario's, medians over all runs given.</p>
{figures}
<h2>How each language does it</h2>
<p>standard: the language's standard library or runtime; library: a third-party dependency; code: code the
sample had to write.</p>
{_table("features", *handled(table, languages))}
<h2>Supported until</h2>
{_support_details(table)}
<h2>The minimal samples, side by side</h2>
<p>Each client README's first block: the part of its <code>score</code> program a reader copies.</p>
{_samples_html(table, languages)}
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
    page.write_text(to_html(table, backends, languages), encoding="utf-8")
    markdown.write_text(to_markdown(table, languages), encoding="utf-8")
    return [page, markdown]
