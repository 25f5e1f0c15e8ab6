"""No client input makes the stub answer 5xx: each class of bad input, on every dialect's scoring route,
gets a 4xx with a JSON error body that says what is wrong.

Each case changes one thing in a body the route scores (its negative twin,
``test_the_untouched_request_is_scored``, proves the route, credentials and
body are otherwise right).  Errors found in the body are in the dialect's own
form; errors found before a dialect sees the request (too large, unreadable,
not parsable as HTTP) are in the stub's own ``{"status_code", "message"}``.
"""

from __future__ import annotations

import codecs
import gzip
import json
import re
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import pytest

import server_stub
from server_stub.inputs import MAX_DEPTH
from tests.stub.dialect_routes import KEY, ROUTES, Route, send, stub_message

JSON = ("Content-Type", "application/json")
NUMBER = re.compile(r"(?<=[\[:,] )-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?|(?<=[\[:,])-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?")


@dataclass(frozen=True)
class Case:
    id: str
    status: int
    fragment: str  # in the error message
    body: Callable[[str], bytes] = lambda text: text.encode()  # from the valid body's JSON text
    headers: list = field(default_factory=lambda: [JSON])  # replace the Content-Type header
    extra: list = field(default_factory=list)  # more headers, after the credential
    stub_form: bool = False  # the stub's own error form, not the dialect's
    scored_by: tuple[str, ...] = ()  # dialects that score it anyway, as their real server does

    def with_scorer(self, dialect: str) -> Case:
        return replace(self, scored_by=(*self.scored_by, dialect))


def first_number(literal: str) -> Callable[[str], bytes]:
    """The valid body with its first number replaced by ``literal``."""
    return lambda text: NUMBER.sub(literal, text, count=1).encode()


def cut(compress: Callable[[bytes], bytes]) -> Callable[[str], bytes]:
    """The valid body compressed, without its last bytes (aiohttp's own decoder waited forever on this)."""
    return lambda text: compress(text.encode())[:-6]


def nested(depth: int) -> Callable[[str], bytes]:
    return lambda text: ("[" * depth + "]" * depth).encode()


def typed(value: str | bytes) -> list:
    return [("Content-Type", value)]


def any_type(id: str, status: int, fragment: str, **kwargs) -> Case:
    """A Content-Type the Azure ML real server ignores (it hands the body to run() whatever its label)."""
    return Case(id, status, fragment, scored_by=("azureml", "azureml-default"), **kwargs)


def encoded(value: str) -> list:
    return [("Content-Encoding", value)]


def refused_early(id: str, status: int, fragment: str, **kwargs) -> Case:
    """A case the stub refuses before any dialect sees it: the stub's own error form."""
    return Case(id, status, fragment, stub_form=True, **kwargs)


