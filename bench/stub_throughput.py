"""Throughput and latency of POST /score: the stub vs the real Azure ML inference server.

Both serve the same model (bench/aml_score.py for the real server) on
loopback and get the same load from wrk (keep-alive connections, the seed
page's two-row body).  Rounds alternate between the servers so that drift
on the machine hits both; the medians are compared.

    nox -s bench                       # installs azureml-inference-server-http, then runs this
    python bench/stub_throughput.py --duration 10 --connections 8 --rounds 3

Needs wrk (apt-get install wrk) and azureml-inference-server-http importable
by --aml-python (default: this interpreter).  The real server is started the
way its `azmlinfsrv` launcher starts it on Linux (gunicorn, 1 worker, access
log on stdout), except bound to 127.0.0.1 instead of 0.0.0.0.
"""

from __future__ import annotations

import argparse
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
BODY = json.dumps(json.loads((ROOT / "harness" / "payloads" / "diabetes-page-rows.json").read_text()))
TARGET_RPS_RATIO = 3.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_stub(port: int) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "server_stub", "--port", str(port)],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def start_aml(port: int, python: str) -> subprocess.Popen:
    env = {
        **os.environ,
        "AZUREML_ENTRY_SCRIPT": str(ROOT / "bench" / "aml_score.py"),
        "AML_APP_ROOT": str(ROOT),
        "WORKER_COUNT": "1",
    }
    argv = [
        python,
        "-m",
        "gunicorn",
        "-b",
        f"127.0.0.1:{port}",
        "-w",
        "1",
        "--timeout",
        "300",
        "--access-logfile",
        "-",
        "--error-logfile",
        "/dev/null",
        "azureml_inference_server_http.server.entry:app",
    ]
    return subprocess.Popen(
        argv, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
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


def to_ms(text: str) -> float:
    value, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", text).groups()
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per measurement (default 10)")
    parser.add_argument("--connections", type=int, default=8, help="keep-alive connections (default 8)")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds per server (default 3)")
    parser.add_argument("--aml-python", default=sys.executable, help="Python with azureml-inference-server-http")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("bench: wrk is not installed (apt-get install wrk)")
    probe = subprocess.run(
        [args.aml_python, "-c", "import azureml_inference_server_http, gunicorn"], capture_output=True
    )
    if probe.returncode != 0:
        raise SystemExit(
            f"bench: {args.aml_python} cannot import azureml_inference_server_http "
            "(pip install azureml-inference-server-http, or run `nox -s bench`)"
        )

    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp) / "post.lua"
        script.write_text(
            f'wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\nwrk.body = {json.dumps(BODY)}\n'
        )
        servers = {"stub": (start_stub, [])}
        servers["azureml-inference-server-http"] = (lambda p: start_aml(p, args.aml_python), [])
        running = {}
        try:
            for name, (start, _) in servers.items():
                port = free_port()
                proc = start(port)
                url = f"http://127.0.0.1:{port}/score"
                running[name] = (proc, url)
                wait_scoring(url, proc, name)
                wrk(url, 2, args.connections, script)  # warm-up
            for round_no in range(args.rounds):
                for name, (_, samples) in servers.items():
                    sample = wrk(running[name][1], args.duration, args.connections, script)
                    samples.append(sample)
                    print(
                        f"round {round_no + 1} {name:30} {sample['rps']:9.0f} req/s  p50 {sample['p50_ms']:7.2f} ms"
                        f"  p99 {sample['p99_ms']:7.2f} ms  non-2xx {sample['errors']}",
                        flush=True,
                    )
        finally:
            for proc, _ in running.values():
                stop(proc)

    med = {
        name: {k: statistics.median(s[k] for s in samples) for k in ("rps", "p50_ms", "p99_ms")}
        for name, (_, samples) in servers.items()
    }
    stub, aml = med["stub"], med["azureml-inference-server-http"]
    print(
        f"\nPOST /score, {args.connections} keep-alive connections, {args.duration:g} s x {args.rounds} rounds, "
        "medians:"
    )
    for name, m in med.items():
        print(f"  {name:30} {m['rps']:9.0f} req/s  p50 {m['p50_ms']:7.2f} ms  p99 {m['p99_ms']:7.2f} ms")
    rps_ratio, p99_ratio = stub["rps"] / aml["rps"], stub["p99_ms"] / aml["p99_ms"]
    print(
        f"ratio stub / real server: requests/s {rps_ratio:.2f}x (target >= {TARGET_RPS_RATIO:g}x), "
        f"p99 {p99_ratio:.2f}x (target <= 1)"
    )
    met = rps_ratio >= TARGET_RPS_RATIO and p99_ratio <= 1.0
    print("targets " + ("met" if met else "NOT met"))
    if any(s["errors"] for _, samples in servers.values() for s in samples):
        print("warning: some responses were not 2xx; see the rounds above")
    return 0


if __name__ == "__main__":
    sys.exit(main())
