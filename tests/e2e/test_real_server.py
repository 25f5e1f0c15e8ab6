"""Every language's `score` program against the real Azure ML model server behind the stub (--server real)."""

import json
import re
import subprocess
import sys

import pytest

from harness import catalog
from tests.conftest import ROOT
from tests.e2e.conftest import BACKEND_ARGS

SCENARIOS = ["json-key", "json-no-auth", "json-token", "server-error", "timeout", "retry", "tls", "modelarts-json"]


def test_score_programs_pass_on_the_real_server(harness_run, tmp_path):
    results = tmp_path / "real"
    argv = [sys.executable, "-m", "harness", "run", *BACKEND_ARGS[harness_run.backend], "--server", "real"]
    proc = subprocess.run(
        [*argv, "-s", ",".join(SCENARIOS), "--results", str(results)],
        cwd=ROOT, capture_output=True, text=True, timeout=1800,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    doc = json.loads((results / "results.json").read_text())
    cells = {(lang["name"], c["scenario"]): c for lang in doc["languages"] for c in lang["cells"]}
    assert {lang for lang, _ in cells} == set(catalog.load_languages())
    for (lang, scenario), cell in cells.items():
        assert cell["server"] == "real"
        if scenario == "modelarts-json":  # no real ModelArts: stub only, never counted as a pass
            assert cell["status"] == "skipped", (lang, cell)
            continue
        assert cell["status"] == "pass", (lang, scenario, cell["message"])
        names = {c["name"]: c["ok"] for c in cell["checks"]}
        assert names.get("answered by the real server") is True, (lang, scenario)


# The real server in a container of the run (--backend docker): two languages, kept short for CI.
DOCKER_CASES = {
    "real": ["json-key", "json-token", "server-error", "retry", "tls"],
    "both": ["json-key", "server-error"],
}


@pytest.mark.parametrize("mode", sorted(DOCKER_CASES))
def test_the_real_server_runs_in_a_container_of_the_docker_run(tmp_path, mode):
    results = tmp_path / mode
    argv = [sys.executable, "-m", "harness", "run", *BACKEND_ARGS["docker"], "--server", mode, "-l", "python,go"]
    proc = subprocess.Popen(
        [*argv, "-s", ",".join(DOCKER_CASES[mode]), "--results", str(results)],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    out = proc.communicate(timeout=1800)[0]
    path = results / "results.json"
    doc = json.loads(path.read_text()) if path.is_file() else {"languages": []}
    why = [c["message"] for lang in doc["languages"] for c in lang["cells"] if c["status"] != "pass"]
    assert proc.returncode == 0, out[-3000:] + "\n".join(why)[:3000]
    assert re.search(r"is ready at http://scoring-kit-azureml-inference-server-http-diabetes-\w+:5001", out), out
    cells = [(lang["name"], c) for lang in doc["languages"] for c in lang["cells"]]
    real = [c for _, c in cells if c["server"] == "real"]
    assert len(cells) == len(DOCKER_CASES[mode]) * 2 * (2 if mode == "both" else 1)
    assert len(real) == len(DOCKER_CASES[mode]) * 2 and all(c["status"] == "pass" for _, c in cells), cells
    for cell in real:
        assert {c["name"]: c["ok"] for c in cell["checks"]}["answered by the real server"] is True
    # The container's own log, kept by the run: each language's scoring requests reached it through the gateway
    # (a fault the gateway injects, such as server-error's 500, never does).
    log = (results / "logs" / "azureml-inference-server-http-diabetes-docker.log").read_text()
    for agent in ("Go-http-client/", "python-requests/"):
        assert re.search(rf'"POST /score HTTP/1.1" 200 \d+ "-" "{agent}', log), (agent, log[-2000:])
    left = subprocess.run(
        ["docker", "ps", "-aq", "--filter", f"label=io.scoring-kit.pid={proc.pid}"], capture_output=True, text=True
    )
    assert left.returncode == 0 and left.stdout.strip() == "", "the run left containers behind"
