"""A page as its reader runs it (session.py, standins.py, notebook.py): parsing, no service needed."""

import json
import subprocess
from pathlib import Path

import pytest

from harness.backends import RunResult
from harness.docs import data as docs_data
from harness.docs import notebook, session, standins
from harness.docs.check import plan_pages
from harness.docs.data import DocsError
from harness.docs.scaffold import scaffold, shell_script
from tests.docs.conftest import PAGES


@pytest.fixture(scope="module")
def loaded():
    return docs_data.load()


def write_page(tmp_path: Path, text: str) -> Path:
    page = tmp_path / "page.md"
    page.write_text(text, encoding="utf-8")
    return page


def test_commands_join_continuations_skip_heredocs_and_split_lists():
    script = (
        'export A=1 && cd "x;y"\ncurl -X POST \\\n  -d @r.json\ncat > r.json <<EOF\ncurl in a body\nEOF\nB=$(a; b)\n'
    )
    assert session.commands(script) == ["export A=1", 'cd "x;y"', "curl -X POST    -d @r.json", "cat > r.json <<EOF",
                                        "B=$(a; b)"]  # fmt: skip


@pytest.mark.parametrize(
    ("script", "setup"),
    [
        ("export ENDPOINT=x\nKEY=$(az ml online-endpoint get-credentials -n x -o tsv --query primaryKey)\n", True),
        ('mkdir -p work && cd work\ncat > request.json <<EOF\n{"data": [[1]]}\nEOF\n', True),
        ("az login\naz account set --subscription abc\n", True),
        ("# only a comment\n", False),
        ('export KEY=x\ncurl -H "Authorization: Bearer $KEY" $SCORING_URI\n', False),
        ("pip install azureml-contrib-services\n", False),
        ("az ml online-endpoint invoke -n x --request-file r.json\n", False),  # a call, not setup
        ("SCORING_URI=http://x/score SCORING_KEY=k python score.py\n", False),  # runs a program
        ("A=1 B='two words' C=$(kubectl get svc gw -o jsonpath='{.spec.ports[?(@.name==\"http2\")].port}')\n", True),
        ('PRED=$(curl -s -X POST "$URL" -d @req.json)\n', False),  # an assignment that calls the service
        ("cat <<EOF | curl -d @- http://localhost:8080/v2/models/m/infer\n{}\nEOF\n", False),
        ('echo \'{"instances": [[1]]}\' | curl -d @- "$URL" > out.json\n', False),
    ],
)
def test_which_blocks_only_set_the_session_up(script, setup):
    assert session.is_setup(script) is setup


def test_a_setup_block_feeds_later_shell_samples_only_and_says_which(tmp_path, loaded):
    page = write_page(
        tmp_path,
        '```bash\ncurl -H "Authorization: Bearer $KEY" $SCORING_URI\n```\n\n'
        "```bash\nexport KEY=$(gcloud auth print-access-token)\n```\n\n"
        '```bash\ncurl -H "Authorization: Bearer $KEY" $SCORING_URI | jq .\n```\n',
    )
    first, setup, last = plan_pages([page], loaded)
    assert first.runnable and last.runnable and not setup.runnable
    assert first.context.setup == [] and last.context.setup == [setup.block]
    assert setup.reason == "setup (sets KEY): run before the shell sample at page line 10"
    assert session.tools(first) == () and session.tools(last) == ("jq",)


def test_a_setup_block_no_sample_uses_says_so(tmp_path, loaded):
    page = write_page(tmp_path, "```bash\nexport KEY=abc\n```\n")
    (plan,) = plan_pages([page], loaded)
    assert plan.reason == "setup (sets KEY): no later shell sample on the page uses it"


def test_join_makes_one_program_with_the_pages_line_numbers(loaded):
    plans = plan_pages([PAGES / "joined.md"], loaded)
    joined = plans[0]
    assert (joined.block.start, joined.block.end, joined.runnable) == (7, 28, True)
    lines = joined.block.code.splitlines()
    assert lines[0].startswith("rows = [") and lines[24 - 7] == "import requests"
    assert all(not ln for ln in lines[12 - 7 + 1 : 24 - 7])  # the prose and the JSON block between: blank lines
    assert [p.block.start for p in plans] == [7, 18, 34]  # the JSON block between stays a block of its own


def test_join_with_no_later_block_of_its_language_is_a_clear_error(tmp_path, loaded):
    page = write_page(
        tmp_path, "<!-- scoring-check: join -->\n```python\nrows = [[1.5]]\n```\n\n```go\npackage main\n```\n"
    )
    with pytest.raises(DocsError, match=r"page.md:1: scoring-check hint join: no later python block to join"):
        plan_pages([page], loaded)


