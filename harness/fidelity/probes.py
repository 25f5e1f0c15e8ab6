"""The probe catalogue (``fidelity/<protocol>.toml``): loaded, validated, and each probe sent as raw HTTP.

Requests go out through ``http.client`` on a fresh connection each, so both
servers get the very same bytes: the method, path, headers and body the
catalogue names, plus ``Host`` and ``Content-Length``.
"""

from __future__ import annotations

import http.client
import json
import random
import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from ..datafiles import HERE, CatalogError, load_toml, only, strings

FIDELITY = HERE / "fidelity"
PAYLOADS = HERE / "payloads"
CATALOGUE_KEYS = {"protocol", "model", "defaults", "compare", "probe", "predictions"}
PREDICTION_KEYS = {"path", "real_path", "headers", "body", "answer"}
DEFAULT_KEYS = {"method", "path", "headers"}
COMPARE_KEYS = {"headers_equal", "headers_present"}
PROBE_KEYS = {"name", "method", "path", "real_path", "headers", "add_headers", "headers_equal"}
BODY_KEYS = {"body", "body_hex", "body_file", "rows"}
PROBE_KEYS |= BODY_KEYS | {"seed"}
FEATURES = 10  # the diabetes model's; random rows are in its data set's range


@dataclass(frozen=True)
class Probe:
    name: str
    method: str
    path: str
    real_path: str
    headers: tuple[tuple[str, str], ...]
    body: bytes | None
    headers_equal: tuple[str, ...] = ()


@dataclass(frozen=True)
class Predictions:
    """How to score rows in the catalogue's protocol: the route, and a body template whose ``@ROWS@`` is the
    rows as a JSON array of arrays, ``@FLAT@`` the same numbers in one flat array, ``@COUNT@`` how many rows;
    ``answer`` is the JSON path of the predictions in the answer (``$``: the answer is the array)."""

    path: str = "/score"
    real_path: str = "/score"
    headers: tuple[tuple[str, str], ...] = (("Content-Type", "application/json"),)
    body: str = '{"data": @ROWS@}'
    answer: str = "$"

    def encode(self, rows: list[list[float]]) -> bytes:
        flat = [x for row in rows for x in row]
        text = self.body.replace("@ROWS@", json.dumps(rows)).replace("@FLAT@", json.dumps(flat))
        return text.replace("@COUNT@", str(len(rows))).encode()

    def decode(self, body: bytes) -> list:
        """The predictions in an answer, flattened (``[[1.5], [2.0]]`` and ``[1.5, 2.0]`` are the same)."""
        doc = json.loads(body)
        for step in re.findall(r"\.([A-Za-z_][\w-]*)|\[(\d+)\]", self.answer):
            doc = doc[step[0]] if step[0] else doc[int(step[1])]
        if not isinstance(doc, list):
            raise ValueError(f"{self.answer} is not an array")
        return [x[0] if isinstance(x, list) and len(x) == 1 else x for x in doc]


@dataclass(frozen=True)
class Catalogue:
    protocol: str
    model: str
    probes: tuple[Probe, ...]
    headers_equal: tuple[str, ...] = ()
    headers_present: tuple[str, ...] = ()
    predictions: Predictions = field(default_factory=Predictions)


@dataclass
class Answer:
    """What a server answered: status, headers in order (names as sent), body bytes; or an error."""

    status: int | None
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""
    error: str = ""

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers if k.lower() == name.lower()), None)


def random_rows(count: int, seed: int, width: int = FEATURES) -> list[list[float]]:
    """Rows like the data set's (standardised features, mostly within +-0.2)."""
    rnd = random.Random(seed)
    return [[rnd.uniform(-0.2, 0.2) for _ in range(width)] for _ in range(count)]


def _predictions(doc: dict | None, where: str) -> Predictions:
    if doc is None:
        return Predictions()
    only(doc, PREDICTION_KEYS, where)
    path = str(doc.get("path", Predictions.path))
    headers = strings(doc["headers"]) if "headers" in doc else dict(Predictions.headers)
    body = str(doc.get("body", Predictions.body))
    if "@ROWS@" not in body and "@FLAT@" not in body:
        raise CatalogError(f"{where}: body must hold @ROWS@ or @FLAT@ (the rows to score)")
    answer = str(doc.get("answer", "$"))
    if not re.fullmatch(r"\$(\.[A-Za-z_][\w-]*|\[\d+\])*", answer):
        raise CatalogError(f"{where}: answer {answer!r} is not a path like $.predictions or $.outputs[0].data")
    return Predictions(path, str(doc.get("real_path", path)), tuple(headers.items()), body, answer)


