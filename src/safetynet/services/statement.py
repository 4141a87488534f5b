"""A person's statement: contribution history, years counted, account balances and the pension
estimate of the rules engine with its explanation.

The estimate says whether it rests on provisional values (``provisional`` and
``provisional_parameters`` in its result): a calculation base carried forward until the new one
is approved, a national stand-in; the base taken "in today's wages" counts too."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import numpy as np
from sqlalchemy import func, select, true

from safetynet.domain.access import Principal
from safetynet.domain.errors import InvalidInput, NotFound
from safetynet.domain.schemes import Account
from safetynet.policy.catalogue import calc
from safetynet.policy.errors import ParameterLookupError, PolicyError
from safetynet.policy.money import fen_to_decimal
from safetynet.policy.parameters import ParameterSet
from safetynet.policy.periods import format_month, month_start, parse_month
from safetynet.policy.provisional import ProvisionalUse, capture
from safetynet.services.accounts import balances
from safetynet.services.law import effective_law
from safetynet.services.scope import visible
from safetynet.services.uow import UnitOfWork
from safetynet.services.validation import current_month
from safetynet.store.contributions import AMOUNT_COLUMNS, ContributionRecord
from safetynet.store.registry import Enrollment, Person

CATEGORIES = ("male", "female_55", "female_50")
INDEX_BOUNDS = (0.6, 3.0)
MAX_MONTHS_BACK = 60


@dataclass
class MonthLine:
    month: str
    worker_type: str
    region_code: int
    amounts_fen: dict[str, int]


@dataclass
class Statement:
    person: Person
    enrollments: list[Enrollment]
    history: list[MonthLine]
    months_counted: int
    balances_fen: dict[str, int]
    average_index: float | None
    estimate: dict[str, Any] | None
    estimate_problem: str | None = None
    estimate_basis: str = "at the statutory retirement month"
    retirement: dict[str, Any] = field(default_factory=dict)

    @property
    def years_counted(self) -> float:
        return round(self.months_counted / 12, 2)


def _history(uow: UnitOfWork, person_id: int, actor: Principal | None = None) -> list[MonthLine]:
    """Net amounts by month and kind of payer (reversals cancel what they reverse); with an
    ``actor``, only the records in its scope (see :mod:`safetynet.services.scope`)."""
    sums = [func.sum(getattr(ContributionRecord, c)) for c in AMOUNT_COLUMNS]
    rows = uow.session.execute(
        select(
            ContributionRecord.month,
            ContributionRecord.worker_type,
            func.max(ContributionRecord.region_code),
            *sums,
        )
        .where(
            ContributionRecord.person_id == person_id,
            true()
            if actor is None
            else visible(actor, ContributionRecord.region_code, ContributionRecord.person_id),
        )
        .group_by(ContributionRecord.month, ContributionRecord.worker_type)
        .order_by(ContributionRecord.month, ContributionRecord.worker_type)
    ).all()
    return [
        MonthLine(
            row[0],
            row[1],
            int(row[2]),
            {c: int(v or 0) for c, v in zip(AMOUNT_COLUMNS, row[3:], strict=True)},
        )
        for row in rows
    ]


ASSUMED_INDEX = 1.0
"""Index used for an estimate when the record gives none (own wage = the average wage); the
statement says so in ``estimate_basis``."""


def _pension_months(lines: list[MonthLine]) -> list[MonthLine]:
    """One line per month with an employee-pension contribution: a month paid by an employer
    and again as a flexible worker (or by two payers) is one month of the record, its bases
    added, not two months."""
    by_month: dict[str, MonthLine] = {}
    for line in lines:
        if line.worker_type not in ("employee", "flexible"):
            continue
        if line.amounts_fen["pension_employee_fen"] <= 0:
            continue
        seen = by_month.get(line.month)
        if seen is None:
            by_month[line.month] = MonthLine(
                line.month, line.worker_type, line.region_code, dict(line.amounts_fen)
            )
        else:
            seen.amounts_fen = {
                c: seen.amounts_fen[c] + line.amounts_fen[c] for c in seen.amounts_fen
            }
    return [by_month[m] for m in sorted(by_month)]


def _average_index(params: ParameterSet, counted: list[MonthLine]) -> float | None:
    """Mean over pension months of base / the region's calculation base of the year."""
    if not counted:
        return None
    months = np.array([parse_month(m.month) for m in counted], dtype=np.int64)
    regions = np.array([m.region_code for m in counted], dtype=np.int64)
    average = params.at(
        "pension.employee.calculation_base", month_start(months), regions, strict=False
    )
    base = np.array([m.amounts_fen["base_fen"] for m in counted], dtype=np.float64) / 100.0
    known = ~np.isnan(average) & (average > 0)
    if not known.any():
        return None
    index = np.clip(base[known] / average[known], *INDEX_BOUNDS)
    return round(float(index.mean()), 4)


