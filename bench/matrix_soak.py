"""Soak of the Docker matrix under CPU pressure: N whole runs in a row while a hog holds one core.

    nox -s soak_matrix                          # or: python bench/matrix_soak.py [--runs 10] [--language go]

Each run is ``python -m harness run --images debian --results <temp>`` (with
``--language`` and ``--ca-bundle`` passed through) while ``stress-ng --cpu 1``
(else a Python busy loop) keeps one core busy.  Per run it prints the failing
cells (any status but pass, and cells missing from results.json), containers
or networks the run left behind, and, for each scenario with a time bound
(``max_seconds``: the client's whole run; ``gave_up_within``: how long the
client kept a held request open, as the stub timed it), the slowest cell
against its bound with the headroom (bound / slowest).  Targets: 0 failing cells and 0
left behind over all runs, every slowest cell within its bound; exit 1 when
one is missed.  The hog is stopped however the soak ends (also Ctrl-C).
``--results DIR`` keeps each run's results.json and logs in DIR/run-N.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from stub_throughput import ROOT, stop  # noqa: E402

sys.path.insert(0, str(ROOT))
from harness import catalog  # noqa: E402
from harness.backends.docker import PID  # noqa: E402  (the label naming the harness process)

STOP_GRACE = 300  # seconds the harness gets to clean up after SIGTERM


def start_hog(kind: str) -> subprocess.Popen:
    """A process group keeping one core busy until stopped."""
    if kind == "stress-ng":
        argv = ["stress-ng", "--cpu", "1", "--quiet"]
    else:
        argv = [sys.executable, "-c", "while True: pass"]
    return subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)


def group_cpu_seconds(pgid: int) -> float:
    """CPU seconds (user + system) of the live processes of a process group, from /proc/<pid>/stat."""
    ticks = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # the process ended meanwhile
            continue
        if int(fields[2]) == pgid:  # fields after the name: state ppid pgrp ... utime(11) stime(12)
            ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


def run_harness(argv: list[str], log: Path) -> tuple[int, int]:
    """Run the harness in its own session (Ctrl-C reaches only us); on interruption SIGTERM it, so it cleans
    up, and wait.  Its exit code and pid."""
    with log.open("w") as out:
        proc = subprocess.Popen(argv, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            return proc.wait(), proc.pid
        except BaseException:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=STOP_GRACE)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
            raise


def left_behind(pid: int) -> int:
    """Containers and networks still carrying the harness process's label."""
    found = 0
    for kind in ("container", "network"):
        argv = ["docker", kind, "ls", "-q", "--filter", f"label={PID}={pid}"]
        if kind == "container":
            argv.insert(3, "-a")
        found += len(subprocess.run(argv, capture_output=True, text=True, check=True).stdout.split())
    return found


def failing_cells(doc: dict | None, expected: set[tuple[str, str]]) -> list[str]:
    """``language/scenario: status`` of every cell not passed, and of every expected cell missing."""
    if doc is None:
        return [f"{lang}/{scen}: no results.json" for lang, scen in sorted(expected)]
    seen = {(c["language"], c["scenario"]): c for lang in doc["languages"] for c in lang["cells"]}
    rows = [f"{lang}/{scen}: missing" for lang, scen in sorted(expected - seen.keys())]
    failed = [(key, c) for key, c in sorted(seen.items()) if c["status"] != "pass"]
    return rows + [f"{lang}/{scen}: {c['status']}: {why(c)}" for (lang, scen), c in failed]


def why(cell: dict) -> str:
    """A failed cell's message and its failed checks, each as name (expected; received)."""
    checks = [
        f"{k['name']} (expected {k['expected']}; received {k['received']})" for k in cell["checks"] if not k["ok"]
    ]
    return "; ".join(filter(None, [cell["message"], *checks])) or "no failed check recorded"


def measured(cell: dict, measure: str) -> float | None:
    """A cell's figure for a bound: its run's seconds, or the longest a request stayed open (the "gave up" check)."""
    if measure == "run":
        return (cell.get("run") or {}).get("seconds")
    check = next((c for c in cell.get("checks", []) if c["name"] == "gave up"), None)
    waits = [float(x) for x in re.findall(r"closed after ([\d.]+) s", check["received"])] if check else []
    return max(waits) if waits else None


def slowest(doc: dict | None, bounds: dict[str, tuple[str, str, float]]) -> dict[str, tuple[float, str]]:
    """For each bound, the largest figure of its scenario's cells and whose it was."""
    found: dict[str, tuple[float, str]] = {}
    cells = [c for lang in (doc or {}).get("languages", []) for c in lang["cells"]]
    for label, (scenario, measure, _) in bounds.items():
        for cell in (c for c in cells if c["scenario"] == scenario):
            seconds = measured(cell, measure)
            if seconds is not None and seconds > found.get(label, (-1.0, ""))[0]:
                found[label] = (seconds, cell["language"])
    return found


