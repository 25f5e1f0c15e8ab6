"""A docs check, as a workflow of small steps:

read the pages -> plan each block (run or skip) -> start the stub -> for each
sample (in parallel): set up its service on the stub, fill in its
placeholders, write its project, build it with its language's toolchain,
lint it, run it, read the journal, check -> the outcomes.  Reporting is
``report.py``'s job.

Samples run with the backend of the matrix (local or Docker), except those of
a language with no toolchain in harness/languages/ (shell's curl commands,
Rust's cargo): they run with this machine's tools, against the stub's
published address.
"""

from __future__ import annotations

import datetime
import importlib.util
import os
import re
import shutil
import sys
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from .. import catalog
from ..backends import BuildError, Built, RunResult, get_backend
from ..catalog import DEFAULT_PROGRAM
from ..engine import Engine
from ..plan import CellPlan
from ..procs import run_command
from ..redact import Redactor
from ..results import Check, Status
from ..runner import finish, set_up
from ..scenario import Body, BodyKind
from ..stubctl import StubControl, StubUnavailable
from . import findings, numbers, placeholders, printed, session, standin, standins
from .classify import Plan, classify
from .data import Data, DocLanguage
from .extract import read_page
from .outcome import DocsRun, Finding, Options, Outcome
from .scaffold import Project, scaffold

LINT_TIMEOUT = 300.0
# A build command's argument that names a file of the project (ScoringClient.csproj, ModelArts/Program.cs).
FILE_ARG = re.compile(r"^(?![-.{])[\w./-]*\w\.\w+$")
Progress = Callable[[str, str], None]  # (sample, message)


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", text).strip("-.") or "page"


def plan_pages(pages: list[Path], data: Data, page_format: str | None = None) -> list[Plan]:
    """Every block of every page (joined by hints), planned, with what earlier blocks give it; bad hints and
    missing pages raise DocsError first."""
    shown = lambda block: classify(block, data).shown  # noqa: E731
    plans = [classify(b, data) for page in pages for b in session.join(read_page(page, page_format), shown)]
    for i, context in session.sessions(plans, lambda block: classify(block, data)).items():
        plans[i].context = context
    return plans


def _skipped(plan: Plan, sample_id: str, reason: str | None = None) -> Outcome:
    b = plan.block
    return Outcome(sample_id, str(b.page), b.start, b.end, plan.shown, Status.SKIPPED, reason or plan.reason)


def check(pages: list[Path], data: Data, options: Options, redactor: Redactor, progress: Progress) -> DocsRun:
    """Plan every block of the pages, run the runnable ones, and return every block's outcome."""
    started = datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")
    t0 = time.monotonic()
    plans = plan_pages(pages, data, options.page_format)
    pending = findings.prepare(plans, redactor)  # security findings, shown outputs: before anything runs
    wanted = set(options.languages)
    unknown = wanted - set(data.languages)
    if unknown:
        known = ", ".join(data.languages)
        raise catalog.CatalogError(f"--language: unknown {', '.join(sorted(unknown))}; known: {known}")
    results = options.results_dir
    for sub in ("projects", "build", "logs"):
        shutil.rmtree(results / sub, ignore_errors=True)
    (results / "logs").mkdir(parents=True, exist_ok=True)
    ids = [f"{i + 1:02d}-{_slug(p.block.page.stem)[:32]}-L{p.block.start}-{p.shown}" for i, p in enumerate(plans)]
    outcomes: list[Outcome | None] = [None] * len(plans)
    samples = []
    for i, plan in enumerate(plans):
        if not plan.runnable:
            outcomes[i] = _skipped(plan, ids[i])
        elif wanted and plan.language.name not in wanted:
            outcomes[i] = _skipped(plan, ids[i], f"not selected (--language {','.join(sorted(wanted))})")
        else:
            samples.append(i)
    backend_name = options.backend
    if samples:  # a page with nothing to run needs no backend and no stub
        backend_name = _run_samples(plans, ids, samples, outcomes, data, options, redactor, progress)
    findings.attach(plans, outcomes, pending, options.fail_on)
    return DocsRun(backend_name, [str(p) for p in pages], outcomes, started, time.monotonic() - t0, results)


