"""The docs check for real, on this machine's toolchains: the seed page passes, broken samples fail."""

import sys
import xml.etree.ElementTree as ET

from tests.docs.conftest import SEED, docs_check

PAGE = SEED.name


def test_seed_page_four_samples_built_run_and_pass(local_pages):
    runs = [s for s in local_pages.results["samples"] if s["page"].endswith(PAGE) and s["verdict"] != "skipped"]
    runs = [s for s in runs if s["language"] != "json"]  # the page's shown outputs, compared with them
    assert [(s["start"], s["language"], s["verdict"]) for s in runs] == [
        (171, "csharp", "pass"),
        (260, "go", "pass"),
        (352, "java", "pass"),
        (432, "python", "pass"),
    ], local_pages.out[-4000:]
    for s in runs:
        assert s["built"] and s["ran"] and s["scenario"] == "json-key"
        names = {c["name"]: c for c in s["checks"]}
        # The request was really compared: headers, the page's own numbers, what the stub answered.
        assert {"#1 method", "#1 path", "#1 header Authorization", "#1 body", "stdout"} <= set(names)
        assert names["#1 body"]["expected"] == "the 20 decimal numbers the sample's code writes, in order"
        assert names["#1 header Authorization"]["received"].startswith("Bearer ****")
        assert s["run"]["stdout"].strip().startswith("[217.6798")


def test_seed_java_sample_gets_its_dependencies(local_pages):
    java = local_pages.sample(PAGE, 352)
    assert java["packages"] == [
        "org.apache.httpcomponents:fluent-hc:4.5.14",
        "org.apache.httpcomponents:httpclient:4.5.14",
        "com.googlecode.json-simple:json-simple:1.1.1",
    ]
    # json-simple's raw types: compiler warnings, reported as findings, not a failed build.
    assert any("raw type" in f["message"] and f["line"] == 388 for f in java["findings"])


def test_seed_go_struct_tag_is_a_lint_finding_not_a_failure(local_pages):
    go = local_pages.sample(PAGE, 260)
    assert go["verdict"] == "pass"
    assert [(f["line"], f["tool"]) for f in go["findings"]] == [(275, "go vet")]
    assert 'struct field tag `json:"data",omitempty`' in go["findings"][0]["message"]
    assert 'lint page line 275: go vet: struct field tag `json:"data",omitempty`' in local_pages.out


def test_seed_json_and_other_blocks_are_skipped_never_passed(local_pages):
    skipped = {s["start"]: s["reason"] for s in local_pages.results["samples"] if s["page"].endswith(PAGE)}
    for line in (92, 106):
        assert skipped[line] == "json: data, not a program"
    for line, sample in ((252, 171), (344, 260), (424, 352), (485, 432)):  # each sample's shown output
        assert skipped[line].startswith(f"shown output: compared with block L{sample}, ")
    assert skipped[46] == "deployment code: not a client of a service (`Webservice.deploy_from_model`)"
    assert skipped[80] == "no HTTP call: not a client of a service"
    assert skipped[163] == "no curl command: not a client of a service"


def test_python_calling_a_module_it_never_imported_fails_with_pythons_message(local_pages):
    s = local_pages.sample("broken.md", 8)
    assert s["verdict"] == "fail" and s["built"] and s["ran"]
    assert s["reason"].startswith("NameError: name 'requests' is not defined (page line 14)")
    assert any("F821" in f["message"] and f["line"] == 14 for f in s["findings"])


def test_go_that_does_not_compile_fails_with_the_compiler_message(local_pages):
    s = local_pages.sample("broken.md", 21)
    assert s["verdict"] == "fail" and s["built"] is False and s["ran"] is None
    assert s["reason"] == "does not build: page line 33: undefined: authKey"


def test_wrong_header_fails_with_a_diff(local_pages):
    bad = local_pages.failed_checks("broken.md", 46)
    header = bad["#1 header Authorization"]
    assert header["expected"].startswith("Bearer ****") and header["received"].startswith("Token ****")
    assert bad["service accepted the request"]["received"].startswith("401 ")
    assert "#1 header Authorization" in local_pages.out and "Token ****" in local_pages.out


def test_numbers_changed_before_sending_fail_the_body_check(local_pages):
    body = local_pages.failed_checks("broken.md", 61)["#1 body"]
    assert "page line 65: the code writes 0.0199132141783263; received 0.02 at $.data[0][0]" in body["detail"]


def test_tip_is_skipped_as_a_fragment(local_pages):
    assert "fragment" in local_pages.sample("broken.md", 76)["reason"]


