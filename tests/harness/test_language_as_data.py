"""A language is data only: one defined in a temporary folder of language files (HARNESS_LANGUAGES),
with no edit to any .py file, builds and runs a scenario and is judged like the shipped ones."""

import os
import textwrap

import pytest

from tests.conftest import ROOT

PAYLOAD = (ROOT / "harness" / "payloads" / "diabetes-page-rows.json").read_text()

# A client in a language the kit does not ship: a shell script around curl.
SCRIPT = """\
#!/bin/sh
set -eu
answer=$(curl --silent --show-error --fail-with-body --max-time 10 \\
    -H "Content-Type: application/json" {auth} \\
    --data-binary @body.json "$SCORING_URI")
printf '%s\\n' "$answer" | tr -d ' '  # the answer compacted (it has no strings: every space goes)
"""

LANGUAGE = """\
title = "Shell + curl"
client = "./client"
ignore = ["*.tmp"]
pass_env = ["CURL_CA_BUNDLE"]
local = ["sh"]
docker = "sh"

[programs]
score = { value = "score.sh", script = "score.sh" }

[toolchains.sh]
requires = ["sh", "curl"]
build = [["sh", "-n", "{src}/score.sh"]]
build_each = [["chmod", "+x", "{script}"]]
run = ["sh", "{program}"]
install = "apt-get install -y curl"

[report]
sources = ["*.sh"]
"""


def make_language(folder, auth: str) -> None:
    client = folder / "client"
    client.mkdir(parents=True)
    (client / "score.sh").write_text(SCRIPT.format(auth=auth))
    (client / "body.json").write_text(PAYLOAD)
    (client / "left-over.tmp").write_text("a build output: never copied")
    (folder / "shellcurl.toml").write_text(textwrap.dedent(LANGUAGE))


@pytest.mark.parametrize(
    "auth, passes",
    [
        ('-H "Authorization: Bearer $SCORING_KEY"', True),
        ("", False),  # its negative twin: the same language, a client that forgets the key
    ],
)
def test_a_language_defined_only_in_data_files_runs_a_scenario(harness, tmp_path, auth, passes):
    make_language(tmp_path / "langs", auth)
    env = {**os.environ, "HARNESS_BACKEND": "local", "HARNESS_LANGUAGES": str(tmp_path / "langs")}
    run = harness("-l", "shellcurl", "-s", "json-key", env=env)
    assert run.results is not None, run.err
    cell = run.cell("shellcurl", "json-key")
    (language,) = run.results["languages"]
    assert language["title"] == "Shell + curl" and language["toolchain"] == "sh"
    if passes:
        assert run.code == 0 and cell["status"] == "pass", run.out
        staged = tmp_path / "results" / "build" / "shellcurl" / "src"
        assert (staged / "score.sh").is_file() and not (staged / "left-over.tmp").exists()
    else:
        assert run.code == 1 and cell["status"] == "fail"
        failed = {c["name"] for c in cell["checks"] if not c["ok"]}
        assert "#1 header Authorization" in failed, failed


def test_a_broken_language_file_in_the_extra_folder_is_named(harness, tmp_path):
    (tmp_path / "langs").mkdir()
    (tmp_path / "langs" / "bad.toml").write_text("client = './nowhere'\n")
    run = harness(
        "-l", "bad", env={**os.environ, "HARNESS_BACKEND": "local", "HARNESS_LANGUAGES": str(tmp_path / "langs")}
    )
    assert run.code == 2 and "bad.toml" in run.err and "client folder ./nowhere does not exist" in run.err
