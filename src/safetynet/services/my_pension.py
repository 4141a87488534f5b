"""My pension: when a person can retire, what they will get if they keep contributing, and why.

The outlook runs the law's kernels on one person's record:

1. ``retirement_age`` gives the statutory month under the 2024 reform (NPC2024) and the flexible
   window; the chosen month must lie in it, and not before the current month.
2. Contributions are assumed to continue from the current month to the month before retirement
   at the current base (the last recorded month's base and account credit, or the base of the
   wage given in a what-if, through the ``contribution`` kernel), so at the same index.
3. The personal account is credited year by year to retirement with ``account_interest`` (the
   crediting rate of each year, 人社部发〔2017〕31号). A year's rate is published after the year:
   for the years not yet published the outlook assumes a rate - the what-if's, or else the last
   published one - states it among the assumptions and flags the estimate provisional.
4. ``employee_pension`` computes the pension at the chosen month from the projected months,
   average index and balance (国发〔2005〕38号), and the minimum-contribution check.

Any other value the law does not know yet (the retirement year's calculation base, this year's
base limits for a wage what-if) is reported by name as missing: nothing is invented. Where the
law layer carries a value forward provisionally, ``calc`` says so and the outlook is flagged
provisional with the values concerned.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from safetynet.domain.access import Principal
from safetynet.domain.errors import InvalidInput
from safetynet.domain.schemes import Account
from safetynet.policy.catalogue import CalcResult, calc, get
from safetynet.policy.errors import ParameterLookupError
from safetynet.policy.money import decimal_to_fen, fen_to_decimal
from safetynet.policy.parameters import ParameterSet, default_parameters
from safetynet.policy.periods import format_month, month_start, parse_month
from safetynet.policy.regions import NATIONAL
from safetynet.services.law import effective_law
from safetynet.services.statement import CATEGORIES, INDEX_BOUNDS, MonthLine, Statement, statement
from safetynet.services.uow import UnitOfWork
from safetynet.services.validation import current_month

PENSION_TYPES = ("employee", "flexible")
RATE = "pension.account.interest_rate"
MAX_RATE = 0.1
FIRST_RATE_YEAR = 1998


@dataclass(frozen=True)
class WhatIf:
    """The what-if inputs: another retirement month, wage, index or category."""

    retirement_month: str | None = None
    monthly_wage: str | None = None
    average_index: float | None = None
    category: str | None = None
    crediting_rate: float | None = None
    """The account's crediting rate assumed for years whose rate is not yet published."""


@dataclass
class Outlook:
    person_id: int
    category: str
    statutory: dict[str, Any]
    retirement_month: str
    choosable_from: str
    choosable_to: str
    months_on_record: int
    index_on_record: float | None
    balance_fen: int
    future_months: int = 0
    future_base_fen: int | None = None
    future_index: float | None = None
    contribution_months: int | None = None
    average_index: float | None = None
    balance_at_retirement_fen: int | None = None
    account_years: list[dict[str, Any]] = field(default_factory=list)
    pension: dict[str, Any] | None = None
    minimum: dict[str, Any] = field(default_factory=dict)
    options: list[dict[str, Any]] = field(default_factory=list)
    explanation: list[dict[str, Any]] = field(default_factory=list)
    assumptions: list[dict[str, Any]] = field(default_factory=list)
    missing: list[dict[str, str]] = field(default_factory=list)
    provisional_values: list[dict[str, Any]] = field(default_factory=list)
    """Values the law layer applied provisionally (carried forward, stand-ins), if any."""

    @property
    def provisional(self) -> bool:
        return bool(self.provisional_values)

    @property
    def complete(self) -> bool:
        return self.pension is not None


def _last_pension_month(history: list[MonthLine]) -> MonthLine | None:
    paid = [
        m
        for m in history
        if m.worker_type in PENSION_TYPES and m.amounts_fen["pension_employee_fen"] > 0
    ]
    return paid[-1] if paid else None


