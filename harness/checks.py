"""The checks: what a client sent and printed against what its cell plan expects.

Every check yields a row (results.Check); comparing bodies is diffs.py's job.
"""

from __future__ import annotations

import datetime
import json
import re
from typing import Any

from .backends.base import RunResult
from .datafiles import HERE
from .diffs import (
    ABSENT,
    body_bytes,
    body_text,
    check_multipart,
    clip,
    compare_bytes,
    compare_exact,
    compare_json,
    json_differences,
    text_diff,
)
from .plan import CellPlan
from .results import Check
from .scenario import BodyKind, Expect, ExpectedRequest, StdoutMode

__all__ = ["Check", "RunResult", "check_requests", "check_run", "compare_json", "evaluate", "json_differences"]


# -- one request ---------------------------------------------------------------
def _header(entry: dict, name: str) -> str | None:
    values = [v for k, v in entry["headers"] if k.lower() == name.lower()]
    return ", ".join(values) if values else None


def _line(label: str, what: str, want: str | None, got: str) -> Check:
    return Check(f"{label} {what}", want is None or got == want, want or "any", got)


def check_headers(label: str, expected: ExpectedRequest, entry: dict) -> list[Check]:
    checks = []
    for name, value in expected.headers.items():
        got = _header(entry, name)
        detail = "" if got is not None else "header is not present"
        checks.append(Check(f"{label} header {name}", got == value, value, ABSENT if got is None else got, detail))
    for name in expected.forbidden_headers:
        got = _header(entry, name)
        why = "" if got is None else "header must not be sent"
        checks.append(Check(f"{label} no header {name}", got is None, "(absent)", got or "(absent)", why))
    return checks


def check_body(label: str, expected: ExpectedRequest, entry: dict) -> list[Check]:
    body, checks = expected.body, []
    if body.kind == BodyKind.JSON:
        want = body.json
        for path, pattern in body.patterns.items():
            check, want = match_json_path(f"{label} body {path}", want, path, pattern, body_text(entry))
            checks.append(check)
        checks.append(compare_json(f"{label} body", want, body_text(entry)))
    elif body.kind == BodyKind.TEXT:
        got = body_text(entry)
        checks.append(Check(f"{label} body", got == body.text, clip(body.text), clip(got), text_diff(body.text, got)))
    elif body.kind == BodyKind.EMPTY:
        checks.append(Check(f"{label} body", not entry.get("body"), "(empty)", clip(body_text(entry)) or "(empty)"))
    elif body.kind == BodyKind.FILE:
        checks.append(compare_bytes(f"{label} body", (HERE / body.file).read_bytes(), body_bytes(entry)))
    elif body.kind == BodyKind.MULTIPART:
        checks += check_multipart(label, body.multipart, _header(entry, "Content-Type") or "", body_bytes(entry))
    return checks


def check_request(label: str, expected: ExpectedRequest, entry: dict) -> list[Check]:
    checks = [
        _line(label, "method", expected.method, entry["method"]),
        _line(label, "path", expected.path, entry["path"]),
    ]
    if expected.scheme is not None:  # e.g. https: the request came over TLS
        checks.insert(0, _line(label, "scheme", expected.scheme, entry.get("scheme", "http")))
    if expected.query is not None:
        checks.append(Check(f"{label} query", entry["query"] == expected.query, expected.query, entry["query"]))
    return checks + check_headers(label, expected, entry) + check_body(label, expected, entry)


_STEP = re.compile(r"\.([A-Za-z_][\w-]*)|\[(\d+)\]")


def _steps(path: str) -> list[str | int]:
    return [m.group(1) if m.group(1) is not None else int(m.group(2)) for m in _STEP.finditer(path)]


def json_at(doc: Any, path: str) -> tuple[Any, str]:
    """The value at ``path`` (``$.outputs[0].data``) in ``doc``, or ``(None, why)`` when there is none."""
    for step in _steps(path):
        try:
            doc = doc[step]
        except (KeyError, IndexError, TypeError):
            return None, f"the answer has no value at {path}"
    return doc, ""


def match_json_path(name: str, want: Any, path: str, pattern: str, received_text: str) -> tuple[Check, Any]:
    """The received value at ``path`` (e.g. ``$.meta.uuid``) against a regex, and the expected document
    with the received value put there, so the whole-body comparison judges everything else."""
    steps = _steps(path)
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
    return Check(name, ok, f"/{pattern}/", clip(json.dumps(got))), filled


# -- the requests in order --------------------------------------------------------
def _same_call(entry: dict, want: ExpectedRequest) -> bool:
    return entry["method"] == want.method and entry["path"] == want.path


