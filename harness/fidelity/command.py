"""``python -m harness fidelity``: the stub against the real server it imitates, probe by probe.

Starts the stub (in this process) and each real server that speaks a
catalogue's protocol (``harness/servers/``), sends every probe of the
catalogue to both, prints ``probe | real | stub | same``, then compares
predictions over random valid rows.  Exit status 1 when a difference is not
listed in ``fidelity/differences.toml`` (or a listed one no longer happens,
or predictions differ by more than its bound), 0 otherwise, 2 for bad input.
"""

from __future__ import annotations

import argparse
import json
import math
from dataclasses import dataclass, field
from pathlib import Path

from rich.console import Console
from rich.table import Table

from .. import realserver
from ..datafiles import CatalogError
from .compare import Differences, compare, load_differences, summary
from .probes import FIDELITY, Catalogue, Predictions, load_catalogue, random_rows, send, send_probe

BATCHES = (1, 2, 3, 4, 5, 6, 7, 8, 9, 13, 16, 31)  # batch sizes cycled over the random rows (every BLAS path)


@dataclass
class Outcome:
    probes: int = 0
    same: int = 0
    listed: int = 0
    unlisted: list[str] = field(default_factory=list)
    matched_ids: set[str] = field(default_factory=set)
    rows: list[dict] = field(default_factory=list)


def run_probes(catalogue: Catalogue, real_url: str, stub_url: str, differences: Differences) -> Outcome:
    out = Outcome()
    for probe in catalogue.probes:
        real, stub = send_probe(real_url, probe, real=True), send_probe(stub_url, probe, real=False)
        diffs = compare(probe, real, stub, catalogue)
        ids, unlisted = [], []
        for name, (a, b) in diffs.items():
            known = differences.find(probe.name, name)
            if known:
                ids.append(known.id)
            else:
                unlisted.append(name)
                out.unlisted.append(f"{probe.name}: {name}: real {a[:60]!r}, stub {b[:60]!r}")
        out.matched_ids.update(ids)
        verdicts = [f"DIFFERENT: {', '.join(unlisted)}"] if unlisted else []
        verdicts += [f"listed ({', '.join(dict.fromkeys(ids))})"] if ids else []
        out.probes += 1
        out.same += not diffs
        out.listed += bool(diffs) and not unlisted
        out.rows.append(
            {"probe": probe.name, "real": summary(real), "stub": summary(stub), "same": "; ".join(verdicts) or "yes"}
        )
    return out


def predictions(real_url: str, stub_url: str, count: int, seed: int, how: Predictions) -> dict:
    """The largest difference between the two servers' predictions over ``count`` random valid rows,
    scored the catalogue's way (``[predictions]``)."""
    rows, start, i = random_rows(count, seed), 0, 0
    worst = {"rows": count, "max_abs_difference": 0.0, "max_ulps": 0, "differing": 0, "example": None}
    while start < count:
        batch = rows[start : start + BATCHES[i % len(BATCHES)]]
        body = how.encode(batch)
        got = [send(u, "POST", p, how.headers, body) for u, p in ((real_url, how.real_path), (stub_url, how.path))]
        if any(a.status != 200 for a in got):
            raise realserver.ServerUnavailable(f"scoring {len(batch)} valid rows failed: {[a.status for a in got]}")
        for row, a, b in zip(batch, *(how.decode(x.body) for x in got)):
            if a != b:
                worst["differing"] += 1
                ulps = round(abs(a - b) / math.ulp(a)) if a else 0
                if abs(a - b) > worst["max_abs_difference"]:
                    worst.update(max_abs_difference=abs(a - b), example={"row": row, "real": a, "stub": b})
                worst["max_ulps"] = max(worst["max_ulps"], ulps)
        start, i = start + len(batch), i + 1
    return worst


