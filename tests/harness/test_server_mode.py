"""--server stub|real|both: the samples against the real model server behind the stub, side by side."""

import xml.etree.ElementTree as ET

import pytest

from harness import catalog, realserver
from harness.protocols import load_protocols, protocol_of
from harness.targets import RealServers, _choose

SCENARIOS = "json-key,binary,server-error,modelarts-json"


def test_every_scenario_has_a_protocol_and_every_real_server_speaks_one_of_them():
    protocols = load_protocols()
    for scenario in catalog.load_scenarios().values():
        assert protocol_of(scenario.program).name in protocols
    for defn in realserver.load_servers().values():
        assert set(defn.protocols) <= set(protocols)


def test_both_runs_each_cell_on_the_stub_and_on_the_real_server(harness, tmp_path):
    run = harness("-l", "python", "-s", SCENARIOS, "--server", "both")
    assert run.code == 0, run.out[-3000:]
    cells = {(c["scenario"], c["server"]): c for c in run.results["languages"][0]["cells"]}
    assert run.results["servers"] == ["stub", "real"] and len(cells) == 8
    for name in ("json-key", "binary", "server-error"):
        assert cells[(name, "stub")]["status"] == cells[(name, "real")]["status"] == "pass"
        assert cells[(name, "real")]["service"].endswith("-real")
        upstream = {c["name"]: c for c in cells[(name, "real")]["checks"]}["answered by the real server"]
        assert upstream["ok"] and upstream["expected"].startswith("azureml-inference-server-http")
    # No real ModelArts exists: stub only, with the reason, never a pass.
    modelarts = cells[("modelarts-json", "real")]
    assert modelarts["status"] == "skipped" and "Huawei Cloud's own" in modelarts["message"]
    assert "stub only" in run.out and "7 passed, 0 failed, 1 stub only: all passed" in run.out
    junit = ET.parse(tmp_path / "results" / "junit.xml").getroot()
    names = {case.get("name"): case for case in junit.iter("testcase")}
    assert names["modelarts-json [real]"].find("skipped") is not None and "json-key [stub]" in names
    summary = (tmp_path / "results" / "summary.md").read_text()
    assert "| Python on stub (python) | Python on real (python) |" in summary and "➖" in summary


def test_a_real_server_that_cannot_start_fails_its_cells_with_the_reason(tmp_path, monkeypatch):
    defn = realserver.load_servers()["azureml-inference-server-http"]
    broken = realserver.ServerDefinition(**{**defn.__dict__, "command": ("{python}", "-c", "raise SystemExit(3)")})
    monkeypatch.setattr(realserver, "load_servers", lambda: {broken.name: broken})
    servers = RealServers(realserver.running, tmp_path, lambda m: None)
    scenarios = catalog.load_scenarios()
    try:
        servers.start([scenarios["json-key"], scenarios["classic-rrs"]])
    finally:
        servers.close()
    assert "exited with code 3" in servers.target(scenarios["json-key"]).error
    assert servers.target(scenarios["classic-rrs"]).stub_only.startswith("Studio (classic) was retired")


def test_a_scenario_can_say_why_it_is_stub_only(monkeypatch):
    from dataclasses import replace

    scenario = replace(catalog.load_scenarios()["json-key"], stub_only="needs a front end feature")
    assert _choose(scenario, realserver.load_servers()) == ("", "needs a front end feature")
    missing = replace(scenario, stub_only="", model="no-such-model")
    assert "with the no-such-model model" in _choose(missing, realserver.load_servers())[1]


@pytest.mark.parametrize("value", ["stubb", "REAL", ""])
def test_a_bad_server_mode_is_one_line(harness, value):
    run = harness("-l", "python", "--server", value)
    assert run.code == 2 and "--server" in run.err and len(run.err.strip().splitlines()) == 1
