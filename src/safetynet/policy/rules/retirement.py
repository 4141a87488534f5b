"""Statutory retirement age under the 2024 gradual reform (REFERENCE §2, §1.4, §12).

The rule in force is the one in force in the month a person reaches the original age (60, 55 or
50): reaching it from 2025-01 on, the age rises by one month for every 4 (2 for ``female_50``)
months of birth cohort, the first cohort already by one month, up to 36 (60) months.
"""

from __future__ import annotations

import numpy as np

from safetynet.policy.catalogue import Field, register
from safetynet.policy.parameters import ParameterSet
from safetynet.policy.periods import MonthArray, month_start
from safetynet.policy.regions import NATIONAL
from safetynet.policy.trace import NO_TRACE, Trace

CATEGORIES = ("male", "female_55", "female_50")


UNKNOWN_MONTHS = -1
"""Minimum contribution months where none is recorded (retirements before 1998)."""


def age_text(months: np.ndarray) -> np.ndarray:
    """Ages in months as text such as ``60y1m`` (numpy string ops, no Python loop)."""
    years = np.char.mod("%dy", months // 12)
    return np.char.add(years, np.char.mod("%dm", months % 12)).astype(object)


def _clip_to_first(p: ParameterSet, name: str, days: np.ndarray) -> np.ndarray:
    first = min(s.dates[0] for s in p[name].series.values())
    return np.asarray(np.maximum(days, first))


def statutory_retirement(
    p: ParameterSet, birth_month: MonthArray, category: np.ndarray, trace: Trace = NO_TRACE
) -> dict[str, np.ndarray]:
    """Delay, statutory age and month, flexible window and minimum contribution months."""
    birth_month = np.asarray(birth_month, dtype=np.int64)
    category = np.asarray(category)
    original = p["pension.retirement.original_age"]
    original_years = original.table_at(
        _clip_to_first(p, original.name, month_start(birth_month)),
        NATIONAL,
        category,
        trace=trace,
    ).astype(np.int64)
    original_month = birth_month + original_years * 12
    trace.step("original age", "original statutory age for the category", original_years)

    when = _clip_to_first(p, "pension.retirement.delay_step_months", month_start(original_month))
    step = (
        p["pension.retirement.delay_step_months"]
        .table_at(when, NATIONAL, category, trace=trace)
        .astype(np.int64)
    )
    max_delay = (
        p["pension.retirement.max_delay_months"]
        .table_at(when, NATIONAL, category, trace=trace)
        .astype(np.int64)
    )
    reform_start = p["pension.retirement.delay_step_months"].effective_at(when, NATIONAL)
    start_month = reform_start.astype("datetime64[M]").astype(np.int64) + 1970 * 12
    cohorts_after = original_month - start_month
    delay = np.where(
        step > 0,
        np.minimum(max_delay, 1 + cohorts_after // np.maximum(step, 1)),
        0,
    )
    trace.step(
        "delay",
        "months from the reform start to reaching the original age, one extra month per step "
        "of cohort, the first cohort already delayed by one month, capped at the maximum",
        delay,
    )
    statutory_months = original_years * 12 + delay
    retirement_month = birth_month + statutory_months
    trace.step("statutory age", "original age plus the delay, in months", statutory_months)
    trace.step("retirement month", "birth month plus the statutory age", retirement_month, "month")

    retire_day = month_start(retirement_month)
    early = p.at(
        "pension.retirement.flexible_early_months",
        _clip_to_first(p, "pension.retirement.flexible_early_months", retire_day),
        NATIONAL,
        trace=trace,
    )
    late = p.at(
        "pension.retirement.flexible_late_months",
        _clip_to_first(p, "pension.retirement.flexible_late_months", retire_day),
        NATIONAL,
        trace=trace,
    )
    earliest = np.maximum(original_month, retirement_month - early.astype(np.int64))
    latest = retirement_month + late.astype(np.int64)
    trace.step(
        "flexible window",
        "earliest: the statutory month less the early allowance, never before the original "
        "age; latest: the statutory month plus the late allowance",
        earliest,
        "month",
    )
    minimum = p.at(
        "pension.retirement.min_contribution_months",
        retire_day,
        NATIONAL,
        trace=trace,
        strict=False,
    )
    minimum = np.where(np.isnan(minimum), UNKNOWN_MONTHS, minimum).astype(np.int64)
    trace.step(
        "minimum contribution",
        "minimum contribution months for the calendar year the statutory age is reached",
        minimum,
    )
    return {
        "delay_months": delay,
        "statutory_age_years": statutory_months // 12,
        "statutory_age_months": statutory_months % 12,
        "original_retirement_month": original_month,
        "retirement_month": retirement_month,
        "earliest_retirement_month": earliest,
        "latest_retirement_month": latest,
        "min_contribution_months": minimum,
    }


@register(
    "retirement_age",
    "Statutory retirement age and month under the 2024 gradual reform, the flexible window "
    "and the minimum contribution months for the retirement year.",
    inputs=[
        Field("birth_month", "month", "month of birth, YYYY-MM"),
        Field(
            "category",
            "choice",
            "male; female_55 (cadre, original age 55); female_50 (worker, original age 50)",
            choices=CATEGORIES,
        ),
    ],
    outputs=[
        Field("delay_months", "int", "months added to the original age by the reform"),
        Field("statutory_age", "text", "statutory age as years and months, e.g. 60y1m"),
        Field("statutory_age_years", "int", "whole years of the statutory age"),
        Field("statutory_age_months", "int", "months beyond the whole years"),
        Field("original_retirement_month", "month", "month the original age is reached"),
        Field("retirement_month", "month", "statutory retirement month"),
        Field("earliest_retirement_month", "month", "earliest flexible (early) retirement"),
        Field("latest_retirement_month", "month", "latest flexible (late) retirement"),
        Field(
            "min_contribution_months",
            "int",
            "minimum contribution months for a monthly pension in the retirement year "
            "(-1 where none is recorded: retirements before 1998)",
        ),
    ],
    references=("NPC2024", "ELASTIC2024", "SIL art. 16"),
)
def retirement_age(
    p: ParameterSet, *, birth_month: MonthArray, category: np.ndarray, trace: Trace = NO_TRACE
) -> dict[str, np.ndarray]:
    out = statutory_retirement(p, birth_month, category, trace)
    out["statutory_age"] = age_text(out["statutory_age_years"] * 12 + out["statutory_age_months"])
    return out


__all__ = ["CATEGORIES", "UNKNOWN_MONTHS", "age_text", "retirement_age", "statutory_retirement"]
