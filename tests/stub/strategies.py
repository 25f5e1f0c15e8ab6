"""Hypothesis strategies for whole requests to the stub: any route of any dialect, any method, odd
headers and bodies that are near-valid, broken in each of the known ways, or plain noise.

A request is a ``Probe``; ``set_up(url)`` gives a stub the services the probes
name; ``judge(probe, answer)`` says what, if anything, is wrong with an answer.
Used by ``test_fuzz.py`` (a few hundred cases) and ``bench/stub_fuzz.py``
(tens of thousands).
"""

from __future__ import annotations

import codecs
import gzip
import http.client
import json
from dataclasses import dataclass

from hypothesis import strategies as st

from tests.stub.dialect_routes import KEY, ROUTES, Answer, Route, send, stub_message

# Services the probes use, with the settings the admin API gives them in set_up.
SERVICES = {
    "open": {"mode": "none"},
    "keyed": {"mode": "key", "primaryKey": KEY},
    "token": {"mode": "token"},
    "binary": {"mode": "none"},
    "multipart": {"mode": "none"},
}
INPUTS = {"binary": "binary", "multipart": "multipart"}
RIGHT_TYPES = {"binary": "application/octet-stream", "multipart": "multipart/form-data; boundary=b"}
ADMIN_SERVICE = "fuzz-admin"  # admin probes change this one only, so that no fault they add reaches a scoring probe
ODD_NUMBERS = ["1" * 5000, "9" * 400, "1e999999", "-1e400", "1e-400", "-0", "NaN", "Infinity", "-Infinity", "0e0"]
CONTENT_TYPES = [
    "application/json",
    "application/json; charset=utf-8",
    'application/json;charset="UTF-8"',
    "application/json; charset=latin-1",
    "application/json; charset=",
    "application/json;;;",
    "Application/JSON; foo=bar",
    "application/octet-stream",
    "multipart/form-data; boundary=b",
    "multipart/form-data",
    "text/plain",
    "",
    ";",
    b"application/\xffjson",
    b"multipart/form-data; boundary=\xe2\x82\xac",
]
METHODS = ["POST", "POST", "POST", "GET", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD", "FROB"]
OTHER_PATHS = [
    "/",
    "/swagger.json",
    "/api/v1/service/{service}",
    "/api/v1/service/{service}/swagger.json",
    "/workspaces/ws/services/{service}/jobs/j1?api-version=2.0",
    "/workspaces/ws/services/{service}/jobs/j1/start?api-version=2.0",
    "/workspaces/ws/services/{service}/execute",
    "/v1/infers/{service}/extra",
    "/api/v1/service/-/score",
    "/%ff/score",
]
ADMIN_PATHS = [
    "/__admin/services/{service}/auth",
    "/__admin/services/{service}/input",
    "/__admin/services/{service}/faults",
    "/__admin/services/{service}/jobs",
    "/__admin/services/{service}/token",
    "/__admin/services/{service}/keys/regenerate",
    "/__admin/services/{service}",
    "/__admin/requests?since={service}",
    "/__admin/tls?port={service}",
]

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda children: st.lists(children, max_size=8) | st.dictionaries(st.text(max_size=8), children, max_size=5),
    max_leaves=40,
)
header_bytes = st.binary(max_size=60).map(lambda b: b.replace(b"\r", b"").replace(b"\n", b"").strip())


@dataclass
class Probe:
    method: str
    path: str
    headers: list
    body: bytes


def set_up(url: str) -> None:
    """Give a stub the services the probes use."""
    for name, auth in SERVICES.items():
        send(url, "PUT", f"/__admin/services/{name}/auth", json.dumps(auth).encode(), [])
        if name in INPUTS:
            send(url, "PUT", f"/__admin/services/{name}/input", json.dumps({"mode": INPUTS[name]}).encode(), [])


@st.composite
def bodies(draw, route: Route | None) -> bytes:
    """A body: the route's valid one, changed in one of the known ways, or a document, or noise."""
    valid = json.dumps(route.valid if route else {"data": [[0] * 10]})
    kinds = ["valid", "odd-number", "document", "envelope", "encoding", "nesting", "duplicate", "form", "bytes"]
    kind = draw(st.sampled_from(kinds))
    if kind == "valid":
        return valid.encode()
    if kind == "odd-number":
        return valid.replace("0.0", draw(st.sampled_from(ODD_NUMBERS)), 1).encode()
    if kind == "document":
        return json.dumps(draw(json_values)).encode()
    if kind == "envelope":
        doc = draw(json_values)
        return json.dumps({"data": doc, "Inputs": {"input1": doc}, "meta": {"uuid": doc}}).encode()
    if kind == "encoding":
        codec = draw(st.sampled_from(["utf-16", "utf-16-le", "utf-32", "utf-8-sig", "latin-1", "gzip"]))
        return gzip.compress(valid.encode()) if codec == "gzip" else valid.encode(codec)
    if kind == "nesting":
        depth = draw(st.sampled_from([99, 100, 101, 1000, 100_000]))
        return (draw(st.sampled_from(["[", '{"a":'])) * depth).encode() + b"0" + b"]" * depth
    if kind == "duplicate":
        return valid.replace("{", '{"data": 1, ', 1).encode()
    if kind == "form":
        return draw(forms())
    return draw(st.binary(max_size=300) | st.sampled_from([b"", b" \r\n ", codecs.BOM_UTF8, b"\x00" * 10]))


