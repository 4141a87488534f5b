"""The HTTP API: sign-in, the authorization matrix, problem documents, pagination, files."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from safetynet.api.app import create_app
from safetynet.services import users
from safetynet.services.uow import UnitOfWork

PASSWORD = "correct horse battery"
PROBLEM = "application/problem+json"


@pytest.fixture(scope="session")
def password_hash() -> str:
    return users.hash_password(PASSWORD)


@pytest.fixture
def world(
    engine: Engine,
    uow: UnitOfWork,
    records: Any,
    who: Any,
    password_hash: str,
    monkeypatch: pytest.MonkeyPatch,
) -> dict[str, Any]:
    """Two regions' records and a user of every role (Argon2 hashed once per session)."""
    monkeypatch.setattr(users, "hash_password", lambda password: password_hash)
    bj_employer = records.employer(region=110105)
    sc_employer = records.employer(region=510100)
    bj_people = records.employees(bj_employer, 2)
    sc_people = records.employees(sc_employer, 1)
    for name, role, region, person in [
        ("admin", "admin", None, None),
        ("auditor", "auditor", None, None),
        ("op-bj", "operator", "110000", None),
        ("op-sc", "operator", "510000", None),
        ("citizen", "citizen", None, bj_people[0].id),
    ]:
        users.create_user(
            uow,
            who.admin,
            username=name,
            password=PASSWORD,
            role=role,
            region=region,
            person_id=person,
        )
    return {
        "bj_employer": bj_employer,
        "sc_employer": sc_employer,
        "bj_people": bj_people,
        "sc_people": sc_people,
    }


@pytest.fixture
def client(engine: Engine) -> Iterator[TestClient]:
    with TestClient(create_app(engine)) as client:
        yield client


def _headers(client: TestClient, username: str) -> dict[str, str]:
    response = client.post("/api/v1/auth/token", data={"username": username, "password": PASSWORD})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


@pytest.fixture
def tokens(uow: UnitOfWork, world: dict[str, Any]) -> dict[str, dict[str, str]]:
    """Bearer headers of every role, issued directly (signing in is tested once)."""
    out: dict[str, dict[str, str]] = {"anonymous": {}}
    for name in ("admin", "auditor", "op-bj", "op-sc", "citizen"):
        principal = users.principal_of(users.get_user(uow, name))
        out[name] = {"Authorization": f"Bearer {users.issue_token(uow, principal)}"}
    return out


def test_sign_in_and_tokens(client: TestClient, world: dict[str, Any]) -> None:
    bad = client.post("/api/v1/auth/token", data={"username": "admin", "password": "nope"})
    assert bad.status_code == 401 and bad.headers["content-type"] == PROBLEM
    assert client.get("/api/v1/me").status_code == 401
    forged = client.get("/api/v1/me", headers={"Authorization": "Bearer abc.def.ghi"})
    assert forged.status_code == 401
    me = client.get("/api/v1/me", headers=_headers(client, "op-bj")).json()
    assert me == {"username": "op-bj", "role": "operator", "region": "110000", "person_id": None}


