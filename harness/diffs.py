"""Comparing what a client sent with what was expected: JSON, exact bytes, a form upload.

JSON is compared structurally: key order and whitespace do not matter, numbers
are compared as IEEE doubles, exactly (``1`` equals ``1.0``; ``0.1`` does not
equal ``0.1000000001``).  Each difference names its JSON path, like Pact.
"""

from __future__ import annotations

import base64
import difflib
import email
import email.policy
import hashlib
import json
from typing import Any

from .datafiles import HERE
from .results import Check
from .scenario import Multipart

ABSENT = "(not sent)"


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _type(v: Any) -> str:
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "boolean"
    if _is_number(v):
        return "number"
    return {str: "string", list: "array", dict: "object"}[type(v)]


def _show(v: Any) -> str:
    return repr(float(v)) if _is_number(v) else json.dumps(v)


def json_differences(expected: Any, received: Any, path: str = "$") -> list[str]:
    """Each difference as ``$.data[1][3]: expected 0.05 (number), received "x" (string)``."""
    if _is_number(expected) and _is_number(received):
        try:
            same = float(expected) == float(received)
        except OverflowError:
            same = expected == received
        return [] if same else [f"{path}: expected {_show(expected)}, received {_show(received)}"]
    if _type(expected) != _type(received):
        return [
            f"{path}: expected {_show(expected)} ({_type(expected)}), received {_show(received)} ({_type(received)})"
        ]
    if isinstance(expected, list):
        out = []
        if len(expected) != len(received):
            out.append(f"{path}: expected {len(expected)} items, received {len(received)}")
        for i, (e, r) in enumerate(zip(expected, received)):
            out += json_differences(e, r, f"{path}[{i}]")
        return out
    if isinstance(expected, dict):
        out = [f"{path}.{k}: missing" for k in expected if k not in received]
        out += [f"{path}.{k}: not expected, received {_show(received[k])}" for k in received if k not in expected]
        for k in expected:
            if k in received:
                out += json_differences(expected[k], received[k], f"{path}.{k}")
        return out
    return [] if expected == received else [f"{path}: expected {_show(expected)}, received {_show(received)}"]


def pretty(v: Any) -> str:
    return json.dumps(v, indent=2, sort_keys=True)


def text_diff(expected: str, received: str) -> str:
    lines = difflib.unified_diff(expected.splitlines(), received.splitlines(), "expected", "received", lineterm="", n=2)
    return "\n".join(lines)


def clip(text: str, limit: int = 300) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def compare_json(name: str, expected: Any, received_text: str) -> Check:
    try:
        received = json.loads(received_text)
    except ValueError as exc:
        return Check(name, False, clip(json.dumps(expected)), clip(received_text) or "(empty)", f"not JSON: {exc}")
    diffs = json_differences(expected, received)
    detail = "\n".join(diffs[:20] + ([f"... {len(diffs) - 20} more"] if len(diffs) > 20 else []))
    if diffs:
        detail += "\n" + text_diff(pretty(expected), pretty(received))
    return Check(name, not diffs, clip(json.dumps(expected)), clip(json.dumps(received)), detail)


JSON_SPACE = " \t\n\r"  # RFC 8259's insignificant whitespace


def compact_json(text: str) -> str:
    """The JSON text with the whitespace between its tokens removed, every token as written (numbers,
    string escapes): what a kit client prints of an answer. ValueError when the text is not JSON."""
    json.loads(text)  # validated first: the loop below only has to know where strings are
    out, in_string, escaped = [], False, False
    for ch in text:
        if in_string:
            escaped, in_string = (not escaped and ch == "\\"), in_string and (escaped or ch != '"')
        elif ch == '"':
            in_string = True
        elif ch in JSON_SPACE:
            continue
        out.append(ch)
    return "".join(out)


def compare_exact(name: str, answer_text: str, printed: str) -> Check:
    """The printed text is the answer compacted, byte for byte, and one newline."""
    try:
        want = compact_json(answer_text) + "\n"
    except ValueError as exc:
        return Check(name, False, "the answer, compacted", clip(printed) or "(empty)", f"the answer is not JSON: {exc}")
    if printed == want:
        return Check(name, True, clip(want.rstrip()), clip(printed.rstrip()))
    at = next((i for i, (a, b) in enumerate(zip(want, printed, strict=False)) if a != b), min(len(want), len(printed)))
    detail = (
        f"differs from the answer compacted at character {at}: "
        f"expected {want[max(at - 20, 0) : at + 20]!r}, printed {printed[max(at - 20, 0) : at + 20]!r}"
    )
    return Check(name, False, clip(want.rstrip()), clip(printed.rstrip()) or "(empty)", detail)


def body_text(entry: dict) -> str:
    if entry.get("bodyEncoding") == "base64":
        return f"({len(entry['body'])} base64 characters of binary data)"
    return entry.get("body") or ""


def body_bytes(entry: dict) -> bytes:
    if not entry.get("body"):
        return b""
    if entry.get("bodyEncoding") == "base64":
        return base64.b64decode(entry["body"])
    return entry["body"].encode("utf-8")


def check_multipart(label: str, want: Multipart, content_type: str, body: bytes) -> list[Check]:
    """A form upload: the request's type, then the file field's name, filename, part type and bytes."""
    is_form = content_type.partition(";")[0].strip().lower() == "multipart/form-data"
    checks = [Check(f"{label} form", is_form, "multipart/form-data; boundary=...", content_type or ABSENT)]
    if not is_form:
        return checks
    message = email.message_from_bytes(
        f"Content-Type: {content_type}\r\n\r\n".encode("latin-1") + body, policy=email.policy.HTTP
    )
    parts = {p.get_param("name", header="content-disposition"): p for p in message.iter_parts()}
    part = parts.get(want.field)
    found = ", ".join(repr(n) for n in parts if n) or "none"
    checks.append(Check(f"{label} form field", part is not None, repr(want.field), f"fields: {found}"))
    if part is None:
        return checks
    filename, ctype = part.get_filename(), part.get_content_type() if part.get("Content-Type") else ABSENT
    checks.append(Check(f"{label} form filename", filename == want.filename, want.filename, str(filename)))
    checks.append(Check(f"{label} form part type", ctype == want.content_type, want.content_type, ctype))
    data = part.get_payload(decode=True) or b""
    checks.append(compare_bytes(f"{label} form file", (HERE / want.file).read_bytes(), data))
    return checks


def compare_bytes(name: str, want: bytes, got: bytes) -> Check:
    """Exact bytes; shown as size and SHA-256, with the first differing offset."""
    show = lambda b: f"{len(b)} bytes, sha256 {hashlib.sha256(b).hexdigest()[:16]}…"  # noqa: E731
    detail = ""
    if want != got:
        at = next((i for i, (a, b) in enumerate(zip(want, got)) if a != b), min(len(want), len(got)))
        part = lambda b: b[at : at + 8].hex() or "(end)"  # noqa: E731
        detail = f"first difference at byte {at}: expected {part(want)}, received {part(got)}"
    return Check(name, want == got, show(want), show(got), detail)
