"""The findings a reviewer needs beyond the verdicts: security (``security.py``) and the page's
shown outputs (``shown.py``), added to a docs check's outcomes.

``prepare`` runs before any sample (so bad hints stop the check first, and the Redactor knows
every credential before anything is logged); ``attach`` after, when the samples have printed.
Findings do not change a verdict, unless ``--fail-on`` names their category.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..redact import Redactor
from ..results import Status
from . import security, shown
from .classify import Plan
from .data import DocsError
from .outcome import Finding, Outcome

# --fail-on's categories of findings (a failing sample fails whatever they are): security (security.toml),
# output (a shown output that differs), lint (the compiler's warnings and the linters' messages: any other tool).
CATEGORIES = ("security", "output", "lint")
TOOLS = {"security": security.TOOL, "output": shown.TOOL}


def category(finding: Finding) -> str:
    return next((name for name, tool in TOOLS.items() if finding.tool == tool), "lint")


def parse_fail_on(text: str) -> list[str]:
    """``security,output`` -> the categories (``all``: every one); an unknown one is bad input."""
    names = [n.strip() for n in text.split(",") if n.strip()]
    if names == ["all"]:
        return list(CATEGORIES)
    unknown = [n for n in names if n not in CATEGORIES]
    if unknown:
        raise ValueError(f"unknown {', '.join(unknown)}; known: {', '.join(CATEGORIES)}, all")
    return names


@dataclass
class Pending:
    security: list[list[Finding]]  # per plan
    shown: dict[int, tuple[int, float | None]]  # shown block's plan index -> (its sample's, tolerance)


def _tolerance(plan: Plan) -> float | None:
    text = plan.block.hints.get("tolerance")
    if text is None:
        return None
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 < value < 1:
        raise DocsError(f"{plan.block.hint_where}: scoring-check hint tolerance= takes a number between 0 and 1")
    return value


def is_shown_output(sample: Plan, block: Plan, rules: shown.Rules) -> bool:
    """Whether ``block`` (the next block of the page) is the output the page shows for ``sample``."""
    a, b = sample.block, block.block
    if a.page != b.page or not sample.runnable or block.runnable or "skip" in b.hints:
        return False
    if b.fence not in rules.labels or (block.language and b.fence not in rules.transcripts):
        return False  # not an output's label, or code (an unlabelled fragment) rather than its output
    between = a.page.read_text(encoding="utf-8").splitlines()[a.end : max(a.end, b.start - 1)]
    if any(rules.heading.search(line) for line in between):
        return False
    prose = " ".join(line for line in between if line.strip() and not rules.markup.match(line))
    return not prose.strip() or any(p.search(prose) for p in rules.prose)


def prepare(plans: list[Plan], redactor: Redactor) -> Pending:
    rules = shown.load()
    found = [security.scan(p.block.code, p.language, p.block.start, redactor) if p.language else [] for p in plans]
    pairs = {}
    for j, plan in enumerate(plans):
        tolerance = _tolerance(plan)
        if j and is_shown_output(plans[j - 1], plan, rules):
            pairs[j] = (j - 1, tolerance)
        elif tolerance is not None:
            raise DocsError(f"{plan.block.hint_where}: tolerance= is for a shown output (a block right after a sample)")
    return Pending(found, pairs)


def judge(sample: Outcome, block: Outcome, code: str, label: str, tolerance: float | None) -> None:
    """The shown block's outcome: equal (pass), differs (pass, with a finding), or not compared (why)."""
    rules = shown.load()
    ref = f"block L{sample.start}"
    unjudged = next((n for n in sample.notes if any(p.search(n) for p in rules.unjudged)), "")
    if sample.run is None:
        why = f"the sample was not run ({sample.reason})"
    elif sample.verdict == Status.FAIL or sample.run.exit_code != 0:
        why = "the sample failed: its answer cannot be judged"
    elif unjudged:
        why = unjudged
    else:
        why = ""
    if why:
        block.reason = f"shown output of {ref}, not compared: {why}"
        return
    difference = shown.compare(shown.output_of(code, label, rules), sample.run.stdout, tolerance)
    how = shown.rule_text(tolerance)
    block.verdict = Status.PASS
    if not difference:
        block.reason = f"shown output: compared with {ref}, equal to what it printed ({how})"
        sample.notes.append(f"its shown output (page line {block.start}) is equal to what it printed ({how})")
        return
    block.reason = f"shown output: compared with {ref}, differs from what it printed ({shown.RULE})"
    printed = " ".join(sample.run.stdout.split())
    message = f"{difference}; the sample ({ref}) printed {printed[:120]}{'...' if len(printed) > 120 else ''}"
    block.findings.append(Finding(block.start, shown.TOOL, message, shown.RULE, "warning"))


def attach(plans: list[Plan], outcomes: list[Outcome], pending: Pending, fail_on: list[str]) -> None:
    """The findings into the outcomes; then the outcomes with a finding of a --fail-on category fail."""
    for outcome, found in zip(outcomes, pending.security):
        outcome.findings[:0] = found
    for j, (i, tolerance) in pending.shown.items():
        judge(outcomes[i], outcomes[j], plans[j].block.code, plans[j].block.fence, tolerance)
    for outcome in outcomes:
        failing = [f for f in outcome.findings if category(f) in fail_on and f.level != "note"]
        if failing and outcome.verdict != Status.FAIL:
            rules = ", ".join(dict.fromkeys(f.rule for f in failing))
            outcome.verdict = Status.FAIL
            outcome.reason = f"{outcome.reason}; failed on its findings (--fail-on): {rules}"
