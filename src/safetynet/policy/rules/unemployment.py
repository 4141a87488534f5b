"""Unemployment insurance benefit (REFERENCE §5.1): eligibility, maximum duration and amount.

Eligible: at least the minimum cumulative contribution months and an involuntary job loss
(registration as unemployed and job search are taken as given). The maximum duration follows
the band of cumulative contribution (1-<5 years 12 months, 5-<10 18, 10+ 24). The monthly
amount is set by each province between the urban dibao line and the minimum wage; no regional
amount is recorded, so the input ``monthly_amount`` is needed unless a region's parameter
exists.
"""

from __future__ import annotations

import numpy as np

from safetynet.policy.catalogue import MAX_CAREER_MONTHS, Field, register
from safetynet.policy.money import to_fen
from safetynet.policy.parameters import ParameterSet
from safetynet.policy.periods import MonthArray, month_start
from safetynet.policy.regions import NATIONAL
from safetynet.policy.rules.kernel_support import (
    band_value,
    per_row,
    require,
    row_count,
    value_where,
)
from safetynet.policy.trace import NO_TRACE, Trace


@register(
    "unemployment_benefit",
    "Eligibility for unemployment benefit, its maximum months by cumulative contribution, and "
    "the monthly and maximum total amounts.",
    inputs=[
        Field("month", "month", "month of the job loss, YYYY-MM"),
        Field("region", "region", "insured region, 6-digit code"),
        Field(
            "contribution_months",
            "int",
            "cumulative unemployment-insurance contribution months",
            maximum=MAX_CAREER_MONTHS,
        ),
        Field(
            "involuntary",
            "bool",
            "the job loss was not the worker's own choice",
        ),
        Field(
            "monthly_amount",
            "money",
            "the province's monthly benefit; needed where no regional amount is recorded",
            required=False,
        ),
    ],
    outputs=[
        Field("eligible", "bool", "entitled to unemployment benefit"),
        Field("max_benefit_months", "int", "maximum months of benefit (0 if not eligible)"),
        Field("monthly_benefit", "money", "monthly benefit (0 if not eligible)"),
        Field("max_total_benefit", "money", "monthly benefit x maximum months"),
    ],
    references=("UI1999 arts. 14, 17, 18", "SIL arts. 45-47"),
)
def unemployment_benefit(
    p: ParameterSet,
    *,
    month: MonthArray,
    region: np.ndarray,
    contribution_months: np.ndarray,
    involuntary: np.ndarray,
    monthly_amount: np.ndarray | None = None,
    trace: Trace = NO_TRACE,
) -> dict[str, np.ndarray]:
    rows = row_count(month, region, contribution_months, involuntary, monthly_amount)
    months = per_row(contribution_months, rows, "contribution_months", np.int64)
    require(
        (months >= 0) & (months <= MAX_CAREER_MONTHS),
        "contribution_months",
        f"must be between 0 and {MAX_CAREER_MONTHS}",
    )
    days = month_start(per_row(month, rows, "month", np.int64))
    regions = per_row(region, rows, "region", np.int64)
    national = np.full(rows, NATIONAL, dtype=np.int64)
    lost_involuntarily = per_row(involuntary, rows, "involuntary", bool)
    minimum = value_where(
        p,
        "unemployment.min_contribution_months",
        days,
        national,
        np.ones(rows, dtype=bool),
        trace=trace,
    )
    eligible = (months >= minimum) & lost_involuntarily
    trace.step(
        "eligible",
        "contribution months at least the minimum, and the job loss involuntary",
        eligible,
    )
    band = band_value(p, "unemployment.max_benefit_months", days, months, trace=trace)
    max_months = np.where(eligible, np.nan_to_num(band), 0).astype(np.int64)
    trace.step(
        "maximum months", "months of the contribution band (1-<5 years, 5-<10, 10+)", max_months
    )
    given = (
        np.full(rows, np.nan)
        if monthly_amount is None
        else per_row(monthly_amount, rows, "monthly_amount", np.float64)
    )
    regional = value_where(
        p, "unemployment.monthly_benefit", days, regions, eligible & np.isnan(given), trace=trace
    )
    monthly = np.where(
        eligible, to_fen(np.nan_to_num(np.where(np.isnan(given), regional, given))), 0
    )
    trace.step(
        "monthly benefit", "the input monthly amount, else the region's parameter", monthly, "fen"
    )
    total = monthly * max_months
    trace.step("maximum total", "monthly benefit x maximum months", total, "fen")
    return {
        "eligible": eligible,
        "max_benefit_months": max_months,
        "monthly_benefit": monthly,
        "max_total_benefit": total,
    }


__all__ = ["unemployment_benefit"]
