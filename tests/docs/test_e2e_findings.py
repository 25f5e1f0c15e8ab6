"""Findings a reviewer needs, for real on this machine: security findings at the page line of
every block (run or skipped), shown outputs compared with what their sample printed, --fail-on."""

import re
import xml.etree.ElementTree as ET

import pytest

from tests.docs.conftest import PAGES, docs_check

SECURITY, SHOWN = PAGES / "security.md", PAGES / "shown-output.md"
# What the security page writes into its samples: none may appear in any report or log.
SECRETS = re.compile(r'"(?:Bearer )?([A-Za-z0-9]{16,}|eyJ[\w.-]+)"|Bearer ([0-9a-f]{32})')


def lines_with(page, pattern: str) -> list[int]:
    """The page lines matching a pattern (the expected findings are read off the page, not written here)."""
    return [n for n, line in enumerate(page.read_text().splitlines(), 1) if re.search(pattern, line)]


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    results = tmp_path_factory.mktemp("findings")
    return docs_check("--backend", "local", "-l", "python", "-l", "shell", str(SECURITY), str(SHOWN), results=results)


@pytest.fixture(scope="module")
def fail_on(tmp_path_factory):
    results = tmp_path_factory.mktemp("fail-on")
    return docs_check("--backend", "local", "-l", "python", "--fail-on", "security", str(SECURITY), results=results)


def security_findings(run, rule: str) -> list[int]:
    return sorted(
        f["line"]
        for s in run.results["samples"]
        if s["page"].endswith(SECURITY.name)
        for f in s["findings"]
        if f["rule"] == rule
    )


def test_tls_off_found_at_its_page_line_in_every_language_run_or_skipped(run):
    bad = r"verify=False\)|_create_unverified|curl -sk|--insecure|NODE_TLS_REJECT_UNAUTHORIZED|InsecureSkipVerify: true"
    bad += (
        r"|=> true|return true;|DangerousAccept|checkServerTrusted\(.*\) \{ \}|TrustAllStrategy|rejectUnauthorized: f"
    )
    bad += r"|invalid_certs\(true"
    assert security_findings(run, "tls-verify-off") == lines_with(SECURITY, bad), run.out[-3000:]
    assert security_findings(run, "tls-hostname-off") == lines_with(SECURITY, "NoopHostnameVerifier")
    langs = {s["language"] for s in run.results["samples"] if any(f["tool"] == "security" for f in s["findings"])}
    assert langs == {"python", "shell", "go", "csharp", "java", "javascript", "rust"}


def test_credentials_found_masked_and_redacted_everywhere(run):
    expected = [n for n in lines_with(SECURITY, SECRETS.pattern)]
    assert security_findings(run, "credential-in-code") == expected
    secrets = [next(g for g in m.groups() if g) for m in SECRETS.finditer(SECURITY.read_text())]
    assert len(secrets) == len(expected)
    written = run.out + "".join(p.read_text(errors="replace") for p in run.results_dir.rglob("*") if p.is_file())
    assert not [s for s in secrets if s in written]
    assert all(f"****{s[-4:]}" in run.out for s in secrets)


def test_clean_twins_have_no_security_findings(run):
    for s in run.results["samples"]:
        text = "\n".join(SECURITY.read_text().splitlines()[s["start"] - 1 : s["end"]])
        if s["page"].endswith(SECURITY.name) and re.search(r"SCORING_KEY|<your-api-key>|RootCAs|SslPolicyErrors", text):
            assert not [f for f in s["findings"] if f["tool"] == "security"], s


def test_security_findings_do_not_change_verdicts_by_default(run):
    verified = [s for s in run.results["samples"] if s["page"].endswith(SECURITY.name) and s["verdict"] != "skipped"]
    assert [s["verdict"] for s in verified] == ["pass"] * 3  # two Python samples and a curl command ran
    assert any(f["rule"] == "tls-verify-off" for f in verified[0]["findings"])


def test_findings_in_every_report(run):
    line = lines_with(SECURITY, r"verify=False\)")[0]
    expected = f"warning page line {line}: security: TLS certificate verification is turned off (`verify=False`)"
    assert expected in run.out
    assert expected in (run.results_dir / "summary.md").read_text()
    junit = ET.parse(run.results_dir / "junit.xml").getroot()
    outs = "".join(e.text or "" for e in junit.iter("system-out"))
    assert expected in outs and "[credential-in-code]" in outs  # skipped blocks' findings too
    levels = {(f["rule"], f["level"]) for s in run.results["samples"] for f in s["findings"] if f["rule"]}
    assert {("tls-verify-off", "warning"), ("credential-in-code", "error"), ("output-differs", "warning")} <= levels