def _run_samples(plans, ids, samples, outcomes, data, options, redactor, progress) -> str:
    """Start the backend and the stub, check the samples in parallel, fill in their outcomes."""
    results = options.results_dir
    backend = get_backend(options.backend, options.backend_options)
    host = backend if backend.name == "local" else get_backend("local")  # shell blocks' bash and curl
    engine = Engine(lambda sample, _, message: progress(sample, message), redactor, on_stop=[backend.close, host.close])
    try:
        with backend.stub(results / "logs" / "stub.log") as (admin_url, client_url):
            stub = StubControl(admin_url)

            def one(i: int) -> None:
                on_host = not plans[i].language.toolchain  # shell, Rust: this machine's tools
                where = (host, admin_url) if on_host else (backend, client_url)
                sample = Sample(plans[i], ids[i], data, results, stub, *where)
                try:
                    outcomes[i] = sample.check(redactor, lambda m: engine.say(ids[i], "", m), options.run_timeout)
                except (StubUnavailable, catalog.CatalogError) as exc:
                    outcomes[i] = _skipped(plans[i], ids[i])
                    outcomes[i].verdict, outcomes[i].reason = Status.FAIL, f"harness error: {exc}"

            engine.map(one, samples, options.jobs, "sample")
    finally:
        backend.close()
        host.close()
    return backend.name


def _refused(failed: list[Check]) -> str:
    """The service's answer, when it refused what the sample sent and the sample said nothing (curl)."""
    refused = next((c for c in failed if c.name == "service accepted the request"), None)
    return f"the service answered {' '.join(refused.received.split())[:300]}" if refused else ""


