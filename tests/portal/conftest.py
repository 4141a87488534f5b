"""Fixtures of the portal tests: a Beijing employee with six months of contributions, a
household with a young child, a pensioner, and the law with the values not yet published
filled in (what the law layer's provisional carry-forward will provide)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from safetynet.domain.access import Principal, Role
from safetynet.policy.parameters import ParameterSet, default_parameters
from safetynet.services import declarations, registry
from safetynet.services.benefits import awards
from safetynet.services.uow import UnitOfWork
from safetynet.store.registry import Person

ADMIN = Principal("admin-test", Role.ADMIN)
BEIJING = Principal("op-bj", Role.OPERATOR, region_code=110000)
SICHUAN = Principal("op-sc", Role.OPERATOR, region_code=510000)
MONTHS = ("2025-01", "2025-02", "2025-03", "2025-04", "2025-05", "2025-06")


@dataclass
class Portal:
    worker: Person
    other: Person
    parent: Person
    child: Person
    outsider_child: Person

    def citizen(self, person: Person) -> Principal:
        return Principal(f"citizen-{person.id}", Role.CITIZEN, person_id=person.id)


@pytest.fixture
def portal(uow: UnitOfWork, records: Any) -> Portal:
    employer = records.employer(region=110105)
    worker, other = records.employees(employer, 2)
    for month in MONTHS:
        declarations.submit(
            uow,
            ADMIN,
            employer_id=employer.id,
            month=month,
            version=1,
            frame=declarations.rows_frame(
                [
                    {"id_number": worker.id_number, "monthly_wage": "10000"},
                    {"id_number": other.id_number, "monthly_wage": "7000"},
                ]
            ),
            source="test",
        )
    household = registry.create_household(uow, ADMIN, region="110105", hukou_type="urban")
    parent = records.person(birth="1992-03-01", male=False, name="Parent")
    registry.correct_person(uow, ADMIN, parent.id, {"household_id": household.id}, reason="t")
    child = registry.register_person(
        uow,
        ADMIN,
        id_number=records.id_number(birth="2025-05-10"),
        name="Child",
        hukou_type="urban",
        household_id=household.id,
    )
    outsider_child = records.person(birth="2025-04-02", name="Other Child")
    return Portal(worker, other, parent, child, outsider_child)


@pytest.fixture
def pensioner(uow: UnitOfWork, records: Any) -> Person:
    """A flexible worker born in 1964 with an approved employee pension."""
    person = records.person(birth="1964-03-15", name="Pensioner")
    registry.enroll(
        uow,
        ADMIN,
        person_id=person.id,
        worker_type="flexible",
        region="110105",
        start_month="2020-01",
    )
    award = awards.propose_retirement(
        uow, BEIJING, person_id=person.id, category="male", deemed_months=300, average_index=1.0
    )
    awards.approve(uow, ADMIN, award.id)
    return person


BEIJING_BASE_2026 = {
    "pension.employee.calculation_base": {
        "110000": [{"from": "2026-01-01", "value": 12049, "source": "BJ2025-13", "confidence": "C"}]
    }
}


@pytest.fixture(scope="session")
def law_with_base() -> ParameterSet:
    """Today's law with Beijing's calculation base known from 2026 (crediting rates not)."""
    return default_parameters().with_overrides(BEIJING_BASE_2026)


@pytest.fixture(scope="session")
def law_with_values() -> ParameterSet:
    """Today's law with the unpublished 2026+ values filled in by the last known ones."""
    entry = {"source": "MOHRSS-RATES", "confidence": "C", "note": "test: carried forward"}
    return default_parameters().with_overrides(
        {
            "pension.account.interest_rate": {
                "national": [{"from": "2026-01-01", "value": 0.015, **entry}]
            },
            "pension.employee.calculation_base": {
                "110000": [{"from": "2026-01-01", "value": 12049, **entry, "source": "BJ2025-13"}]
            },
        }
    )
