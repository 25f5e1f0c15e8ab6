"""A page's own model: served by the stub's stand-in, the sample judged on what it sent, not on values.

Every sample's service on the stub has the stand-in on (``server_stub/dialects/standin.py``): the
stub's own models (diabetes, iris) answer as ever, any other model a page names is the stand-in's.  For
a route that names its model (``standin.toml`` ``[[route]]``), the page's model goes into the stub's
address in place of the scenario's, with what follows it (a version), and the expected path with it;
a name that ``[known]`` maps to a stub model gets that model.  After the run, a request the stand-in
answered (its journal entry says ``standIn``) gives the outcome a note: prediction values were not
judged.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, replace
from pathlib import Path

from ..datafiles import load_toml, only
from ..plan import CellPlan
from ..stubctl import StubControl
from .placeholders import Found

HERE = Path(__file__).resolve().parent
UNRESOLVED = re.compile(r"[<>${}%]")  # a name that is itself a placeholder


@dataclass(frozen=True)
class Route:
    pattern: re.Pattern  # finds `model` and `rest` in an address
    valid_rest: re.Pattern  # what the protocol allows after the model


@functools.cache
def _data() -> tuple[dict[str, re.Pattern], tuple[Route, ...]]:
    path = HERE / "standin.toml"
    doc = load_toml(path)
    only(doc, {"known", "route"}, str(path))
    for i, route in enumerate(doc["route"]):
        only(route, {"pattern", "valid_rest"}, f"{path}: [[route]] {i + 1}")
    known = {name: re.compile(pattern) for name, pattern in doc["known"].items()}
    return known, tuple(Route(re.compile(r["pattern"]), re.compile(r["valid_rest"])) for r in doc["route"])


def _model_route(page: str, uri: str, strict: bool = False) -> tuple[str, str] | None:
    """``uri`` with the model the page's address names: (address, model), or None (the scenario's, as before).
    ``strict``: the page's rest only when the protocol allows it (else the scenario's)."""
    known, routes = _data()
    for route in routes:
        theirs, ours = route.pattern.search(page), route.pattern.search(uri)
        if theirs and ours:
            model, rest = theirs.group("model"), theirs.group("rest")
            if UNRESOLVED.search(model):
                return None
            stub_model = next((name for name, pattern in known.items() if pattern.search(model)), None)
            if stub_model or (strict and not route.valid_rest.fullmatch(rest)):
                rest = ours.group("rest")  # the stub's own model is reached by the scenario's route
            model = stub_model or model
            return uri[: ours.start("model")] + model + rest + uri[ours.end("rest") :], model
    return None


def adopt(plan: CellPlan, found: list[Found]) -> tuple[CellPlan, str]:
    """The plan with the page's model in the sample's address and in the expected path; that model, or ""
    when the address is the scenario's (no model in the route, a placeholder for it, the scenario's own)."""
    uri = plan.env.get("SCORING_URI", "")
    page = next((f.text for f in found if f.kind == "uri"), "")
    routed = _model_route(page, uri) if uri and page else None
    if routed is None or routed[0] == uri:
        return plan, ""
    address, model = routed
    requests = list(plan.expect.requests)
    if requests and requests[0].path:
        path = _model_route(page, requests[0].path, strict=True)
        requests[0] = replace(requests[0], path=path[0] if path else requests[0].path)
    expect = replace(plan.expect, requests=tuple(requests))
    return replace(plan, env={**plan.env, "SCORING_URI": address}, expect=expect), model


def serve(plan: CellPlan, found: list[Found], stub: StubControl) -> tuple[CellPlan, list[str]]:
    """The sample's service with the stand-in on, and its plan for the page's model; notes for the outcome."""
    stub.set_stand_in(plan.service, True)
    plan, model = adopt(plan, found)
    return plan, [f"the page's model `{model}` is kept in the stub's address"] if model else []


def note(entries: list[dict]) -> str:
    """What the outcome says when the stand-in answered the sample's requests ("" when it did not)."""
    models = list(dict.fromkeys(e["standIn"] for e in entries if e.get("standIn")))
    if not models:
        return ""
    named = ", ".join(f"`{m}`" for m in models)
    return (
        f"prediction values were not judged (stand-in model {named}): the page's own model is not the stub's, "
        "so the sample is judged on what it sent (route, method, headers, a well-formed body) and on "
        "printing the answer"
    )
