"""Flexible and resident payments, year-end crediting, statements and the audit log."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from sqlalchemy import func, select

import safetynet
from safetynet.domain.errors import Conflict, Forbidden, InvalidInput
from safetynet.policy.money import decimal_to_fen
from safetynet.policy.periods import month_start, parse_month
from safetynet.services import accounts, audit, declarations, registry
from safetynet.services.law import effective_law
from safetynet.services.statement import statement
from safetynet.services.uow import UnitOfWork
from safetynet.store.access import AuditEntry
from safetynet.store.contributions import AccountEntry


def _flexible(uow: UnitOfWork, records: Any, who: Any) -> Any:
    person = records.person()
    registry.enroll(
        uow,
        who.admin,
        person_id=person.id,
        worker_type="flexible",
        region="110105",
        start_month="2025-07",
    )
    return person


def test_flexible_worker_pays_by_the_rules(uow: UnitOfWork, records: Any, who: Any) -> None:
    person = _flexible(uow, records, who)
    posting = accounts.pay_flexible(
        uow, who.beijing, person_id=person.id, month="2025-08", monthly_base="8000"
    )
    expected = safetynet.calc(
        "contribution",
        {"monthly_wage": "8000", "region": "110105", "month": "2025-08", "worker_type": "flexible"},
    )
    assert posting.record.pension_employee_fen == decimal_to_fen(expected["pension_employee"])
    assert posting.record.medical_employee_fen == decimal_to_fen(expected["medical_employee"])
    assert posting.entries[0].amount_fen == decimal_to_fen(expected["pension_account"])
    assert posting.record.unemployment_employee_fen == 0
    assert not posting.provisional  # Beijing's recorded 2025 floor and premium
    with pytest.raises(Conflict):
        accounts.pay_flexible(
            uow, who.admin, person_id=person.id, month="2025-08", monthly_base="8000"
        )
    with pytest.raises(InvalidInput) as caught:
        accounts.pay_flexible(
            uow, who.admin, person_id=person.id, month="2025-09", monthly_base="-1"
        )
    assert caught.value.problems[0].field == "monthly_base"
    with pytest.raises(Conflict):
        accounts.pay_flexible(
            uow, who.admin, person_id=records.person().id, month="2025-08", monthly_base="8000"
        )


def test_a_flexible_payment_on_values_not_yet_approved_says_so(
    uow: UnitOfWork, records: Any, who: Any
) -> None:
    person = _flexible(uow, records, who)
    posting = accounts.pay_flexible(
        uow, who.beijing, person_id=person.id, month="2026-08", monthly_base="5000"
    )
    assert posting.record.base_fen == 716_200  # Beijing's 2025 floor, carried forward
    assert posting.provisional
    reasons = {p["parameter"]: p["reason"] for p in posting.provisional_parameters}
    assert "until the value from 2026-07-01 is approved" in reasons["contribution.base_floor"]
    with uow:
        after = uow.session.scalar(
            select(AuditEntry.after).where(AuditEntry.action == "contribution.flexible")
        )
    assert after is not None and after["provisional"] is True


def test_resident_pays_a_grade_and_a_premium(uow: UnitOfWork, records: Any, who: Any) -> None:
    person = records.person(region=510100)
    registry.enroll(
        uow,
        who.sichuan,
        person_id=person.id,
        worker_type="resident",
        region="510100",
        start_month="2024-01",
    )
    posting = accounts.pay_resident(
        uow, who.sichuan, person_id=person.id, year=2025, pension_grade=500, medical_premium="400"
    )
    assert (posting.record.resident_pension_fen, posting.record.resident_medical_fen) == (
        50_000,
        40_000,
    )
    assert [e.account for e in posting.entries] == ["resident_pension"]
    with pytest.raises(Conflict):
        accounts.pay_resident(uow, who.sichuan, person_id=person.id, year=2025, pension_grade=200)
    with pytest.raises(InvalidInput) as caught:
        accounts.pay_resident(uow, who.sichuan, person_id=person.id, year=2024, pension_grade=550)
    assert caught.value.problems[0].field == "pension_grade"
    with pytest.raises(Forbidden):
        accounts.pay_resident(uow, who.beijing, person_id=person.id, year=2024, pension_grade=200)


def _declare(
    uow: UnitOfWork,
    who: Any,
    employer: Any,
    people: list[Any],
    month: str,
    wage: str,
    version: int = 1,
) -> None:
    """The employer's declaration of the month: every person at the same wage."""
    declarations.submit(
        uow,
        who.admin,
        employer_id=employer.id,
        month=month,
        version=version,
        frame=declarations.rows_frame(
            [{"id_number": p.id_number, "monthly_wage": wage} for p in people]
        ),
    )