def catalogues(paths: list[Path] | None) -> list[Catalogue]:
    files = paths or sorted(p for p in FIDELITY.glob("*.toml") if p.name != "differences.toml")
    return [load_catalogue(p) for p in files]


def servers_for(catalogue: Catalogue, wanted: list[str] | None) -> list[realserver.ServerDefinition]:
    found = realserver.load_servers()
    unknown = [w for w in wanted or [] if w not in found]
    if unknown:
        raise CatalogError(f"unknown real server(s): {', '.join(unknown)}; known: {', '.join(found)}")
    chosen = [d for n, d in found.items() if (not wanted or n in wanted) and catalogue.protocol in d.protocols]
    if not chosen and not wanted:
        raise CatalogError(f"no real server in harness/servers/ speaks {catalogue.protocol}")
    return chosen


def print_table(console: Console, title: str, rows: list[dict]) -> None:
    table = Table(title=title, show_lines=False)
    for column in ("probe", "real", "stub", "same"):
        table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(row["probe"], row["real"], row["stub"], row["same"])
    console.print(table)


def compare_one(
    catalogue: Catalogue, defn: realserver.ServerDefinition, args: argparse.Namespace, console: Console
) -> tuple[Outcome, dict]:
    from server_stub.server import running as stub_running

    say = lambda m: console.print(f"fidelity: {m}")  # noqa: E731
    with realserver.running(defn, catalogue.model, log_dir=args.results, log=say) as real, stub_running() as (_, url):
        say(f"{defn.title} at {real.url} (log {real.log_path}); the stub at {url}")
        outcome = run_probes(catalogue, real.url, url, args.differences)
        numbers = predictions(real.url, url, args.rows, args.seed, catalogue.predictions)
    numbers["real_numerics"] = realserver.describe(defn)
    return outcome, numbers


def report(console: Console, name: str, outcome: Outcome, numbers: dict, differences: Differences) -> list[str]:
    """Print one server's results; return what fails the run."""
    print_table(console, f"{name}: {outcome.probes} probes", outcome.rows)
    console.print(
        f"{outcome.probes} probes: {outcome.same} same, {outcome.listed} differ as listed, "
        f"{outcome.probes - outcome.same - outcome.listed} differ otherwise"
    )
    d, bound = numbers["max_abs_difference"], differences.max_abs_difference
    console.print(
        f"predictions over {numbers['rows']} random valid rows: max |real - stub| = {d!r} "
        f"({numbers['max_ulps']} ulp, {numbers['differing']} rows differ; bound {bound!r}); "
        f"real numerics: {numbers['real_numerics'] or 'not described'}"
    )
    if numbers["example"]:
        console.print(f"  largest: {json.dumps(numbers['example'])}")
    failures = [f"unlisted difference: {u}" for u in outcome.unlisted]
    if d > bound:
        failures.append(f"predictions differ by {d!r}, over the bound {bound!r} of differences.toml")
    return failures


def command(args: argparse.Namespace, console: Console) -> int:
    args.differences = load_differences(args.differences_file)
    args.results.mkdir(parents=True, exist_ok=True)
    failures, matched, results = [], set(), []
    for catalogue in catalogues(args.probes):
        for defn in servers_for(catalogue, args.server):
            outcome, numbers = compare_one(catalogue, defn, args, console)
            failures += report(console, f"{catalogue.protocol} vs {defn.name}", outcome, numbers, args.differences)
            matched |= outcome.matched_ids
            results.append({"server": defn.name, "protocol": catalogue.protocol, "probes": outcome.rows, **numbers})
    stale = [d.id for d in args.differences.listed if d.id not in matched]
    failures += [f"listed difference {s!r} was not seen: remove it from differences.toml and README" for s in stale]
    (args.results / "fidelity.json").write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    for failure in failures:
        console.print(f"fidelity: {failure}")
    console.print("fidelity: " + ("FAILED" if failures else "every difference is listed, with its reason"))
    return 1 if failures else 0
