"""The stub's errors: a status, a message, and the body each dialect answers with."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from aiohttp import web


class InputError(ValueError):
    """A request body cannot be used; the message says why, for the caller."""


class StubError(Exception):
    """An answer other than success.  ``body`` replaces the default JSON error
    ``{"status_code": N, "message": "..."}`` where a dialect has its own form."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None, body: Any = None) -> None:
        super().__init__(message)
        self.status, self.message, self.headers, self.body = status, message, headers or {}, body


def error_response(status: int, message: str, headers: dict[str, str] | None = None, body: Any = None) -> web.Response:
    payload = {"status_code": status, "message": message} if body is None else body
    return web.json_response(payload, status=status, headers=headers)


@contextlib.contextmanager
def refused(status: int = 400) -> Iterator[None]:
    """Turn a ValueError (a setting the caller got wrong; its message says how) into a StubError."""
    try:
        yield
    except ValueError as exc:
        raise StubError(status, str(exc)) from None