def test_year_end_crediting_matches_the_rule_and_never_credits_twice(
    uow: UnitOfWork, records: Any, who: Any
) -> None:
    employer = records.employer()
    people = records.employees(employer, 2, start_month="2024-01")
    for month in ("2024-06", "2024-07"):
        _declare(uow, who, employer, people, month, "10000")
    first = accounts.credit_year(uow, who.admin, year=2024)
    again = accounts.credit_year(uow, who.admin, year=2024)
    assert (first.credited, again.credited, again.already) == (2, 0, 2)
    with uow:
        credits = uow.session.scalar(
            select(func.sum(AccountEntry.amount_fen)).where(
                AccountEntry.person_id == people[0].id, AccountEntry.kind == "contribution"
            )
        )
        interest = uow.session.scalar(
            select(AccountEntry.amount_fen).where(
                AccountEntry.person_id == people[0].id, AccountEntry.kind == "interest"
            )
        )
    rule = safetynet.calc(
        "account_interest",
        {"account_balance": "0", "year": 2024, "year_credits": str((credits or 0) / 100)},
    )
    assert interest == decimal_to_fen(rule["interest"]) and first.interest_fen == 2 * interest
    second_year = accounts.credit_year(uow, who.admin, year=2025)
    assert second_year.credited == 2
    with pytest.raises(InvalidInput) as caught:
        accounts.credit_year(uow, who.admin, year=2026)
    assert caught.value.problems[0].field == "year"
    with pytest.raises(Forbidden):
        accounts.credit_year(uow, who.auditor, year=2024)


def test_statement_counts_months_and_explains_the_estimate(
    uow: UnitOfWork, records: Any, who: Any
) -> None:
    employer = records.employer()
    [person] = records.employees(employer, 1, start_month="2025-01")
    for month in ("2025-01", "2025-02", "2025-03"):
        _declare(uow, who, employer, [person], month, "12049")
    _declare(uow, who, employer, [person], "2025-02", "24098", version=2)
    result = statement(uow, who.citizen(person.id), person.id)
    assert result.months_counted == 3 and result.years_counted == 0.25
    assert [m.month for m in result.history] == ["2025-01", "2025-02", "2025-03"]
    assert result.history[1].amounts_fen["base_fen"] == 2_409_800
    assert result.balances_fen["employee_pension"] == (96_392 + 192_784 + 96_392)
    assert result.average_index is not None and 1.3 < result.average_index < 1.4
    assert result.estimate is not None and result.estimate["explanation"]
    assert result.estimate["result"]["eligible"] is False
    # today's base (2026) is not yet approved: Beijing's 2025 base applies provisionally
    assert result.estimate["result"]["provisional"] is True
    assert any(
        p["parameter"] == "pension.employee.calculation_base" and "carried forward" in p["reason"]
        for p in result.estimate["result"]["provisional_parameters"]
    )
    assert result.retirement["retirement_month"] > "2040-01"
    with pytest.raises(Forbidden):
        statement(uow, who.citizen(person.id + 1), person.id)
    with pytest.raises(Forbidden):
        statement(uow, who.sichuan, person.id)


def test_a_month_paid_by_the_employer_and_as_a_flexible_worker_counts_once(
    uow: UnitOfWork, records: Any, who: Any
) -> None:
    # left the job in August and paid August again as a flexible worker: two records of one
    # month, one by the employer and one of their own; the month counts once
    employer = records.employer()
    [person] = records.employees(employer, 1, start_month="2025-07")
    for month in ("2025-07", "2025-08"):
        _declare(uow, who, employer, [person], month, "12049")
    [spell] = registry.list_employment(uow, who.admin, person.id)
    registry.end_employment(uow, who.admin, spell_id=spell.id, end_month="2025-08")
    registry.enroll(
        uow,
        who.admin,
        person_id=person.id,
        worker_type="flexible",
        region="110105",
        start_month="2025-08",
    )
    accounts.pay_flexible(
        uow, who.admin, person_id=person.id, month="2025-08", monthly_base="12049"
    )
    result = statement(uow, who.admin, person.id)
    assert [(m.month, m.worker_type) for m in result.history] == [
        ("2025-07", "employee"),
        ("2025-08", "employee"),
        ("2025-08", "flexible"),
    ]
    assert result.months_counted == 2
    # each month once in the index, on the bases of all its payers
    with uow:
        law = effective_law(uow.session)
    base = 1_204_900
    averages = law.params.at(
        "pension.employee.calculation_base",
        month_start(np.array([parse_month("2025-07"), parse_month("2025-08")])),
        np.array([110105, 110105]),
        strict=False,
    )
    expected = np.mean(np.clip([base / 100 / averages[0], 2 * base / 100 / averages[1]], 0.6, 3))
    assert result.average_index == round(float(expected), 4)


def test_audit_log_is_for_auditors(uow: UnitOfWork, records: Any, who: Any) -> None:
    records.person()
    assert [e.action for e in audit.list_entries(uow, who.auditor)] == ["person.register"]
    with pytest.raises(Forbidden):
        audit.list_entries(uow, who.beijing)
