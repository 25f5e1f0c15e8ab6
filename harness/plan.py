"""The plan of one cell (a language x scenario, or a docs sample): the scenario with its placeholders
filled in, once.

The stub set-up, the client's run and the checks all read this one object, so
what the harness configures, what the client is told and what it is judged
against cannot drift apart.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .datafiles import render
from .scenario import Expect, Scenario, StubSetup


@dataclass(frozen=True)
class CellPlan:
    scenario: Scenario
    service: str  # the cell's own service on the stub
    variables: dict[str, str]  # every placeholder's value
    stub: StubSetup  # faults and jobs filled in
    env: dict[str, str]  # the client's environment
    expect: Expect  # what it must send and print, filled in
    tls_port: int | None = None  # the cell's own TLS listener on the stub, if it has one

    @property
    def program(self) -> str:
        return self.scenario.program

    @property
    def trust_ca(self) -> bool:
        return self.scenario.trust_ca

    @property
    def run_timeout(self) -> float:
        return self.scenario.run_timeout


def service_name(*parts: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]", "-", "-".join(parts))[:63]


def plan_cell(scenario: Scenario, service: str, known: dict[str, str], tls_port: int | None = None) -> CellPlan:
    """Fill in the scenario: its own ``[vars]`` first (they may use the known values), then the rest."""
    variables = dict(known)
    for name, value in scenario.vars.items():
        variables[name] = render(value, variables)
    return CellPlan(
        scenario=scenario,
        service=service,
        variables=variables,
        stub=render(scenario.stub, variables),
        env=render(scenario.env, variables),
        expect=render(scenario.expect, variables),
        tls_port=tls_port,
    )
