"""The checks: what a client sent and printed against what a scenario expects.

Every check yields a row ``(name, ok, expected, received, detail)``; a
report shows all rows of a failed cell with the failing ones marked, like
WireMock's near-miss table, so a reader sees the whole request, not a bare
"False".  JSON is compared structurally: key order and whitespace do not
matter, numbers are compared as IEEE doubles, exactly (``1`` equals ``1.0``;
``0.1`` does not equal ``0.1000000001``).
"""

from __future__ import annotations

import base64
import datetime
import difflib
import email
import email.policy
import hashlib
import json
import re
from dataclasses import asdict, dataclass
from typing import Any

from .catalog import HERE, Scenario, render

ABSENT = "(not sent)"


@dataclass
class Check:
    name: str
    ok: bool
    expected: str = ""
    received: str = ""
    detail: str = ""

    def to_json(self) -> dict:
        return asdict(self)


@dataclass
class RunResult:
    """What one run of a client did."""

    exit_code: int | None
    stdout: str
    stderr: str
    seconds: float
    killed: bool = False  # still running at the scenario's timeout


# -- JSON ----------------------------------------------------------------------
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


def _pretty(v: Any) -> str:
    return json.dumps(v, indent=2, sort_keys=True)


def _text_diff(expected: str, received: str) -> str:
    lines = difflib.unified_diff(expected.splitlines(), received.splitlines(), "expected", "received", lineterm="", n=2)
    return "\n".join(lines)


def _clip(text: str, limit: int = 300) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def compare_json(name: str, expected: Any, received_text: str) -> Check:
    try:
        received = json.loads(received_text)
    except ValueError as exc:
        return Check(name, False, _clip(json.dumps(expected)), _clip(received_text) or "(empty)", f"not JSON: {exc}")
    diffs = json_differences(expected, received)
    detail = "\n".join(diffs[:20] + ([f"... {len(diffs) - 20} more"] if len(diffs) > 20 else []))
    if diffs:
        detail += "\n" + _text_diff(_pretty(expected), _pretty(received))
    return Check(name, not diffs, _clip(json.dumps(expected)), _clip(json.dumps(received)), detail)


# -- one request ---------------------------------------------------------------
def _header(entry: dict, name: str) -> str | None:
    values = [v for k, v in entry["headers"] if k.lower() == name.lower()]
    return ", ".join(values) if values else None


def _body_text(entry: dict) -> str:
    if entry.get("bodyEncoding") == "base64":
        return f"({len(entry['body'])} base64 characters of binary data)"
    return entry.get("body") or ""


def check_request(label: str, expected: dict, entry: dict) -> list[Check]:
    checks = [
        Check(
            f"{label} method",
            entry["method"] == expected.get("method", entry["method"]),
            expected.get("method", "any"),
            entry["method"],
        ),
        Check(
            f"{label} path",
            entry["path"] == expected.get("path", entry["path"]),
            expected.get("path", "any"),
            entry["path"],
        ),
    ]
    if "scheme" in expected:  # e.g. https: the request came over TLS
        got = entry.get("scheme", "http")
        checks.insert(0, Check(f"{label} scheme", got == expected["scheme"], expected["scheme"], got))
    if "query" in expected:
        checks.append(Check(f"{label} query", entry["query"] == expected["query"], expected["query"], entry["query"]))
    for name, value in expected.get("headers", {}).items():
        got = _header(entry, name)
        detail = "" if got is not None else "header is not present"
        checks.append(Check(f"{label} header {name}", got == value, value, ABSENT if got is None else got, detail))
    for name in expected.get("forbidden_headers", []):
        got = _header(entry, name)
        checks.append(
            Check(
                f"{label} no header {name}",
                got is None,
                "(absent)",
                got or "(absent)",
                "" if got is None else "header must not be sent",
            )
        )
    body = expected.get("body", {})
    if "json" in body:
        want = body["json"]
        for path, pattern in body.get("patterns", {}).items():
            check, want = match_json_path(f"{label} body {path}", want, path, pattern, _body_text(entry))
            checks.append(check)
        checks.append(compare_json(f"{label} body", want, _body_text(entry)))
    elif "text" in body:
        got = _body_text(entry)
        checks.append(
            Check(f"{label} body", got == body["text"], _clip(body["text"]), _clip(got), _text_diff(body["text"], got))
        )
    elif body.get("empty"):
        checks.append(Check(f"{label} body", not entry.get("body"), "(empty)", _clip(_body_text(entry)) or "(empty)"))
    elif "file" in body:
        checks.append(compare_bytes(f"{label} body", (HERE / body["file"]).read_bytes(), _body_bytes(entry)))
    elif "multipart" in body:
        checks += check_multipart(label, body["multipart"], _header(entry, "Content-Type") or "", _body_bytes(entry))
    return checks


