"""Soak of the stub: a minute of keep-alive POST /score load, its memory and its journal cap.

    nox -s soak_stub                            # or: python bench/stub_soak.py [--seconds 60] [--connections 64]

Starts ``python -m server_stub --port 0 --journal-limit 1000`` (a small cap, so
the run sees entries dropped), warms it up for 5 s, then loads it for
``--seconds`` with ``--connections`` keep-alive connections (wrk when installed,
else an asyncio/aiohttp client), reading the stub's RSS (VmRSS in
/proc/<pid>/status) every second.  Targets, each printed met or MISSED (exit 1
when one is missed):

- errors 0: no answer outside 2xx, no socket error (connect, read, write, or
  no answer within 2 s);
- memory bounded: the highest RSS at most 2x the RSS after warm-up plus the
  journal cap's worth (limit x 4 x the JSON size of its largest entry: an
  entry's Python objects took 3.1x its JSON under tracemalloc);
- the journal capped and counted: ``count`` equals the limit, ``dropped`` > 0,
  and count + dropped covers every answered request (at most one more per
  connection and load phase: requests still in flight when the load stopped);
- the stub stops cleanly on SIGTERM (exit 0).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import aiohttp
import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))
from stub_throughput import BODY, ROOT, stop, wait_scoring  # noqa: E402

WARM_UP_SECONDS = 5.0
JOURNAL_LIMIT = 1000
ENTRY_OVERHEAD = 4  # bytes of Python objects per byte of an entry's JSON, rounded up from 3.1
ANSWER_TIMEOUT = 2.0  # seconds; a request not answered by then is a socket error (timeout)
ERRORS = ("connect", "read", "write", "timeout", "non2xx")

# wrk: POST the body; count answers outside 2xx (wrk's own count starts at 400) and print every count on one line.
WRK_SCRIPT = """
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = %s
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) non2xx = 0 end
function response(status, headers, body)
  if status < 200 or status > 299 then non2xx = non2xx + 1 end
end
function done(summary, latency, requests)
  local n = 0
  for _, t in ipairs(threads) do n = n + t:get("non2xx") end
  local e = summary.errors
  io.write(string.format("soak: requests=%%d connect=%%d read=%%d write=%%d timeout=%%d non2xx=%%d us=%%d\\n",
    summary.requests, e.connect, e.read, e.write, e.timeout, n, summary.duration))
end
"""


def start_stub(stderr) -> tuple[subprocess.Popen, str]:
    """``python -m server_stub`` on a free port with a small journal; the process and its base URL."""
    argv = [sys.executable, "-m", "server_stub", "--port", "0", "--journal-limit", str(JOURNAL_LIMIT)]
    proc = subprocess.Popen(argv, cwd=ROOT, stdout=subprocess.PIPE, stderr=stderr, text=True, start_new_session=True)
    for line in proc.stdout:  # the stub prints its URL last: "server_stub: listening on http://127.0.0.1:PORT"
        if match := re.search(r"listening on (http://\S+)", line):
            wait_scoring(match.group(1) + "/score", proc, "the stub")
            return proc, match.group(1)
    stop(proc)
    raise SystemExit(f"bench: the stub exited with code {proc.returncode} before it listened")


class RssSampler(threading.Thread):
    """Reads a process's VmRSS (KiB) every ``interval`` seconds until stopped."""

    def __init__(self, pid: int, interval: float = 1.0) -> None:
        super().__init__(daemon=True)
        self.pid, self.interval, self.samples = pid, interval, [read_rss(pid)]
        self.halt = threading.Event()

    def run(self) -> None:
        while not self.halt.wait(self.interval):
            self.samples.append(read_rss(self.pid))


def read_rss(pid: int) -> int:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"^VmRSS:\s+(\d+) kB", status, re.M).group(1))


def load_wrk(url: str, seconds: float, connections: int) -> dict:
    """``seconds`` of wrk against POST url: the counts of answered requests and of each kind of error."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua") as script:
        script.write(WRK_SCRIPT % json.dumps(BODY))
        script.flush()
        argv = ["wrk", "-t1", f"-c{connections}", f"-d{seconds:g}s", f"--timeout={ANSWER_TIMEOUT:g}s"]
        out = subprocess.run([*argv, "-s", script.name, url], capture_output=True, text=True, timeout=seconds + 60)
    match = re.search(r"^soak: (.*)$", out.stdout, re.M)
    if not match:
        raise SystemExit(f"bench: cannot read wrk's output:\n{out.stdout}{out.stderr}")
    counts = {k: int(v) for k, v in (pair.split("=") for pair in match.group(1).split())}
    return {**counts, "seconds": counts.pop("us") / 1e6}


def load_python(url: str, seconds: float, connections: int) -> dict:
    """The same load from asyncio/aiohttp, when wrk is not installed (slower: it shares the CPU with the stub)."""
    return asyncio.run(_load_python(url, seconds, connections))


async def _load_python(url: str, seconds: float, connections: int) -> dict:
    counts = dict.fromkeys(("requests", *ERRORS), 0)
    headers = {"Content-Type": "application/json"}
    timeout = aiohttp.ClientTimeout(total=ANSWER_TIMEOUT)
    start = time.monotonic()
    deadline = start + seconds

    async def worker(session: aiohttp.ClientSession) -> None:
        while time.monotonic() < deadline:
            try:
                async with session.post(url, data=BODY, headers=headers) as resp:
                    await resp.read()
                counts["requests"] += 1
                counts["non2xx"] += not 200 <= resp.status <= 299
            except TimeoutError:
                counts["timeout"] += 1
            except aiohttp.ClientConnectorError:
                counts["connect"] += 1
            except aiohttp.ClientError:
                counts["read"] += 1

    connector = aiohttp.TCPConnector(limit=connections)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        await asyncio.gather(*(worker(session) for _ in range(connections)))
    return {**counts, "seconds": time.monotonic() - start}


def journal_state(url: str) -> dict:
    """The journal's count, dropped and limit, and the JSON size of its largest entry."""
    doc = requests.get(url + "/__admin/requests", timeout=30).json()
    largest = max((len(json.dumps(e)) for e in doc["requests"]), default=0)
    return {"count": doc["count"], "dropped": doc["dropped"], "limit": doc["limit"], "entry_bytes": largest}