def test_shown_outputs_compared_with_their_sample(run):
    shown = {s["start"]: s for s in run.results["samples"] if s["page"].endswith(SHOWN.name)}
    compared = {n: s for n, s in shown.items() if "compared with block L" in s["reason"]}
    assert len(compared) == 5, {n: s["reason"] for n, s in shown.items()}
    differs = [n for n, s in compared.items() if "differs" in s["reason"]]
    assert differs == lines_with(SHOWN, r"^\[217\.69\]$")
    [finding] = shown[differs[0]]["findings"]
    assert finding["rule"] == "output-differs" and finding["line"] == differs[0]
    assert "the page shows 217.69, the sample printed 217.6798" in finding["message"]
    assert all(s["verdict"] == "pass" for s in compared.values())
    tolerant = lines_with(SHOWN, "tolerance=")[0] + 2
    assert "within the relative tolerance 0.001" in compared[tolerant]["reason"]


def test_shown_output_of_a_failed_sample_is_not_compared_and_data_stays_data(run):
    samples = {s["start"]: s for s in run.results["samples"] if s["page"].endswith(SHOWN.name)}
    failed = [n for n, s in samples.items() if s["verdict"] == "fail"]
    assert len(failed) == 1
    after = min(n for n in samples if n > failed[0])
    assert samples[after]["verdict"] == "skipped"
    assert (
        samples[after]["reason"]
        == f"shown output of block L{failed[0]}, not compared: the sample failed: its answer cannot be judged"
    )
    body = lines_with(SHOWN, r'^\{"data": \[\[0\.1')[0]
    assert samples[body]["reason"] == "json: data, not a program"  # "put this in body.json": not an output


def test_fail_on_security_fails_the_blocks_with_findings_exit_1(fail_on):
    assert fail_on.code == 1, fail_on.out[-2000:]
    flagged = [s for s in fail_on.results["samples"] if any(f["tool"] == "security" for f in s["findings"])]
    assert flagged and all(s["verdict"] == "fail" for s in flagged)
    assert all("failed on its findings (--fail-on)" in s["reason"] for s in flagged)
    clean = [s for s in fail_on.results["samples"] if not s["findings"]]
    assert clean and all(s["verdict"] != "fail" for s in clean)


def test_fail_on_unknown_category_is_bad_input(tmp_path):
    run = docs_check("--fail-on", "security,style", str(SECURITY), results=tmp_path)
    assert run.code == 2 and "--fail-on security,style: unknown style; known: security, output, lint, all" in run.err
    assert run.results is None


def test_a_key_written_into_a_sample_is_replaced_by_the_scenarios_and_still_a_finding(tmp_path):
    page = PAGES / "literal-key.md"
    run = docs_check("--backend", "local", "-l", "python", "-l", "shell", str(page), results=tmp_path)
    verdicts = [(s["start"], s["verdict"]) for s in run.results["samples"]]
    assert verdicts == [(7, "pass"), (20, "pass"), (29, "fail")], run.out[-3000:]
    for start in (7, 20, 29):
        rules = [f["rule"] for f in run.sample("literal-key.md", start)["findings"]]
        assert "credential-in-code" in rules
    assert "#1 header Authorization" in run.sample("literal-key.md", 29)["reason"]  # the twin: the wrong scheme
    assert "7c1e94b0a25f4d3e8b6a0f9c2d4e1b37" not in run.out + (tmp_path / "results.json").read_text()


def test_settings_read_from_variables_of_the_pages_own_naming_get_the_scenarios_values(tmp_path):
    page = PAGES / "own-env-names.md"
    run = docs_check("--backend", "local", "-l", "python", str(page), results=tmp_path)
    good, old = run.sample("own-env-names.md", 6), run.sample("own-env-names.md", 21)
    assert good["verdict"] == "pass", run.out[-3000:]
    assert "the sample reads ENDPOINT_SCORING_URL from its environment: given the stub's URI" in good["notes"]
    assert "the sample reads ENDPOINT_API_KEY from its environment: given the scenario's key" in good["notes"]
    assert any(n.startswith("stdout is the answer after a label ('200')") for n in good["notes"])
    assert not any(n.startswith("no service address found") for n in good["notes"])
    assert old["verdict"] == "fail" and old["reason"].startswith("KeyError: 'CFG_VALUE_2'")


def test_tf_servings_own_server_reads_any_content_type_and_kserves_does_not(tmp_path):
    page = PAGES / "tfserving-readme.md"
    run = docs_check("--backend", "local", "-l", "shell", str(page), results=tmp_path)
    tf, kserve = run.sample("tfserving-readme.md", 7), run.sample("tfserving-readme.md", 15)
    assert (tf["scenario"], tf["verdict"]) == ("tfserving-model-server", "pass"), run.out[-3000:]
    assert (kserve["scenario"], kserve["verdict"]) == ("tfserving-no-auth", "fail")
    assert "415" in kserve["reason"] and "#1 header Content-Type" in kserve["reason"]