def _check(what: WhatIf) -> None:
    if what.crediting_rate is not None and not 0.0 <= what.crediting_rate <= MAX_RATE:
        raise InvalidInput.one("crediting_rate", f"must be between 0 and {MAX_RATE}")
    if what.category is not None and what.category not in CATEGORIES:
        raise InvalidInput.one("category", f"expected one of {', '.join(CATEGORIES)}")
    if what.average_index is not None and not (
        INDEX_BOUNDS[0] <= what.average_index <= INDEX_BOUNDS[1]
    ):
        raise InvalidInput.one(
            "average_index", f"must be between {INDEX_BOUNDS[0]} and {INDEX_BOUNDS[1]}"
        )


def _note(outlook: Outlook, result: CalcResult) -> CalcResult:
    """Keep the provisional values a calculation used (reported by the law layer's ``calc``)."""
    for use in result.values.get("provisional_parameters", []):
        if use not in outlook.provisional_values:
            outlook.provisional_values.append(use)
    return result


def _steps(result: CalcResult) -> list[dict[str, Any]]:
    """The calculation's steps; a step that uses no parameter cites the calculation's law."""
    law = default_parameters().references
    cited = [law[k].citation() for k in get(result.name).references if k in law]
    return [
        {"calculation": result.name, **step, "references": [] if step["parameters"] else cited}
        for step in result.trace or []
    ]


def _choose_month(age: CalcResult, wanted: str | None) -> tuple[str, str, str]:
    """The retirement month (default: the statutory one, or now when that has passed) and the
    range a person may still choose from."""
    now = current_month()
    earliest = max(parse_month(str(age.values["earliest_retirement_month"])), now)
    latest = parse_month(str(age.values["latest_retirement_month"]))
    statutory = parse_month(str(age.values["retirement_month"]))
    if wanted is None:
        chosen = min(max(statutory, now), max(latest, now))
    else:
        chosen = parse_month(wanted) if _is_month(wanted) else -1
        if chosen < 0:
            raise InvalidInput.one("retirement_month", "expected YYYY-MM")
        if not earliest <= chosen <= max(latest, earliest):
            raise InvalidInput.one(
                "retirement_month",
                f"must lie in the flexible window still open: {format_month(earliest)} to "
                f"{format_month(max(latest, earliest))}",
            )
    return format_month(chosen), format_month(earliest), format_month(max(latest, earliest))


def _is_month(text: str) -> bool:
    try:
        parse_month(text)
    except (ValueError, TypeError):
        return False
    return True


def _future_contribution(
    outlook: Outlook, record: Statement, region: int, what: WhatIf, law: ParameterSet | None
) -> int:
    """The monthly account credit (fen) assumed from now on; sets the future base and index."""
    last = _last_pension_month(record.history)
    if what.monthly_wage is not None:
        worker = last.worker_type if last is not None else "employee"
        result = calc(
            "contribution",
            {
                "monthly_wage": what.monthly_wage,
                "region": f"{region:06d}",
                "month": format_month(current_month()),
                "worker_type": worker,
            },
            explain=True,
            parameters=law,
        )
        outlook.explanation.extend(_steps(_note(outlook, result)))
        outlook.future_base_fen = decimal_to_fen(result.values["base"])
        credit = decimal_to_fen(result.values["pension_account"])
        outlook.assumptions.append({"code": "wage_given", "wage": what.monthly_wage})
    elif last is not None:
        outlook.future_base_fen = last.amounts_fen["base_fen"]
        credit = last.amounts_fen["pension_account_fen"]
        outlook.assumptions.append({"code": "base_continues", "month": last.month})
    else:
        outlook.assumptions.append({"code": "no_contributions"})
        return 0
    outlook.future_index = what.average_index or _index_of(
        outlook.future_base_fen, last, record, law
    )
    return credit


def _index_of(
    base_fen: int | None, last: MonthLine | None, record: Statement, law: ParameterSet | None
) -> float | None:
    """The index of the base against the calculation base of the last recorded month."""
    if base_fen is None or last is None:
        return record.average_index
    average = (law or default_parameters()).at(
        "pension.employee.calculation_base",
        month_start(np.array([parse_month(last.month)])),
        np.array([last.region_code]),
    )[0]
    index = (base_fen / 100.0) / float(average)
    return round(min(max(index, INDEX_BOUNDS[0]), INDEX_BOUNDS[1]), 4)


