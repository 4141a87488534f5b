"""Fixtures of the benefit tests: the API over each database, signed-in users of two provinces
(a maker and a checker in Beijing, an operator in Sichuan) and people ready to retire."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from safetynet.api.app import create_app
from safetynet.domain.access import Principal, Role
from safetynet.services import registry, users
from safetynet.services.uow import UnitOfWork
from safetynet.store.access import User
from safetynet.store.registry import Person

ADMIN = Principal("admin-test", Role.ADMIN)
PASSWORD = "benefits-secret-1"


@dataclass
class Api:
    client: TestClient
    tokens: dict[str, dict[str, str]]

    def as_(self, user: str) -> dict[str, str]:
        return self.tokens[user]


@pytest.fixture(scope="session")
def password_hash() -> str:
    """Hashed once: argon2 is deliberately slow, and sign-in is tested with the access API."""
    return users.hash_password(PASSWORD)


@pytest.fixture
def api(engine: Engine, uow: UnitOfWork, password_hash: str) -> Iterator[Api]:
    accounts = {
        "maker": Principal("maker", Role.OPERATOR, region_code=110000),
        "checker": Principal("checker", Role.OPERATOR, region_code=110000),
        "sichuan": Principal("sichuan", Role.OPERATOR, region_code=510000),
        "sichuan2": Principal("sichuan2", Role.OPERATOR, region_code=510000),
        "auditor": Principal("auditor", Role.AUDITOR),
    }
    with uow:
        uow.session.add_all(
            User(
                username=name,
                password_hash=password_hash,
                role=p.role.value,
                region_code=p.region_code,
            )
            for name, p in accounts.items()
        )
        uow.commit()
    with TestClient(create_app(engine)) as client:
        tokens = {
            name: {"Authorization": f"Bearer {users.issue_token(uow, p)}"}
            for name, p in accounts.items()
        }
        yield Api(client, tokens)


class People:
    """Builds insured people and approved awards for a test."""

    def __init__(self, records: Any, uow: UnitOfWork, api: Api) -> None:
        self.records, self.uow, self.api = records, uow, api

    def insured(
        self,
        *,
        birth: str,
        region: int = 110105,
        worker_type: str = "flexible",
        start_month: str = "2020-01",
    ) -> Person:
        """A person enrolled as a flexible worker or resident in the region since then."""
        person: Person = self.records.person(region=region, birth=birth)
        registry.enroll(
            self.uow,
            ADMIN,
            person_id=person.id,
            worker_type=worker_type,
            region=f"{region:06d}",
            start_month=start_month,
        )
        return person

    def pensioner(self, *, birth: str = "1964-03-10", deemed_months: int = 240) -> dict[str, Any]:
        """A Beijing flexible worker retired at the statutory month, award approved."""
        person = self.insured(birth=birth)
        proposed = self.api.client.post(
            "/api/v1/benefits/retirement",
            json={"person_id": person.id, "deemed_months": deemed_months, "average_index": 1.0},
            headers=self.api.as_("maker"),
        )
        assert proposed.status_code == 201, proposed.text
        award = proposed.json()
        approved = self.api.client.post(
            f"/api/v1/benefits/awards/{award['id']}/approve", headers=self.api.as_("checker")
        )
        assert approved.status_code == 200, approved.text
        return dict(approved.json())

    def payroll(self, month: str, region: str = "110000", user: str = "maker") -> Any:
        response = self.api.client.post(
            "/api/v1/benefits/payroll",
            json={"region": region, "month": month},
            headers=self.api.as_(user),
        )
        assert response.status_code == 200, response.text
        return response.json()


@pytest.fixture
def people(records: Any, uow: UnitOfWork, api: Api) -> People:
    return People(records, uow, api)