def _align(expected: list[ExpectedRequest], entries: list[dict], allow_retries: bool) -> tuple[list[tuple], int]:
    """Pair each received request with the expected one it answers to, in order.

    An expected request marked ``repeats`` (``times = "N+"``) also takes the
    requests after it with the same method and path (polling); with
    ``allow_retries`` the last expected one takes any extra requests.
    Returns the ``(label, expected or None, entry)`` pairs and how many
    expected requests were met.
    """
    pairs: list[tuple[str, ExpectedRequest | None, dict]] = []
    i = met = 0
    for want in expected:
        if i >= len(entries):
            break
        pairs.append((f"#{i + 1}", want, entries[i]))
        i, met = i + 1, met + 1
        while want.repeats and i < len(entries) and _same_call(entries[i], want):
            pairs.append((f"#{i + 1} (again)", want, entries[i]))
            i += 1
    retry = allow_retries and bool(expected)
    pairs += [
        (f"#{j + 1} (retry)" if retry else f"#{j + 1}", expected[-1] if retry else None, entries[j])
        for j in range(i, len(entries))
    ]
    return pairs, met


def check_requests(expected: list[ExpectedRequest], entries: list[dict], allow_retries: bool) -> list[Check]:
    """Match the journal's entries to the expected requests, in order."""
    expected = list(expected)
    pairs, met = _align(expected, entries, allow_retries)
    n_exp, n_got = len(expected), len(entries)
    count_ok = all(want is not None for _, want, _ in pairs) and met == n_exp
    repeats = any(w.repeats for w in expected)
    want = f"{n_exp}" + (" or more (retries allowed)" if allow_retries else " or more (polling)" if repeats else "")
    got = ", ".join(f"{e['method']} {e['path']}" for e in entries[:5]) + (" ..." if n_got > 5 else "")
    why = "" if count_ok else "the client sent a different number of requests than expected"
    checks = [Check("requests received", count_ok, want, f"{n_got}" + (f": {got}" if got else ""), why)]
    for label, want_req, entry in pairs:
        if want_req is not None:
            checks += check_request(label, want_req, entry)
    for k in range(met, n_exp):
        method, path = expected[k].method or "?", expected[k].path or "?"
        checks.append(Check(f"#{k + 1} request", False, f"{method} {path}", "nothing received"))
    return checks


# -- what the client did ---------------------------------------------------------
def last_answer(entries: list[dict]) -> dict | None:
    answered = [e["response"] for e in entries if e.get("response") and e["response"].get("status")]
    return answered[-1] if answered else None


def message_of(response: dict) -> str | None:
    """The error message of an answer, in the forms the dialects use: Azure ML and MLflow ``message``,
    ModelArts ``error_msg``, classic Studio ``error.message``, Open Inference Protocol and TF Serving
    ``error`` (a string)."""
    try:
        doc = json.loads(response.get("body") or "")
    except ValueError:
        return None
    if not isinstance(doc, dict):
        return None
    nested = doc.get("error") if isinstance(doc.get("error"), dict) else {}
    for message in (doc.get("message"), doc.get("error_msg"), nested.get("message"), doc.get("error")):
        if isinstance(message, str):
            return message
    return None


def check_exit(expect: Expect, run: RunResult, run_timeout: float) -> list[Check]:
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
    want = expect.exit_code
    if run.exit_code is not None:
        ok = run.exit_code != 0 if want == "nonzero" else run.exit_code == want
        checks.append(Check("exit code", ok, "non-zero" if want == "nonzero" else str(want), str(run.exit_code)))
    if expect.max_seconds is not None:
        limit = expect.max_seconds
        why = "" if run.seconds <= limit else "the client did not give up in time"
        ok = run.seconds <= limit and not run.killed
        checks.append(Check("duration", ok, f"at most {limit:g} s", f"{run.seconds:.1f} s", why))
    return checks


def check_stdout(expect: Expect, run: RunResult, answer: dict | None) -> list[Check]:
    if expect.stdout == StdoutMode.EMPTY:
        return [Check("stdout", not run.stdout.strip(), "(empty)", clip(run.stdout.strip()) or "(empty)")]
    if expect.stdout != StdoutMode.RESPONSE_JSON:
        return []
    if answer is None:
        return [Check("stdout", False, "the service's answer", clip(run.stdout), "no answered request to compare with")]
    if expect.stdout_exact:  # a kit client prints the answer as received, compacted: the same bytes in every language
        return [compare_exact("stdout", answer.get("body") or "", run.stdout)]
    try:
        answered = json.loads(answer.get("body") or "")
    except ValueError:
        answered = answer.get("body")
    if expect.stdout_at is not None:  # the part of the answer a client prints (e.g. $.predictions)
        answered, missing = json_at(answered, expect.stdout_at)
        if missing:
            return [Check("stdout", False, f"the answer's {expect.stdout_at}", clip(run.stdout), missing)]
    return [compare_json("stdout", answered, run.stdout.strip())]