# (method, path template, body, expected status per role)
MATRIX: list[tuple[str, str, dict[str, Any] | None, dict[str, int]]] = [
    (
        "GET",
        "/api/v1/persons/{bj_person}",
        None,
        {
            "admin": 200,
            "auditor": 200,
            "op-bj": 200,
            "op-sc": 403,
            "citizen": 200,
            "anonymous": 401,
        },
    ),
    (
        "GET",
        "/api/v1/persons/{bj_other}",
        None,
        {
            "admin": 200,
            "auditor": 200,
            "op-bj": 200,
            "op-sc": 403,
            "citizen": 403,
            "anonymous": 401,
        },
    ),
    (
        "GET",
        "/api/v1/persons/{bj_person}/statement",
        None,
        {
            "admin": 200,
            "auditor": 200,
            "op-bj": 200,
            "op-sc": 403,
            "citizen": 200,
            "anonymous": 401,
        },
    ),
    (
        "GET",
        "/api/v1/persons/{bj_person}/account-entries",
        None,
        {
            "admin": 200,
            "auditor": 200,
            "op-bj": 200,
            "op-sc": 403,
            "citizen": 200,
            "anonymous": 401,
        },
    ),
    (
        "GET",
        "/api/v1/employers/{bj_employer}",
        None,
        {
            "admin": 200,
            "auditor": 200,
            "op-bj": 200,
            "op-sc": 403,
            "citizen": 403,
            "anonymous": 401,
        },
    ),
    (
        "GET",
        "/api/v1/employers",
        None,
        {
            "admin": 200,
            "auditor": 200,
            "op-bj": 200,
            "op-sc": 200,
            "citizen": 403,
            "anonymous": 401,
        },
    ),
    (
        "GET",
        "/api/v1/declarations",
        None,
        {
            "admin": 200,
            "auditor": 200,
            "op-bj": 200,
            "op-sc": 200,
            "citizen": 403,
            "anonymous": 401,
        },
    ),
    (
        "GET",
        "/api/v1/audit",
        None,
        {
            "admin": 200,
            "auditor": 200,
            "op-bj": 403,
            "op-sc": 403,
            "citizen": 403,
            "anonymous": 401,
        },
    ),
    (
        "GET",
        "/api/v1/users",
        None,
        {
            "admin": 200,
            "auditor": 200,
            "op-bj": 403,
            "op-sc": 403,
            "citizen": 403,
            "anonymous": 401,
        },
    ),
    (
        "POST",
        "/api/v1/persons",
        {"id_number": "11010519491231002X", "name": "N", "hukou_type": "urban"},
        {
            "admin": 201,
            "auditor": 403,
            "op-bj": 201,
            "op-sc": 403,
            "citizen": 403,
            "anonymous": 401,
        },
    ),
    (
        "PATCH",
        "/api/v1/persons/{bj_person}",
        {"changes": {"name": "Renamed"}, "reason": "typo"},
        {
            "admin": 200,
            "auditor": 403,
            "op-bj": 200,
            "op-sc": 403,
            "citizen": 403,
            "anonymous": 401,
        },
    ),
    (
        "POST",
        "/api/v1/employers/{bj_employer}/declarations",
        {"month": "2025-08", "version": 1, "rows": "{bj_rows}"},
        {
            "admin": 201,
            "auditor": 403,
            "op-bj": 201,
            "op-sc": 403,
            "citizen": 403,
            "anonymous": 401,
        },
    ),
    (
        "POST",
        "/api/v1/accounts/credit-year",
        {"year": 2024},
        {
            "admin": 200,
            "auditor": 403,
            "op-bj": 200,
            "op-sc": 200,
            "citizen": 403,
            "anonymous": 401,
        },
    ),
    (
        "POST",
        "/api/v1/users",
        {"username": "new", "password": "a long enough phrase", "role": "auditor"},
        {
            "admin": 201,
            "auditor": 403,
            "op-bj": 403,
            "op-sc": 403,
            "citizen": 403,
            "anonymous": 401,
        },
    ),
]


def test_authorization_matrix(
    client: TestClient, world: dict[str, Any], tokens: dict[str, dict[str, str]]
) -> None:
    """Every role against every kind of endpoint: reads, lists, writes, audit, users."""
    mismatches = {}
    for case in MATRIX:
        got, expected = _statuses(client, world, tokens, case)
        if got != expected:
            mismatches[f"{case[0]} {case[1]}"] = (got, expected)
    assert mismatches == {}


