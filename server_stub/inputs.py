"""Reading a request: its body (Content-Encoding undone), its Content-Type, and the body as strict JSON.

Strict means what any client's JSON library can read back: UTF-8 without a
byte order mark, numbers that fit a double (no ``NaN``, no ``1e999``, no
5,000-digit integers), each key once per object, and at most ``MAX_DEPTH``
levels of nesting.  Every problem is an ``InputError`` whose message says
what to change; no body, however odd, reaches a dialect half-parsed.
"""

from __future__ import annotations

import codecs
import json
import math
import re
import zlib
from typing import Any

from aiohttp import web

from .errors import InputError, StubError

MAX_DEPTH = 100  # levels of nesting; scoring bodies need 3 or 4
CODINGS = ("identity", "gzip", "x-gzip", "deflate")  # the Content-Encodings the stub undoes
BODY = web.RequestKey("server_stub.body", bytes)  # where the application keeps a request's decoded body
ENTRY = web.RequestKey("server_stub.entry", dict)  # and its journal entry (the gateway adds to it)
_CHARSET = re.compile(r"charset\s*=\s*\"?([^\";\s]*)", re.I)
_WIDE_BOMS = {
    codecs.BOM_UTF32_LE: "UTF-32",
    codecs.BOM_UTF32_BE: "UTF-32",
    codecs.BOM_UTF16_LE: "UTF-16",
    codecs.BOM_UTF16_BE: "UTF-16",
}


def decoded(body: bytes, content_encoding: str | None, limit: int) -> bytes:
    """The body with its Content-Encoding undone, refused (StubError) when broken or over ``limit`` bytes.

    The stub decodes bodies itself rather than let aiohttp: aiohttp's decoder
    waits forever on a deflate stream that ends early, and answers br or zstd
    only when their libraries happen to be installed.
    """
    codings = [c.strip().lower() for c in (content_encoding or "").split(",") if c.strip()]
    if len(codings) > 1 or (codings and codings[0] not in CODINGS):
        shown = ", ".join(codings)
        raise StubError(415, f"Content-Encoding {shown} is not supported; send the body as is, or gzip or deflate")
    coding = codings[0] if codings else "identity"
    if coding == "identity":
        return body
    zlib_wrapped = len(body) > 1 and body[0] & 0x0F == 8 and (body[0] << 8 | body[1]) % 31 == 0
    wbits = 16 + zlib.MAX_WBITS if "gzip" in coding else zlib.MAX_WBITS if zlib_wrapped else -zlib.MAX_WBITS
    decoder = zlib.decompressobj(wbits)  # deflate: zlib-wrapped as RFC 9110 says, or raw as some clients send
    try:
        data = decoder.decompress(body, limit + 1)
    except zlib.error as exc:
        raise StubError(400, f"the body is not valid {coding} data ({exc})") from None
    if len(data) > limit:
        raise StubError(413, f"body is larger than the limit of {limit} bytes once {coding} is undone")
    if not decoder.eof or decoder.unused_data:
        raise StubError(
            400, f"the body is not valid {coding} data: it {'ends early' if not decoder.eof else 'runs on'}"
        )
    return data


async def read_body(request: web.Request) -> bytes:
    """The request's body, decoded (as the application's middleware left it)."""
    return request[BODY] if BODY in request else await request.read()


def content_type_problem(header: str | None, media: str, charset: bool = True) -> str | None:
    """Why a Content-Type header is not ``media`` (with a UTF-8 charset, if any, when ``charset``), or None."""
    if not header or not header.strip():
        return f"missing Content-Type header; send Content-Type: {media}"
    if header.partition(";")[0].strip().lower() != media:
        return f"Content-Type must be {media}, got {header!r}"
    for name in _CHARSET.findall(header.partition(";")[2]) if charset else ():
        if name.lower() not in ("utf-8", "utf8"):
            return f"charset must be utf-8, got {name!r}"
    return None


def _shown(text: str) -> str:
    return text if len(text) <= 24 else f"{text[:12]}... ({len(text)} characters)"


def _float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise InputError(f"number {_shown(text)} is out of the range of a double; send finite numbers only")
    return value


def _int(text: str) -> int:
    _float(text)  # the same range as any other number; float() has no digit limit, int() has
    return int(text)


def _constant(name: str) -> float:
    raise InputError(f"{name} is not a valid JSON number; send finite numbers only")


def _object(pairs: list[tuple[str, Any]]) -> dict:
    doc = dict(pairs)
    if len(doc) < len(pairs):
        seen: set[str] = set()
        duplicate = next(k for k, _ in pairs if k in seen or seen.add(k))
        raise InputError(f"duplicate key {_shown(json.dumps(duplicate))} in an object; send each key once")
    return doc


def _check_depth(doc: Any) -> None:
    """Walk the document level by level (no recursion) and refuse one nested deeper than MAX_DEPTH."""
    level, depth = [doc], 0
    while level:
        depth += 1
        if depth > MAX_DEPTH:
            raise InputError(f"JSON is nested more than {MAX_DEPTH} levels deep")
        values = (v for c in level for v in (c.values() if isinstance(c, dict) else c))
        level = [v for v in values if isinstance(v, (list, dict))]


def decode_text(body: bytes) -> str:
    """The body as text, when it is UTF-8 without a byte order mark."""
    for bom, name in _WIDE_BOMS.items():
        if body.startswith(bom):
            raise InputError(f"body is {name} (it starts with a {name} byte order mark); send UTF-8")
    if body.startswith(codecs.BOM_UTF8):
        raise InputError("body starts with a UTF-8 byte order mark; send the JSON without it")
    if b"\x00" in body:
        where = body.index(b"\x00")
        raise InputError(f"body has a NUL byte at byte {where}: it looks UTF-16 or UTF-32 encoded; send UTF-8")
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(f"body is not valid UTF-8 (byte {exc.start} is 0x{body[exc.start]:02x})") from None


def parse_json(body: bytes, example: str | None = None) -> Any:
    """Parse a request body as strict JSON; ``example`` is shown when the body is empty."""
    text = decode_text(body)
    if not text.strip():
        raise InputError("body is empty; send a JSON document" + (f" such as {example}" if example else ""))
    try:
        doc = json.loads(text, parse_constant=_constant, parse_float=_float, parse_int=_int, object_pairs_hook=_object)
    except json.JSONDecodeError as exc:
        raise InputError(
            f"malformed JSON at line {exc.lineno} column {exc.colno} (char {exc.pos}): {exc.msg}"
        ) from None
    except RecursionError:
        raise InputError(f"JSON is nested more than {MAX_DEPTH} levels deep") from None
    if isinstance(doc, (list, dict)):
        _check_depth(doc)
    return doc


async def admin_json(request: web.Request) -> dict:
    """An admin request's JSON object; an empty body is an empty object."""
    body = await read_body(request)
    if not body.strip():
        return {}
    try:
        doc = parse_json(body)
    except InputError as exc:
        raise StubError(400, str(exc)) from None
    if not isinstance(doc, dict):
        raise StubError(400, "admin requests take a JSON object")
    return doc
