"""Races on PostgreSQL (issue 9): two API servers, each with its own connection pool, and 50
clients sending identical or overlapping money requests at the same instant.

After each race: no duplicate posting or payment, every balance equal to the sum of its ledger
entries and to the account parts of the contribution records, to the fen, and every answer a
2xx or a 4xx (the loser of a race gets the winner's result or a 409 problem).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any

import httpx
import pytest
import uvicorn
from sqlalchemy import Engine, text
from tests.benefits.conftest import Api, People

from safetynet.api.app import create_app
from safetynet.store.db import make_engine

CLIENTS = 50
SERVERS = 2

DUPLICATES = {
    "own contributions": """
        SELECT person_id, month, worker_type FROM contribution_records
        WHERE kind = 'contribution' AND worker_type = 'flexible'
        GROUP BY person_id, month, worker_type HAVING COUNT(*) > 1""",
    "resident pension years": """
        SELECT person_id, month FROM contribution_records
        WHERE worker_type = 'resident' AND resident_pension_fen <> 0
        GROUP BY person_id, month HAVING COUNT(*) > 1""",
    "resident medical years": """
        SELECT person_id, month FROM contribution_records
        WHERE worker_type = 'resident' AND resident_medical_fen <> 0
        GROUP BY person_id, month HAVING COUNT(*) > 1""",
    "employee months": """
        SELECT person_id, month FROM contribution_records
        WHERE worker_type = 'employee'
        GROUP BY person_id, month
        HAVING SUM(CASE WHEN kind = 'contribution' THEN 1 ELSE -1 END) > 1""",
    "months paid": """
        SELECT award_id, for_month FROM payment_lines WHERE status <> 'failed'
        GROUP BY award_id, for_month HAVING COUNT(*) > 1""",
    "claims": """
        SELECT person_id, reference FROM medical_claims
        GROUP BY person_id, reference HAVING COUNT(*) > 1""",
    "declarations": """
        SELECT employer_id, month FROM declarations WHERE status = 'posted'
        GROUP BY employer_id, month HAVING COUNT(*) > 1""",
}
LEDGER_MISMATCH = """
    SELECT r.person_id FROM
      (SELECT person_id, SUM(pension_account_fen + resident_pension_fen) AS fen
       FROM contribution_records GROUP BY person_id) r
    LEFT JOIN
      (SELECT person_id, SUM(amount_fen) AS fen FROM account_entries
       WHERE kind IN ('contribution', 'reversal') GROUP BY person_id) e
    ON e.person_id = r.person_id
    WHERE COALESCE(e.fen, 0) <> r.fen
