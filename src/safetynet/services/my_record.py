"""A person's record as the citizen portal shows it: who, enrollments, contributions by month and
year, the personal account's growth by year, awards and payments, this year's medical claims with
the deductible met and the basic fund's ceiling left, and pension transfers.

Read-only, one scope rule: the statement's (a citizen: their own record only).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import numpy as np
from sqlalchemy import func, select

from safetynet.domain.access import Principal
from safetynet.domain.identity import mask_id
from safetynet.domain.schemes import Account
from safetynet.policy.errors import ParameterLookupError
from safetynet.policy.money import decimal_to_fen
from safetynet.policy.parameters import ParameterSet
from safetynet.services.benefits import awards, claims, payroll
from safetynet.services.law import effective_law
from safetynet.services.statement import statement
from safetynet.services.uow import UnitOfWork
from safetynet.store.benefits import Award, MedicalClaim, PaymentLine, PensionTransfer
from safetynet.store.contributions import AccountEntry
from safetynet.store.registry import Enrollment, Person

CEILINGS = {"employee": "medical.employee_ceiling"}


@dataclass
class MedicalYear:
    year: int
    claims: list[MedicalClaim]
    deductible_met_fen: int
    basic_paid_fen: dict[str, int]
    ceiling_fen: dict[str, int | None]

    def ceiling_left_fen(self, setting: str) -> int | None:
        ceiling = self.ceiling_fen.get(setting)
        if ceiling is None:
            return None
        return max(ceiling - self.basic_paid_fen.get(setting, 0), 0)


@dataclass
class MyRecord:
    person: Person
    masked_id: str
    enrollments: list[Enrollment]
    months: list[tuple[str, int, int]]
    """(month, pension contributions in fen, contribution base in fen)."""
    years: list[tuple[str, int, int]]
    """(year, months with a pension contribution, pension contributions in fen)."""
    account_years: list[dict[str, int]]
    """Employee-pension account by year: credits, interest, closing balance (fen)."""
    awards: list[Award]
    payments: list[PaymentLine]
    medical: MedicalYear | None
    transfers: list[PensionTransfer] = field(default_factory=list)


def _months(history: Any) -> list[tuple[str, int, int]]:
    by_month: dict[str, list[int]] = {}
    for line in history:
        a = line.amounts_fen
        total = by_month.setdefault(line.month, [0, 0])
        total[0] += a["pension_employer_fen"] + a["pension_employee_fen"]
        total[1] = max(total[1], a["base_fen"])
    return [(m, v[0], v[1]) for m, v in sorted(by_month.items())]


def _years(months: list[tuple[str, int, int]]) -> list[tuple[str, int, int]]:
    by_year: dict[str, list[int]] = {}
    for month, paid, _ in months:
        total = by_year.setdefault(month[:4], [0, 0])
        total[0] += 1 if paid > 0 else 0
        total[1] += paid
    return [(y, v[0], v[1]) for y, v in sorted(by_year.items())]


def _account_years(uow: UnitOfWork, person_id: int) -> list[dict[str, int]]:
    rows = uow.session.execute(
        select(AccountEntry.year, AccountEntry.kind, func.sum(AccountEntry.amount_fen))
        .where(
            AccountEntry.person_id == person_id,
            AccountEntry.account == Account.EMPLOYEE_PENSION.value,
        )
        .group_by(AccountEntry.year, AccountEntry.kind)
        .order_by(AccountEntry.year)
    ).all()
    years: dict[int, dict[str, int]] = {}
    for year, kind, amount in rows:
        entry = years.setdefault(int(year), {"year": int(year), "credits": 0, "interest": 0})
        entry["interest" if kind == "interest" else "credits"] += int(amount or 0)
    balance = 0
    out = []
    for year in sorted(years):
        entry = years[year]
        balance += entry["credits"] + entry["interest"]
        out.append({**entry, "balance": balance})
    return out


def _ceiling(law: ParameterSet, region: int, year: int, setting: str) -> int | None:
    try:
        value = law[CEILINGS["employee"]].table_at(
            np.array([np.datetime64(dt.date(year, 1, 1))]), np.array([region]), np.array([setting])
        )[0]
    except ParameterLookupError:
        return None
    return decimal_to_fen(Decimal(str(value)))


def _fen(value: object) -> int:
    return decimal_to_fen(Decimal(str(value or 0)))


def _medical(uow: UnitOfWork, actor: Principal, person: Person) -> MedicalYear | None:
    """The latest year with claims (this year's, when there are any)."""
    settled = claims.claims_of(uow, actor, person.id)
    if not settled:
        return None
    year = max(c.year for c in settled)
    this_year = [c for c in settled if c.year == year]
    state = this_year[-1].year_to_date
    paid = {
        "outpatient": _fen(state.get("outpatient_basic_paid")),
        "inpatient": _fen(state.get("inpatient_basic_paid")),
    }
    with uow:
        law = effective_law(uow.session).params
    ceiling = {s: _ceiling(law, this_year[-1].region_code, year, s) for s in paid}
    return MedicalYear(year, this_year, _fen(state.get("outpatient_deductible_met")), paid, ceiling)


def my_record(uow: UnitOfWork, actor: Principal, person_id: int) -> MyRecord:
    """Everything the citizen page shows (scope: the statement's)."""
    record = statement(uow, actor, person_id)
    person = record.person
    months = _months(record.history)
    with uow:
        account_years = _account_years(uow, person.id)
        transfers = list(
            uow.session.scalars(
                select(PensionTransfer)
                .where(PensionTransfer.person_id == person.id)
                .order_by(PensionTransfer.id)
            )
        )
    return MyRecord(
        person=person,
        masked_id=mask_id(person.id_number),
        enrollments=record.enrollments,
        months=months,
        years=_years(months),
        account_years=account_years,
        awards=awards.list_awards(uow, actor, person_id=person.id, limit=500),
        payments=payroll.lines_of(uow, actor, person_id=person.id),
        medical=_medical(uow, actor, person),
        transfers=transfers,
    )