def _statuses(
    client: TestClient,
    world: dict[str, Any],
    tokens: dict[str, dict[str, str]],
    case: tuple[str, str, dict[str, Any] | None, dict[str, int]],
) -> tuple[dict[str, int], dict[str, int]]:
    method, template, body, expected = case
    values = {
        "bj_person": world["bj_people"][0].id,
        "bj_other": world["bj_people"][1].id,
        "bj_employer": world["bj_employer"].id,
    }
    path = template.format(**values)
    rows = [{"id_number": p.id_number, "monthly_wage": "9000"} for p in world["bj_people"]]
    payload = {k: rows if v == "{bj_rows}" else v for k, v in (body or {}).items()}
    got: dict[str, int] = {}
    for role in expected:
        response = client.request(
            method, path, headers=tokens[role], json=payload if body is not None else None
        )
        got[role] = response.status_code
        if response.status_code >= 400:
            assert response.headers["content-type"] == PROBLEM
    if method == "POST" and path != "/api/v1/accounts/credit-year":
        # a create repeated by a second allowed role meets the first one's record (409), or
        # the declaration already posted (200)
        allowed = [r for r, s in expected.items() if s == 201]
        for role in allowed[1:]:
            if got[role] in (200, 409):
                got[role] = 201
    return got, expected


def test_lists_and_counts_respect_scope_and_page_by_keyset(
    client: TestClient, tokens: dict[str, dict[str, str]], world: dict[str, Any]
) -> None:
    counts = {
        role: client.get("/api/v1/persons/count", headers=tokens[role]).json()["count"]
        for role in ("admin", "op-bj", "op-sc", "citizen")
    }
    assert counts == {"admin": 3, "op-bj": 2, "op-sc": 1, "citizen": 1}
    first = client.get("/api/v1/persons?limit=2", headers=tokens["admin"]).json()
    assert len(first["items"]) == 2 and first["next_after"] == first["items"][-1]["id"]
    rest = client.get(
        f"/api/v1/persons?limit=2&after={first['next_after']}", headers=tokens["admin"]
    ).json()
    assert len(rest["items"]) == 1 and rest["next_after"] is None
    mine = client.get("/api/v1/persons", headers=tokens["citizen"]).json()["items"]
    assert [p["id"] for p in mine] == [world["bj_people"][0].id]


def test_problem_documents_name_the_field(
    client: TestClient, tokens: dict[str, dict[str, str]], world: dict[str, Any]
) -> None:
    admin = tokens["admin"]
    cases = [
        (
            "/api/v1/persons",
            {"id_number": "110105194912310021", "name": "X", "hukou_type": "urban"},
            422,
            "id_number",
        ),
        (
            "/api/v1/persons",
            {"id_number": world["bj_people"][0].id_number, "name": "X", "hukou_type": "urban"},
            409,
            "id_number",
        ),
        ("/api/v1/persons", {"name": "X", "hukou_type": "urban"}, 422, "id_number"),
        (
            "/api/v1/persons",
            {
                "id_number": "11010519491231002X",
                "name": "X",
                "hukou_type": "urban",
                "region": "999999",
            },
            422,
            "region",
        ),
        (
            "/api/v1/employers",
            {"credit_code": "91350100M000100Y44", "name": "X", "risk_class": 1},
            422,
            "credit_code",
        ),
        (
            f"/api/v1/employers/{world['bj_employer'].id}/declarations",
            {"month": "2199-01", "rows": [{"id_number": "x", "monthly_wage": "1"}]},
            422,
            "month",
        ),
        (
            f"/api/v1/employers/{world['bj_employer'].id}/declarations",
            {
                "month": "2025-08",
                "rows": [{"id_number": world["bj_people"][0].id_number, "monthly_wage": "-100"}],
            },
            422,
            "monthly_wage",
        ),
        (
            "/api/v1/enrollments",
            {
                "person_id": world["bj_people"][0].id,
                "worker_type": "employee",
                "region": "110105",
                "start_month": "2025-01",
            },
            422,
            "worker_type",
        ),
    ]
    for path, body, status, field in cases:
        response = client.post(path, json=body, headers=admin)
        assert response.status_code == status, (path, response.text)
        assert response.headers["content-type"] == PROBLEM
        assert field in [e["field"] for e in response.json()["errors"]], response.json()
    missing = client.get("/api/v1/persons/999999", headers=admin)
    assert missing.status_code == 404 and missing.headers["content-type"] == PROBLEM