"""


@pytest.fixture
def servers(engine: Engine, database_url: str) -> Iterator[list[str]]:
    if engine.dialect.name != "postgresql":
        pytest.skip("races need PostgreSQL's concurrent writers")
    running = []
    for _ in range(SERVERS):
        server_engine = make_engine(database_url, pool_size=10, max_overflow=5)
        config = uvicorn.Config(
            create_app(server_engine), host="127.0.0.1", port=0, log_level="warning"
        )
        server = uvicorn.Server(config)
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        deadline = time.monotonic() + 20
        while not server.started:
            assert time.monotonic() < deadline, "server did not start"
            time.sleep(0.05)
        port = server.servers[0].sockets[0].getsockname()[1]
        running.append((server, thread, server_engine, f"http://127.0.0.1:{port}"))
    yield [url for *_, url in running]
    for server, thread, server_engine, _ in running:
        server.should_exit = True
        thread.join(20)
        server_engine.dispose()


def race(
    urls: list[str], requests: list[tuple[str, str, Any]], headers: dict[str, str]
) -> list[httpx.Response]:
    """Send every request at once (a barrier), spread over the servers."""
    start = threading.Barrier(len(requests))

    def send(index: int) -> httpx.Response:
        method, path, body = requests[index]
        with httpx.Client(base_url=urls[index % len(urls)], timeout=120) as client:
            start.wait()
            return client.request(method, path, json=body, headers=headers)

    with ThreadPoolExecutor(len(requests)) as pool:
        answers = list(pool.map(send, range(len(requests))))
    servers_failed = [a for a in answers if a.status_code >= 500]
    assert not servers_failed, servers_failed[0].text
    return answers


@contextmanager
def _checked(engine: Engine) -> Iterator[None]:
    yield
    with engine.connect() as conn:
        for what, sql in DUPLICATES.items():
            assert conn.execute(text(sql)).all() == [], f"duplicate {what}"
        assert conn.execute(text(LEDGER_MISMATCH)).all() == []


def _codes(answers: list[httpx.Response]) -> dict[int, int]:
    counts: dict[int, int] = {}
    for answer in answers:
        counts[answer.status_code] = counts.get(answer.status_code, 0) + 1
    return counts


def test_identical_flexible_payments(
    api: Api, people: People, servers: list[str], engine: Engine
) -> None:
    persons = [people.insured(birth="1980-05-17") for _ in range(10)]
    body = [
        (
            "POST",
            "/api/v1/contributions/flexible",
            {"person_id": p.id, "month": "2026-01", "monthly_base": "8000"},
        )
        for p in persons
    ]
    with _checked(engine):
        answers = race(servers, body * (CLIENTS // len(body)), api.as_("maker"))
    assert _codes(answers) == {201: 10, 409: CLIENTS - 10}
    for person in persons:
        statement = api.client.get(
            f"/api/v1/persons/{person.id}/statement", headers=api.as_("maker")
        ).json()
        entries = api.client.get(
            f"/api/v1/persons/{person.id}/account-entries", headers=api.as_("maker")
        ).json()["items"]
        assert len(entries) == 1
        assert statement["balances"]["employee_pension"] == entries[0]["amount"]


def test_identical_resident_payments(
    api: Api, people: People, servers: list[str], engine: Engine
) -> None:
    persons = [people.insured(birth="1980-05-17", worker_type="resident") for _ in range(5)]
    body = [
        (
            "POST",
            "/api/v1/contributions/resident",
            {"person_id": p.id, "year": 2025, "pension_grade": 500, "medical_premium": "400"},
        )
        for p in persons
    ]
    with _checked(engine):
        answers = race(servers, body * (CLIENTS // len(body)), api.as_("maker"))
    assert _codes(answers) == {201: 5, 409: CLIENTS - 5}


def test_identical_medical_claims(
    api: Api, people: People, servers: list[str], engine: Engine
) -> None:
    person = people.insured(birth="1980-05-17")
    claim = {
        "person_id": person.id,
        "reference": "H-RACE",
        "service_date": "2025-05-10",
        "setting": "outpatient",
        "tier": "community",
        "policy_cost": "10000.00",
    }
    with _checked(engine):
        answers = race(
            servers,
            [("POST", "/api/v1/benefits/medical-claims", claim)] * CLIENTS,
            api.as_("maker"),
        )
    assert _codes(answers) == {201: 1, 200: CLIENTS - 1}
    assert len({a.json()["id"] for a in answers}) == 1


def test_identical_declarations(api: Api, records: Any, servers: list[str], engine: Engine) -> None:
    employer = records.employer(region=110105)
    staff = records.employees(employer, 20)
    declaration = {
        "month": "2025-08",
        "version": 1,
        "rows": [{"id_number": p.id_number, "monthly_wage": "9000"} for p in staff],
    }
    path = f"/api/v1/employers/{employer.id}/declarations"
    with _checked(engine):
        answers = race(servers, [("POST", path, declaration)] * CLIENTS, api.as_("maker"))
    assert _codes(answers) == {201: 1, 200: CLIENTS - 1}  # "already posted", never a 422
    with engine.connect() as conn:
        assert conn.execute(text("SELECT COUNT(*) FROM contribution_records")).scalar() == 20
        assert conn.execute(text("SELECT COUNT(*) FROM account_entries")).scalar() == 20


def test_identical_payroll_runs(
    api: Api, people: People, servers: list[str], engine: Engine
) -> None:
    for _ in range(3):
        people.pensioner()
    body = {"region": "110000", "month": "2026-11"}
    with _checked(engine):
        answers = race(
            servers, [("POST", "/api/v1/benefits/payroll", body)] * CLIENTS, api.as_("maker")
        )
    assert set(_codes(answers)) <= {200, 409}
    final = people.payroll("2026-11")
    assert final["status"] == "completed" and final["awards"] == 3


def test_overlapping_off_cycle_payments(
    api: Api, people: People, servers: list[str], engine: Engine
) -> None:
    award = people.pensioner()
    path = f"/api/v1/benefits/awards/{award['id']}/pay"
    requests = [
        ("POST", path, {"month": "2026-09" if i % 2 else "2026-10"}) for i in range(CLIENTS)
    ]
    with _checked(engine):
        answers = race(servers, requests, api.as_("maker"))
    assert set(_codes(answers)) <= {200, 201, 409}
    lines = api.client.get(
        f"/api/v1/benefits/awards/{award['id']}/payments", headers=api.as_("maker")
    ).json()
    months = [line["for_month"] for line in lines]
    assert len(months) == len(set(months))
    assert months[0] == award["start_month"]
