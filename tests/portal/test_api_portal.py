"""The portal and analysis resources over HTTP: activation to sign-in, the outlook and its
what-if, the PDF and its public verification, applications, the analyst, and the refusals."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from tests.portal.conftest import Portal

from safetynet.api.app import create_app
from safetynet.services import users
from safetynet.services.uow import UnitOfWork
from safetynet.store.access import User

PASSWORD = "portal-secret-1"


@pytest.fixture(scope="session")
def password_hash() -> str:
    return users.hash_password(PASSWORD)


@pytest.fixture
def client(
    engine: Engine, uow: UnitOfWork, portal: Portal, password_hash: str
) -> Iterator[TestClient]:
    with uow:
        uow.session.add_all(
            [
                User(
                    username="op-bj",
                    password_hash=password_hash,
                    role="operator",
                    region_code=110000,
                ),
                User(username="analyst", password_hash=password_hash, role="analyst"),
                User(
                    username="parent",
                    password_hash=password_hash,
                    role="citizen",
                    person_id=portal.parent.id,
                ),
            ]
        )
        uow.commit()
    with TestClient(create_app(engine)) as test_client:
        yield test_client


def _headers(client: TestClient, username: str, password: str = PASSWORD) -> dict[str, str]:
    reply = client.post("/api/v1/auth/token", data={"username": username, "password": password})
    assert reply.status_code == 200, reply.text
    return {"Authorization": f"Bearer {reply.json()['access_token']}"}


def test_activation_outlook_pdf_and_verification(client: TestClient, portal: Portal) -> None:
    operator = _headers(client, "op-bj")
    issued = client.post(
        f"/api/v1/persons/{portal.worker.id}/activation-code", json={}, headers=operator
    )
    assert issued.status_code == 201
    body = {
        "id_number": portal.worker.id_number,
        "code": issued.json()["code"],
        "username": "worker",
        "password": "my-own-password",
    }
    assert client.post("/api/v1/auth/activate", json=body).json() == {
        "username": "worker",
        "person_id": portal.worker.id,
    }
    assert client.post("/api/v1/auth/activate", json=body).status_code == 401
    me = _headers(client, "worker", "my-own-password")
    outlook = client.get(f"/api/v1/persons/{portal.worker.id}/pension-outlook", headers=me)
    assert outlook.status_code == 200
    body_out = outlook.json()
    assert body_out["missing"] or body_out["provisional"]
    bad = client.get(
        f"/api/v1/persons/{portal.worker.id}/pension-outlook",
        params={"retirement_month": "2030-01"},
        headers=me,
    )
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "retirement_month"
    assert (
        client.get(f"/api/v1/persons/{portal.other.id}/pension-outlook", headers=me).status_code
        == 403
    )
    pdf = client.get(f"/api/v1/persons/{portal.worker.id}/statement.pdf", headers=me)
    assert pdf.headers["content-type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    code = pdf.headers["x-verification-code"]
    check = client.get(f"/api/v1/verify/{code}")
    assert (
        check.status_code == 200 and check.json()["genuine"] and check.json()["unchanged"] is None
    )
    same = client.post(f"/api/v1/verify/{code}", files={"file": ("s.pdf", pdf.content)})
    assert same.json()["unchanged"] is True
    other = client.post(f"/api/v1/verify/{code}", files={"file": ("s.pdf", b"%PDF-1.4 forged")})
    assert other.json()["unchanged"] is False
    assert client.get("/api/v1/verify/NOTACODE").status_code == 404
    assert (
        client.get(f"/api/v1/persons/{portal.other.id}/statement.pdf", headers=me).status_code
        == 403
    )


def test_a_childcare_application_over_http(client: TestClient, portal: Portal) -> None:
    parent = _headers(client, "parent")
    members = client.get("/api/v1/me/household", headers=parent).json()
    assert [m["person_id"] for m in members] == [portal.child.id]
    assert portal.child.id_number not in str(members)
    applied = client.post(
        "/api/v1/me/applications/childcare",
        json={"child_person_id": portal.child.id},
        headers=parent,
    )
    assert applied.status_code == 201 and applied.json()["status"] == "proposed"
    queue = client.get(
        "/api/v1/benefits/awards", params={"status": "proposed"}, headers=_headers(client, "op-bj")
    ).json()
    assert applied.json()["id"] in [a["id"] for a in queue]
    refused = client.post(
        "/api/v1/me/applications/childcare",
        json={"child_person_id": portal.outsider_child.id},
        headers=parent,
    )
    assert refused.status_code == 403
    assert client.post("/api/v1/me/applications/existence", headers=parent).status_code == 409


def test_the_analyst_compares_and_downloads_but_sees_no_person(
    client: TestClient, portal: Portal
) -> None:
    analyst = _headers(client, "analyst")
    body: dict[str, Any] = {
        "scenarios": ["baseline", "no_reform"],
        "employer_rate": 0.14,
        "end_year": 2050,
    }
    compared = client.post("/api/v1/analysis/projections", json=body, headers=analyst)
    assert compared.status_code == 200
    assert compared.json()["scenarios"] == ["baseline", "no_reform", "baseline+custom"]
    csv = client.post("/api/v1/analysis/projections.csv", json=body, headers=analyst)
    assert csv.text.lstrip("\ufeff").startswith("scenario,year,reserve")
    xlsx = client.post("/api/v1/analysis/projections.xlsx", json=body, headers=analyst)
    assert xlsx.content.startswith(b"PK")
    assert client.get("/api/v1/analysis/scenarios", headers=analyst).json()["baseline"]
    assert client.get("/api/v1/analysis/batch", headers=analyst).status_code == 200
    bad = client.post(
        "/api/v1/analysis/projections", json={"fertility_variant": "x"}, headers=analyst
    )
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "fertility_variant"
    assert client.get(f"/api/v1/persons/{portal.worker.id}", headers=analyst).status_code == 403
    assert client.get("/api/v1/persons", headers=analyst).json()["items"] == []
    parent = _headers(client, "parent")
    assert client.post("/api/v1/analysis/projections", json=body, headers=parent).status_code == 403