def statement(
    uow: UnitOfWork,
    actor: Principal,
    person_id: int,
    *,
    category: str | None = None,
) -> Statement:
    if category is not None and category not in CATEGORIES:
        raise InvalidInput.one("category", f"expected one of {', '.join(CATEGORIES)}")
    with uow:
        person = uow.session.get(Person, person_id)
        if person is None:
            raise NotFound("person", person_id)
        actor.require_person(person.id, person.region_code)
        enrollments = list(
            uow.session.scalars(
                select(Enrollment).where(Enrollment.person_id == person.id).order_by(Enrollment.id)
            )
        )
        history = _history(uow, person.id)
        shown = _history(uow, person.id, actor)
        account_balances = balances(uow, person.id)
        law = effective_law(uow.session)
    pension_months = _pension_months(history)
    average = _average_index(law.params, pension_months)
    result = Statement(
        person, enrollments, shown, len(pension_months), account_balances, average, None
    )
    _estimate(
        law.params, result, person, category or ("male" if person.sex == "male" else "female_50")
    )
    return result


def _latest_calculation_base(
    params: ParameterSet, region: int
) -> tuple[int, Decimal, list[ProvisionalUse]]:
    """The region's pension calculation base in force now (carried forward provisionally
    where this year's is not yet approved), or the last one published, with the provisional
    values it rests on."""
    month = current_month()
    for back in range(MAX_MONTHS_BACK):
        with capture() as log:
            value = params.at(
                "pension.employee.calculation_base",
                month_start(np.array([month - back])),
                np.array([region]),
                strict=False,
            )[0]
        if not np.isnan(value):
            return month - back, Decimal(str(round(float(value), 2))), log.uses()
    raise ParameterLookupError(
        "pension.employee.calculation_base", f"no value in the last {MAX_MONTHS_BACK} months"
    )


def _estimate(params: ParameterSet, result: Statement, person: Person, category: str) -> None:
    """The employee pension at the statutory month, from the record as it stands."""
    birth_month = f"{person.birth_date.year:04d}-{person.birth_date.month:02d}"
    try:
        retirement = calc(
            "retirement_age",
            {"birth_month": birth_month, "category": category},
            parameters=params,
        )
        result.retirement = {"category": category, **retirement.values}
        if not result.months_counted:
            result.estimate_problem = "no employee-pension contributions on record"
            return
        region = next(
            (e.region_code for e in reversed(result.enrollments) if e.scheme == "employee_pension"),
            person.region_code,
        )
        balance_fen = result.balances_fen.get(Account.EMPLOYEE_PENSION.value, 0)
        inputs: dict[str, Any] = {
            "region": f"{region:06d}",
            "birth_month": birth_month,
            "retirement_month": retirement.values["retirement_month"],
            "contribution_months": result.months_counted,
            "avg_contribution_index": result.average_index or ASSUMED_INDEX,
            "account_balance": str(fen_to_decimal(max(balance_fen, 0))),
        }
        assumptions = []
        if result.average_index is None:
            assumptions.append(
                f"average contribution index {ASSUMED_INDEX} assumed: no calculation base is "
                "recorded for the months on record"
            )
        retire_index = parse_month(retirement.values["retirement_month"])
        base_uses: list[ProvisionalUse] = []
        if retire_index > current_month():
            base_month, base, base_uses = _latest_calculation_base(params, region)
            inputs["calc_base"] = str(base)
            assumptions.insert(
                0,
                f"in today's wages: the calculation base of {format_month(base_month)} "
                f"({base} yuan), the account as it stands, no further contributions",
            )
        if assumptions:
            result.estimate_basis = "; ".join(assumptions)
        result.estimate = calc(
            "employee_pension", inputs, explain=True, parameters=params
        ).as_json()
        if base_uses:
            outcome = result.estimate["result"]
            outcome["provisional"] = True
            outcome["provisional_parameters"] = [
                *(use.as_dict() for use in base_uses),
                *outcome["provisional_parameters"],
            ]
    except PolicyError as exc:
        result.estimate_problem = str(exc)