def test_notebook_lines_become_python_line_for_line():
    code = "!pip install -q requests 'httpx==0.28.1' -r extra.txt\n%env SCORING_KEY=abc\n%time x = 1\nprint(1)\n"
    notes: list[str] = []
    out = notebook.python_lines(code, notes, start=10)
    assert out.splitlines() == ["", "__import__('os').environ['SCORING_KEY'] = 'abc'", "", "print(1)"]
    assert notebook.pip_packages(code) == ["requests", "httpx==0.28.1"]
    assert notes == [
        "page line 10: notebook line `!pip install -q requests 'httpx==0.28.1' -r extra.txt` not run; "
        "its packages go to the requirements",
        "page line 12: notebook line `%time x = 1` dropped (not Python)",
    ]
    assert notebook.writefile("%%writefile request.json\n{}\n") == ("request.json", "{}\n")
    assert notebook.writefile("import os\n") is None


def test_pip_packages_are_pinned_as_packages_toml_pins_them(tmp_path, loaded):
    lang = loaded.languages["python"]
    project = scaffold(lang, "!pip install requests tqdm\nimport requests\n", tmp_path, loaded.packages["python"])
    assert project.packages == ["requests==2.34.2", "tqdm"]


def run_standin(bin_dir: Path, *argv: str) -> str:
    return subprocess.run([str(bin_dir / argv[0]), *argv[1:]], capture_output=True, text=True, check=True).stdout


def test_standins_print_what_the_page_asks_for_and_log_it(tmp_path):
    bin_dir = standins.write(tmp_path, "http://127.0.0.1:8123/svc/x/score", "k3y")
    assert run_standin(bin_dir, "az", "ml", "online-endpoint", "get-credentials", "-n", "e", "-o", "tsv",
                       "--query", "primaryKey") == "k3y\n"  # fmt: skip
    assert run_standin(bin_dir, "az", "account", "get-access-token", "--query", "accessToken", "-o", "tsv") == "k3y\n"
    assert run_standin(bin_dir, "gcloud", "auth", "print-access-token") == "k3y\n"
    assert run_standin(bin_dir, "kubectl", "get", "isvc", "m", "-o", "jsonpath={.status.url}") == (
        "http://127.0.0.1:8123/svc/x/score\n"
    )
    shown = json.loads(run_standin(bin_dir, "az", "ml", "online-endpoint", "show", "-n", "e"))
    assert shown["scoring_uri"] == "http://127.0.0.1:8123/svc/x/score"
    assert run_standin(bin_dir, "kubectl", "get", "svc", "gw", "-o", "jsonpath={.spec.ports[0].port}") == "8123\n"
    assert run_standin(bin_dir, "az", "login") == ""
    notes = standins.stood_in(tmp_path)
    assert len(notes) == 7 and notes[-1] == "`az login`: a stand-in printed nothing (the real CLI never runs)"
    # A resource's name decides nothing: the query does (`token-classifier` is no token).
    assert run_standin(bin_dir, "kubectl", "get", "isvc", "token-classifier", "-o", "jsonpath={.status.url}") == (
        "http://127.0.0.1:8123/svc/x/score\n"
    )
    assert run_standin(bin_dir, "az", "ml", "online-endpoint", "show", "-n", "keys-demo", "--query", "scoring_uri") == (
        "http://127.0.0.1:8123/svc/x/score\n"
    )
    with (tmp_path / standins.FOLDER / standins.LOG).open("a") as log:
        log.write('{"line": "cd C:\\models", "what": broken\n')  # a line the prelude could not write as JSON
    assert len(standins.stood_in(tmp_path)) == 9


def test_each_curl_of_a_block_expects_the_scenarios_requests(loaded):
    lang = loaded.languages["shell"]
    code = "curl -d @a.json $SCORING_URI\n# curl in a comment\ncurl -d @b.json $SCORING_URI | jq .\n"
    run = RunResult(0, "[1.5, 2]\n[\n  1.5,\n  2\n]\n", "", 0.1)
    notes: list[str] = []
    want = list(loaded.scenarios["json-key"].expect.requests)
    requests, judged = session.per_command(lang, code, want, run, notes)
    assert len(requests) == 2 and requests[1].path == want[0].path and judged.stdout == "[1.5, 2]"
    assert notes[0] == "2 curl commands: the scenario's requests expected once per command"
    single, same = session.per_command(lang, "curl $SCORING_URI\n", want, run, [])
    assert single == want and same is run


def test_a_console_transcripts_commands_only_feed_the_session():
    script = shell_script("$ export KEY=abc\n$ echo $KEY\nabc\n")
    assert session.commands(script) == ["export KEY=abc", "echo $KEY"]
