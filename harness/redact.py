"""Keys and tokens never appear in reports or logs: ``Bearer ****f00d``."""

from __future__ import annotations

import threading
from typing import Any


class Redactor:
    def __init__(self) -> None:
        self._secrets: set[str] = set()
        self._lock = threading.Lock()

    def add(self, *values: str) -> None:
        with self._lock:
            self._secrets.update(v for v in values if v and len(v) >= 8)

    def text(self, text: str) -> str:
        with self._lock:
            secrets = sorted(self._secrets, key=len, reverse=True)
        for secret in secrets:
            if secret in text:
                text = text.replace(secret, "****" + secret[-4:])
        return text

    def data(self, value: Any) -> Any:
        """The same for every string inside lists and dicts."""
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, list):
            return [self.data(v) for v in value]
        if isinstance(value, dict):
            return {k: self.data(v) for k, v in value.items()}
        return value
