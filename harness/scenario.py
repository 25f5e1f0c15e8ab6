"""A scenario, parsed once from ``scenarios/<name>.toml`` into frozen, typed objects.

A scenario says how to set up the stub (``StubSetup``), what the client gets
(environment, the run's CA), and what it must send and print (``Expect``,
holding one ``ExpectedRequest`` per request).  Every default lives here, in the
field definitions; the rest of the harness reads attributes, never TOML.
Placeholders such as ``{primary_key}`` stay in the strings until the cell plan
(plan.py) fills them in, once per cell.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field, replace
from enum import StrEnum
from pathlib import Path
from typing import Any

from .datafiles import HERE, CatalogError, load_toml, only, strings
from .language import DEFAULT_PROGRAM

DEFAULT_RUN_TIMEOUT = 60.0


class Auth(StrEnum):
    NONE = "none"
    KEY = "key"
    TOKEN = "token"


class InputMode(StrEnum):
    JSON = "json"
    BINARY = "binary"
    MULTIPART = "multipart"


class StdoutMode(StrEnum):
    RESPONSE_JSON = "response-json"  # what the service answered, as JSON
    EMPTY = "empty"
    ANY = "any"


class BodyKind(StrEnum):
    ANY = "any"  # not judged
    JSON = "json"
    TEXT = "text"
    EMPTY = "empty"
    FILE = "file"  # exact bytes of a payload file
    MULTIPART = "multipart"  # a form upload with one file field


@dataclass(frozen=True)
class StubSetup:
    auth: Auth = Auth.NONE
    input: InputMode = InputMode.JSON
    faults: tuple[dict, ...] = ()  # as the stub's admin API takes them
    jobs: dict | None = None  # batch jobs: seconds, fail, nextId
    # A TLS listener of the cell's own ("unknown-ca": a certificate no client trusts), so the TLS
    # connections the stub saw are this cell's alone ({tls_unknown_ca_base_url} points to it).
    tls_listener: str | None = None
    # An online endpoint's deployments (name -> scale of its predictions) and traffic split (name -> percent).
    deployments: dict[str, float] = field(default_factory=dict)
    traffic: dict[str, int] = field(default_factory=dict)
    token_lifetime: float | None = None  # seconds the {token} is valid for (negative: an expired one)
    stand_in: bool = False  # models the stub does not know are served by its stand-in (any well-formed input)
    any_content_type: bool = False  # TF Serving's routes read any Content-Type as JSON (tensorflow_model_server)


@dataclass(frozen=True)
class Multipart:
    field: str
    filename: str
    content_type: str
    file: str  # a payload, relative to harness/


@dataclass(frozen=True)
class Body:
    kind: BodyKind = BodyKind.ANY
    json: Any = None
    text: str = ""
    file: str = ""  # a payload, relative to harness/
    multipart: Multipart | None = None
    patterns: dict[str, str] = field(default_factory=dict)  # JSON path -> regex (e.g. a fresh UUID)


@dataclass(frozen=True)
class ExpectedRequest:
    method: str | None = None  # None: any
    path: str | None = None
    scheme: str | None = None
    query: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    forbidden_headers: tuple[str, ...] = ()
    body: Body = field(default_factory=Body)
    repeats: bool = False  # also takes the requests after it with the same method and path (polling)


@dataclass(frozen=True)
class StderrRules:
    one_line: bool = False
    mentions_response: bool = False  # names the answer's status and message
    contains: tuple[str, ...] = ()
    pattern: str | None = None


@dataclass(frozen=True)
class Expect:
    requests: tuple[ExpectedRequest, ...] = ()
    allow_retries: bool = False
    exit_code: int | str = 0  # a number, or "nonzero"
    stdout: StdoutMode = StdoutMode.ANY
    # response-json: the JSON path of the predictions in the answer, what a page's sample may print instead of the
    # whole answer (the docs check accepts either); a kit client prints the whole answer.
    stdout_at: str | None = None
    # response-json, for the kit's clients: stdout is the answer byte for byte, compacted (whitespace between its
    # tokens removed), and one newline. The docs check judges pages' samples by the JSON they print instead.
    stdout_exact: bool = True
    stderr: StderrRules = field(default_factory=StderrRules)
    max_seconds: float | None = None
    # Each request the service delayed (a fault's delay): the client closed it within this many seconds of its
    # arrival, as the stub measured (the client's start-up and the machine's load are not in it).
    gave_up_within: float | None = None
    min_retry_gap: float | None = None
    tls_connections: int | None = None  # TLS connections the client opened to the cell's own listener
    answer_headers: dict[str, str] = field(default_factory=dict)  # headers of the answer the client got


@dataclass(frozen=True)
class Scenario:
    name: str
    summary: str
    stub: StubSetup
    env: dict[str, str]
    vars: dict[str, str]
    expect: Expect
    run_timeout: float
    source: Path
    program: str = DEFAULT_PROGRAM  # which of a client's programs the scenario runs
    trust_ca: bool = False  # hand the client the run's CA the standard way of its language ([tls])
    stub_only: str = ""  # why this scenario cannot run on a real server (--server real), even if its protocol can
    model: str = ""  # the model a real server serves for it (default: its protocol's, protocols.toml)

    @property
    def requests(self) -> tuple[ExpectedRequest, ...]:
        return self.expect.requests


EXPECT_KEYS = {"requests", "allow_retries", "exit_code", "stdout", "stderr", "max_seconds", "min_retry_gap"}
EXPECT_KEYS |= {"tls_connections", "stdout_at"}
EXPECT_KEYS |= {"answer_headers", "gave_up_within"}
JSON_PATH = re.compile(r"\$(\.[A-Za-z_][\w-]*|\[\d+\])+")
TLS_LISTENERS = ("unknown-ca",)
STUB_KEYS = {"auth", "faults", "input", "jobs", "tls_listener", "deployments", "traffic", "token_lifetime"}
STUB_KEYS |= {"stand_in", "any_content_type"}
DEPLOYMENT_NAME = re.compile(r"[A-Za-z][A-Za-z0-9-]{2,31}")  # Azure's rule for an online deployment's name
REQUEST_KEYS = {"scheme", "method", "path", "query", "headers", "forbidden_headers", "body", "times"}
BODY_KEYS = {"json", "json_file", "json_text", "text", "empty", "file", "multipart"}
MULTIPART_KEYS = {"field", "filename", "content_type", "file"}
STDERR_KEYS = {"one_line", "mentions_response", "contains", "pattern"}


def _regex(pattern: str, where: str) -> str:
    try:
        re.compile(pattern)
    except re.error as exc:
        raise CatalogError(f"{where}: {exc}") from None
    return pattern


def _payload(spec: str, where: str) -> str:
    if not (HERE / spec).is_file():  # exact bytes, e.g. an image
        raise CatalogError(f"{where}: {HERE / spec} does not exist")
    return spec


def _body(doc: dict, where: str) -> Body:
    only(doc, BODY_KEYS | {"patterns"}, where)
    kinds = set(doc) - {"patterns"}
    if len(kinds) > 1:
        raise CatalogError(f"{where}: give one of {', '.join(sorted(BODY_KEYS))}")
    patterns = {}
    for path, pattern in doc.get("patterns", {}).items():
        if not JSON_PATH.fullmatch(path):
            raise CatalogError(f"{where}.patterns: {path!r} is not a path like $.meta.uuid or $.rows[0]")
        patterns[path] = _regex(pattern, f"{where}.patterns[{path!r}]")
    if "multipart" in doc:
        only(doc["multipart"], MULTIPART_KEYS, f"{where}.multipart")
        if set(doc["multipart"]) != MULTIPART_KEYS:
            raise CatalogError(f"{where}.multipart: give {', '.join(sorted(MULTIPART_KEYS))}")
        part = {k: str(v) for k, v in doc["multipart"].items()}
        part["file"] = _payload(part["file"], f"{where}.multipart.file")
        return Body(BodyKind.MULTIPART, multipart=Multipart(**part), patterns=patterns)
    if "file" in doc:
        return Body(BodyKind.FILE, file=_payload(str(doc["file"]), f"{where}.file"), patterns=patterns)
    if "json_file" in doc:
        try:
            value = json.loads((HERE / doc["json_file"]).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise CatalogError(f"{where}.json_file: {exc}") from None
        return Body(BodyKind.JSON, json=value, patterns=patterns)
    if "json" in doc:
        return Body(BodyKind.JSON, json=doc["json"], patterns=patterns)
    if "json_text" in doc:  # a JSON document written as a string (what `harness record` writes: nulls and all)
        try:
            return Body(BodyKind.JSON, json=json.loads(str(doc["json_text"])), patterns=patterns)
        except ValueError as exc:
            raise CatalogError(f"{where}.json_text: not JSON: {exc}") from None
    if "text" in doc:
        return Body(BodyKind.TEXT, text=str(doc["text"]), patterns=patterns)
    if doc.get("empty"):
        return Body(BodyKind.EMPTY, patterns=patterns)
    return Body(patterns=patterns)


def _times(value: Any, where: str) -> tuple[int, bool]:
    """``times``: a whole number, or "N+" (at least N, e.g. polling)."""
    more = isinstance(value, str) and value.endswith("+")
    count = int(value[:-1]) if more and value[:-1].isdigit() else value
    if not isinstance(count, int) or isinstance(count, bool) or count < 1:
        raise CatalogError(f'{where}.times is a whole number of at least 1, or "N+"')
    return count, more


def parse_requests(docs: list, where: str = "expect") -> tuple[ExpectedRequest, ...]:
    out: list[ExpectedRequest] = []
    for i, doc in enumerate(docs):
        at = f"{where}: expect.requests[{i}]"
        only(doc, REQUEST_KEYS, at)
        count, more = _times(doc.get("times", 1), at)
        request = ExpectedRequest(
            method=doc.get("method"),
            path=doc.get("path"),
            scheme=doc.get("scheme"),
            query=doc.get("query"),
            headers=strings(doc.get("headers", {})),
            forbidden_headers=tuple(str(h) for h in doc.get("forbidden_headers", ())),
            body=_body(dict(doc.get("body", {})), f"{at}.body"),
        )
        out += [request] * (count - 1) + [replace(request, repeats=more)]
    return tuple(out)


def parse_expect(doc: dict, where: str = "scenario") -> Expect:
    only(doc, EXPECT_KEYS, f"{where}: [expect]")
    exit_code = doc.get("exit_code", 0)
    if exit_code != "nonzero" and (not isinstance(exit_code, int) or isinstance(exit_code, bool)):
        raise CatalogError(f'{where}: expect.exit_code is a number or "nonzero"')
    stdout = doc.get("stdout", StdoutMode.ANY.value)
    if stdout not in set(StdoutMode):
        raise CatalogError(f"{where}: expect.stdout is one of {', '.join(sorted(StdoutMode))}")
    stdout_at = doc.get("stdout_at")
    if stdout_at is not None and (stdout != StdoutMode.RESPONSE_JSON or not JSON_PATH.fullmatch(str(stdout_at))):
        raise CatalogError(f'{where}: expect.stdout_at is a path like $.predictions, with stdout = "response-json"')
    stderr = doc.get("stderr", {})
    only(stderr, STDERR_KEYS, f"{where}: expect.stderr")
    number = lambda key: float(doc[key]) if key in doc else None  # noqa: E731
    return Expect(
        requests=parse_requests(doc.get("requests", []), where),
        allow_retries=bool(doc.get("allow_retries", False)),
        exit_code=exit_code,
        stdout=StdoutMode(stdout),
        stdout_at=stdout_at,
        stderr=StderrRules(
            one_line=bool(stderr.get("one_line", False)),
            mentions_response=bool(stderr.get("mentions_response", False)),
            contains=tuple(str(t) for t in stderr.get("contains", ())),
            pattern=_regex(stderr["pattern"], f"{where}: expect.stderr.pattern") if "pattern" in stderr else None,
        ),
        max_seconds=number("max_seconds"),
        gave_up_within=number("gave_up_within"),
        min_retry_gap=number("min_retry_gap"),
        tls_connections=_count(doc.get("tls_connections"), f"{where}: expect.tls_connections"),
        answer_headers=strings(doc.get("answer_headers", {})),
    )


def _count(value: Any, where: str) -> int | None:
    if value is not None and (not isinstance(value, int) or isinstance(value, bool) or value < 0):
        raise CatalogError(f"{where} is a whole number")
    return value


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _deployments(doc: dict, where: str) -> tuple[dict[str, float], dict[str, int]]:
    """``deployments = {blue = {}, green = {scale = 1.5}}`` and ``traffic = {blue = 100}``, as the stub takes them."""
    deployments: dict[str, float] = {}
    for name, spec in doc.get("deployments", {}).items():
        only(spec, {"scale"}, f"{where}: [stub.deployments.{name}]")
        if not DEPLOYMENT_NAME.fullmatch(name):
            raise CatalogError(f"{where}: [stub.deployments] {name!r}: a name is 3-32 letters, digits or -")
        if not _number(spec.get("scale", 1.0)) or not 0 < spec.get("scale", 1.0) < float("inf"):
            raise CatalogError(f"{where}: [stub.deployments.{name}] scale must be a positive number")
        deployments[name] = float(spec.get("scale", 1.0))
    traffic = doc.get("traffic", {})
    only(traffic, set(deployments), f"{where}: [stub.traffic]")
    if not all(isinstance(p, int) and not isinstance(p, bool) and 0 <= p <= 100 for p in traffic.values()):
        raise CatalogError(f"{where}: [stub.traffic] values are whole percentages from 0 to 100")
    if traffic and sum(traffic.values()) not in (0, 100):
        raise CatalogError(f"{where}: [stub.traffic] adds up to {sum(traffic.values())}, not 100")
    return deployments, dict(traffic)


def _stub(doc: dict, where: str) -> StubSetup:
    only(doc, STUB_KEYS, f"{where}: [stub]")
    if doc.get("tls_listener", TLS_LISTENERS[0]) not in TLS_LISTENERS:
        raise CatalogError(f"{where}: [stub] tls_listener must be one of {', '.join(TLS_LISTENERS)}")
    if doc.get("auth", "none") not in set(Auth):
        raise CatalogError(f"{where}: [stub] auth must be none, key or token")
    if doc.get("input", "json") not in set(InputMode):
        raise CatalogError(f"{where}: [stub] input must be json, binary or multipart")
    if "jobs" in doc:
        only(doc["jobs"], {"seconds", "fail", "nextId"}, f"{where}: [stub.jobs]")
    if "token_lifetime" in doc and (doc.get("auth") != Auth.TOKEN or not _number(doc["token_lifetime"])):
        raise CatalogError(f'{where}: [stub] token_lifetime is a number of seconds, with auth = "token"')
    for flag in ("stand_in", "any_content_type"):
        if not isinstance(doc.get(flag, False), bool):
            raise CatalogError(f"{where}: [stub] {flag} is true or false")
    deployments, traffic = _deployments(doc, where)
    return StubSetup(
        auth=Auth(doc.get("auth", "none")),
        input=InputMode(doc.get("input", "json")),
        faults=tuple(doc.get("faults", ())),
        jobs=dict(doc["jobs"]) if "jobs" in doc else None,
        tls_listener=doc.get("tls_listener"),
        deployments=deployments,
        traffic=traffic,
        token_lifetime=float(doc["token_lifetime"]) if "token_lifetime" in doc else None,
        stand_in=doc.get("stand_in", False),
        any_content_type=doc.get("any_content_type", False),
    )


def load_scenario(path: Path) -> Scenario:
    doc = load_toml(path)
    where = str(path)
    only(doc, {"summary", "program", "stub", "client", "vars", "expect", "run", "stub_only", "model"}, where)
    client = doc.get("client", {})
    only(client, {"env", "trust_ca"}, f"{where}: [client]")
    run = doc.get("run", {})
    only(run, {"timeout"}, f"{where}: [run]")
    return Scenario(
        name=path.stem,
        summary=str(doc.get("summary", "")),
        stub=_stub(doc.get("stub", {}), where),
        env=strings(client.get("env", {})),
        vars=strings(doc.get("vars", {})),
        expect=parse_expect(doc.get("expect", {}), where),
        run_timeout=float(run.get("timeout", DEFAULT_RUN_TIMEOUT)),
        source=path,
        program=str(doc.get("program", DEFAULT_PROGRAM)),
        trust_ca=bool(client.get("trust_ca", False)),
        stub_only=str(doc.get("stub_only", "")),
        model=str(doc.get("model", "")),
    )