def check_stderr(expect: Expect, run: RunResult, answer: dict | None) -> list[Check]:
    stderr, rules, checks = run.stderr.strip(), expect.stderr, []
    if rules.one_line:
        lines = [ln for ln in stderr.splitlines() if ln.strip()]
        ok = len(lines) == 1
        checks.append(
            Check("stderr is one line", ok, "one line", f"{len(lines)} lines", "" if ok else clip(stderr, 1200))
        )
    if rules.mentions_response:
        if answer is None:
            checks.append(
                Check("stderr names the answer", False, "status and message", clip(stderr), "no answered request")
            )
        else:
            message = message_of(answer)
            needed = [str(answer["status"])] + ([message] if message else [])
            flat = " ".join(stderr.split())  # a message of several lines is one line on stderr, blanks joined
            missing = [n for n in needed if " ".join(n.split()) not in flat]
            why = f"missing: {', '.join(repr(m) for m in missing)}" if missing else ""
            want = " and ".join(repr(n) for n in needed)
            checks.append(Check("stderr names the answer", not missing, want, clip(stderr), why))
    for text in rules.contains:
        checks.append(Check("stderr contains", text in stderr, repr(text), clip(stderr)))
    if rules.pattern is not None:
        ok = re.search(rules.pattern, stderr) is not None
        checks.append(Check("stderr matches", ok, f"/{rules.pattern}/", clip(stderr) or "(empty)"))
    return checks


def check_upstream(entries: list[dict], title: str) -> Check:
    """On a real server: every request the front end did not answer itself (a fault, a refused key, an unknown
    deployment: the stub marks those ``inFront``) reached
    it and was answered by it, so the verdict is about the real server's answers, not the stub's."""
    failed = [e["upstream"]["error"] for e in entries if "error" in e.get("upstream", {})]
    reached = sum("status" in e.get("upstream", {}) for e in entries)
    in_front = all(e.get("fault") or e.get("inFront") for e in entries)
    ok = not failed and (reached > 0 or in_front)
    why = failed[0] if failed else "" if ok else "requests were answered by the stub, not by the real server"
    return Check("answered by the real server", ok, title, f"{reached} of {len(entries)} requests", why)


def check_answer_headers(expect: Expect, answer: dict | None) -> list[Check]:
    """Headers of the answer the client got (e.g. which deployment of an online endpoint served it)."""
    got = {k.lower(): v for k, v in (answer or {}).get("headers", {}).items()}
    return [
        Check(f"answer header {name}", got.get(name.lower()) == value, value, got.get(name.lower(), ABSENT))
        for name, value in expect.answer_headers.items()
    ]


def check_run(expect: Expect, run: RunResult, entries: list[dict], run_timeout: float) -> list[Check]:
    checks = check_exit(expect, run, run_timeout)
    if expect.min_retry_gap is not None and len(entries) > 1:
        checks.append(check_retry_gaps(entries, expect.min_retry_gap))
    if expect.gave_up_within is not None:
        checks.append(check_gave_up(entries, expect.gave_up_within))
    answer = last_answer(entries)
    checks += check_answer_headers(expect, answer)
    return checks + check_stdout(expect, run, answer) + check_stderr(expect, run, answer)


def check_gave_up(entries: list[dict], within: float) -> Check:
    """Every request the service held back was closed by the client, each within ``within`` s of its arrival:
    the client's own timeout, judged by the stub's clock from the request's arrival, not by the run's wall time."""
    waits = []
    for n, e in enumerate(entries, 1):
        after = e.get("abandonedAfter")
        status = (e.get("response") or {}).get("status")
        if after is not None:
            waits.append(f"#{n} closed after {after:.1f} s")
        else:
            waits.append(f"#{n} answered {status}" if e.get("response") else f"#{n} still open after the client exited")
    late = [e for e in entries if e.get("abandonedAfter") is None or e["abandonedAfter"] > within]
    ok = bool(entries) and not late
    why = "" if ok else "no request received" if not entries else "the client waited for the slow service"
    return Check("gave up", ok, f"each request closed by the client within {within:g} s", ", ".join(waits), why)


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


def check_tls(expect: Expect, tls: dict | None) -> list[Check]:
    """How many TLS connections the client opened to the cell's own listener (e.g. 1: it did not retry a
    certificate it cannot trust), judged from what the stub saw, however fast the machine was."""
    if expect.tls_connections is None:
        return []
    if tls is None:
        return [
            Check("TLS connections", False, str(expect.tls_connections), "(not counted)", "the cell had no listener")
        ]
    got = tls["connections"]
    why = "" if got == expect.tls_connections else "a certificate that fails verification is not worth retrying"
    seen = f"{got} ({tls['failed']} failed, {tls['handshakes']} completed)"
    return [Check("TLS connections", got == expect.tls_connections, str(expect.tls_connections), seen, why)]


def evaluate(plan: CellPlan, entries: list[dict], run: RunResult, tls: dict | None = None) -> list[Check]:
    """All checks of one cell (``tls``: what the cell's own TLS listener saw)."""
    expect = plan.expect
    requests = check_requests(expect.requests, entries, expect.allow_retries)
    return requests + check_tls(expect, tls) + check_run(expect, run, entries, plan.run_timeout)
