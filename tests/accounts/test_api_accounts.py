"""Accounts over HTTP: 429 with Retry-After, 4xx for control characters, the same answer for
unknown users, password change and reset, disable and enable, refusals and downloads audited,
the chain verified, and identity numbers masked in problem documents."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from safetynet.api.app import create_app
from safetynet.services import users
from safetynet.services.uow import UnitOfWork
from safetynet.store.access import AuditEntry

from .conftest import PASSWORD, Accounts

TOKEN_URL = "/api/v1/auth/token"
PROBLEM = "application/problem+json"


@pytest.fixture
def client(engine: Engine) -> Iterator[TestClient]:
    with TestClient(create_app(engine)) as client:
        yield client


@pytest.fixture
def staff(accounts: Accounts) -> dict[str, Any]:
    return {
        "admin": accounts.add("boss", role="admin"),
        "op": accounts.add("op-bj"),
        "auditor": accounts.add("auditor", role="auditor"),
    }


def _sign_in(client: TestClient, username: str, password: str = PASSWORD) -> Any:
    return client.post(TOKEN_URL, data={"username": username, "password": password})


def _bearer(client: TestClient, username: str, password: str = PASSWORD) -> dict[str, str]:
    response = _sign_in(client, username, password)
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def _audit(uow: UnitOfWork, action: str) -> list[AuditEntry]:
    with uow:
        return list(uow.session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


def test_lockout_answers_429_with_retry_after(client: TestClient, staff: dict[str, Any]) -> None:
    for _ in range(5):
        assert _sign_in(client, "op-bj", "not the password").status_code == 401
    locked = _sign_in(client, "op-bj")
    assert locked.status_code == 429 and locked.headers["content-type"] == PROBLEM
    assert int(locked.headers["Retry-After"]) >= 1
    assert "too many failed sign-ins" in locked.json()["detail"]


def test_unknown_and_known_users_get_the_same_answer(
    client: TestClient, staff: dict[str, Any]
) -> None:
    known = _sign_in(client, "op-bj", "not the password")
    unknown = _sign_in(client, "no-such-user", "not the password")
    assert known.status_code == unknown.status_code == 401
    assert known.json() == unknown.json()
    assert known.headers.get("WWW-Authenticate") == unknown.headers.get("WWW-Authenticate")


@pytest.mark.parametrize(
    ("username", "password", "field"),
    [("op\x00bj", PASSWORD, "username"), ("op-bj", "pass\x00word", "password")],
)
def test_a_nul_byte_in_the_login_form_is_a_4xx(
    client: TestClient, staff: dict[str, Any], username: str, password: str, field: str
) -> None:
    response = _sign_in(client, username, password)
    assert response.status_code == 422 and response.headers["content-type"] == PROBLEM
    assert response.json()["errors"][0]["field"] == field


def test_logins_are_audited(client: TestClient, staff: dict[str, Any], uow: UnitOfWork) -> None:
    _sign_in(client, "op-bj")
    _sign_in(client, "op-bj", "not the password")
    ok, failed = _audit(uow, "auth.login"), _audit(uow, "auth.login_failed")
    assert [r.actor for r in ok] == ["op-bj"] and [r.reason for r in failed] == ["wrong password"]
    assert ok[0].after == {"client": "testclient"}


def test_password_change_over_http(client: TestClient, staff: dict[str, Any]) -> None:
    headers = _bearer(client, "op-bj")
    url = "/api/v1/me/password"
    weak = client.post(
        url, json={"current_password": PASSWORD, "new_password": "password"}, headers=headers
    )
    assert weak.status_code == 422 and weak.json()["errors"][0]["field"] == "new_password"
    wrong = client.post(
        url,
        json={"current_password": "guess guess", "new_password": "a fresh long phrase"},
        headers=headers,
    )
    assert wrong.status_code == 403
    done = client.post(
        url,
        json={"current_password": PASSWORD, "new_password": "a fresh long phrase"},
        headers=headers,
    )
    assert done.status_code == 204
    assert client.get("/api/v1/me", headers=headers).status_code == 401
    assert _sign_in(client, "op-bj", "a fresh long phrase").status_code == 200


def test_admin_reset_disable_enable_over_http(
    client: TestClient, staff: dict[str, Any], uow: UnitOfWork
) -> None:
    admin = _bearer(client, "boss")
    op_id = staff["op"].id
    op_headers = _bearer(client, "op-bj")
    assert (
        client.post(f"/api/v1/users/{op_id}/disable", json={}, headers=op_headers).status_code
        == 403
    )
    disabled = client.post(f"/api/v1/users/{op_id}/disable", json={"reason": "left"}, headers=admin)
    assert disabled.status_code == 200 and disabled.json()["active"] is False
    assert client.get("/api/v1/me", headers=op_headers).status_code == 401
    assert _sign_in(client, "op-bj").status_code == 401
    enabled = client.post(f"/api/v1/users/{op_id}/enable", json={}, headers=admin)
    assert enabled.json()["active"] is True
    weak = client.post(
        f"/api/v1/users/{op_id}/password", json={"new_password": "password"}, headers=admin
    )
    assert weak.status_code == 422
    reset = client.post(
        f"/api/v1/users/{op_id}/password", json={"new_password": "set by the admin"}, headers=admin
    )
    assert reset.status_code == 200
    assert _sign_in(client, "op-bj", "set by the admin").status_code == 200
    assert client.post("/api/v1/users/999999/enable", json={}, headers=admin).status_code == 404
    actions = {r.action for r in _audit(uow, "user.disable") + _audit(uow, "user.password_reset")}
    assert actions == {"user.disable", "user.password_reset"}


def test_password_is_refused_for_an_admin(client: TestClient, staff: dict[str, Any]) -> None:
    response = client.post(
        "/api/v1/users",
        json={"username": "root2", "password": "password", "role": "admin"},
        headers=_bearer(client, "boss"),
    )
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"field": "password", "problem": "must be at least 12 characters"}
    ]


def test_refusals_are_audited(client: TestClient, staff: dict[str, Any], uow: UnitOfWork) -> None:
    headers = _bearer(client, "op-bj")
    assert client.get("/api/v1/audit", headers=headers).status_code == 403
    assert client.get("/api/v1/users", headers=headers).status_code == 403
    rows = _audit(uow, "access.refused")
    assert [(r.actor, r.entity, r.entity_id) for r in rows] == [
        ("op-bj", "endpoint", "audit_log"),
        ("op-bj", "endpoint", "list_users"),
    ]
    assert rows[0].after is not None and rows[0].after["path"] == "/api/v1/audit"
    assert rows[0].region_code == 110000 and rows[0].reason


def test_the_chain_is_verified_over_http(client: TestClient, staff: dict[str, Any]) -> None:
    _sign_in(client, "op-bj")
    auditor = _bearer(client, "auditor")
    report = client.get("/api/v1/audit/verify", headers=auditor).json()
    assert report["intact"] is True and report["rows"] == report["head_seq"] >= 2
    log = client.get("/api/v1/audit?limit=500", headers=auditor).json()["items"]
    assert (log[-1]["seq"], log[-1]["row_hash"]) == (report["head_seq"], report["head_hash"])
    assert client.get("/api/v1/audit/verify", headers=_bearer(client, "op-bj")).status_code == 403


def test_the_error_report_download_is_audited(
    client: TestClient, staff: dict[str, Any], records: Any, uow: UnitOfWork
) -> None:
    employer = records.employer(region=110105)
    unknown = records.id_number()
    response = client.post(
        f"/api/v1/employers/{employer.id}/declarations/file?report=csv",
        files={"file": ("d.csv", f"id_number,monthly_wage\n{unknown},9000\n")},
        data={"month": "2025-08", "version": "1"},
        headers=_bearer(client, "op-bj"),
    )
    assert response.status_code == 422 and response.headers["content-type"].startswith("text/csv")
    (row,) = _audit(uow, "file.download")
    assert row.actor == "op-bj" and row.entity == "employer" and row.entity_id == str(employer.id)
    assert row.after is not None and row.after["file"] == "declaration error report"
    assert row.after["bytes"] == len(response.content)


def test_identity_numbers_are_masked_in_problem_documents(
    client: TestClient, staff: dict[str, Any], records: Any
) -> None:
    person = records.person()
    response = client.post(
        "/api/v1/persons",
        json={"id_number": person.id_number, "name": "Dup", "hukou_type": "urban"},
        headers=_bearer(client, "op-bj"),
    )
    assert response.status_code == 409
    assert person.id_number not in response.text
    assert person.id_number[:6] + "********" + person.id_number[-4:] in response.text


def test_a_demo_users_token_stops_in_production(
    client: TestClient, accounts: Accounts, uow: UnitOfWork, monkeypatch: pytest.MonkeyPatch
) -> None:
    demo = accounts.add("citizen-demo", role="auditor", demo=True)
    monkeypatch.setenv("SAFETYNET_JWT_SECRET", "k" * 40)
    headers = {"Authorization": f"Bearer {users.issue_token(uow, users.principal_of(demo))}"}
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    monkeypatch.setenv("SAFETYNET_ENV", "production")
    assert client.get("/api/v1/me", headers=headers).status_code == 401
    assert _sign_in(client, "citizen-demo").status_code == 401


def test_the_openapi_document_lists_the_sign_in_refusals(client: TestClient) -> None:
    responses = client.get("/openapi.json").json()["paths"]["/api/v1/auth/token"]["post"][
        "responses"
    ]
    assert {"401", "422", "429"} <= set(responses)
    assert "application/problem+json" in responses["429"]["content"]