def test_declaration_file_with_downloadable_error_report(
    client: TestClient, tokens: dict[str, dict[str, str]], world: dict[str, Any]
) -> None:
    employer = world["bj_employer"].id
    person = world["bj_people"][0]
    bad = f"id_number,monthly_wage\n{person.id_number},abc\n110105194912310021,9000\n"
    response = client.post(
        f"/api/v1/employers/{employer}/declarations/file?report=csv",
        headers=tokens["op-bj"],
        files={"file": ("august.csv", bad.encode())},
        data={"month": "2025-08"},
    )
    assert response.status_code == 422 and response.headers["content-type"].startswith("text/csv")
    lines = response.text.strip().splitlines()
    assert lines[0] == "row,field,problem" and lines[1].startswith("1,monthly_wage,")
    assert lines[2].startswith("2,id_number,")
    good = "id_number,monthly_wage\n" + "".join(f"{p.id_number},9000\n" for p in world["bj_people"])
    posted = client.post(
        f"/api/v1/employers/{employer}/declarations/file",
        headers=tokens["op-bj"],
        files={"file": ("august.csv", good.encode())},
        data={"month": "2025-08", "version": "1"},
    )
    assert posted.status_code == 201 and posted.json()["posted"] is True
    body = posted.json()
    assert body["declaration"]["rows"] == 2 and body["employer_total"].count(".") == 1
    replay = client.post(
        f"/api/v1/employers/{employer}/declarations/file",
        headers=tokens["op-bj"],
        files={"file": ("again.csv", good.encode())},
        data={"month": "2025-08", "version": "1"},
    )
    assert replay.status_code == 200 and replay.json()["posted"] is False


def test_flows_through_the_api(
    client: TestClient, tokens: dict[str, dict[str, str]], world: dict[str, Any]
) -> None:
    op = tokens["op-bj"]
    person = client.post(
        "/api/v1/persons",
        headers=op,
        json={"id_number": "11010519491231002X", "name": "Sample", "hukou_type": "urban"},
    ).json()
    assert person["sex"] == "female" and person["birth_date"] == "1949-12-31"
    enrolled = client.post(
        "/api/v1/enrollments",
        headers=op,
        json={
            "person_id": person["id"],
            "worker_type": "flexible",
            "region": "110105",
            "start_month": "2025-07",
        },
    )
    assert enrolled.status_code == 201 and len(enrolled.json()) == 2
    paid = client.post(
        "/api/v1/contributions/flexible",
        headers=op,
        json={"person_id": person["id"], "month": "2025-08", "monthly_base": "7162"},
    )
    assert paid.status_code == 201, paid.text
    assert paid.json()["account_entries"][0]["amount"] == "572.96"
    found = client.post(
        "/api/v1/persons/lookup", headers=op, json={"id_number": "11010519491231002x"}
    )
    assert found.json()["id"] == person["id"]
    statement = client.get(f"/api/v1/persons/{person['id']}/statement", headers=op).json()
    assert statement["balances"] == {"employee_pension": "572.96"}
    assert statement["months_counted"] == 1
    audit = client.get("/api/v1/audit?entity=person", headers=tokens["auditor"]).json()
    assert any(a["entity_id"] == str(person["id"]) for a in audit["items"])
    assert all("*" in a["after"]["id_number"] for a in audit["items"])


