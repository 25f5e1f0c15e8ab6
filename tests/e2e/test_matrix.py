"""The real thing: every sample client built and run against the stub, every scenario."""

import re

from harness import catalog
from harness.scenario import StdoutMode

# Answers that echo the request, which each language writes its own way: compared with their own answers only.
ECHOES_REQUEST = {"modelarts-json": "ModelArts answers with the client's req_data (3 or 3.0, its key order)"}
UUID = re.compile(r"\b(?:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[0-9a-f]{32})\b")  # not in digits


def test_full_matrix_passes(harness_run):
    """On local toolchains and in containers (Docker backend, per HARNESS_IMAGES)."""
    run = harness_run()
    languages = catalog.load_languages()
    scenarios = catalog.load_scenarios()
    assert run.results is not None, run.err
    cells = {(c["language"], c["scenario"]): c for lang in run.results["languages"] for c in lang["cells"]}
    assert set(cells) == {(lang, sc) for lang in languages for sc in scenarios}
    failing = {
        k: [ch["name"] for ch in c["checks"] if not ch["ok"]] or c["message"]
        for k, c in cells.items()
        if c["status"] != "pass"
    }
    assert not failing, f"failing cells: {failing}\n{run.out[-4000:]}"
    assert run.code == 0
    # The table a user sees: one row per language, every cell a pass.
    for lang in languages.values():
        assert lang.title in run.out
    assert f"{len(cells)} passed, 0 failed: all passed" in run.out


def test_every_cell_checked_the_request_and_the_output(harness_run):
    """No cell passes vacuously: each one compared a received request (or, where none may arrive, the error)."""
    run = harness_run()
    silent = {name for name, s in catalog.load_scenarios().items() if not s.requests}
    assert silent == {"tls-unknown-ca", "malformed-key"}
    for lang in run.results["languages"]:
        for cell in lang["cells"]:
            names = {c["name"] for c in cell["checks"]}
            if cell["scenario"] in silent:  # nothing may be sent (a failed handshake, a bad key): the error judged
                assert {"requests received", "exit code", "stderr is one line"} <= names
                assert names & {"stderr matches", "stderr contains"}, cell["scenario"]
                continue
            assert {"requests received", "#1 method", "#1 path", "exit code"} <= names, cell["scenario"]
            # The body is compared whole, or (a form upload) field by field down to the file's bytes.
            assert "#1 body" in names or "#1 form file" in names, cell["scenario"]
            assert cell["run"]["exit_code"] is not None


def test_every_cell_ran_on_the_chosen_backend(harness_run):
    run = harness_run()
    assert run.results["backend"].startswith(harness_run.backend), run.results["backend"]
    in_docker = {lang["name"]: lang["toolchain"].startswith("docker/") for lang in run.results["languages"]}
    assert set(in_docker.values()) == {harness_run.backend == "docker"}, in_docker


def test_every_language_prints_the_same_bytes_for_the_same_answer(harness_run):
    """Each cell's stdout was checked against its own answer; across languages the lines must be the very same
    bytes too (the cell's service name and fresh ids, such as a job's or a request's, aside)."""
    run = harness_run()
    printed: dict[str, dict[str, str]] = {}
    for name, scenario in catalog.load_scenarios().items():
        if scenario.expect.stdout != StdoutMode.RESPONSE_JSON or name in ECHOES_REQUEST:
            continue
        for lang in run.results["languages"]:
            cell = next(c for c in lang["cells"] if c["scenario"] == name and c["server"] == "stub")
            line = UUID.sub("<id>", cell["run"]["stdout"].replace(cell["service"], "<service>"))
            printed.setdefault(name, {})[lang["name"]] = line
    assert len(printed) >= 20, sorted(printed)
    differing = {name: by_lang for name, by_lang in printed.items() if len(set(by_lang.values())) != 1}
    assert not differing, differing
    # The odd number forms of answer-verbatim, as the stub wrote them, whitespace aside.
    assert set(printed["answer-verbatim"].values()) == {
        "[217,1e23,-0.0,0.1000000000000000055511151231257827,5215.180312699001,12345678901234567890,2.5E-7]\n"
    }
