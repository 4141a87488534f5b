"""Unemployment, work injury, dibao, childcare and disability subsidies through the API: each
decided by the rules engine, approved by a second operator and paid by the same payroll."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from tests.benefits.conftest import ADMIN, Api, People

from safetynet.services import registry
from safetynet.services.uow import UnitOfWork
from safetynet.store.contributions import ContributionRecord


def approve(api: Api, award: dict[str, Any]) -> None:
    response = api.client.post(
        f"/api/v1/benefits/awards/{award['id']}/approve", headers=api.as_("checker")
    )
    assert response.status_code == 200, response.text


def employee(records: Any, uow: UnitOfWork, months: int) -> Any:
    """An employee of a Beijing employer with ``months`` of unemployment contributions."""
    employer = records.employer(region=110105)
    person = records.person(birth="1985-02-01")
    registry.start_employment(
        uow, ADMIN, person_id=person.id, employer_id=employer.id, start_month="2023-01"
    )
    with uow:
        uow.session.add_all(
            ContributionRecord(
                person_id=person.id,
                month=f"{2023 + m // 12}-{m % 12 + 1:02d}",
                region_code=110105,
                worker_type="employee",
                kind="contribution",
                employer_id=employer.id,
                base_fen=1_000_000,
                unemployment_employer_fen=5_000,
                unemployment_employee_fen=5_000,
            )
            for m in range(months)
        )
        uow.commit()
    return person


def test_unemployment_duration_follows_the_contribution_record(
    api: Api, records: Any, uow: UnitOfWork
) -> None:
    person = employee(records, uow, months=30)
    response = api.client.post(
        "/api/v1/benefits/unemployment",
        json={"person_id": person.id, "month": "2026-01", "monthly_amount": "2000.00"},
        headers=api.as_("maker"),
    )
    assert response.status_code == 201, response.text
    award = response.json()
    assert (award["start_month"], award["end_month"]) == ("2026-01", "2026-12")  # 12 months
    assert award["monthly_amount"] == "2000.00"
    approve(api, award)
    people_paid = api.client.post(
        "/api/v1/benefits/payroll",
        json={"region": "110000", "month": "2026-03"},
        headers=api.as_("maker"),
    )
    assert people_paid.json()["lines"] == 3  # 2026-01 to 2026-03
    ended = api.client.post(
        f"/api/v1/benefits/awards/{award['id']}/end",
        json={"last_month": "2026-02", "reason": "found a job in 2026-03"},
        headers=api.as_("maker"),
    )
    assert ended.status_code == 200, ended.text
    assert (ended.json()["status"], ended.json()["end_month"]) == ("ended", "2026-02")
    statement = api.client.get(
        f"/api/v1/benefits/persons/{person.id}/statement", headers=api.as_("maker")
    ).json()
    assert statement["overpayments"][0]["amount"] == "2000.00"
    short = employee(records, uow, months=6)
    refused = api.client.post(
        "/api/v1/benefits/unemployment",
        json={"person_id": short.id, "month": "2026-01", "monthly_amount": "2000.00"},
        headers=api.as_("maker"),
    )
    assert refused.status_code == 409 and "6 contribution months" in refused.json()["detail"]


def test_reversed_months_do_not_count_for_unemployment(
    api: Api, records: Any, uow: UnitOfWork
) -> None:
    # 30 months declared, 20 of them reversed by corrections: 10 months remain, short of 12
    person = employee(records, uow, months=30)
    with uow:
        originals = uow.session.query(ContributionRecord).filter_by(person_id=person.id).all()
        uow.session.add_all(
            ContributionRecord(
                person_id=person.id,
                month=record.month,
                region_code=110105,
                worker_type="employee",
                kind="reversal",
                employer_id=record.employer_id,
                reverses_id=record.id,
                base_fen=-record.base_fen,
                unemployment_employer_fen=-5_000,
                unemployment_employee_fen=-5_000,
            )
            for record in originals[:20]
        )
        uow.commit()
    refused = api.client.post(
        "/api/v1/benefits/unemployment",
        json={"person_id": person.id, "month": "2026-01", "monthly_amount": "2000.00"},
        headers=api.as_("maker"),
    )
    assert refused.status_code == 409 and "10 contribution months" in refused.json()["detail"]


def test_work_injury_lump_sum_and_monthly_allowance(
    api: Api, records: Any, uow: UnitOfWork
) -> None:
    person = employee(records, uow, months=12)
    response = api.client.post(
        "/api/v1/benefits/work-injury",
        json={"person_id": person.id, "month": "2026-03", "grade": 4, "monthly_wage": "8000"},
        headers=api.as_("maker"),
    )
    assert response.status_code == 201, response.text
    lump, monthly = response.json()
    assert (lump["kind"], lump["monthly_amount"], lump["end_month"]) == (
        "injury_lump_sum",
        "168000.00",
        "2026-03",  # 21 months of wage (art. 35)
    )
    assert (monthly["kind"], monthly["monthly_amount"]) == ("injury_monthly", "6000.00")  # 75 %
    rejected = api.client.post(
        f"/api/v1/benefits/awards/{monthly['id']}/reject",
        json={"reason": "assessment under appeal"},
        headers=api.as_("checker"),
    )
    assert rejected.json()["status"] == "rejected"
    no_reason = api.client.post(
        f"/api/v1/benefits/awards/{lump['id']}/reject",
        json={"reason": " "},
        headers=api.as_("checker"),
    )
    assert no_reason.status_code == 422 and no_reason.json()["errors"][0]["field"] == "reason"
    bad = api.client.post(
        "/api/v1/benefits/work-injury",
        json={"person_id": person.id, "month": "2026-03", "grade": 11, "monthly_wage": "8000"},
        headers=api.as_("maker"),
    )
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "grade"


def test_assistance_is_paid_by_the_same_payroll(api: Api, people: People, records: Any) -> None:
    adult = records.person(birth="1980-05-17")
    dibao = api.client.post(
        "/api/v1/benefits/dibao",
        json={
            "person_id": adult.id,
            "month": "2026-10",
            "area": "urban",
            "household_size": 3,
            "household_monthly_income": "2000",
            "local_dibao_line": "1450",
        },
        headers=api.as_("maker"),
    )
    assert dibao.status_code == 201, dibao.text
    assert dibao.json()["monthly_amount"] == "2350.00"  # 3 x 1,450 - 2,000
    child = records.person(birth="2024-06-10")
    childcare = api.client.post(
        "/api/v1/benefits/childcare",
        json={"child_person_id": child.id},
        headers=api.as_("maker"),
    )
    assert childcare.status_code == 201, childcare.text
    assert (childcare.json()["start_month"], childcare.json()["end_month"]) == (
        "2025-01",
        "2027-06",
    )
    disability = api.client.post(
        "/api/v1/benefits/disability",
        json={
            "person_id": adult.id,
            "month": "2026-10",
            "disability_grade": 1,
            "disability_type": "physical",
            "household_status": "dibao",
        },
        headers=api.as_("maker"),
    )
    assert disability.status_code == 201, disability.text
    for award in [dibao.json(), childcare.json(), *disability.json()]:
        approve(api, award)
    run = people.payroll("2026-11")
    lines = api.client.get(
        f"/api/v1/benefits/payroll/{run['id']}/lines", headers=api.as_("maker")
    ).json()
    by_award: dict[int, Decimal] = {}
    for line in lines:
        by_award[line["award_id"]] = by_award.get(line["award_id"], Decimal(0)) + Decimal(
            line["amount"]
        )
    assert by_award[dibao.json()["id"]] == Decimal("4700.00")  # 2026-10 and 2026-11
    assert by_award[childcare.json()["id"]] == Decimal("6900.00")  # 23 months x 300
    assert len(by_award) == 4
    rich = api.client.post(
        "/api/v1/benefits/dibao",
        json={
            "person_id": records.person(birth="1980-05-17").id,
            "month": "2026-10",
            "area": "urban",
            "household_size": 1,
            "household_monthly_income": "9000",
            "local_dibao_line": "1450",
        },
        headers=api.as_("maker"),
    )
    assert rich.status_code == 409
