"""Deaths and existence verification through the API (SQLite and PostgreSQL)."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import update
from tests.benefits.conftest import Api, People

from safetynet.policy.periods import format_month
from safetynet.services.validation import current_month
from safetynet.store.benefits import Award


def test_death_stops_payments_and_computes_the_overpayment(api: Api, people: People) -> None:
    award = people.pensioner()
    people.payroll("2026-11")
    death = api.client.post(
        f"/api/v1/benefits/persons/{award['person_id']}/death",
        json={"death_date": "2026-09-15"},
        headers=api.as_("maker"),
    )
    assert death.status_code == 201, death.text
    outcome = death.json()["outcome"]
    assert outcome["payments_stop_after"] == "2026-09"
    lines = api.client.get(
        f"/api/v1/benefits/awards/{award['id']}/payments", headers=api.as_("maker")
    ).json()
    after = sum(Decimal(x["amount"]) for x in lines if x["for_month"] > "2026-09")
    assert Decimal(outcome["overpayment_fen"]) / 100 == after > 0
    assert {b["status"] for b in outcome["death_benefits"]} == {"unknown"}
    ended = api.client.get(f"/api/v1/benefits/awards/{award['id']}", headers=api.as_("maker"))
    assert ended.json()["status"] == "ended" and ended.json()["end_month"] == "2026-09"
    assert people.payroll("2026-12")["lines"] == 0
    statement = api.client.get(
        f"/api/v1/benefits/persons/{award['person_id']}/statement", headers=api.as_("auditor")
    ).json()
    assert Decimal(statement["overpayments"][0]["amount"]) == after
    again = api.client.post(
        f"/api/v1/benefits/persons/{award['person_id']}/death",
        json={"death_date": "2026-09-15"},
        headers=api.as_("maker"),
    )
    assert again.status_code == 409
    future = api.client.post(
        f"/api/v1/benefits/persons/{award['person_id']}/death",
        json={"death_date": "2099-01-01"},
        headers=api.as_("maker"),
    )
    assert future.status_code == 422 and future.json()["errors"][0]["field"] == "death_date"


def test_a_newly_approved_award_is_verified_in_its_approval_month(api: Api, people: People) -> None:
    award = people.pensioner()  # starts in 2024 (retired at 60 in 2024-04), approved now
    this_month = format_month(current_month())
    assert award["start_month"] < this_month
    with people.uow:
        stored = people.uow.session.get(Award, award["id"])
        assert stored is not None and stored.verified_month == this_month
    suspended = api.client.post(
        "/api/v1/benefits/existence/suspend-overdue",
        json={"region": "110000", "month": this_month},
        headers=api.as_("maker"),
    )
    assert suspended.status_code == 200, suspended.text
    assert suspended.json() == {"suspended": []}


def test_unverified_awards_are_suspended_and_reinstated_with_arrears(
    api: Api, people: People
) -> None:
    award = people.pensioner()
    with people.uow:  # last verified more than a year before 2026-11
        people.uow.session.execute(
            update(Award).where(Award.id == award["id"]).values(verified_month="2025-10")
        )
        people.uow.commit()
    suspended = api.client.post(
        "/api/v1/benefits/existence/suspend-overdue",
        json={"region": "110000", "month": "2026-11"},
        headers=api.as_("maker"),
    )
    assert suspended.json() == {"suspended": [award["id"]]}
    assert people.payroll("2026-11")["lines"] == 0
    refused = api.client.post(
        f"/api/v1/benefits/awards/{award['id']}/pay",
        json={"month": "2026-11"},
        headers=api.as_("maker"),
    )
    assert refused.status_code == 409
    assert refused.json()["detail"] == f"award {award['id']} is suspended: cannot pay it"
    verified = api.client.post(
        f"/api/v1/benefits/persons/{award['person_id']}/existence",
        json={"month": "2026-11"},
        headers=api.as_("checker"),
    )
    assert verified.status_code == 200, verified.text
    assert verified.json()[0]["status"] == "active"
    run = people.payroll("2026-12")
    lines = api.client.get(
        f"/api/v1/benefits/payroll/{run['id']}/lines", headers=api.as_("maker")
    ).json()
    months = sorted(x["for_month"] for x in lines)
    assert months[0] == award["start_month"] and months[-1] == "2026-12"
    assert sum(x["kind"] == "regular" for x in lines) == 1
    assert Decimal(run["arrears"]) > 0
