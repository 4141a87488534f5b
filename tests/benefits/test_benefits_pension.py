"""Retirement to payroll through the API: eligibility, maker-checker, the monthly payroll with
the annual adjustment, the payment file and the bank's return (SQLite and PostgreSQL)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import pytest
from sqlalchemy import func, select
from tests.benefits.conftest import Api, People

from safetynet.domain.access import Principal, Role
from safetynet.domain.benefits import AwardKind
from safetynet.domain.errors import Conflict
from safetynet.services.benefits import awards
from safetynet.store.benefits import Award, PaymentLine


def test_short_contributions_are_refused_with_the_options(api: Api, people: People) -> None:
    person = people.insured(birth="1965-03-10")
    body = {"person_id": person.id, "deemed_months": 120, "average_index": 1.0}
    check = api.client.post(
        "/api/v1/benefits/retirement/check", json=body, headers=api.as_("maker")
    )
    assert check.status_code == 200, check.text
    decision = check.json()
    assert decision["eligible"] is False
    assert decision["start_month"] == "2025-04"  # statutory age 60y1m under the 2024 reform
    assert "60 months short" in decision["reasons"][0]
    assert any("continue contributing" in o for o in decision["options"])
    refused = api.client.post("/api/v1/benefits/retirement", json=body, headers=api.as_("maker"))
    assert refused.status_code == 409
    assert "not eligible" in refused.json()["detail"]
    unknown = api.client.post(
        "/api/v1/benefits/retirement/check",
        json={"person_id": person.id, "deemed_months": 240},
        headers=api.as_("maker"),
    ).json()
    assert unknown["eligible"] is False and unknown["monthly_amount"] is None
    assert "average contribution index is unknown" in unknown["reasons"][0]


def test_maker_checker(api: Api, people: People) -> None:
    person = people.insured(birth="1965-03-10")
    proposed = api.client.post(
        "/api/v1/benefits/retirement",
        json={"person_id": person.id, "deemed_months": 240, "average_index": 1.0},
        headers=api.as_("maker"),
    )
    assert proposed.status_code == 201, proposed.text
    award = proposed.json()
    assert award["status"] == "proposed"
    assert award["monthly_amount"] == "4819.60"
    assert "GF2005-38" in award["references"]
    assert any(step.get("calculation") == "employee_pension" for step in award["explanation"])
    url = f"/api/v1/benefits/awards/{award['id']}/approve"
    assert api.client.post(url, headers=api.as_("maker")).status_code == 403
    assert api.client.post(url, headers=api.as_("sichuan")).status_code == 403
    approved = api.client.post(url, headers=api.as_("checker"))
    assert approved.status_code == 200
    assert approved.json()["status"] == "active"
    again = api.client.post(url, headers=api.as_("checker"))
    assert again.status_code == 409
    assert "cannot approve" in again.json()["detail"]
    assert (
        api.client.post(
            "/api/v1/benefits/awards/999999/approve", headers=api.as_("checker")
        ).status_code
        == 404
    )
    duplicate = api.client.post(
        "/api/v1/benefits/retirement",
        json={"person_id": person.id, "deemed_months": 240, "average_index": 1.0},
        headers=api.as_("maker"),
    )
    assert duplicate.status_code == 409


def test_payroll_pays_each_month_once_with_the_annual_adjustment(api: Api, people: People) -> None:
    award = people.pensioner(birth="1964-03-10")
    start = award["start_month"]
    run = people.payroll("2026-11")
    assert run["status"] == "completed"
    lines = api.client.get(
        f"/api/v1/benefits/awards/{award['id']}/payments", headers=api.as_("maker")
    ).json()
    months = [line["for_month"] for line in lines]
    assert months[0] == start and months[-1] == "2026-11"
    assert len(months) == len(set(months))
    by_month = {line["for_month"]: Decimal(line["amount"]) for line in lines}
    base = Decimal(award["monthly_amount"])
    assert by_month["2024-12"] == base
    assert by_month["2025-01"] == (base * Decimal("1.02")).quantize(Decimal("0.01"), ROUND_HALF_UP)
    assert Decimal(run["total"]) == sum(by_month.values())
    assert Decimal(run["regular"]) == by_month["2026-11"]

    rerun = people.payroll("2026-11")
    assert rerun["id"] == run["id"] and rerun["new_lines"] == 0 and rerun["total"] == run["total"]

    csv_text = api.client.get(
        f"/api/v1/benefits/payroll/{run['id']}/payment-file", headers=api.as_("maker")
    ).text
    rows = [r.split(",") for r in csv_text.strip().splitlines()]
    assert rows[0][0] == "line_id" and rows[-1][0] == "TOTAL"
    assert int(rows[-1][1]) == len(lines) and Decimal(rows[-1][2]) == Decimal(run["total"])

    first, *rest = lines
    returned = "line_id,amount,status,note\n" + f"{first['id']},{first['amount']},failed,closed\n"
    returned += "".join(f"{r['id']},{r['amount']},paid,\n" for r in rest)
    url = f"/api/v1/benefits/payroll/{run['id']}/bank-return"
    result = api.client.post(url, files={"file": ("r.csv", returned)}, headers=api.as_("maker"))
    assert result.status_code == 200, result.text
    assert result.json()["failed"] == 1 and result.json()["paid"] == len(rest)
    again = api.client.post(url, files={"file": ("r.csv", returned)}, headers=api.as_("maker"))
    assert again.json()["changed"] == 0

    following = people.payroll("2026-12")
    later = api.client.get(
        f"/api/v1/benefits/payroll/{following['id']}/lines", headers=api.as_("maker")
    ).json()
    assert {(x["kind"], x["for_month"]) for x in later} == {
        ("arrears", first["for_month"]),
        ("regular", "2026-12"),
    }


def test_bank_return_errors_name_the_rows(api: Api, people: People) -> None:
    people.pensioner()
    run = people.payroll("2026-11")
    bad = "line_id,amount,status,note\n999999,1.00,paid,\n"
    response = api.client.post(
        f"/api/v1/benefits/payroll/{run['id']}/bank-return",
        files={"file": ("r.csv", bad)},
        headers=api.as_("maker"),
    )
    assert response.status_code == 422
    assert response.json()["errors"][0] == {
        "field": "line_id",
        "problem": f"'999999' is not a line of run {run['id']}",
        "row": 2,
    }


def test_an_operator_of_another_province_cannot_pay_or_read(api: Api, people: People) -> None:
    award = people.pensioner()
    refused = api.client.post(
        "/api/v1/benefits/payroll",
        json={"region": "110000", "month": "2026-11"},
        headers=api.as_("sichuan"),
    )
    assert refused.status_code == 403
    assert (
        api.client.get(
            f"/api/v1/benefits/awards/{award['id']}", headers=api.as_("sichuan")
        ).status_code
        == 403
    )
    own = people.payroll("2026-11", region="510000", user="sichuan")
    assert own["lines"] == 0


def test_an_off_cycle_payment_is_not_paid_again_by_the_payroll(api: Api, people: People) -> None:
    award = people.pensioner(birth="1964-03-10")
    url = f"/api/v1/benefits/awards/{award['id']}/pay"
    paid = api.client.post(url, json={"month": "2026-10"}, headers=api.as_("maker"))
    assert paid.status_code == 200, paid.text
    assert paid.json()["lines"] == paid.json()["new_lines"] > 0
    again = api.client.post(url, json={"month": "2026-10"}, headers=api.as_("maker"))
    assert again.json()["id"] == paid.json()["id"] and again.json()["new_lines"] == 0
    run = people.payroll("2026-11")
    lines = api.client.get(
        f"/api/v1/benefits/payroll/{run['id']}/lines", headers=api.as_("maker")
    ).json()
    assert [(x["kind"], x["for_month"]) for x in lines] == [("regular", "2026-11")]


def test_an_award_made_again_after_one_ended_does_not_pay_its_months_twice(
    api: Api, people: People
) -> None:
    # an award ended (to be re-made on corrected facts): a new award of the same kind from the
    # same start would have the payroll pay every month the first one paid again, as arrears
    admin = Principal("admin-test", Role.ADMIN)
    award = people.pensioner(birth="1964-03-10")
    people.payroll("2026-03")
    awards.end_award(people.uow, admin, award["id"], last_month="2026-03", reason="re-assessed")
    again = api.client.post(
        "/api/v1/benefits/retirement",
        json={"person_id": award["person_id"], "deemed_months": 240, "average_index": 1.0},
        headers=api.as_("maker"),
    )
    assert again.status_code == 409, again.text
    assert "2026-03" in again.text
    people.payroll("2026-04")
    with people.uow:
        twice = people.uow.session.execute(
            select(PaymentLine.for_month)
            .where(PaymentLine.person_id == award["person_id"])
            .group_by(PaymentLine.for_month)
            .having(func.count() > 1)
        ).all()
    assert twice == []
    # a new award from the month after the last one covered is the way to re-make it
    later = awards.propose(
        people.uow,
        admin,
        person_id=award["person_id"],
        kind=AwardKind.EMPLOYEE_PENSION,
        region_code=110105,
        start_month="2026-04",
        amount_fen=100_000,
        inputs={},
        explanation=[],
        references=[],
    )
    assert later.start_month == "2026-04"


def test_two_proposals_at_once_leave_one_live_award(
    people: People, monkeypatch: pytest.MonkeyPatch
) -> None:
    # two operators propose for the same person at the same moment: both checks for a live
    # award find none (simulated here); the database's unique index lets only one through
    admin = Principal("admin-test", Role.ADMIN)
    person = people.pensioner(birth="1964-03-10")["person_id"]
    monkeypatch.setattr(awards, "live_awards", lambda *args, **kwargs: [])
    with pytest.raises(Conflict, match="already has a live employee_pension award"):
        awards.propose(
            people.uow,
            admin,
            person_id=person,
            kind=AwardKind.EMPLOYEE_PENSION,
            region_code=110105,
            start_month="2027-01",
            amount_fen=100_000,
            inputs={},
            explanation=[],
            references=[],
        )
    with people.uow:
        live = people.uow.session.scalars(
            select(Award).where(
                Award.person_id == person,
                Award.status.in_(("proposed", "active", "suspended")),
            )
        ).all()
    assert len(live) == 1