@st.composite
def forms(draw) -> bytes:
    """A multipart/form-data body with boundary "b": a file field (named right or not) and odd part headers."""
    name = draw(st.sampled_from(["images", "image", "", '"images"']))
    extra = draw(st.sampled_from(["", '; filename="a.png"', "; filename*=UTF-8''%e2%82%ac.png", "; filename=\xff"]))
    part_type = draw(st.sampled_from(["", "Content-Type: image/png\r\n", "Content-Type: ;;\r\n"]))
    data = draw(st.binary(max_size=100))
    head = f'--b\r\nContent-Disposition: form-data; name="{name}"{extra}\r\n{part_type}\r\n'
    return head.encode("utf-8", "surrogateescape") + data + draw(st.sampled_from([b"\r\n--b--\r\n", b"", b"\r\n--b"]))


def _credential(draw, route: Route | None, service: str) -> list:
    header = route.auth_header if route else "Authorization"
    kind = draw(st.sampled_from(["right", "right", "right", "none", "wrong", "bytes"]))
    if kind == "right" and route:
        return [route.credential()]
    if kind == "wrong":
        return [(header, draw(st.sampled_from(["Bearer nope", "Basic x", "Bearer a.b.c", "Bearer", "bearer  " + KEY])))]
    if kind == "bytes":
        return [(header, b"Bearer " + draw(header_bytes))]
    return []


@st.composite
def probes(draw) -> Probe:
    """One request: a scoring route (mostly), another route, an admin route or a made-up path."""
    service = draw(st.sampled_from(sorted(SERVICES)))
    where = draw(st.sampled_from(["scoring"] * 6 + ["other", "admin", "made-up"]))
    route = draw(st.sampled_from(ROUTES)) if where == "scoring" else None
    if route:
        path = route.url_path(service)
    elif where == "other":
        path = draw(st.sampled_from(OTHER_PATHS)).format(service=service)
    elif where == "admin":
        path = draw(st.sampled_from(ADMIN_PATHS)).format(service=draw(st.sampled_from([ADMIN_SERVICE, "x", "-1"])))
    else:
        path = "/" + draw(st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7E), max_size=30))
    method = "POST" if route and draw(st.booleans()) else draw(st.sampled_from(METHODS))
    content_type = draw(st.just(RIGHT_TYPES.get(service, "application/json")) | st.sampled_from(CONTENT_TYPES))
    headers = [("Content-Type", content_type)] if draw(st.integers(0, 9)) else []
    headers += _credential(draw, route, service)
    if draw(st.integers(0, 9)) == 0:
        headers.append(("Content-Encoding", draw(st.sampled_from(["gzip", "deflate", "br", "x-squash", "gzip, gzip"]))))
    if draw(st.integers(0, 19)) == 0:
        headers.append(("X-Big", "a" * draw(st.sampled_from([8000, 9000, 70_000]))))
    return Probe(method, path, headers, draw(bodies(route)))


def judge(probe: Probe, answer: Answer | None) -> str | None:
    """What is wrong with the answer to a probe (a 5xx, no answer, an error without its JSON body), or None."""
    if answer is None:
        return "no answer"
    if answer.status >= 500:
        return f"HTTP {answer.status}"
    if answer.status < 400 or probe.method == "HEAD":
        return None
    try:
        body = answer.json()
    except ValueError:
        return f"HTTP {answer.status} without a JSON body"
    owners = [r for r in ROUTES if r.owns(probe.path)]
    if not stub_message(body, answer.status) and not any(r.message(body, answer.status) for r in owners):
        return f"HTTP {answer.status} whose body is no error form: {answer.text[:80]!r}"
    return None


def attempt(url: str, probe: Probe) -> Answer | None:
    """The stub's answer to a probe, or None when it gave none (the connection closed or timed out)."""
    try:
        return send(url, probe.method, probe.path, probe.body, probe.headers)
    except (OSError, http.client.HTTPException):
        return None
