"""Running commands with a time limit, leaving no process behind."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

from .backends.base import RunResult

_running: set[subprocess.Popen] = set()


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
    seconds = time.monotonic() - start
    decode = lambda b: b.decode("utf-8", "replace")  # noqa: E731
    return RunResult(None if killed else proc.returncode, decode(out), decode(err), seconds, killed)


def _kill_group(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
