"""The request journal: every non-admin request exactly as received.

An entry is recorded as soon as the request's body has been read, before
any injected delay and before the response is sent, so a reader never sees
"nothing received" for a request the stub is still answering.  Its
``response`` is filled in when the answer is decided.  The journal is
capped; ``dropped`` counts entries evicted to stay under the cap.
"""

from __future__ import annotations

import base64
import collections
import datetime
import itertools


def encode_body(body: bytes) -> dict:
    """Body bytes as JSON-safe fields: text when UTF-8, else base64."""
    try:
        return {"body": body.decode("utf-8"), "bodyEncoding": "utf-8"}
    except UnicodeDecodeError:
        return {"body": base64.b64encode(body).decode("ascii"), "bodyEncoding": "base64"}


def decode_body(entry: dict) -> bytes:
    """The exact bytes of a journal entry's (or response's) body."""
    if entry.get("body") is None:
        return b""
    if entry.get("bodyEncoding") == "base64":
        return base64.b64decode(entry["body"])
    return entry["body"].encode("utf-8")


class Journal:
    def __init__(self, limit: int = 10_000) -> None:
        if limit < 1:
            raise ValueError("journal limit must be at least 1")
        self.limit = limit
        self.dropped = 0
        self._entries: collections.deque[dict] = collections.deque()
        self._ids = itertools.count(1)

    def record(
        self,
        *,
        service: str,
        method: str,
        path: str,
        query: str,
        headers: list[list[str]],
        body: bytes | None,
        note: str | None = None,
        scheme: str = "http",
    ) -> dict:
        entry = {
            "id": next(self._ids),
            "time": datetime.datetime.now(datetime.UTC).isoformat(timespec="milliseconds"),
            "service": service,
            "scheme": scheme,  # https when it came over TLS
            "method": method,
            "path": path,
            "query": query,
            "headers": headers,
            **(encode_body(body) if body is not None else {"body": None, "bodyEncoding": None}),
            "response": None,
        }
        if note:
            entry["note"] = note
        if len(self._entries) >= self.limit:
            self._entries.popleft()
            self.dropped += 1
        self._entries.append(entry)
        return entry

    @staticmethod
    def answer(
        entry: dict,
        status: int | None,
        headers: dict[str, str] | None = None,
        body: bytes | None = None,
        dropped: bool = False,
        abandoned: bool = False,
    ) -> None:
        response: dict = {"status": status, "headers": headers or {}}
        response.update(encode_body(body or b""))
        if dropped:
            response["dropped"] = True  # the stub reset the connection (a fault)
        if abandoned:
            response["abandoned"] = True  # the client closed the connection before any answer
        entry["response"] = response

    def entries(self, service: str | None = None, since: int = 0) -> list[dict]:
        return [e for e in self._entries if e["id"] > since and (service is None or e["service"] == service)]

    def clear(self, service: str | None = None) -> int:
        before = len(self._entries)
        if service is None:
            self._entries.clear()
        else:
            self._entries = collections.deque(e for e in self._entries if e["service"] != service)
        return before - len(self._entries)
