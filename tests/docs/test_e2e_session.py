"""Pages run as their readers run them, for real on this machine: one terminal session per page, cloud
CLI stand-ins, several curls in a block, notebook cells, blocks joined by a hint; and their broken twins."""

import os
import shutil

import pytest

from tests.docs.conftest import PAGES, docs_check

SESSION_PAGES = [
    "shell-session.md",
    "shell-session-broken.md",
    "shell-kserve.md",
    "notebook.md",
    "joined.md",
    "shell-address-in-setup.md",
]


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    results = tmp_path_factory.mktemp("docs-session")
    return docs_check("--backend", "local", *(str(PAGES / p) for p in SESSION_PAGES), results=results)


def verdicts(run, page: str) -> list[tuple[int, str]]:
    return [(s["start"], s["verdict"]) for s in run.results["samples"] if s["page"].endswith(page)]


def test_a_terminal_session_setup_then_samples(run):
    assert run.code == 1, run.out[-3000:]  # the broken page fails the run
    assert verdicts(run, "shell-session.md") == [
        (11, "skipped"),
        (21, "skipped"),
        (34, "pass"),
        (45, "pass"),
        (53, "pass"),
    ]
    setup = run.sample("shell-session.md", 11)
    assert setup["reason"] == (
        "setup (sets ENDPOINT_NAME, SCORING_URI, KEY): run before the shell samples at page lines 34, 45, 53"
    )
    assert run.sample("shell-session.md", 21)["reason"].startswith("setup (writes request.json): run before")
    piped = run.sample("shell-session.md", 34)
    assert (
        "session: the setup at page lines 11-13 ran first (in the same shell, as a reader's terminal)" in piped["notes"]
    )
    assert any(n.startswith("`az ml online-endpoint get-credentials -n diabetes-ridge -o tsv --query primaryKey`: "
                            "a stand-in printed the scenario's key") for n in piped["notes"])  # fmt: skip
    checks = {c["name"]: c for c in piped["checks"]}
    assert checks["#1 header Authorization"]["ok"] and checks["#1 body"]["ok"]
    # The heredoc's numbers (setup at lines 21-28) are the ones compared with the body sent.
    assert checks["#1 body"]["expected"] == "the 20 decimal numbers the sample's code writes, in order"


def test_two_curls_in_a_block_are_two_requests(run):
    two = run.sample("shell-session.md", 45)
    names = {c["name"]: c for c in two["checks"]}
    assert names["requests received"]["expected"] == "2" and names["#2 header Authorization"]["ok"]
    assert "2 curl commands: the scenario's requests expected once per command" in two["notes"]


def test_a_variable_set_only_by_a_later_block_stays_empty_and_fails(run):
    early = run.sample("shell-session-broken.md", 12)
    assert early["verdict"] == "fail" and "got scheme 'Bearer'" in early["reason"]
    assert run.failed_checks("shell-session-broken.md", 12)["#1 header Authorization"]["received"] == "Bearer"
    assert run.sample("shell-session-broken.md", 19)["reason"] == (
        "setup (sets KEY): run before the shell sample at page line 25"
    )


def test_a_curl_sending_a_wrong_header_still_fails(run):
    wrong = run.sample("shell-session-broken.md", 25)
    assert wrong["verdict"] == "fail" and "got scheme 'Key'" in wrong["reason"]
    assert run.failed_checks("shell-session-broken.md", 25)["#1 header Authorization"]["received"].startswith("Key ")


def test_kubectl_and_gcloud_stand_ins_feed_a_kserve_call(run):
    assert verdicts(run, "shell-kserve.md") == [(6, "skipped"), (18, "pass")]
    notes = run.sample("shell-kserve.md", 18)["notes"]
    assert any(n.startswith("`gcloud auth print-access-token`: a stand-in printed the scenario's key") for n in notes)
    assert any("jsonpath={.status.url}`: a stand-in printed the stub's URI" in n for n in notes)


def test_notebook_cells(run):
    assert verdicts(run, "notebook.md") == [(8, "skipped"), (16, "pass")]
    assert run.sample("notebook.md", 8)["reason"] == "writes request.json (%%writefile) for the samples after it"
    cell = run.sample("notebook.md", 16)
    assert cell["packages"] == ["requests==2.34.2"]
    assert "request.json: written by the %%writefile cell at page line 8" in cell["notes"]
    assert "page line 19: notebook line `%matplotlib inline` dropped (not Python)" in cell["notes"]


def test_a_joined_pair_is_one_program_and_the_call_alone_fails(run):
    # The answer shown between the joined blocks is the joined program's shown output: compared, equal.
    assert verdicts(run, "joined.md") == [(7, "pass"), (18, "pass"), (34, "fail")]
    assert "compared with" in run.sample("joined.md", 18)["reason"] and "equal" in run.sample("joined.md", 18)["reason"]
    assert "one program (hint join): page lines 7-12 and page lines 24-28" in run.sample("joined.md", 7)["notes"]
    assert run.sample("joined.md", 34)["reason"].startswith("NameError: name 'rows' is not defined (page line 36)")


def test_a_missing_jq_is_said_not_passed(tmp_path):
    bin_dir = tmp_path / "bin"  # this machine's commands, less jq
    bin_dir.mkdir()
    for folder in dict.fromkeys(os.environ["PATH"].split(os.pathsep)):
        if os.path.isdir(folder):
            for name in os.listdir(folder):
                if name != "jq" and not (bin_dir / name).exists():
                    (bin_dir / name).symlink_to(os.path.join(folder, name))
    assert shutil.which("jq", path=str(bin_dir)) is None
    out = docs_check("--backend", "local", str(PAGES / "shell-kserve.md"), results=tmp_path / "r",
                     env={"PATH": str(bin_dir)})  # fmt: skip
    sample = out.sample("shell-kserve.md", 18)
    assert out.code == 1 and sample["verdict"] == "fail"
    assert "cannot be checked here" in sample["reason"] and "missing jq" in sample["reason"], sample["reason"]


def test_an_address_set_up_in_one_block_is_called_through_its_variable_in_the_next(run):
    page = "shell-address-in-setup.md"
    assert verdicts(run, page) == [(7, "skipped"), (13, "pass"), (21, "fail"), (27, "skipped")]
    assert run.sample(page, 7)["reason"] == "setup (sets INFER_URL): run before the shell samples at page lines 13, 21"
    call = run.sample(page, 13)
    assert call["scenario"].startswith("oip") and "its address set by the setup at page line 7" in call["scenario_why"]
    assert "the page's model `fraud-detector` is kept in the stub's address" in call["notes"]
    assert not any("no service address found" in n for n in call["notes"])
    # The twin: the same session, the wrong Content-Type, refused and failed.
    assert "#1 header Content-Type" in run.sample(page, 21)["reason"]
    # A variable no block sets names no address: not a program (nothing says what it calls).
    assert run.sample(page, 27)["reason"].startswith("not a whole program")