BAD_CREDENTIAL = [("X-Auth-Token", b"\xff\xfe"), ("Authorization", b"Bearer \xff\xfe")]
CASES = [
    Case("int-5000-digits", 400, "out of the range of a double", first_number("1" * 5000)),
    Case("int-400-digits", 400, "out of the range of a double", first_number("9" * 400)),
    Case("exponent-huge", 400, "out of the range of a double", first_number("1e999999")),
    Case("exponent-negative-huge", 400, "out of the range of a double", first_number("-1e400")),
    Case("NaN", 400, "NaN is not a valid JSON number", first_number("NaN")),
    Case("Infinity", 400, "Infinity is not a valid JSON number", first_number("Infinity")),
    Case("minus-Infinity", 400, "-Infinity is not a valid JSON number", first_number("-Infinity")),
    Case("nesting-100k", 400, "nested more than", nested(100_000)),
    Case("nesting-over-the-limit", 400, f"nested more than {MAX_DEPTH} levels", nested(MAX_DEPTH + 1)),
    Case("duplicate-keys", 400, 'duplicate key "k"', lambda text: text.replace("{", '{"k": 1, "k": 2, ', 1).encode()),
    Case("invalid-utf8", 400, "not valid UTF-8 (byte 1 is 0xff)", lambda text: b"{\xff" + text.encode()[1:]),
    Case("utf8-bom", 400, "UTF-8 byte order mark", lambda text: codecs.BOM_UTF8 + text.encode()),
    Case("utf16-bom", 400, "body is UTF-16", lambda text: text.encode("utf-16")),
    Case("utf16-no-bom", 400, "NUL byte at byte 1", lambda text: text.encode("utf-16-le")),
    Case("utf32-bom", 400, "body is UTF-32", lambda text: text.encode("utf-32")),
    Case("empty-body", 400, "body is empty", lambda text: b""),
    Case("whitespace-body", 400, "body is empty", lambda text: b" \r\n\t "),
    Case("truncated", 400, "malformed JSON at line 1", lambda text: text[:-1].encode()),
    # KServe parses a body without a Content-Type as JSON, as the stub's TF Serving dialect does.
    any_type("no-content-type", 415, "missing Content-Type", headers=[]).with_scorer("tfserving"),
    any_type(
        "charset-latin1",
        415,
        "charset must be utf-8, got 'latin-1'",
        headers=typed("application/json; charset=latin-1"),
    ),
    any_type("charset-quoted-utf16", 415, "got 'utf-16'", headers=typed('application/json; charset="utf-16"')),
    any_type("charset-twice", 415, "got 'ascii'", headers=typed("application/json; charset=utf-8; charset=ascii")),
    any_type("text-json", 415, "must be application/json", headers=typed("text/json")),
    any_type("content-type-not-utf8", 415, "must be application/json", headers=typed(b"application/\xffjson")),
    Case("credential-not-utf8", 401, "invalid key", extra=BAD_CREDENTIAL),
    refused_early(
        "body-too-large", 413, "larger than the limit of", body=lambda text: b"[" + b"0," * (1 << 20) + b"0]"
    ),
    refused_early("header-too-large", 431, "longer than the limit", extra=[("X-Big", "a" * 20_000)]),
    refused_early("too-many-headers", 431, "too many header fields", extra=[(f"X-H{i}", "1") for i in range(200)]),
    refused_early("gzip-broken", 400, "not valid gzip data", body=lambda text: b"not gzip", extra=encoded("gzip")),
    refused_early(
        "gzip-cut-short", 400, "not valid gzip data: it ends early", body=cut(gzip.compress), extra=encoded("gzip")
    ),
    refused_early(
        "deflate-cut-short",
        400,
        "not valid deflate data: it ends early",
        body=cut(zlib.compress),
        extra=encoded("deflate"),
    ),
    refused_early(
        "gzip-bomb",
        413,
        "once gzip is undone",
        body=lambda text: gzip.compress(b" " * (4 << 20)),
        extra=encoded("gzip"),
    ),
    refused_early("encoding-br", 415, "Content-Encoding br is not", extra=encoded("br")),
    refused_early("encoding-unknown", 415, "Content-Encoding x-squash is not", extra=encoded("x-squash")),
    refused_early("encoding-stacked", 415, "Content-Encoding gzip, gzip is not", extra=encoded("gzip, gzip")),
    refused_early("content-length-bad", 400, "not a valid HTTP request", extra=[("Content-Length", "12abc")]),
]


@pytest.fixture(scope="module")
def url():
    with server_stub.running(server_stub.StubConfig(auth="key", primary_key=KEY)) as (_, base):
        yield base


def request(url: str, route: Route, body: bytes, headers: list, extra: list = ()):
    credential = [] if any(n == route.auth_header for n, _ in extra) else [route.credential()]
    return send(url, "POST", route.url_path("svc"), body, [*headers, *credential, *extra])


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: r.dialect)
def test_the_untouched_request_is_scored(url, route):
    answer = request(url, route, json.dumps(route.valid).encode(), [JSON])
    assert answer.status == 200, answer.text


