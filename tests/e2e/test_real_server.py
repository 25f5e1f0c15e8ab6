"""Every language's `score` program against the real Azure ML model server behind the stub (--server real)."""

import json
import subprocess
import sys

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