def test_calc_health_and_docs(client: TestClient) -> None:
    names = [c["name"] for c in client.get("/api/v1/calc").json()]
    assert "contribution" in names and "id_check" in names
    result = client.post("/api/v1/calc/id_check", json={"id": "11010519491231002X"}).json()
    assert result["result"]["valid"] is True
    wrong = client.post(
        "/api/v1/calc/contribution",
        json={"monthly_wage": "x", "region": "110105", "month": "2025-01"},
    )
    assert wrong.status_code == 422 and wrong.json()["errors"][0]["field"] == "monthly_wage"
    provisional = client.post(
        "/api/v1/calc/contribution",
        json={"monthly_wage": "9000", "region": "110105", "month": "2026-08"},
    ).json()["result"]
    assert provisional["pension_employee"] == "720.00" and provisional["base_floor"] == "7162.00"
    assert provisional["provisional"] is True
    assert any(
        p["parameter"] == "contribution.base_floor" and "carried forward" in p["reason"]
        for p in provisional["provisional_parameters"]
    )
    unknown = client.post(
        "/api/v1/calc/contribution",
        json={"monthly_wage": "9000", "region": "110105", "month": "2018-08"},
    )
    assert unknown.status_code == 422
    assert client.post("/api/v1/calc/nothing", json={}).status_code == 404
    assert client.get("/health/live").json() == {"status": "live"}
    assert client.get("/health/ready").json() == {"status": "ready"}
    assert client.get("/docs").status_code == 200
    assert "/api/v1/persons" in client.get("/openapi.json").json()["paths"]


def test_identity_numbers_are_masked_in_logs(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    # a uvicorn server started in this process (another test) configures its access logger
    # not to propagate to the root logger, where caplog listens: listen on it directly
    access = logging.getLogger("uvicorn.access")
    access.addHandler(caplog.handler)
    try:
        with caplog.at_level(logging.INFO, logger="uvicorn.access"):
            access.info('"GET /x?id=%s HTTP/1.1" 200', "11010519491231002X")
    finally:
        access.removeHandler(caplog.handler)
    assert "110105********002X" in caplog.text and "11010519491231002X" not in caplog.text


@pytest.mark.parametrize(
    ("name", "inputs", "field"),
    [
        ("unemployment_benefit", {"contribution_months": 10000}, "contribution_months"),
        ("unemployment_benefit", {"contribution_months": 10**40}, "contribution_months"),
        ("unemployment_benefit", {"region": "1" * 10_000}, "region"),
        ("transfer", {"province_months": [1] * 1001}, "province_months"),
        ("employee_pension", {"avg_contribution_index": 1e300}, "avg_contribution_index"),
        ("id_check", {"id": "X" * 101}, "id"),
    ],
)
def test_calc_inputs_are_bounded(
    client: TestClient, name: str, inputs: dict[str, object], field: str
) -> None:
    base = {
        "unemployment_benefit": {
            "month": "2025-03",
            "region": "110105",
            "contribution_months": 30,
            "involuntary": True,
            "monthly_amount": "2000",
        },
        "transfer": {
            "month": "2025-03",
            "account_balance": "1000",
            "contribution_base_total": "100000",
            "provinces": ["110000"],
            "province_months": [10],
            "hukou_region": "110000",
            "current_region": "110000",
        },
        "employee_pension": {
            "region": "110000",
            "birth_month": "1965-01",
            "retirement_month": "2025-02",
            "contribution_months": 420,
            "avg_contribution_index": 1.0,
            "account_balance": "150000",
        },
        "id_check": {"id": "11010519491231002X"},
    }[name]
    response = client.post(f"/api/v1/calc/{name}", json={**base, **inputs})
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["errors"][0]["field"] == field


def test_calc_money_is_text_with_two_decimals(client: TestClient) -> None:
    result = client.post(
        "/api/v1/calc/employee_pension",
        json={
            "region": "110000",
            "birth_month": "1965-01",
            "retirement_month": "2025-02",
            "contribution_months": 420,
            "avg_contribution_index": 1.0,
            "account_balance": "150000",
        },
        params={"explain": "true"},
    ).json()
    assert result["result"]["calc_base"] == "12049.00"
    assert result["result"]["total"] == "5300.97"
    assert result["result"]["provisional"] is False
