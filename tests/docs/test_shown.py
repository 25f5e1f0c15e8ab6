"""A page's shown output against what its sample printed: equal, equal within the rule, or different."""

import pytest

from harness.backends import RunResult
from harness.docs import data, findings, shown
from harness.docs.check import plan_pages
from harness.docs.data import DocsError
from harness.docs.outcome import Outcome
from harness.redact import Redactor
from harness.results import Status


@pytest.mark.parametrize(
    ("page", "printed"),
    [
        ("[\n  217.67980824029587,\n  224.789\n]", "[217.67980824029587, 224.789]"),  # pretty vs compact
        ("[1.0]", "[1.0]\n"),
        ('{"result": [1.5], "id": null}', "{'result': [1.5], 'id': None}"),  # a Python dict printed
        ("{'result': [1.5]}", '{"result":[1.5]}'),  # a Python dict shown
        ("[217.68]", "[217.67980824029587]"),  # rounded to the digits shown
        ("[1, 2]", "[1.0, 2.0]"),
        ("[1.5e-3]", "[0.00149996]"),
        ("prediction: 217.68 (mg/dL)", "prediction:  217.6798\t(mg/dL)\n"),
        ("[217.67980824029587, ...]", "[217.67980824029587, 224.789, 12.0]"),  # the rest elided
    ],
)
def test_equal(page, printed):
    assert shown.compare(page, printed, None) == ""


@pytest.mark.parametrize(
    ("page", "printed", "where"),
    [
        ("[5215.19]", "[5215.180312699]", "$[0]: the page shows 5215.19, the sample printed 5215.180312699"),
        ("[217.68, 1.0]", "[217.68]", "$: the page shows 2 items, the sample printed 1"),
        ('{"result": [1]}', '{"predictions": [1]}', "$: the page shows the keys ['result']"),
        ('{"label": "cat"}', '{"label": "dog"}', "$.label: the page shows cat, the sample printed dog"),
        ("prediction: 217.69", "prediction: 217.6798", "the page shows 217.69, the sample printed 217.6798"),
        ("prediction: 217.68", "result: 217.68", "the page shows 'prediction:', the sample printed 'result:'"),
        ("[1.5]", "[1.5] [2.5]", "the sample printed more"),
        ("[217.68, ...]", "[217.7, 3]", "the page shows 217.68, the sample printed 217.7"),
    ],
)
def test_different(page, printed, where):
    assert where in shown.compare(page, printed, None)


def test_tolerance_is_relative_and_can_fail():
    assert shown.compare("[217.5]", "[217.6798]", 1e-3) == ""
    assert "not equal within the relative tolerance 0.0001" in shown.compare("[217.5]", "[217.6798]", 1e-4)
    assert shown.compare("[0.0]", "[1e-7]", 1e-6) == ""  # near zero: never tighter than the tolerance itself


def test_decimals_shown():
    assert [shown.decimals(t) for t in ("5215.19", "12", "1.5e-3", "2E+2", "3.")] == [2, 0, 4, -2, 0]


def page_plans(tmp_path, text):
    page = tmp_path / "page.md"
    page.write_text(text)
    return plan_pages([page], data.load())


SAMPLE = "```python\nimport requests\nprint(requests.get('<scoring-uri>').text)\n```\n"


@pytest.mark.parametrize(
    ("between", "label", "is_output"),
    [
        ("", "json", True),
        ("The response looks like this:\n\n", "json", True),
        ("Output:\n\n", "", True),
        ("Le résultat :\n\n", "text", True),
        ("Send this body instead:\n\n", "json", False),  # prose that does not say output
        ("## Next step\n\n", "json", False),  # another section
        ("Output:\n\n", "yaml", False),  # not an output's label
    ],
)
def test_which_block_is_a_shown_output(tmp_path, between, label, is_output):
    plans = page_plans(tmp_path, f"{SAMPLE}\n{between}```{label}\n[1.5]\n```\n")
    assert findings.is_shown_output(plans[0], plans[1], shown.load()) is is_output


def test_a_tolerance_hint_outside_a_shown_output_is_bad_input(tmp_path):
    plans = page_plans(tmp_path, f"{SAMPLE}\n<!-- scoring-check: tolerance=1e-3 -->\n```json\n[1.5]\n```\n")
    assert findings.prepare(plans, Redactor()).shown == {1: (0, 1e-3)}
    plans = page_plans(tmp_path, "Text.\n\n<!-- scoring-check: tolerance=1e-3 -->\n```json\n[1.5]\n```\n")
    with pytest.raises(DocsError, match="tolerance= is for a shown output"):
        findings.prepare(plans, Redactor())
    plans = page_plans(tmp_path, f"{SAMPLE}\n<!-- scoring-check: tolerance=lots -->\n```json\n[1.5]\n```\n")
    with pytest.raises(DocsError, match="tolerance= takes a number between 0 and 1"):
        findings.prepare(plans, Redactor())


def outcomes(verdict=Status.PASS, stdout="[1.5]\n", exit_code=0, notes=()):
    sample = Outcome("01", "p.md", 1, 3, "python", verdict, "ran")
    sample.run, sample.notes = RunResult(exit_code, stdout, "", 0.1), list(notes)
    return sample, Outcome("02", "p.md", 7, 7, "json", Status.SKIPPED, "json: data, not a program")


def test_judged_equal_differs_or_not_compared():
    sample, block = outcomes()
    findings.judge(sample, block, "[1.5]\n", "json", None)
    assert block.verdict == Status.PASS and "compared with block L1, equal" in block.reason and not block.findings
    sample, block = outcomes(stdout="[2.5]\n")
    findings.judge(sample, block, "[1.5]\n", "json", None)
    [f] = block.findings
    assert (f.line, f.tool, f.rule, f.level) == (7, "shown output", "output-differs", "warning")
    assert "the page shows 1.5, the sample printed 2.5" in f.message and "printed [2.5]" in f.message
    for sample, block in (outcomes(Status.FAIL), outcomes(exit_code=1), outcomes(notes=["values not judged: x"])):
        findings.judge(sample, block, "[1.5]\n", "json", None)
        assert block.verdict == Status.SKIPPED and "not compared" in block.reason and not block.findings


def test_fail_on_turns_a_category_of_findings_into_failures(tmp_path):
    plans = page_plans(tmp_path, f"{SAMPLE}\n```json\n[1.5]\n```\n")
    for fail_on, verdict in (([], Status.PASS), (["security"], Status.PASS), (["output"], Status.FAIL)):
        sample, block = outcomes(stdout="[2.5]\n")
        findings.attach(plans, [sample, block], findings.prepare(plans, Redactor()), fail_on)
        assert block.verdict == verdict, fail_on
    assert findings.parse_fail_on("security, output") == ["security", "output"]
    assert findings.parse_fail_on("all") == ["security", "output", "lint"]
    with pytest.raises(ValueError, match="unknown style; known: security, output, lint, all"):
        findings.parse_fail_on("security,style")
