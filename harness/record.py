"""``python -m harness record --target URL --program P --out DIR``: one sample's exchange with a live service,
written as a scenario that then runs against the stub like any shipped one.

The sample runs through the stub in front of the live service (as ``run --target`` does). Each request the
stub journaled and the answer the service gave become the scenario: the answers are replayed by the stub,
in order (faults with the recorded status, type and body); the requests are what a client must send again.
The service's key never reaches the journal (the stub adds it on its way out); the stub's own key is written
as ``{primary_key}``, the cell's service name as ``{service}``, the live host as ``scoring.example.com``.
Replay: ``python -m harness run --scenarios DIR -s NAME`` (or ``HARNESS_SCENARIOS=DIR``).
"""

from __future__ import annotations

import datetime
import json
from pathlib import Path
from urllib.parse import urlsplit

from .catalog import CatalogError, Scenario
from .plan import CellPlan
from .scenario import Auth

KEPT_ANSWER_HEADERS = ("content-type", "retry-after", "azureml-model-deployment")
HOST = "scoring.example.com"


def template(scenarios: dict[str, Scenario], program: str) -> Scenario:
    """The program's plain happy path among the shipped scenarios: its settings are what the sample is run with."""
    plain = [
        s
        for s in scenarios.values()
        if s.program == program and s.expect.exit_code == 0 and not s.stub.faults and not s.stub_only
        and not s.stub.jobs and s.stub.auth in (Auth.KEY, Auth.TOKEN) and not s.stub.deployments
    ]  # fmt: skip
    if not plain:
        known = sorted({s.program for s in scenarios.values()})
        raise CatalogError(f"--program {program!r}: no plain scenario of it to record with; one of {', '.join(known)}")
    return sorted(plain, key=lambda s: (s.name != "json-key", s.name))[0]


def _q(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)  # a JSON string is a TOML basic string


class Recorder:
    """Writes one scenario file per recorded cell into ``folder``."""

    def __init__(self, folder: Path, name: str, target: str) -> None:
        self.folder, self.name, self.host = folder, name, urlsplit(target).hostname or ""
        self.written: list[Path] = []

    def _clean(self, text: str, plan: CellPlan) -> str:
        key = plan.variables.get("primary_key", "")
        text = text.replace(plan.service, "{service}")
        text = text.replace(self.host, HOST) if self.host else text
        return text.replace(key, "{primary_key}") if key else text

    def record(self, plan: CellPlan, entries: list[dict], exit_code: int | None) -> Path:
        if not entries:
            raise CatalogError("record: the sample sent no request, so there is nothing to record")
        lines = [
            f"# Recorded by `python -m harness record` on {datetime.date.today()} from the live service at {HOST}",
            "# (its name, key and host are not kept): the requests the sample sent, the answers the service gave.",
            f"summary = {_q(f'recorded {plan.program} exchange ({len(entries)} requests), replayed by the stub')}",
            f"program = {_q(plan.program)}",
            'stub_only = "the recorded answers are replayed by the stub"',
            "",
            "[stub]",
            f"auth = {_q(plan.stub.auth.value)}",
        ]
        for entry in entries:
            lines += self._answer(entry, plan)
        lines += ["", "[client.env]"]
        lines += [f"{k} = {_q(v)}" for k, v in plan.scenario.env.items()]
        for entry in entries:
            lines += self._request(entry, plan)
        lines += ["", "[expect]"]
        if exit_code == 0:
            lines += ["exit_code = 0", 'stdout = "response-json"']
        else:
            lines += ['exit_code = "nonzero"', 'stdout = "empty"', "stderr.one_line = true"]
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self.folder / f"{self.name}.toml"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        self.written.append(path)
        return path

    def _answer(self, entry: dict, plan: CellPlan) -> list[str]:
        answer = entry.get("response") or {}
        if answer.get("status") is None:
            raise CatalogError("record: the service sent no answer to a request (the connection dropped)")
        if answer.get("bodyEncoding") == "base64":
            raise CatalogError("record: the service answered binary data; record keeps text answers only")
        headers = {k: v for k, v in answer.get("headers", {}).items() if k.lower() in KEPT_ANSWER_HEADERS}
        head = ", ".join(f"{_q(k)} = {_q(self._clean(v, plan))}" for k, v in headers.items())
        return [
            "[[stub.faults]]   # the service's answer, replayed",
            f"status = {answer['status']}",
            f"headers = {{ {head} }}",
            f"body = {_q(self._clean(answer.get('body') or '', plan))}",
            "times = 1",
        ]

    def _request(self, entry: dict, plan: CellPlan) -> list[str]:
        if entry.get("bodyEncoding") == "base64":
            raise CatalogError("record: the sample sent binary data; record keeps JSON and text requests only")
        wanted = {"content-type", "authorization", "x-auth-token", "azureml-model-deployment"}
        headers = {k: self._clean(v, plan) for k, v in entry["headers"] if k.lower() in wanted}
        lines = [
            "",
            "[[expect.requests]]",
            f"method = {_q(entry['method'])}",
            f"path = {_q(self._clean(entry['path'], plan))}",
        ]
        if entry.get("query"):
            lines.append(f"query = {_q(self._clean(entry['query'], plan))}")
        if headers:
            lines.append("headers = { " + ", ".join(f"{_q(k)} = {_q(v)}" for k, v in headers.items()) + " }")
        body = self._clean(entry.get("body") or "", plan)
        try:
            json.loads(body)
            lines.append(f"body.json_text = {_q(body)}")
        except ValueError:
            lines.append(f"body.text = {_q(body)}" if body else "body.empty = true")
        return lines


def command(args, console) -> int:
    """Run the program's plain scenario once, on the live service behind the stub, and write what it exchanged."""
    from . import catalog, run

    scenario = template(catalog.load_scenarios(), args.program)
    languages = run.names(args.language) or ["python"]
    if len(languages) != 1:
        raise CatalogError("record runs one language's sample: give one --language")
    name = args.name or f"recorded-{args.program}"
    if not name.replace("-", "").replace("_", "").isalnum():
        raise CatalogError(f"--name {name!r}: letters, digits, - and _ only (it names the scenario file)")
    args.language, args.scenario, args.last_failed, args.changed_since = languages, [scenario.name], False, None
    recorder = Recorder(args.out.resolve(), name, args.target)
    code = run.command(args, console, recorder)
    for path in recorder.written:
        console.print(f"recorded {path}: replay it with python -m harness run --scenarios {args.out} -s {name}")
    if not recorder.written:
        console.print("nothing recorded: the sample's cell did not run on the live service (see the table)")
        return 1
    return code
