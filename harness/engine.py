"""Running work items at once: matrix cells, docs samples, and whatever comes next.

One place holds the thread pool, the interruption (Ctrl-C and SIGTERM, which
cli.py turns into KeyboardInterrupt), the progress display and the whole-block
logs.  On an interruption the engine stops reporting (a dying client is not a
result), runs its stop hooks (the backend's ``close``: containers and child
processes go away, so blocked workers return) and re-raises.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import TextIO, TypeVar

from .redact import Redactor

T = TypeVar("T")
R = TypeVar("R")
Progress = Callable[[str, str, str], None]  # (what: a language or sample, step, message)


class Engine:
    def __init__(self, progress: Progress, redactor: Redactor, on_stop: Iterable[Callable[[], None]] = ()) -> None:
        self._progress, self.redactor = progress, redactor
        self._on_stop = list(on_stop)
        self._lock = threading.Lock()
        self._log_lock = threading.Lock()
        self.stopping = threading.Event()

    def say(self, what: str, step: str, message: str) -> None:
        """Progress, one line at a time, secrets masked; nothing once the run is stopping."""
        with self._lock:
            if not self.stopping.is_set():
                self._progress(what, step, self.redactor.text(message))

    def log(self, log: TextIO, text: str) -> None:
        """A block of a log, written whole even when several items run at once."""
        with self._log_lock:
            log.write(self.redactor.text(text))
            log.flush()

    def stop(self) -> None:
        self.stopping.set()
        for hook in self._on_stop:
            hook()

    def map(self, work: Callable[[T], R], items: list[T], jobs: int, name: str = "work") -> list[R]:
        """``work`` on every item, ``jobs`` at once; results in the items' order."""
        with ThreadPoolExecutor(max_workers=max(1, jobs), thread_name_prefix=name) as pool:
            futures = [pool.submit(work, item) for item in items]
            try:
                return [future.result() for future in futures]
            except BaseException:  # Ctrl-C, SIGTERM: stop the workers' clients so the pool can end
                for future in futures:
                    future.cancel()
                self.stop()
                raise