def soak(url: str, pid: int, args: argparse.Namespace) -> dict:
    """Warm-up, then the load with RSS read every second; every figure the targets need."""
    load = load_wrk if args.client == "wrk" else load_python
    rss_start = read_rss(pid)
    warm = load(url + "/score", WARM_UP_SECONDS, args.connections)
    rss_warm, at_warm = read_rss(pid), journal_state(url)
    sampler = RssSampler(pid)
    sampler.start()
    try:
        main = load(url + "/score", args.seconds, args.connections)
    finally:
        sampler.halt.set()
        sampler.join()
    rss_end = read_rss(pid)
    return {
        "warm": warm,
        "main": main,
        "rss": {"start": rss_start, "warm": rss_warm, "max": max(sampler.samples + [rss_end]), "end": rss_end},
        "samples": len(sampler.samples),
        "journal": journal_state(url),
        "entry_bytes": at_warm["entry_bytes"],
        "sent": warm["requests"] + main["requests"] + 1,  # + wait_scoring's probe
    }


def judge(r: dict, connections: int, exit_code: int) -> list[tuple[str, bool, str]]:
    """(target, met, figures) rows."""
    main, rss, jr = r["main"], r["rss"], r["journal"]
    errors = {k: r["warm"][k] + main[k] for k in ERRORS}
    worth = jr["limit"] * ENTRY_OVERHEAD * max(r["entry_bytes"], jr["entry_bytes"]) // 1024
    bound = 2 * rss["warm"] + worth
    kept = jr["count"] + jr["dropped"]
    in_flight = kept - r["sent"]
    return [
        ("errors 0", not any(errors.values()), "warm-up and load: " + ", ".join(f"{k} {n}" for k, n in errors.items())),
        (
            "RSS bounded",
            rss["max"] <= bound,
            f"max {rss['max']} KiB <= 2 x {rss['warm']} KiB (after warm-up) + {worth} KiB (journal cap) = {bound} KiB",
        ),
        ("journal capped", jr["count"] == jr["limit"], f"count {jr['count']}, limit {jr['limit']}"),
        ("journal dropped counted", jr["dropped"] > 0, f"dropped {jr['dropped']}"),
        (
            "journal has every request",
            0 <= in_flight <= 2 * connections,
            f"count + dropped {kept} = answered {r['sent']} + {in_flight} in flight at a stop (<= {2 * connections})",
        ),
        ("stub stops cleanly", exit_code == 0, f"exit code {exit_code} on SIGTERM"),
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=60.0, help="seconds of load after the warm-up (default 60)")
    parser.add_argument("--connections", type=int, default=64, help="keep-alive connections (default 64)")
    parser.add_argument("--client", choices=("auto", "wrk", "python"), default="auto", help="load generator")
    args = parser.parse_args()
    if args.seconds <= 0 or args.connections < 1:
        parser.error("--seconds must be above 0 and --connections at least 1")
    if args.client == "auto":
        args.client = "wrk" if shutil.which("wrk") else "python"
    elif args.client == "wrk" and not shutil.which("wrk"):
        parser.error("wrk is not installed (apt-get install -y wrk), or use --client python")
    with tempfile.TemporaryFile("w+") as stderr:
        proc, url = start_stub(stderr)
        try:
            result = soak(url, proc.pid, args)
        finally:
            stop(proc)
        stderr.seek(0)
        log = stderr.read().strip().splitlines()
    return report(result, judge(result, args.connections, proc.returncode), args, log)


def report(r: dict, rows: list[tuple[str, bool, str]], args: argparse.Namespace, log: list[str]) -> int:
    main, rss = r["main"], r["rss"]
    print(f"POST /score, {args.connections} keep-alive connections, {args.client}, {main['seconds']:.1f} s")
    print(f"  requests/s    {main['requests'] / main['seconds']:.0f}  ({main['requests']} answered)")
    print(f"  RSS (KiB)     start {rss['start']}, after warm-up {rss['warm']}, max {rss['max']}, end {rss['end']}")
    print(f"                ({r['samples']} samples, one a second)")
    jr = r["journal"]
    print(f"  journal       count {jr['count']}, dropped {jr['dropped']}, limit {jr['limit']}")
    if log:
        print(f"  stub stderr   {len(log)} lines; first: {log[0]}")
    for name, ok, figures in rows:
        print(f"  {'met   ' if ok else 'MISSED'} {name}: {figures}")
    met = all(ok for _, ok, _ in rows)
    print("targets " + ("met" if met else "NOT met"))
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