def _body(doc: dict, where: str, predictions: Predictions) -> bytes | None:
    given = [k for k in BODY_KEYS if k in doc]
    if len(given) > 1:
        raise CatalogError(f"{where}: give one of {', '.join(sorted(BODY_KEYS))}, not {', '.join(sorted(given))}")
    if not given:
        return None
    key, value = given[0], doc[given[0]]
    if key == "body":
        return str(value).encode("utf-8")
    if key == "body_hex":
        try:
            return bytes.fromhex(str(value))
        except ValueError:
            raise CatalogError(f"{where}: body_hex is not hexadecimal") from None
    if key == "body_file":
        path = PAYLOADS / str(value)
        if not path.is_file():
            raise CatalogError(f"{where}: body_file: no file {path}")
        return path.read_bytes()
    if not isinstance(value, int) or value < 1:
        raise CatalogError(f"{where}: rows is a whole number of at least 1")
    return predictions.encode(random_rows(value, int(doc.get("seed", 1))))


def _probe(doc: dict, defaults: dict, where: str, predictions: Predictions) -> Probe:
    only(doc, PROBE_KEYS, where)
    if not isinstance(doc.get("name"), str) or not doc["name"]:
        raise CatalogError(f"{where}: a probe needs a name")
    headers = strings(doc["headers"] if "headers" in doc else defaults.get("headers"))
    headers.update(strings(doc.get("add_headers")))
    path = str(doc.get("path", defaults.get("path", "/")))
    return Probe(
        name=doc["name"],
        method=str(doc.get("method", defaults.get("method", "GET"))),
        path=path,
        real_path=str(doc.get("real_path", path)),
        headers=tuple(headers.items()),
        body=_body(doc, where, predictions),
        headers_equal=tuple(doc.get("headers_equal", ())),
    )


def load_catalogue(path: Path) -> Catalogue:
    doc = load_toml(path)
    only(doc, CATALOGUE_KEYS, str(path))
    defaults, compare = doc.get("defaults", {}), doc.get("compare", {})
    only(defaults, DEFAULT_KEYS, f"{path}: [defaults]")
    only(compare, COMPARE_KEYS, f"{path}: [compare]")
    predictions = _predictions(doc.get("predictions"), f"{path}: [predictions]")
    probes = tuple(
        _probe(p, defaults, f"{path}: probe {i + 1}", predictions) for i, p in enumerate(doc.get("probe", []))
    )
    names = [p.name for p in probes]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise CatalogError(f"{path}: probe names used twice: {', '.join(twice)}")
    if not probes:
        raise CatalogError(f"{path}: no [[probe]]")
    return Catalogue(
        protocol=str(doc.get("protocol", path.stem)),
        model=str(doc.get("model", "")),
        probes=probes,
        headers_equal=tuple(h.lower() for h in compare.get("headers_equal", ())),
        headers_present=tuple(h.lower() for h in compare.get("headers_present", ())),
        predictions=predictions,
    )


def send(base_url: str, method: str, path: str, headers, body: bytes | None, timeout: float = 60.0) -> Answer:
    """One request on its own connection, exactly as given; a failure is an Answer with ``error``."""
    parts = urlsplit(base_url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    try:
        conn.putrequest(method, path, skip_accept_encoding=True)
        for name, value in headers:
            conn.putheader(name, value)
        if body is not None:
            conn.putheader("Content-Length", str(len(body)))
        conn.endheaders(body)
        resp = conn.getresponse()
        return Answer(resp.status, list(resp.getheaders()), resp.read())
    except (OSError, http.client.HTTPException) as exc:
        return Answer(None, error=f"{type(exc).__name__}: {exc}")
    finally:
        conn.close()


def send_probe(base_url: str, probe: Probe, real: bool) -> Answer:
    return send(base_url, probe.method, probe.real_path if real else probe.path, probe.headers, probe.body)
