"""Property-based fuzzing of the stub: many generated requests, across every route of every dialect and the
admin API, and the count of answers that break the rule "no 5xx from any client input".

    python bench/stub_fuzz.py                 # 10,000 cases (or STUB_FUZZ_CASES)
    python bench/stub_fuzz.py --cases 50000 --seed 7

A case fails when the stub answers 5xx, gives no answer at all, or answers
an error without the JSON error body of the stub or of the route's dialect;
the stub's own ERROR log lines are counted too.  Exit 0 when every count is
0, 1 otherwise (with the first failing cases printed), 2 on bad arguments.
The requests come from the same strategies as ``tests/stub/test_fuzz.py``,
which runs a few hundred of them in CI.  Needs requirements-test.txt.
"""

from __future__ import annotations

import argparse
import collections
import logging
import os
import sys
import time
from pathlib import Path

from hypothesis import HealthCheck, Phase, given, seed, settings

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import server_stub  # noqa: E402
from tests.stub.strategies import attempt, judge, probes, set_up  # noqa: E402

SHOWN = 10  # failing cases printed


class Count(logging.Handler):
    """Counts ERROR records (a stub bug logs one: "unhandled error", "error handling a request")."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(f"{record.name}: {record.getMessage()}")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="bench/stub_fuzz.py", description=__doc__.split("\n\n")[0])
    p.add_argument("--cases", type=int, default=os.environ.get("STUB_FUZZ_CASES") or "10000", help="[STUB_FUZZ_CASES]")
    p.add_argument("--seed", type=int, default=None, help="fix the generator's seed (default: a random one)")
    args = p.parse_args(argv)
    if args.cases < 1:
        p.error(f"--cases must be at least 1, got {args.cases}")
    return args


def fuzz(url: str, cases: int, fixed_seed: int | None) -> tuple[int, collections.Counter, list[str]]:
    """Run the cases; the number run, the statuses seen, and a line per failing case."""
    statuses: collections.Counter = collections.Counter()
    failures: list[str] = []

    @settings(
        max_examples=cases,
        deadline=None,
        database=None,
        phases=[Phase.generate],  # nothing to shrink: failures are counted, not raised
        suppress_health_check=list(HealthCheck),
    )
    @given(probe=probes())
    def one(probe):
        answer = attempt(url, probe)
        statuses[answer.status if answer else "none"] += 1
        problem = judge(probe, answer)
        if problem:
            failures.append(
                f"{problem}: {probe.method} {probe.path} headers={probe.headers!r:.200} body={probe.body!r:.120}"
            )

    (seed(fixed_seed)(one) if fixed_seed is not None else one)()
    return sum(statuses.values()), statuses, failures


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    errors = Count()
    logging.getLogger().addHandler(errors)
    start = time.monotonic()
    with server_stub.running() as (_, url):
        set_up(url)
        ran, statuses, failures = fuzz(url, args.cases, args.seed)
    seconds = time.monotonic() - start
    server_errors = sum(n for s, n in statuses.items() if isinstance(s, int) and s >= 500)
    shown = ", ".join(f"{s}: {n}" for s, n in sorted(statuses.items(), key=lambda kv: str(kv[0])))
    print(f"stub_fuzz: {ran} cases in {seconds:.0f} s ({ran / seconds:.0f}/s); statuses {shown}")
    print(f"stub_fuzz: 5xx answers: {server_errors}")
    other = len(failures) - server_errors - statuses["none"]
    print(f"stub_fuzz: no answer: {statuses['none']}; errors without their JSON body: {other}")
    print(f"stub_fuzz: stub ERROR log lines: {len(errors.records)}")
    for line in failures[:SHOWN] + errors.records[:SHOWN]:
        print("  " + line)
    if ran < args.cases:
        print(f"stub_fuzz: MISSED: only {ran} of {args.cases} cases ran")
    return 1 if failures or errors.records or ran < args.cases else 0


if __name__ == "__main__":
    sys.exit(main())