def one_run(number: int, args: argparse.Namespace, hog: subprocess.Popen, plan: dict) -> dict:
    """One whole matrix under the hog: exit code, failing cells, leftovers, slowest bounded cells, hog load."""
    with tempfile.TemporaryDirectory(prefix="matrix-soak-") as scratch:
        tmp = str(Path(args.results, f"run-{number}") if args.results else scratch)
        Path(tmp).mkdir(parents=True, exist_ok=True)
        argv = [sys.executable, "-m", "harness", "run", "--images", args.images, "--results", tmp]
        argv += [a for lang in args.language for a in ("--language", lang)]
        argv += ["--ca-bundle", args.ca_bundle] if args.ca_bundle else []
        start, cpu = time.monotonic(), group_cpu_seconds(hog.pid)
        code, pid = run_harness(argv, Path(tmp) / "harness.log")
        wall = time.monotonic() - start
        results = Path(tmp) / "results.json"
        doc = json.loads(results.read_text()) if results.is_file() else None
        tail = (Path(tmp) / "harness.log").read_text().strip().splitlines()[-5:]
    return {
        "run": number,
        "exit": code,
        "seconds": wall,
        "hog_cores": (group_cpu_seconds(hog.pid) - cpu) / wall,
        "hog_alive": hog.poll() is None,
        "failing": failing_cells(doc, plan["cells"]),
        "left": left_behind(pid),
        "slowest": slowest(doc, plan["bounds"]),
        "tail": tail if code not in (0, 1) else [],  # 1: cells failed (listed); else the harness's own error
    }


def print_run(r: dict, bounds: dict[str, tuple[str, str, float]]) -> None:
    hog = f"hog {r['hog_cores']:.2f} cores" + ("" if r["hog_alive"] else " (hog DIED)")
    print(
        f"run {r['run']}: exit {r['exit']}, {r['seconds']:.0f} s, {hog}, failing cells {len(r['failing'])}, "
        f"left behind {r['left']}",
        flush=True,
    )
    for row in r["failing"]:
        print(f"  FAIL {row}")
    for line in r["tail"]:
        print(f"  harness: {line}")
    for name, (_, _, bound) in sorted(bounds.items()):
        seconds, language = r["slowest"].get(name, (None, "-"))
        if seconds is None:
            print(f"  {name}: no figure (bound {bound:g} s)")
        else:
            print(
                f"  {name}: slowest {seconds:.1f} s ({language}) of bound {bound:g} s, headroom {bound / seconds:.1f}x"
            )


def summarise(runs: list[dict], bounds: dict[str, tuple[str, str, float]]) -> bool:
    failing = sum(len(r["failing"]) for r in runs)
    left = sum(r["left"] for r in runs)
    ok = failing == 0 and left == 0 and all(r["hog_alive"] for r in runs)
    print(f"\n{len(runs)} runs: failing cells {failing} (target 0), left behind {left} (target 0)")
    for name, (_, _, bound) in sorted(bounds.items()):
        worst = [r["slowest"][name][0] for r in runs if name in r["slowest"]]
        if len(worst) < len(runs):
            ok = False
            print(f"  MISSED {name}: {len(runs) - len(worst)} runs without its figure")
        if worst:
            met = max(worst) <= bound
            ok = ok and met
            print(
                f"  {'met   ' if met else 'MISSED'} {name}: slowest of all runs {max(worst):.1f} s, bound {bound:g} s, "
                f"headroom {bound / max(worst):.1f}x"
            )
    print("targets " + ("met" if ok else "NOT met"))
    return ok


def plan_of(languages: list[str]) -> dict:
    """The cells a run should have and the scenarios' time bounds."""
    scenarios = catalog.load_scenarios()
    names = languages or list(catalog.load_languages())
    bounds = {}
    for s in scenarios.values():
        for measure, bound in (("run", s.expect.max_seconds), ("gave up", s.expect.gave_up_within)):
            if bound is not None:
                bounds[f"{s.name} ({measure})"] = (s.name, measure, bound)
    return {"cells": {(lang, scen) for lang in names for scen in scenarios}, "bounds": bounds}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=10, help="whole matrix runs in a row (default 10)")
    parser.add_argument("--language", action="append", default=[], help="only these languages (repeat)")
    parser.add_argument("--images", default="debian", help="passed to the harness (default debian)")
    parser.add_argument("--ca-bundle", help="passed to the harness")
    parser.add_argument("--results", help="keep each run's results in RESULTS/run-N (default: removed)")
    parser.add_argument("--hog", choices=("auto", "stress-ng", "python"), default="auto", help="the CPU hog")
    args = parser.parse_args()
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    args.language = [lang for value in args.language for lang in value.split(",") if lang]
    unknown = set(args.language) - set(catalog.load_languages())
    if unknown:
        parser.error(f"unknown language {', '.join(sorted(unknown))}")
    if args.hog == "auto":
        args.hog = "stress-ng" if shutil.which("stress-ng") else "python"
    plan = plan_of(args.language)
    signal.signal(signal.SIGTERM, signal.default_int_handler)  # SIGTERM: the same clean-up as Ctrl-C
    hog = start_hog(args.hog)
    print(f"hog: {args.hog} (process group {hog.pid}); {args.runs} runs", flush=True)
    runs = []
    try:
        for number in range(1, args.runs + 1):
            runs.append(one_run(number, args, hog, plan))
            print_run(runs[-1], plan["bounds"])
    except KeyboardInterrupt:
        print(f"matrix_soak: interrupted after {len(runs)} runs", file=sys.stderr)
        return 130
    finally:
        stop(hog)
    return 0 if summarise(runs, plan["bounds"]) else 1


if __name__ == "__main__":
    sys.exit(main())