_STEP = re.compile(r"\.([A-Za-z_][\w-]*)|\[(\d+)\]")


def match_json_path(name: str, want: Any, path: str, pattern: str, received_text: str) -> tuple[Check, Any]:
    """The received value at ``path`` (e.g. ``$.meta.uuid``) against a regex, and the expected document
    with the received value put there, so the whole-body comparison judges everything else."""
    steps = [m.group(1) if m.group(1) is not None else int(m.group(2)) for m in _STEP.finditer(path)]
    try:
        got: Any = json.loads(received_text)
        for step in steps:
            got = got[step]
    except (ValueError, KeyError, IndexError, TypeError):
        return Check(name, False, f"/{pattern}/", ABSENT, f"no value at {path}"), want
    ok = isinstance(got, str) and re.fullmatch(pattern, got) is not None
    filled = json.loads(json.dumps(want))
    try:
        target = filled
        for step in steps[:-1]:
            target = target[step]
        target[steps[-1]] = got
    except (KeyError, IndexError, TypeError):
        filled = want  # the expected document has no such place: the comparison will say so
    return Check(name, ok, f"/{pattern}/", _clip(json.dumps(got))), filled


def check_multipart(label: str, want: dict, content_type: str, body: bytes) -> list[Check]:
    """A form upload: the request's type, then the file field's name, filename, part type and bytes."""
    is_form = content_type.partition(";")[0].strip().lower() == "multipart/form-data"
    checks = [Check(f"{label} form", is_form, "multipart/form-data; boundary=...", content_type or ABSENT)]
    if not is_form:
        return checks
    message = email.message_from_bytes(
        f"Content-Type: {content_type}\r\n\r\n".encode("latin-1") + body, policy=email.policy.HTTP
    )
    parts = {p.get_param("name", header="content-disposition"): p for p in message.iter_parts()}
    part = parts.get(want["field"])
    found = ", ".join(repr(n) for n in parts if n) or "none"
    checks.append(Check(f"{label} form field", part is not None, repr(want["field"]), f"fields: {found}"))
    if part is None:
        return checks
    filename, ctype = part.get_filename(), part.get_content_type() if part.get("Content-Type") else ABSENT
    checks.append(Check(f"{label} form filename", filename == want["filename"], want["filename"], str(filename)))
    checks.append(Check(f"{label} form part type", ctype == want["content_type"], want["content_type"], ctype))
    data = part.get_payload(decode=True) or b""
    checks.append(compare_bytes(f"{label} form file", (HERE / want["file"]).read_bytes(), data))
    return checks


def _body_bytes(entry: dict) -> bytes:
    if not entry.get("body"):
        return b""
    if entry.get("bodyEncoding") == "base64":
        return base64.b64decode(entry["body"])
    return entry["body"].encode("utf-8")