REFUSED = [pytest.param(r, c, id=f"{r.dialect}-{c.id}") for c in CASES for r in ROUTES if r.dialect not in c.scored_by]
SCORED = [pytest.param(r, c, id=f"{r.dialect}-{c.id}") for c in CASES for r in ROUTES if r.dialect in c.scored_by]


@pytest.mark.parametrize(("route", "case"), SCORED)
def test_a_label_the_real_server_ignores_is_scored(url, route, case):
    # azureml-inference-server-http reads the body of a plain run(raw_data) whatever its Content-Type says.
    answer = request(url, route, case.body(json.dumps(route.valid)), case.headers, case.extra)
    assert answer.status == 200, answer.text


def test_a_form_body_is_refused_by_the_azureml_dialect(url):
    # Its twin: a form label means Flask hands run() an empty body, so the stub refuses it (400).
    route = next(r for r in ROUTES if r.dialect == "azureml")
    answer = request(url, route, json.dumps(route.valid).encode(), typed("application/x-www-form-urlencoded"))
    assert answer.status == 400 and "reaches the scoring script empty" in route.message(answer.json(), 400)


@pytest.mark.parametrize(("route", "case"), REFUSED)
def test_bad_input_gets_a_4xx_that_says_what_is_wrong(url, route, case):
    answer = request(url, route, case.body(json.dumps(route.valid)), case.headers, case.extra)
    assert answer.status < 500 and answer.status == case.status, answer.text
    assert answer.content_type.startswith("application/json"), answer.content_type
    body = answer.json()
    message = stub_message(body, case.status) if case.stub_form else route.message(body, case.status)
    assert message is not None, f"not the {'stub' if case.stub_form else route.dialect} error form: {body}"
    assert case.fragment in message, message


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: r.dialect)
def test_nesting_up_to_the_limit_is_read(url, route):
    """The twin of the nesting cases: MAX_DEPTH levels are parsed, and refused for their shape only."""
    answer = request(url, route, nested(MAX_DEPTH)(""), [JSON])
    message = route.message(answer.json(), 400)
    assert answer.status == 400 and message and "nested" not in message, answer.text


@pytest.mark.parametrize(
    "content_type", ['application/json;charset="UTF-8"', "application/json; foo=bar; charset=utf8", "application/json;"]
)
# KServe (tfserving) compares the whole Content-Type: with parameters, the body reaches the model unparsed.
@pytest.mark.parametrize("route", [r for r in ROUTES if r.dialect != "tfserving"], ids=lambda r: r.dialect)
def test_content_type_parameters_that_mean_utf8_json_are_accepted(url, route, content_type):
    answer = request(url, route, json.dumps(route.valid).encode(), [("Content-Type", content_type)])
    assert answer.status == 200, answer.text


COMPRESSORS = {
    "gzip": gzip.compress,
    "x-gzip": gzip.compress,
    "deflate": zlib.compress,  # zlib-wrapped, as RFC 9110 says
    "deflate-raw": lambda data: zlib.compress(data, wbits=-zlib.MAX_WBITS),  # as some clients send it
    "identity": lambda data: data,
}


@pytest.mark.parametrize("coding", COMPRESSORS)
@pytest.mark.parametrize("route", ROUTES, ids=lambda r: r.dialect)
def test_an_encoded_body_is_read_and_scored(url, route, coding):
    """The twin of the broken-encoding cases: the same headers with a whole encoded body."""
    body = COMPRESSORS[coding](json.dumps(route.valid).encode())
    answer = request(url, route, body, [JSON], encoded(coding.removesuffix("-raw")))
    assert answer.status == 200, answer.text


def test_the_case_list_covers_every_class_of_the_issue():
    """Huge numbers, NaN, nesting, sizes, encodings, Content-Type, duplicate keys, headers, empty bodies."""
    ids = {c.id for c in CASES}
    wanted = {"int-5000-digits", "exponent-huge", "NaN", "nesting-100k", "body-too-large", "invalid-utf8"}
    wanted |= {"utf16-bom", "charset-latin1", "duplicate-keys", "header-too-large", "empty-body", "whitespace-body"}
    assert wanted <= ids
