"""The personal-account divisor (计发月数) of 国发〔2005〕38号 (REFERENCE §1.3).

Whole ages come from the table. For retirements from 2025-01-01 the table is refined to months
by linear interpolation between adjacent ages, rounded half-up to 0.1 (REFERENCE §1.3, grade B:
it reproduces the two published points 60y1m -> 138.4 and 50y1m -> 194.6); before that date
the divisor is the table's value at the whole age (the months beyond it do not count). The date
of the refinement is the parameter ``pension.employee.account_divisor_by_month``; without a
retirement date the rule in force today (by month) applies.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from safetynet.policy.catalogue import Field, register
from safetynet.policy.errors import InputError
from safetynet.policy.money import round_half_up
from safetynet.policy.parameters import ParameterSet
from safetynet.policy.periods import month_start
from safetynet.policy.regions import NATIONAL
from safetynet.policy.trace import NO_TRACE, Trace

DIVISOR = "pension.employee.account_divisor"
BY_MONTH = "pension.employee.account_divisor_by_month"


def divisor(
    p: ParameterSet,
    age_months: npt.ArrayLike,
    on: npt.ArrayLike | None = None,
    trace: Trace = NO_TRACE,
) -> np.ndarray:
    """Divisor for ages given in months (NaN outside the table) at retirement dates ``on``
    (None: the rule in force today, refined by month)."""
    age = np.asarray(age_months, dtype=np.int64)
    parameter = p[DIVISOR]
    first = min(s.dates[0] for s in parameter.series.values())
    when = np.maximum(np.asarray(on, dtype="datetime64[D]"), first) if on is not None else first
    if on is None:
        refined: np.ndarray = np.ones(age.shape, dtype=bool)
    else:
        refined = p.at(BY_MONTH, when, NATIONAL, trace=trace) >= 0.5
    years = age // 12
    months = np.where(refined, age % 12, 0)
    lower = parameter.table_at(when, NATIONAL, years, trace=trace, strict=False)
    upper = parameter.table_at(when, NATIONAL, years + 1, strict=False)
    upper = np.where(months == 0, lower, upper)
    value = round_half_up(lower - (lower - upper) * months / 12.0, 1)
    trace.step(
        "divisor",
        "table value at the whole age, less the step to the next age times months/12 "
        "(months count for retirements from 2025-01-01), rounded half-up to 0.1",
        value,
    )
    return value


@register(
    "annuity_divisor",
    "Months over which the personal-account balance is paid (计发月数), by age at retirement, "
    "interpolated by month.",
    inputs=[
        Field("age_years", "int", "whole years of age at retirement (40-70)"),
        Field(
            "age_months", "int", "months beyond the whole years (0-11)", required=False, default=0
        ),
        Field("retirement_month", "month", "month of retirement (dates the table)", required=False),
    ],
    outputs=[Field("divisor", "number", "months of the account pension")],
    references=("GF2005-38 attachment", "Jinan 12345 reply 2025"),
)
def annuity_divisor(
    p: ParameterSet,
    *,
    age_years: np.ndarray,
    age_months: np.ndarray,
    retirement_month: np.ndarray | None = None,
    trace: Trace = NO_TRACE,
) -> dict[str, np.ndarray]:
    if ((age_months < 0) | (age_months > 11)).any():
        raise InputError("age_months", "must be between 0 and 11")
    on = month_start(retirement_month) if retirement_month is not None else None
    value = divisor(p, age_years * 12 + age_months, on, trace)
    if np.isnan(value).any():
        raise InputError("age_years", "outside the divisor table (40 to 70)")
    return {"divisor": value}
