"""The fidelity command: probes compared field by field, differences listed with reasons, the README mirror."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest

import server_stub
from harness.datafiles import CatalogError
from harness.fidelity.command import run_probes
from harness.fidelity.compare import Differences, load_differences
from harness.fidelity.probes import FIDELITY, load_catalogue
from tests.conftest import ROOT

CATALOGUE = load_catalogue(FIDELITY / "azureml.toml")
NONE_LISTED = Differences((), 0.0, "")


def test_the_same_server_on_both_sides_is_the_same_for_every_probe():
    with server_stub.running() as (_, a), server_stub.running() as (_, b):
        outcome = run_probes(CATALOGUE, a, b, NONE_LISTED)
    assert outcome.probes == len(CATALOGUE.probes) >= 50
    assert outcome.same == outcome.probes and outcome.unlisted == []


def test_a_server_that_answers_otherwise_is_caught_probe_by_probe():
    # The twin: the "real" side asks for a key, so its scoring answers are 401s.
    with server_stub.running(server_stub.StubConfig(auth="key")) as (_, a), server_stub.running() as (_, b):
        outcome = run_probes(CATALOGUE, a, b, NONE_LISTED)
    assert any(u.startswith("score-page-rows: status: real '401', stub '200'") for u in outcome.unlisted)
    assert outcome.same < outcome.probes


def test_the_differences_file_loads_and_every_entry_has_a_reason():
    differences = load_differences(FIDELITY / "differences.toml")
    assert differences.listed and all(d.reason.strip() for d in differences.listed)
    assert differences.find("malformed-json", "status").id == "bad-input-400"
    assert differences.find("score-page-rows", "status") is None  # a scored probe is never excused


@pytest.mark.parametrize(
    "text, message",
    [
        ('[[difference]]\nid = "x"\nprobes = ["*"]\nfields = ["status"]\n', "needs an id and a reason"),
        ('[[difference]]\nid = "x"\nprobes = []\nfields = ["status"]\nreason = "r"\n', "non-empty list"),
        ('[[difference]]\nid = "x"\nprobes = ["*"]\nfields = ["status"]\nreason = "r"\nwhy = 1\n', "unknown key"),
        ("[predictions]\nmax_abs_difference = -1\n", "at least 0"),
    ],
)
def test_a_bad_differences_file_is_one_clear_error(tmp_path, text, message):
    path = tmp_path / "d.toml"
    path.write_text(text)
    with pytest.raises(CatalogError, match=message):
        load_differences(path)


def test_every_listed_difference_is_in_the_stubs_readme_and_back():
    readme = (ROOT / "server_stub" / "README.md").read_text()
    in_readme = set(re.findall(r"^\| `([a-z0-9-]+)` \|", readme, re.M))
    listed = {d.id for d in load_differences(FIDELITY / "differences.toml").listed}
    assert listed and in_readme == listed


def fidelity(*args: str) -> subprocess.CompletedProcess:
    argv = [sys.executable, "-m", "harness", "fidelity", "--rows", "200", *args]
    return subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, timeout=600)


def test_against_the_real_server_every_difference_is_listed(tmp_path):
    done = fidelity("--results", str(tmp_path))
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr
    assert re.search(r"\d+ probes: \d+ same, \d+ differ as listed, 0 differ otherwise", done.stdout)
    assert "max |real - stub| = 0.0" in done.stdout and (tmp_path / "fidelity.json").is_file()


def test_an_unlisted_difference_and_a_stale_entry_fail(tmp_path):
    # The twin: the same run with one entry dropped and a made-up one added exits 1 and names both.
    text = (FIDELITY / "differences.toml").read_text()
    start = text.index('[[difference]]\nid = "strict-json"')
    trimmed = text[:start] + text[text.index("[[difference]]", start + 1) :]
    trimmed += '\n[[difference]]\nid = "made-up"\nprobes = ["health"]\nfields = ["status"]\nreason = "none"\n'
    path = tmp_path / "d.toml"
    path.write_text(trimmed)
    done = fidelity("--results", str(tmp_path), "--differences", str(path))
    assert done.returncode == 1
    assert "unlisted difference: boolean-value: status: real '200', stub '400'" in done.stdout
    assert "listed difference 'made-up' was not seen" in done.stdout


def test_predictions_are_scored_in_each_protocols_form(tmp_path):
    catalogue = tmp_path / "oip.toml"
    catalogue.write_text(
        'protocol = "azureml"\nmodel = "diabetes"\n[predictions]\npath = "/v2/models/diabetes/infer"\n'
        'body = \'{"inputs": [{"name": "x", "shape": [@COUNT@, 2], "datatype": "FP64", "data": @FLAT@}]}\'\n'
        'answer = "$.outputs[0].data"\n[[probe]]\nname = "rows"\nmethod = "POST"\nrows = 2\n'
    )
    loaded = load_catalogue(catalogue)
    how = loaded.predictions
    assert json.loads(how.encode([[1, 2], [3, 4]])) == {
        "inputs": [{"name": "x", "shape": [2, 2], "datatype": "FP64", "data": [1, 2, 3, 4]}]
    }
    assert how.decode(b'{"outputs": [{"name": "predict", "data": [[1.5], [2.5]]}]}') == [1.5, 2.5]
    assert json.loads(loaded.probes[0].body)["inputs"][0]["shape"] == [2, 2]
    with pytest.raises(ValueError):
        how.decode(b'{"outputs": [{"data": 1.5}]}')


@pytest.mark.parametrize(
    "table, message",
    [
        ('body = "{}"', "body must hold @ROWS@ or @FLAT@"),
        ('answer = "predictions"', "is not a path like $.predictions"),
        ("colour = 1", "colour"),
    ],
)
def test_a_bad_predictions_table_is_one_clear_error(tmp_path, table, message):
    catalogue = tmp_path / "x.toml"
    catalogue.write_text(f'protocol = "azureml"\n[predictions]\n{table}\n[[probe]]\nname = "p"\n')
    with pytest.raises(CatalogError, match=re.escape(message)):
        load_catalogue(catalogue)
