"""Throughput and latency of POST /score: the real Azure ML inference server direct, through the stub's
gateway, and the stub alone.

All three serve the same model on loopback (the real server from
harness/servers/azureml-inference-server-http, its venv made and cached by the
harness) and get the same load from wrk (keep-alive connections, the seed
page's two-row body).  Rounds alternate between them so that drift on the
machine hits all three; the medians are compared.  Targets: the gateway adds
at most 20% to the real server's p50; the stub alone serves at least 3x the
real server's requests/s at a lower p99.  For the stub's rows it also prints the
stub process's CPU time per request (user + system, from /proc): on a small
machine the gateway's CPU is taken from the real server behind it, so it shows
up as added latency.  ``--loops uvloop,asyncio`` measures the gateway on each
event loop (the stub's --event-loop) in the same run.

    nox -s bench
    python bench/stub_throughput.py --duration 10 --connections 8 --rounds 3 --loops uvloop,asyncio

Needs wrk (apt-get install wrk).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from harness import realserver  # noqa: E402

BODY = json.dumps(json.loads((ROOT / "harness" / "payloads" / "diabetes-page-rows.json").read_text()))
TARGET_RPS_RATIO = 3.0
TARGET_GATEWAY_P50 = 0.20  # the gateway's added p50, as a share of the real server's


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_stub(port: int, upstream: str | None = None, loop: str | None = None) -> subprocess.Popen:
    options = (["--upstream", upstream] if upstream else []) + (["--event-loop", loop] if loop else [])
    return subprocess.Popen(
        [sys.executable, "-m", "server_stub", "--port", str(port), *options],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def wait_scoring(url: str, proc: subprocess.Popen, name: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"bench: {name} exited with code {proc.returncode} during start-up")
        try:
            resp = requests.post(url, data=BODY, headers={"Content-Type": "application/json"}, timeout=2)
            if resp.status_code == 200 and len(resp.json()) == 2:
                return
        except (requests.RequestException, ValueError):
            pass
        time.sleep(0.2)
    raise SystemExit(f"bench: {name} did not answer POST /score within {seconds:g} s")


def stop(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=10)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def wrk(url: str, duration: float, connections: int, script: Path) -> dict:
    out = subprocess.run(
        ["wrk", "-t1", f"-c{connections}", f"-d{duration:g}s", "--latency", "-s", str(script), url],
        capture_output=True,
        text=True,
        timeout=duration + 60,
    ).stdout
    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    pct = dict(re.findall(r"^\s+(50|99)%\s+(\S+)", out, re.M))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if not rps or "50" not in pct:
        raise SystemExit(f"bench: cannot read wrk's output:\n{out}")
    return {
        "rps": float(rps.group(1)),
        "p50_ms": to_ms(pct["50"]),
        "p99_ms": to_ms(pct["99"]),
        "errors": int(errors.group(1)) if errors else 0,
    }


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def to_ms(text: str) -> float:
    value, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", text).groups()
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


REAL, GATEWAY, STUB = "real server direct", "gateway -> real server", "stub alone"


def measure(urls: dict[str, str], pids: dict[str, int], args: argparse.Namespace, script: Path) -> dict:
    """Alternating rounds over ``urls``; ``pids``: the stub processes whose CPU per request is measured."""
    samples: dict[str, list[dict]] = {name: [] for name in urls}
    for url in urls.values():
        wrk(url, 2, args.connections, script)  # warm-up
    for round_no in range(args.rounds):
        for name, url in urls.items():
            before = cpu_seconds(pids[name]) if name in pids else 0.0
            sample = wrk(url, args.duration, args.connections, script)
            if name in pids:
                sample["cpu_ms"] = (cpu_seconds(pids[name]) - before) * 1000 / (sample["rps"] * args.duration)
            samples[name].append(sample)
            cpu = f"  stub CPU {sample['cpu_ms']:.3f} ms/request" if name in pids else ""
            print(
                f"round {round_no + 1} {name:32} {sample['rps']:7.0f} req/s  p50 {sample['p50_ms']:7.2f} ms"
                f"  p99 {sample['p99_ms']:7.2f} ms  non-2xx {sample['errors']}{cpu}",
                flush=True,
            )
    return samples


def verdict(med: dict[str, dict], args: argparse.Namespace) -> bool:
    print(f"\nPOST /score, {args.connections} connections, {args.duration:g} s x {args.rounds} rounds, medians:")
    for name, m in med.items():
        cpu = f"  stub CPU {m['cpu_ms']:.3f} ms/request" if "cpu_ms" in m else ""
        print(f"  {name:32} {m['rps']:7.0f} req/s  p50 {m['p50_ms']:7.2f} ms  p99 {m['p99_ms']:7.2f} ms{cpu}")
    real, stub = med[REAL], med[STUB]
    gateways = [name for name in med if name.startswith(GATEWAY)]
    for name in gateways:
        added_p50, added_p99 = med[name]["p50_ms"] - real["p50_ms"], med[name]["p99_ms"] - real["p99_ms"]
        print(
            f"{name} adds p50 {added_p50:+.2f} ms ({added_p50 / real['p50_ms']:+.0%}, "
            f"target <= +{TARGET_GATEWAY_P50:.0%}), p99 {added_p99:+.2f} ms"
        )
    p50_share = med[gateways[0]]["p50_ms"] / real["p50_ms"] - 1  # the target is the first loop's (the default)
    rps_ratio, p99_ratio = stub["rps"] / real["rps"], stub["p99_ms"] / real["p99_ms"]
    print(
        f"stub alone / real server: requests/s {rps_ratio:.2f}x (target >= {TARGET_RPS_RATIO:g}x), "
        f"p99 {p99_ratio:.2f}x (target < 1)"
    )
    return p50_share <= TARGET_GATEWAY_P50 and rps_ratio >= TARGET_RPS_RATIO and p99_ratio < 1.0


def _loops(value: str) -> list[str]:
    loops = value.split(",")
    if not all(loop in ("uvloop", "asyncio") for loop in loops):
        raise argparse.ArgumentTypeError(f"expected uvloop and/or asyncio, comma-separated, got {value!r}")
    return loops


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per measurement (default 10)")
    parser.add_argument("--connections", type=int, default=8, help="keep-alive connections (default 8)")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds per server (default 3)")
    parser.add_argument(
        "--loops", type=_loops, default=[None], help="the gateway's event loops: uvloop,asyncio (default: the stub's)"
    )
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("bench: wrk is not installed (apt-get install wrk)")
    defn = realserver.load_servers()["azureml-inference-server-http"]
    with tempfile.TemporaryDirectory() as tmp, contextlib.ExitStack() as stack:
        script = Path(tmp) / "post.lua"
        script.write_text(
            f'wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\nwrk.body = {json.dumps(BODY)}\n'
        )
        real = stack.enter_context(realserver.running(defn, "diabetes", log=print))
        urls, pids = {REAL: real.url + "/score"}, {}
        gateways = [(GATEWAY + (f" ({loop})" if loop else ""), real.url, loop) for loop in args.loops]
        for name, upstream, loop in [*gateways, (STUB, None, None)]:
            port = free_port()
            proc = start_stub(port, upstream, loop)
            stack.callback(stop, proc)
            urls[name], pids[name] = f"http://127.0.0.1:{port}/score", proc.pid
            wait_scoring(urls[name], proc, name)
        samples = measure(urls, pids, args, script)
    med = {name: {k: statistics.median(s[k] for s in runs) for k in runs[0]} for name, runs in samples.items()}
    met = verdict(med, args)
    print("targets " + ("met" if met else "NOT met"))
    if any(s["errors"] for runs in samples.values() for s in runs):
        print("warning: some responses were not 2xx; see the rounds above")
    return 0


if __name__ == "__main__":
    sys.exit(main())