def compare_bytes(name: str, want: bytes, got: bytes) -> Check:
    """Exact bytes; shown as size and SHA-256, with the first differing offset."""
    show = lambda b: f"{len(b)} bytes, sha256 {hashlib.sha256(b).hexdigest()[:16]}…"  # noqa: E731
    detail = ""
    if want != got:
        at = next((i for i, (a, b) in enumerate(zip(want, got)) if a != b), min(len(want), len(got)))
        part = lambda b: b[at : at + 8].hex() or "(end)"  # noqa: E731
        detail = f"first difference at byte {at}: expected {part(want)}, received {part(got)}"
    return Check(name, want == got, show(want), show(got), detail)


def _describe(req: dict) -> str:
    return f"{req.get('method', '?')} {req.get('path', '?')}"


def _align(expected: list[dict], entries: list[dict], allow_retries: bool) -> tuple[list[tuple], int]:
    """Pair each received request with the expected one it answers to, in order.

    An expected request marked ``repeats`` (``times = "N+"``) also takes the
    requests after it with the same method and path (polling); with
    ``allow_retries`` the last expected one takes any extra requests.
    Returns the ``(label, expected or None, entry)`` pairs and how many
    expected requests were met.
    """
    pairs: list[tuple[str, dict | None, dict]] = []
    i = met = 0
    for want in expected:
        if i >= len(entries):
            break
        pairs.append((f"#{i + 1}", want, entries[i]))
        i, met = i + 1, met + 1
        while want.get("repeats") and i < len(entries) and _same_call(entries[i], want):
            pairs.append((f"#{i + 1} (again)", want, entries[i]))
            i += 1
    retry = allow_retries and bool(expected)
    pairs += [
        (f"#{j + 1} (retry)" if retry else f"#{j + 1}", expected[-1] if retry else None, entries[j])
        for j in range(i, len(entries))
    ]
    return pairs, met


def _same_call(entry: dict, want: dict) -> bool:
    return entry["method"] == want.get("method") and entry["path"] == want.get("path")


def check_requests(expected: list[dict], entries: list[dict], allow_retries: bool) -> list[Check]:
    """Match the journal's entries to the expected requests, in order."""
    pairs, met = _align(expected, entries, allow_retries)
    n_exp, n_got = len(expected), len(entries)
    unexpected = [entry for _, want, entry in pairs if want is None]
    count_ok = not unexpected and met == n_exp
    repeats = any(w.get("repeats") for w in expected)
    want = f"{n_exp}" + (" or more (retries allowed)" if allow_retries else " or more (polling)" if repeats else "")
    got = ", ".join(f"{e['method']} {e['path']}" for e in entries[:5]) + (" ..." if n_got > 5 else "")
    checks = [
        Check(
            "requests received",
            count_ok,
            want,
            f"{n_got}" + (f": {got}" if got else ""),
            "" if count_ok else "the client sent a different number of requests than expected",
        )
    ]
    for label, want_req, entry in pairs:
        if want_req is not None:
            checks += check_request(label, want_req, entry)
    for k in range(met, n_exp):
        checks.append(Check(f"#{k + 1} request", False, _describe(expected[k]), "nothing received"))
    return checks


# -- what the client did ---------------------------------------------------------
def _last_answer(entries: list[dict]) -> dict | None:
    answered = [e["response"] for e in entries if e.get("response") and e["response"].get("status")]
    return answered[-1] if answered else None


def _message_of(response: dict) -> str | None:
    """The error message of an answer, in the forms the dialects use: Azure ML ``message``,
    ModelArts ``error_msg``, classic Studio ``error.message``."""
    try:
        doc = json.loads(response.get("body") or "")
    except ValueError:
        return None
    if not isinstance(doc, dict):
        return None
    nested = doc.get("error") if isinstance(doc.get("error"), dict) else {}
    for message in (doc.get("message"), doc.get("error_msg"), nested.get("message")):
        if isinstance(message, str):
            return message
    return None


