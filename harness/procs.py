"""Running commands with a time limit, leaving no process behind."""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
from pathlib import Path

from .backends.base import RunResult

_running: set[subprocess.Popen] = set()


def _peak_kb(group: int) -> int:
    """The largest high-water mark of resident memory (VmHWM) among the processes of a process group, in kB."""
    peak = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if int(fields[2]) != group:  # pgrp, the 5th field of /proc/<pid>/stat
                continue
            status = (stat.parent / "status").read_text()
        except (OSError, IndexError, ValueError):  # gone meanwhile
            continue
        hwm = next((line.split()[1] for line in status.splitlines() if line.startswith("VmHWM:")), "0")
        peak = max(peak, int(hwm))
    return peak


class _MemoryWatch(threading.Thread):
    """Samples the peak memory of a command's process group every 25 ms while it runs (the high-water marks it
    reads only grow, so a sample misses at most what the last 25 ms added). Linux only; elsewhere None."""

    def __init__(self, group: int) -> None:
        super().__init__(daemon=True)
        self.group, self.peak_kb, self.done = group, None, threading.Event()

    def run(self) -> None:
        if not Path("/proc/self/status").exists():
            return
        while True:
            self.peak_kb = max(self.peak_kb or 0, _peak_kb(self.group)) or self.peak_kb
            if self.done.wait(0.025):
                return


def kill_all() -> None:
    """Kill every command still running (an interrupted run leaves none behind)."""
    for proc in list(_running):
        _kill_group(proc)


def run_command(argv: list[str], *, cwd: Path, env: dict[str, str], timeout: float) -> RunResult:
    """Run argv in its own process group; kill the whole group at the timeout."""
    start = time.monotonic()
    try:
        proc = subprocess.Popen(
            argv,
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
    except OSError as exc:
        return RunResult(None, "", f"cannot start {argv[0]}: {exc.strerror or exc}", 0.0)
    killed = False
    _running.add(proc)
    watch = _MemoryWatch(proc.pid)
    watch.start()
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        killed = True
        _kill_group(proc)
        out, err = proc.communicate()
    except BaseException:  # Ctrl-C or an error in the harness: take the child down too
        _kill_group(proc)
        proc.wait()
        raise
    finally:
        _running.discard(proc)
        watch.done.set()
    seconds = time.monotonic() - start
    decode = lambda b: b.decode("utf-8", "replace")  # noqa: E731
    return RunResult(None if killed else proc.returncode, decode(out), decode(err), seconds, killed, watch.peak_kb)


def _kill_group(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