def test_french_page_python_and_curl_transcript_pass(local_pages):
    python = local_pages.sample("francais.md", 9)
    assert (python["verdict"], python["scenario"]) == ("pass", "json-no-auth"), python["reason"]
    assert "#1 no header Authorization" in {c["name"] for c in python["checks"]}
    curl = local_pages.sample("francais.md", 41)
    assert (curl["language"], curl["verdict"], curl["scenario"]) == ("shell", "pass", "json-key"), curl["reason"]
    assert local_pages.sample("francais.md", 51)["reason"] == "no curl command: not a client of a service"


def test_chinese_rst_page(local_pages):
    assert local_pages.sample("zhongwen.rst", 15)["verdict"] == "pass"
    assert local_pages.sample("zhongwen.rst", 36)["verdict"] == "pass"  # a `::` curl block
    assert local_pages.sample("zhongwen.rst", 48)["reason"] == "skip hint: 需要 GPU 集群"


def test_modelarts_page_real_looking_url_and_token_replaced(local_pages):
    for start in (6, 24):
        s = local_pages.sample("modelarts.md", start)
        assert (s["verdict"], s["scenario"]) == ("pass", "modelarts-json"), s["reason"]
        header = {c["name"]: c for c in s["checks"]}["#1 header X-Auth-Token"]
        assert header["ok"] and header["received"].startswith("****")
    # The page's own token is masked wherever the report shows it.
    assert "MIIZkQYJKoZIhvcNAQcC" not in local_pages.out
    assert "MIIZkQYJKoZIhvcNAQcC" not in (local_pages.results_dir / "results.json").read_text()


def test_exit_status_and_ci_files(local_pages):
    assert local_pages.code == 1  # broken.md fails
    counts = local_pages.results["counts"]
    shown = 4 + 1 + 1  # the shown outputs compared: seed, francais, zhongwen
    assert counts["fail"] == 4 and counts["pass"] == 4 + 2 + 2 + 2 + shown  # seed, francais, zhongwen, modelarts
    suites = ET.parse(local_pages.results_dir / "junit.xml").getroot().findall("testsuite")
    assert len(suites) == 5
    assert "❌" in (local_pages.results_dir / "summary.md").read_text()


def test_passing_page_exits_zero_and_language_filter(tmp_path):
    run = docs_check("--backend", "local", "--language", "python", str(SEED), results=tmp_path)
    assert run.code == 0, run.out[-3000:]
    verdicts = {s["start"]: (s["verdict"], s["reason"]) for s in run.results["samples"]}
    assert verdicts[432][0] == "pass"
    assert verdicts[260] == ("skipped", "not selected (--language python)")


def test_bad_input_is_one_line_and_exit_2(tmp_path):
    missing = docs_check("--backend", "local", str(tmp_path / "nope.md"), results=tmp_path / "r1")
    assert missing.code == 2 and missing.err.strip() == f"harness: error: {tmp_path / 'nope.md'}: no such page"
    page = tmp_path / "hint.md"
    page.write_text("Intro.\n\n<!-- scoring-check: language=kotlin -->\n```\nfun main() {}\n```\n", encoding="utf-8")
    hint = docs_check("--backend", "local", str(page), results=tmp_path / "r2")
    assert hint.code == 2 and len(hint.err.strip().splitlines()) == 1
    assert hint.err.startswith(f"harness: error: {page}:3: unknown language 'kotlin' in scoring-check hint")


def test_page_with_nothing_to_run_starts_nothing(tmp_path):
    page = tmp_path / "data.md"
    page.write_text("```json\n{}\n```\n", encoding="utf-8")
    # No stub, no backend: even an unusable backend setting does not matter.
    run = docs_check("--backend", "docker", str(page), results=tmp_path / "r", env={"DOCKER_HOST": "tcp://127.0.0.1:9"})
    assert run.code == 0, run.err
    assert run.results["counts"] == {"pass": 0, "fail": 0, "skipped": 1}


def test_a_sample_whose_toolchain_is_missing_fails_naming_what_to_install(tmp_path):
    """Unchecked is not a pass, nor a skip a CI would wave through: the Go sample fails when Go is absent."""
    bin_dir = tmp_path / "bin"  # a PATH with this Python and nothing else
    bin_dir.mkdir()
    (bin_dir / "python3").symlink_to(sys.executable)
    run = docs_check(
        "--backend", "local", "--language", "go", str(SEED), results=tmp_path / "r", env={"PATH": str(bin_dir)}
    )
    assert run.code == 1, run.out[-3000:]
    go = run.sample(PAGE, 260)
    assert go["verdict"] == "fail" and go["reason"].startswith("cannot be checked here: Go toolchain not found")
    assert "apt-get install -y golang-go" in go["reason"]