def check_run(expect: dict, run: RunResult, entries: list[dict], run_timeout: float) -> list[Check]:
    checks = []
    if run.killed:
        checks.append(
            Check(
                "finished",
                False,
                f"exits within {run_timeout:g} s",
                f"still running; killed after {run.seconds:.1f} s",
                "the client hung; the harness killed it",
            )
        )
    want_exit = expect.get("exit_code", 0)
    if run.exit_code is not None:
        ok = run.exit_code != 0 if want_exit == "nonzero" else run.exit_code == want_exit
        checks.append(
            Check("exit code", ok, "non-zero" if want_exit == "nonzero" else str(want_exit), str(run.exit_code))
        )
    if "max_seconds" in expect:
        limit = float(expect["max_seconds"])
        checks.append(
            Check(
                "duration",
                run.seconds <= limit and not run.killed,
                f"at most {limit:g} s",
                f"{run.seconds:.1f} s",
                "" if run.seconds <= limit else "the client did not give up in time",
            )
        )
    if "min_retry_gap" in expect and len(entries) > 1:
        checks.append(check_retry_gaps(entries, float(expect["min_retry_gap"])))
    answer = _last_answer(entries)
    mode = expect.get("stdout", "any")
    if mode == "response-json":
        if answer is None:
            checks.append(
                Check("stdout", False, "the service's answer", _clip(run.stdout), "no answered request to compare with")
            )
        else:
            try:
                answered = json.loads(answer.get("body") or "")
            except ValueError:
                answered = answer.get("body")
            checks.append(compare_json("stdout", answered, run.stdout.strip()))
    elif mode == "empty":
        checks.append(Check("stdout", not run.stdout.strip(), "(empty)", _clip(run.stdout.strip()) or "(empty)"))
    stderr = run.stderr.strip()
    rules = expect.get("stderr", {})
    if rules.get("one_line"):
        lines = [ln for ln in stderr.splitlines() if ln.strip()]
        checks.append(
            Check(
                "stderr is one line",
                len(lines) == 1,
                "one line",
                f"{len(lines)} lines",
                "" if len(lines) == 1 else _clip(stderr, 1200),
            )
        )
    if rules.get("mentions_response"):
        if answer is None:
            checks.append(
                Check("stderr names the answer", False, "status and message", _clip(stderr), "no answered request")
            )
        else:
            status, message = str(answer["status"]), _message_of(answer)
            needed = [status] + ([message] if message else [])
            missing = [n for n in needed if n not in stderr]
            checks.append(
                Check(
                    "stderr names the answer",
                    not missing,
                    " and ".join(repr(n) for n in needed),
                    _clip(stderr),
                    f"missing: {', '.join(repr(m) for m in missing)}" if missing else "",
                )
            )
    for text in rules.get("contains", []):
        checks.append(Check("stderr contains", text in stderr, repr(text), _clip(stderr)))
    if "pattern" in rules:
        ok = re.search(rules["pattern"], stderr) is not None
        checks.append(Check("stderr matches", ok, f"/{rules['pattern']}/", _clip(stderr) or "(empty)"))
    return checks


def check_retry_gaps(entries: list[dict], min_gap: float) -> Check:
    """Each retry came at least min_gap seconds after the attempt before it (e.g. honouring Retry-After)."""
    times = [datetime.datetime.fromisoformat(e["time"]) for e in entries]
    gaps = [(b - a).total_seconds() for a, b in zip(times, times[1:])]
    ok = min(gaps) >= min_gap
    return Check(
        "retry spacing",
        ok,
        f"at least {min_gap:g} s between attempts",
        ", ".join(f"{g:.2f} s" for g in gaps),
        "" if ok else "the client retried sooner than the service asked (Retry-After)",
    )


def evaluate(scenario: Scenario, variables: dict[str, str], entries: list[dict], run: RunResult) -> list[Check]:
    """All checks of one language x scenario cell."""
    expected = [render(r, variables) for r in scenario.requests]
    expect = render(scenario.expect, variables)
    return check_requests(expected, entries, bool(expect.get("allow_retries"))) + check_run(
        expect, run, entries, scenario.run_timeout
    )
