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


def _peaks_kb(groups: set[int]) -> dict[int, int]:
    """The largest high-water mark of resident memory (VmHWM, kB) among the processes of each process group."""
    peaks: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            group = int(stat.read_text().rsplit(")", 1)[1].split()[2])  # pgrp, the 5th field of /proc/<pid>/stat
            if group not in groups:
                continue
            status = (stat.parent / "status").read_text()
        except (OSError, IndexError, ValueError):  # gone meanwhile
            continue
        hwm = next((line.split()[1] for line in status.splitlines() if line.startswith("VmHWM:")), "0")
        peaks[group] = max(peaks.get(group, 0), int(hwm))
    return peaks


class _MemoryWatch:
    """Samples the peak memory of the running commands' process groups every 25 ms, one scan of /proc for all of
    them (the high-water marks it reads only grow, so a sample misses at most what the last 25 ms added).
    Linux only; elsewhere no peak."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._peaks: dict[int, int | None] = {}  # process group -> peak so far (None: no sample yet)
        self._thread: threading.Thread | None = None

    def watch(self, group: int) -> None:
        if not Path("/proc/self/status").exists():
            return
        with self._lock:
            self._peaks[group] = None
            if self._thread is None:
                self._thread = threading.Thread(target=self._sample, daemon=True, name="memory-watch")
                self._thread.start()

    def done(self, group: int) -> int | None:
        with self._lock:
            return self._peaks.pop(group, None)

    def _sample(self) -> None:
        while True:
            with self._lock:
                groups = set(self._peaks)
                if not groups:
                    self._thread = None
                    return
            seen = _peaks_kb(groups)
            with self._lock:
                for group, kb in seen.items():
                    if group in self._peaks and kb:
                        self._peaks[group] = max(self._peaks[group] or 0, kb)
            time.sleep(0.025)


_memory = _MemoryWatch()


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
    _memory.watch(proc.pid)
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
        peak_kb = _memory.done(proc.pid)
    seconds = time.monotonic() - start
    decode = lambda b: b.decode("utf-8", "replace")  # noqa: E731
    return RunResult(None if killed else proc.returncode, decode(out), decode(err), seconds, killed, peak_kb)


def _kill_group(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