def _rates(law: ParameterSet, years: np.ndarray) -> np.ndarray:
    return law.at(RATE, month_start(years * 12), np.full(len(years), NATIONAL), strict=False)


def _crediting_law(outlook: Outlook, law: ParameterSet | None, what: WhatIf) -> ParameterSet:
    """The law for the account projection. The crediting rate of a year is published after
    the year (and is never carried forward): for the years to retirement with no published
    rate, the outlook assumes one - the what-if's, or the last published - and says so."""
    params = law or default_parameters()
    years = np.arange(current_month() // 12, parse_month(outlook.retirement_month) // 12 + 1)
    unknown = years[np.isnan(_rates(params, years))]
    if not len(unknown):
        return params
    first = int(unknown[0])
    past = np.arange(FIRST_RATE_YEAR, first)
    published = past[~np.isnan(_rates(params, past))]
    if what.crediting_rate is not None:
        rate, basis = what.crediting_rate, "rate_given"
    elif len(published):
        rate = float(_rates(params, published[-1:])[0])
        basis = "rate_last_published"
    else:
        raise ParameterLookupError(RATE, f"no crediting rate published before {first}")
    note = f"assumed by the pension outlook from {first}: no rate published yet"
    outlook.assumptions.append(
        {
            "code": basis,
            "rate": f"{rate * 100:.2f}",
            "from_year": first,
            "year": int(published[-1]) if len(published) else None,
        }
    )
    outlook.provisional_values.append(
        {
            "parameter": RATE,
            "region": "national",
            "effective_from": f"{first}-01-01",
            "value": rate,
            "kinds": ["assumed"],
            "reason": note,
        }
    )
    entry = {"from": f"{first}-01-01", "value": rate, "source": "MOHRSS-RATES"}
    return params.with_overrides({RATE: {"national": [{**entry, "confidence": "C", "note": note}]}})


def _project_account(outlook: Outlook, monthly_credit_fen: int, law: ParameterSet) -> int:
    """Credit the account year by year from this year to the retirement month."""
    start, retire = current_month(), parse_month(outlook.retirement_month)
    balance = outlook.balance_fen
    for year in range(start // 12, retire // 12 + 1):
        first, end = max(start, year * 12), min(retire, year * 12 + 12)
        months_paid = max(end - first, 0)
        elapsed = 12 if year < retire // 12 else retire % 12
        if elapsed == 0:
            continue
        result = calc(
            "account_interest",
            {
                "account_balance": str(fen_to_decimal(balance)),
                "year": year,
                "year_credits": str(fen_to_decimal(monthly_credit_fen * months_paid)),
                "months_elapsed": elapsed,
            },
            explain=True,
            parameters=law,
        )
        balance = decimal_to_fen(_note(outlook, result).values["balance"])
        outlook.account_years.append(
            {
                "year": year,
                "months": months_paid,
                "credits_fen": decimal_to_fen(result.values["credits"]),
                "rate": float(result.values["rate"]),
                "interest_fen": decimal_to_fen(result.values["interest"]),
                "balance_fen": balance,
                "parameters": [p for s in result.trace or [] for p in s["parameters"]],
            }
        )
    return balance


def _minimum(outlook: Outlook, pension: CalcResult) -> None:
    required = int(pension.values["min_contribution_months"])
    short = int(pension.values["shortfall_months"])
    outlook.minimum = {
        "required_months": required,
        "months_at_retirement": outlook.contribution_months,
        "shortfall_months": short,
        "met": short == 0,
    }
    if short:
        latest = parse_month(outlook.choosable_to)
        retire = parse_month(outlook.retirement_month)
        later = retire + short
        outlook.options = [
            {
                "code": "work_longer",
                "months": short,
                "until": format_month(later),
                "within_window": later <= latest,
                "reference": "SIL art. 16; NPC2024 measures art. 2",
            },
            {"code": "pay_missing", "months": short, "reference": "NPC2024 measures art. 2"},
            {"code": "resident_scheme", "reference": "SIL art. 16"},
        ]


def _estimate(
    outlook: Outlook, record: Statement, region: int, what: WhatIf, law: ParameterSet | None
) -> None:
    credit = _future_contribution(outlook, record, region, what, law)
    now, retire = current_month(), parse_month(outlook.retirement_month)
    outlook.future_months = max(retire - now, 0) if outlook.future_base_fen else 0
    months = outlook.months_on_record + outlook.future_months
    outlook.contribution_months = months
    if months == 0:
        outlook.missing.append({"parameter": "contribution_months", "problem": "no record"})
        return
    past = record.average_index if record.average_index is not None else outlook.future_index
    future = outlook.future_index if outlook.future_index is not None else past
    if past is None or future is None:
        outlook.missing.append({"parameter": "average_index", "problem": "unknown"})
        return
    index = what.average_index or (
        (past * outlook.months_on_record + future * outlook.future_months) / months
    )
    outlook.average_index = round(index, 4)
    crediting = _crediting_law(outlook, law, what)
    outlook.balance_at_retirement_fen = _project_account(outlook, credit, crediting)
    birth = outlook.statutory["birth_month"]
    pension = calc(
        "employee_pension",
        {
            "region": f"{region:06d}",
            "birth_month": birth,
            "retirement_month": outlook.retirement_month,
            "contribution_months": months,
            "avg_contribution_index": outlook.average_index,
            "account_balance": str(fen_to_decimal(outlook.balance_at_retirement_fen)),
        },
        explain=True,
        parameters=law,
    )
    outlook.explanation.append(_account_step(outlook))
    outlook.explanation.extend(_steps(_note(outlook, pension)))
    outlook.pension = pension.as_json()["result"]
    _minimum(outlook, pension)


def _account_step(outlook: Outlook) -> dict[str, Any]:
    cited = {p["name"]: p for y in outlook.account_years for p in y["parameters"]}
    return {
        "calculation": "account_interest",
        "step": "account balance at retirement",
        "formula": "each year: balance x (1 + rate x months/12) + credits + interest on credits",
        "value": float(fen_to_decimal(outlook.balance_at_retirement_fen or 0)),
        "parameters": list(cited.values()),
        "references": [],
    }


def _pension_region(record: Statement, person_region: int) -> int:
    return next(
        (e.region_code for e in reversed(record.enrollments) if e.scheme == "employee_pension"),
        person_region,
    )


def outlook(
    uow: UnitOfWork,
    actor: Principal,
    person_id: int,
    what: WhatIf | None = None,
    *,
    parameters: ParameterSet | None = None,
) -> Outlook:
    """The person's pension outlook (a citizen: their own only), with the what-if inputs,
    under ``parameters`` or else the database's effective law (packaged + approved overlay)."""
    what = what or WhatIf()
    _check(what)
    if parameters is None:
        with uow:
            parameters = effective_law(uow.session).params
    record = statement(uow, actor, person_id, category=what.category)
    person = record.person
    category = what.category or ("male" if person.sex == "male" else "female_50")
    birth = f"{person.birth_date.year:04d}-{person.birth_date.month:02d}"
    age = calc(
        "retirement_age",
        {"birth_month": birth, "category": category},
        explain=True,
        parameters=parameters,
    )
    chosen, first, last = _choose_month(age, what.retirement_month)
    result = Outlook(
        person_id=person.id,
        category=category,
        statutory={"birth_month": birth, **age.as_json()["result"]},
        retirement_month=chosen,
        choosable_from=first,
        choosable_to=last,
        months_on_record=record.months_counted,
        index_on_record=record.average_index,
        balance_fen=max(record.balances_fen.get(Account.EMPLOYEE_PENSION.value, 0), 0),
        explanation=_steps(age),
    )
    _note(result, age)
    try:
        _estimate(result, record, _pension_region(record, person.region_code), what, parameters)
    except ParameterLookupError as exc:
        result.pension = None
        result.missing.append({"parameter": exc.parameter, "problem": exc.problem})
    return result
