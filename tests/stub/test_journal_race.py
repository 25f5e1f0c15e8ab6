"""No journal race: a request is in the journal, with its answer's status, as soon as its client has the answer.

Peers' users got "expected but not received" when the journal was read right
after the response (see PEERS.md); here many clients at once score and then
read their own service's journal at once.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import requests

from tests.conftest import PAGE_ROWS

CYCLES = 1000
THREADS = 50


def entry_problem(entries: list[dict], service: str, status: int) -> str | None:
    """Why ``entries`` (a journal read) lack ``service``'s one scoring request answered ``status``; None if not."""
    mine = [e for e in entries if e["service"] == service and e["path"] == f"/api/v1/service/{service}/score"]
    if len(mine) != 1:
        return f"{service}: {len(mine)} entries of its scoring request, expected 1"
    answered = (mine[0]["response"] or {}).get("status")
    if answered != status:
        return f"{service}: journal says status {answered}, the client got {status}"
    return None


def score_then_read(url: str, n: int, sessions: threading.local) -> str | None:
    """One cycle: score on service svc-<n>, then at once read that service's journal; the problem found, if any."""
    if not hasattr(sessions, "http"):
        sessions.http = requests.Session()  # keep-alive, one connection per thread
    service = f"svc-{n}"
    resp = sessions.http.post(f"{url}/api/v1/service/{service}/score", json={"data": PAGE_ROWS}, timeout=30)
    journal = sessions.http.get(f"{url}/__admin/requests", params={"service": service}, timeout=30)
    journal.raise_for_status()
    if resp.status_code != 200:
        return f"{service}: scoring answered {resp.status_code}, expected 200"
    return entry_problem(journal.json()["requests"], service, resp.status_code)


def run_cycles(url: str, cycles: int) -> list[str]:
    sessions = threading.local()
    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        problems = pool.map(lambda n: score_then_read(url, n, sessions), range(cycles))
        return [p for p in problems if p is not None]


def test_every_request_is_in_the_journal_when_its_answer_arrives(stub):
    assert run_cycles(stub.url, CYCLES) == []
    summary = stub.admin("GET", "/requests").json()
    assert summary["count"] == CYCLES and summary["dropped"] == 0  # every cycle scored exactly once


def test_a_service_never_called_is_reported_missing(stub):
    stub.score(service="svc-0")
    entries = stub.journal("svc-1")
    assert entries == []
    assert entry_problem(entries, "svc-1", 200) == "svc-1: 0 entries of its scoring request, expected 1"


def test_a_status_other_than_the_clients_is_reported(stub):
    resp = stub.score(service="svc-0")
    wrong = 500 if resp.status_code == 200 else 200
    problem = entry_problem(stub.journal("svc-0"), "svc-0", wrong)
    assert problem == f"svc-0: journal says status {resp.status_code}, the client got {wrong}"


def test_another_services_entry_does_not_count(stub):
    stub.score(service="svc-0")
    assert entry_problem(stub.journal(), "svc-1", 200) is not None