class Sample:
    """One runnable block: its service on the stub, its project, build, lint, run and checks."""

    def __init__(
        self, plan: Plan, sample_id: str, data: Data, results: Path, stub: StubControl, backend, base_url: str
    ):
        self.plan, self.id, self.data, self.stub, self.backend = plan, sample_id, data, stub, backend
        self.lang: DocLanguage = plan.language
        self.block = plan.block
        self.base_url = base_url
        self.service = re.sub(r"[^A-Za-z0-9_.-]", "-", f"docs-{sample_id}")[:63]
        self.project_dir = results / "projects" / sample_id
        self.build_dir = results / "build" / sample_id
        self.log_path = results / "logs" / f"{sample_id}.log"
        self.scenario = data.scenarios[plan.scenario]

    def page_line(self, line: int) -> int:
        """A line of the sample's file (1-based) as a line of the page."""
        return self.block.start + line - 1

    # -- steps -----------------------------------------------------------------------
    def fill_in(self, env: dict[str, str], outcome: Outcome, redactor: Redactor) -> str:
        """The code with its placeholders replaced by the scenario's values."""
        found = self.plan.found or []
        values = session.contract_values(env)
        for f in found:
            if f.kind == "key" and not f.text.startswith("<"):
                redactor.add(f.text)  # a real-looking token printed on the page
            shown = {"uri": "the stub's URI", "key": "the scenario's key" if values["key"] else "nothing (no auth)",
                     "host": "the stub's host:port"}  # fmt: skip
            outcome.replaced.append(
                f"line {self.block.start + f.line}: {f.text} -> {shown.get(f.kind, values[f.kind])}"
            )
        if not any(f.kind == "uri" for f in found) and not (self.plan.context and self.plan.context.addresses):
            outcome.notes.append(
                "no service address found in the code (no placeholder matched): the sample gets SCORING_URI "
                "in its environment; a page-specific address needs a pattern in --placeholders"
            )
        return placeholders.replace(self.block.code, found, values)

    def language(self, project: Project) -> catalog.Language:
        """The language the backend builds: its toolchains from harness/languages/, for this one sample.

        The build: the language's own ``build`` steps, else its toolchain's, less a step that is also
        a lint command (it runs as lint, after the build) and a step naming a file the project
        does not have.  Left out of each step: the
        language's ``drop_args``.  The sample is the language's score program, or ``run_program``.
        """
        lang = self.lang
        if not lang.toolchain:
            extra = session.tools(self.plan)  # jq, when the sample pipes into it
            need, install = lang.requires + extra, " ".join((lang.install, *extra))
            chain = catalog.Toolchain("+".join(need), need, lang.build, lang.run, dict(lang.env), install=install)
            return catalog.Language(lang.name, lang.name, project.folder, (chain,), docker={})
        base = self.data.toolchains[lang.toolchain]
        lint = {c.command for c in lang.lint}
        score = base.programs[DEFAULT_PROGRAM]
        named = re.sub(r"\{(\w+)\}", lambda m: project.names.get(m.group(1), m.group(0)), lang.run_program)
        program = replace(score, value=named or score.value)
        variables = {**score.variables, "program": program.value}

        def names_missing_file(step) -> bool:
            files = catalog.render(list(step), {**variables, "out": "", "src": "", "python": ""})
            return any(not (project.folder / a).exists() for a in files if FILE_ARG.match(a))

        def steps(build) -> tuple:
            kept = [s for s in build if tuple(s) not in lint and not names_missing_file(s)]
            return tuple(tuple(arg for arg in step if arg not in lang.drop_args) for step in kept)

        def adapt(t: catalog.Toolchain) -> catalog.Toolchain:
            build, each = (lang.build, ()) if lang.build else (t.build, t.build_each)  # the sample's own, if any
            return replace(t, build=steps(build), build_each=steps(each), env={**t.env, **lang.env})

        return replace(
            base,
            client=project.folder,
            local=tuple(adapt(t) for t in base.local),
            docker={profile: adapt(t) for profile, t in base.docker.items()},
            programs={DEFAULT_PROGRAM: program},
        )

    def diagnostics(self, text: str, file: str) -> list[tuple[int | None, str, str]]:
        """(page line, severity, message) of each compiler or linter message about the sample's file."""
        if self.lang.diagnostics is None:
            return []
        out = []
        name = Path(file).name
        for m in self.lang.diagnostics.finditer(text):
            if m.group("file") and Path(m.group("file")).name != name:
                continue
            groups = m.groupdict()
            severity = (groups.get("severity") or "").lower()
            line = self.page_line(int(m.group("line")))
            item = (line, severity, m.group("message").strip())
            if item not in out:
                out.append(item)
        return out

    def lint(self, built: Built | None, project: Path, file: str, outcome: Outcome) -> None:
        """Each lint command, where it belongs; what it says about the sample's file becomes findings."""
        for step in self.lang.lint:
            if step.where == "build" and built is None:
                continue
            words = [a for a in step.command if not a.startswith(("{", "-"))]
            tool = " ".join(words[:2])  # "go vet", "ruff check"
            if step.where == "host":
                argv = catalog.render(list(step.command), {"python": sys.executable, "src": str(project)})
                if argv[:2] == [sys.executable, "-m"] and importlib.util.find_spec(argv[2]) is None:
                    outcome.notes.append(f"{tool} not run: not installed here (pip install {argv[2]})")
                    continue
                result = run_command(argv, cwd=project, env=dict(os.environ), timeout=LINT_TIMEOUT)
            else:
                variables = {"src": str(built.src), "out": str(built.src.parent / "out"), "python": self.backend.python}
                argv = catalog.render(list(step.command), variables)
                result = self.backend.execute(built, argv, LINT_TIMEOUT)
            output = result.stdout + result.stderr
            if result.exit_code is None and not result.killed or result.exit_code == 127:
                outcome.notes.append(f"{tool} not run: {output.strip().splitlines()[-1] if output.strip() else ''}")
                continue
            found = self.diagnostics(output, file)
            outcome.findings += [Finding(line, tool, message) for line, _, message in found]
            if result.exit_code not in (0, None) and not found:
                tail = " / ".join(output.strip().splitlines()[-3:])
                outcome.findings.append(Finding(None, tool, f"exit code {result.exit_code}: {tail}"))

    def extra_checks(self, entries: list[dict], written: list | None, label: str = "#1") -> list[Check]:
        """What only a page's sample needs: the body its code writes, and that the service took it."""
        checks = []
        if written is not None and entries:
            body = entries[0].get("body") or ""
            if entries[0].get("bodyEncoding") == "base64":
                body = ""
            checks.append(numbers.compare(f"{label} body", written, body, self.block.start))
        if self.scenario.expect.exit_code == 0 and entries:
            response = entries[-1].get("response") or {}
            status = response.get("status")
            ok = isinstance(status, int) and 200 <= status < 300
            text = (response.get("body") or "")[:200]
            why = "" if ok else "the service did not accept what the sample sent"
            checks.append(Check("service accepted the request", ok, "a 2xx answer", f"{status} {text}".strip(), why))
        return checks

    def check(self, redactor: Redactor, say: Callable[[str], None], run_timeout: float | None) -> Outcome:
        t0 = time.monotonic()
        b = self.block
        outcome = Outcome(self.id, str(b.page), b.start, b.end, self.plan.shown, Status.FAIL, "", self.scenario.name)
        outcome.scenario_why = self.plan.reason
        outcome.log = str(self.log_path)
        try:
            return self._check(outcome, redactor, say, run_timeout)
        finally:
            outcome.seconds = time.monotonic() - t0

    def _check(self, outcome: Outcome, redactor: Redactor, say: Callable[[str], None], run_timeout: float | None):
        sc = self.scenario
        # The sample's service on the stub (auth, input, faults, jobs) and the values the scenario names.
        plan = set_up(sc, self.service, self.backend, self.stub, self.base_url, redactor)
        addresses = (self.plan.found or []) + (self.plan.context.addresses if self.plan.context else [])
        plan, notes = standin.serve(plan, addresses, self.stub)  # a page's own model: the stand-in
        outcome.notes += notes
        code = self.fill_in(plan.env, outcome, redactor)
        project = scaffold(self.lang, code, self.project_dir, self.data.packages.get(self.lang.name, {}))
        outcome.project, outcome.packages = str(self.project_dir), project.packages
        outcome.notes = project.notes + outcome.notes
        env = session.prepare(self.plan, self.project_dir, session.contract_values(plan.env), self.data, outcome.notes)
        say(f"building ({sc.name})")
        built = self.build(project, outcome)
        if built is None:
            say(f"{outcome.verdict}: {outcome.reason}")
            return outcome
        self.lint(built, self.project_dir, project.file, outcome)
        say("running")
        run = self.backend.run(built, {**plan.env, **env}, min(sc.run_timeout, run_timeout or sc.run_timeout))
        outcome.notes += standins.stood_in(built.src)
        entries, _ = finish(plan, self.stub)
        outcome.notes += [n for n in (standin.note(entries),) if n]
        outcome.ran, outcome.run = True, run
        with self.log_path.open("a", encoding="utf-8") as log:
            log.write(f"\n=== run: exit {run.exit_code}, {run.seconds:.2f} s\n")
            log.write(f"--- stdout\n{run.stdout}--- stderr\n{run.stderr}")
        outcome.checks = self.checks(plan, entries, run, outcome)
        failed = [c for c in outcome.checks if not c.ok]
        if failed:
            names = ", ".join(c.name for c in failed[:4]) + (" ..." if len(failed) > 4 else "")
            error = self.run_error(run, project.file) or _refused(failed)
            outcome.verdict, outcome.reason = Status.FAIL, f"{error}; failed: {names}" if error else f"failed: {names}"
        else:
            outcome.verdict, outcome.reason = (
                Status.PASS,
                "sent what the scenario expects, printed the service's answer",
            )
        say(f"{outcome.verdict}: {outcome.reason}")
        return outcome

    def build(self, project: Project, outcome: Outcome) -> Built | None:
        """Build with the language's toolchain; compiler warnings become findings.  None: no build
        (the outcome says why: failed for a missing toolchain, as in the matrix, naming what to install,
        or with the compiler's errors)."""
        with self.log_path.open("w", encoding="utf-8") as log:
            try:
                built = self.backend.build(self.language(project), self.build_dir, log)
            except BuildError as exc:
                error = exc
            else:
                error = None
        messages = self.diagnostics(self.log_path.read_text(encoding="utf-8"), project.file)
        if error is None:
            outcome.built, outcome.toolchain = True, built.toolchain.name
            outcome.findings += [Finding(line, "compiler", msg) for line, sev, msg in messages if sev == "warning"]
            return built
        if error.kind == "missing-toolchain":  # not verified is not a pass, nor a skip a CI would wave through
            outcome.verdict, outcome.reason = Status.FAIL, f"cannot be checked here: {error}"
            return None
        outcome.built = False
        errors = [m for m in messages if m[1] in ("error", "")] or messages
        if errors:
            text = "; ".join(f"page line {line}: {message}" for line, _, message in errors[:5])
        else:
            text = " / ".join(str(error).strip().splitlines()[-4:])
        outcome.verdict, outcome.reason = Status.FAIL, f"does not build: {text}"
        self.lint(None, self.project_dir, project.file, outcome)  # what can run without a build (ruff)
        return None

    def checks(self, plan: CellPlan, entries: list[dict], run: RunResult, outcome: Outcome) -> list[Check]:
        """The scenario's checks, with the page's own numbers instead of the scenario's JSON body."""
        written = None
        requests, run = session.per_command(self.lang, self.block.code, list(plan.expect.requests), run, outcome.notes)
        if requests and requests[0].body.kind == BodyKind.JSON:
            requests[0] = replace(requests[0], body=Body())
            if "body" not in self.block.hints:
                written = session.written_numbers(self.plan, self.data)  # the block's, else its setup's (a heredoc)
            else:
                outcome.notes.append("body numbers not compared (hint body=any)")
        expect = replace(plan.expect, requests=tuple(requests))
        checks = printed.judged(replace(plan, expect=expect), entries, run, outcome.notes)
        at = next((i for i, c in enumerate(checks) if i and not c.name.startswith("#")), len(checks))
        checks[at:at] = self.extra_checks(entries, written)  # after the request's own checks
        return checks

    def run_error(self, run: RunResult, file: str) -> str:
        """A failed run's own message (the language's ``error`` match, else its last stderr line), with the
        page line it points at."""
        if run.killed:
            return f"still running after {run.seconds:.0f} s"
        if run.exit_code == 0:
            return ""
        lines = [ln.strip() for ln in run.stderr.strip().splitlines() if ln.strip()]
        if not lines:
            lines = [ln.strip() for ln in run.stdout.strip().splitlines() if ln.strip()][-1:]
        own = self.lang.error.search(run.stderr) if self.lang.error else None  # Node's `TypeError: ...`
        if own:
            message = (own.groupdict().get("message") or own.group(0)).strip()
        else:
            message = lines[-1] if lines else f"exit code {run.exit_code}"
        if self.lang.trace:
            pattern = self.lang.trace.replace("{file}", re.escape(Path(file).name))
            where = dict.fromkeys(self.page_line(int(m.group("line"))) for m in re.finditer(pattern, run.stderr))
            if where:
                message += f" (page line{'s' if len(where) > 1 else ''} {', '.join(map(str, where))})"
        if not own and lines and lines[0] != message and not lines[0].startswith("Traceback") and len(lines) > 1:
            message = f"{lines[0]} ... {message}"
        return message[:500]
