"""Transfers between provinces and the residents' pension through the API (both databases)."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.attributes import set_committed_value
from tests.benefits.conftest import ADMIN, Api

from safetynet.services import accounts, registry
from safetynet.services.benefits import transfers
from safetynet.services.uow import UnitOfWork
from safetynet.store.contributions import AccountEntry, ContributionRecord


def beijing_worker(records: Any, uow: UnitOfWork) -> Any:
    """Five years of contributions in Beijing (base 10,000) and 50,000 in the account."""
    person = records.person(region=110105, birth="1980-05-17")
    with uow:
        uow.session.add_all(
            ContributionRecord(
                person_id=person.id,
                month=f"{2015 + m // 12}-{m % 12 + 1:02d}",
                region_code=110105,
                worker_type="flexible",
                kind="contribution",
                base_fen=1_000_000,
                pension_employee_fen=200_000,
                pension_account_fen=80_000,
            )
            for m in range(60)
        )
        uow.session.add(
            AccountEntry(
                person_id=person.id,
                account="employee_pension",
                kind="contribution",
                amount_fen=5_000_000,
                month="2019-12",
                year=2019,
                region_code=110105,
            )
        )
        uow.commit()
    return person


def test_transfer_moves_the_account_between_regions(
    api: Api, records: Any, uow: UnitOfWork
) -> None:
    person = beijing_worker(records, uow)
    requested = api.client.post(
        "/api/v1/benefits/transfers",
        json={"person_id": person.id, "to_region": "510104", "month": "2026-03"},
        headers=api.as_("maker"),
    )
    assert requested.status_code == 201, requested.text
    transfer = requested.json()
    assert (transfer["account"], transfer["pooled"], transfer["contribution_months"]) == (
        "50000.00",
        "72000.00",
        60,  # 12 % x 60 months x 10,000
    )
    assert transfer["explanation"]
    url = f"/api/v1/benefits/transfers/{transfer['id']}/complete"
    assert api.client.post(url, headers=api.as_("maker")).status_code == 403
    done = api.client.post(url, headers=api.as_("sichuan"))
    assert done.status_code == 200 and done.json()["status"] == "completed"
    assert api.client.post(url, headers=api.as_("sichuan")).status_code == 409
    with uow:
        moves = uow.session.execute(
            select(AccountEntry.kind, AccountEntry.amount_fen, AccountEntry.region_code)
            .where(AccountEntry.person_id == person.id, AccountEntry.kind.like("transfer%"))
            .order_by(AccountEntry.id)
        ).all()
    assert [tuple(m) for m in moves] == [
        ("transfer_out", -5_000_000, 110105),
        ("transfer_in", 5_000_000, 510104),
    ]
    place = api.client.get(
        f"/api/v1/benefits/persons/{person.id}/claim-place",
        params={"month": "2040-06"},
        headers=api.as_("maker"),
    )
    assert place.status_code == 200, place.text
    assert place.json()["result"]["claim_region"] == "110000"  # the hukou province (step 1)
    same = api.client.post(
        "/api/v1/benefits/transfers",
        json={"person_id": person.id, "to_region": "110108", "month": "2026-03"},
        headers=api.as_("maker"),
    )
    assert same.status_code == 409


def test_a_transfer_completed_twice_at_once_moves_the_account_once(
    api: Api, records: Any, uow: UnitOfWork, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the second request read the transfer as "requested" before the first committed
    person = beijing_worker(records, uow)
    transfer = api.client.post(
        "/api/v1/benefits/transfers",
        json={"person_id": person.id, "to_region": "510104", "month": "2026-03"},
        headers=api.as_("maker"),
    ).json()
    url = f"/api/v1/benefits/transfers/{transfer['id']}/complete"
    assert api.client.post(url, headers=api.as_("sichuan")).status_code == 200
    read = transfers._transfer

    def read_before_the_first_committed(uow: UnitOfWork, transfer_id: int) -> Any:
        found = read(uow, transfer_id)
        set_committed_value(found, "status", "requested")
        return found

    monkeypatch.setattr(transfers, "_transfer", read_before_the_first_committed)
    second = api.client.post(url, headers=api.as_("sichuan"))
    assert second.status_code == 409 and "completed meanwhile" in second.text
    with uow:
        moves = uow.session.scalars(
            select(AccountEntry.kind).where(
                AccountEntry.person_id == person.id, AccountEntry.kind.like("transfer%")
            )
        ).all()
    assert sorted(moves) == ["transfer_in", "transfer_out"]


def test_residents_pension_contributions_subsidy_and_award(
    api: Api, records: Any, uow: UnitOfWork
) -> None:
    person = records.person(region=510104, birth="1965-01-10")
    registry.enroll(
        uow,
        ADMIN,
        person_id=person.id,
        worker_type="resident",
        region="510104",
        start_month="2010-01",
    )
    for year in range(2011, 2026):
        accounts.pay_resident(uow, ADMIN, person_id=person.id, year=year, pension_grade=500)
    subsidy = api.client.post(
        "/api/v1/benefits/resident/subsidy",
        json={"person_id": person.id, "year": 2025},
        headers=api.as_("sichuan"),
    )
    assert subsidy.status_code == 201, subsidy.text
    assert subsidy.json()["amount"] == "60.00"  # grades of 500 and more: at least 60
    again = api.client.post(
        "/api/v1/benefits/resident/subsidy",
        json={"person_id": person.id, "year": 2025},
        headers=api.as_("sichuan"),
    )
    assert again.status_code == 409
    # the database refuses a second subsidy for the year even past the service's check
    with uow, pytest.raises(IntegrityError):
        uow.session.add(
            AccountEntry(
                person_id=person.id,
                account="resident_pension",
                kind="subsidy",
                amount_fen=6_000,
                month="2025-01",
                year=2025,
                region_code=510104,
            )
        )
        uow.session.flush()
    proposed = api.client.post(
        "/api/v1/benefits/retirement",
        json={"person_id": person.id, "scheme": "resident"},
        headers=api.as_("sichuan"),
    )
    assert proposed.status_code == 201, proposed.text
    award = proposed.json()
    assert award["start_month"] == "2025-01"
    assert award["monthly_amount"] == "197.39"  # 143 + (15 x 500 + 60) / 139
    approved = api.client.post(
        f"/api/v1/benefits/awards/{award['id']}/approve", headers=api.as_("sichuan2")
    )
    assert approved.status_code == 200
    young = records.person(region=510104, birth="1990-01-10")
    refused = api.client.post(
        "/api/v1/benefits/retirement/check",
        json={"person_id": young.id, "scheme": "resident"},
        headers=api.as_("sichuan"),
    )
    assert refused.json()["eligible"] is False


def test_retirement_is_claimed_where_the_ten_year_rule_says(
    api: Api, records: Any, uow: UnitOfWork
) -> None:
    """Hukou in Sichuan, 4 years in Guangdong, then 11 in Beijing where the relation now is:
    art. 6 step 2, the pension is claimed in Beijing."""
    person = registry.register_person(
        uow,
        ADMIN,
        id_number=records.id_number(region=510104, birth="1964-03-10"),
        name="Mover",
        hukou_type="urban",
        region="110105",
    )
    registry.enroll(
        uow,
        ADMIN,
        person_id=person.id,
        worker_type="flexible",
        region="110105",
        start_month="2012-01",
    )
    spells = [(440100, 2000, 48), (110105, 2012, 132)]
    with uow:
        uow.session.add_all(
            ContributionRecord(
                person_id=person.id,
                month=f"{year + m // 12}-{m % 12 + 1:02d}",
                region_code=region,
                worker_type="flexible",
                kind="contribution",
                base_fen=500_000,
                pension_employee_fen=100_000,
            )
            for region, year, months in spells
            for m in range(months)
        )
        uow.commit()
    check = api.client.post(
        "/api/v1/benefits/retirement/check",
        json={"person_id": person.id, "average_index": 1.0},
        headers=api.as_("maker"),
    ).json()
    assert check["eligible"] is True, check["reasons"]
    assert check["region"] == "110105" and check["facts"]["claim_place_step"] == 2
    assert any(step.get("calculation") == "transfer" for step in check["explanation"])
