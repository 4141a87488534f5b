"""Social assistance and family benefits (REFERENCE §7): dibao top-up, the two disability
subsidies and the childcare subsidy.

Dibao and the disability subsidies are set locally: the kernels take the local standard as an
input and otherwise fall back on national figures that are only stand-ins (the national
average dibao line, graded C as a line; the initial national minimums of the subsidies).
"""

from __future__ import annotations

import numpy as np

from safetynet.policy.catalogue import Field, register
from safetynet.policy.money import to_fen
from safetynet.policy.parameters import ParameterSet
from safetynet.policy.periods import MonthArray, month_start
from safetynet.policy.regions import NATIONAL
from safetynet.policy.rules.kernel_support import (
    per_row,
    require,
    row_count,
    table_where,
    value_where,
)
from safetynet.policy.trace import NO_TRACE, Trace

AREAS = ("urban", "rural")
DISABILITY_TYPES = ("physical", "visual", "hearing", "speech", "multiple", "intellectual", "mental")
HOUSEHOLD_STATUSES = ("none", "low_income", "dibao")


def _given_or(values: np.ndarray | None, rows: int, field: str) -> np.ndarray:
    """An optional money input per row, NaN where absent."""
    return np.full(rows, np.nan) if values is None else per_row(values, rows, field, np.float64)


@register(
    "dibao",
    "Minimum living guarantee: the household's line (per-person line x members) and the "
    "monthly top-up of its income to that line.",
    inputs=[
        Field("month", "month", "month of assessment, YYYY-MM"),
        Field("region", "region", "household's region, 6-digit code"),
        Field("area", "choice", "urban or rural line", choices=AREAS),
        Field("household_size", "int", "members of the household"),
        Field("household_monthly_income", "money", "the household's assessed monthly income"),
        Field(
            "local_dibao_line",
            "money",
            "the local line per person and month; without it the national average stands in",
            required=False,
        ),
    ],
    outputs=[
        Field("dibao_line", "money", "line per person and month used"),
        Field("household_line", "money", "line x household members"),
        Field("eligible", "bool", "income below the household line (asset test not modelled)"),
        Field("monthly_top_up", "money", "household line less income, at least 0"),
    ],
    references=("DIBAO2014", "DIBAO-NBS2024"),
)
def dibao(
    p: ParameterSet,
    *,
    month: MonthArray,
    region: np.ndarray,
    area: np.ndarray,
    household_size: np.ndarray,
    household_monthly_income: np.ndarray,
    local_dibao_line: np.ndarray | None = None,
    trace: Trace = NO_TRACE,
) -> dict[str, np.ndarray]:
    rows = row_count(
        month, region, area, household_size, household_monthly_income, local_dibao_line
    )
    size = per_row(household_size, rows, "household_size", np.int64)
    require(size >= 1, "household_size", "must be at least 1")
    days = month_start(per_row(month, rows, "month", np.int64))
    regions = per_row(region, rows, "region", np.int64)
    areas = per_row(area, rows, "area").astype(str)
    local = _given_or(local_dibao_line, rows, "local_dibao_line")
    default = table_where(
        p, "assistance.dibao_line", days, regions, areas, np.isnan(local), trace=trace
    )
    line = to_fen(np.where(np.isnan(local), default, local))
    trace.step(
        "dibao line",
        "the local line per person when given, else the national "
        "average standard for the area (a stand-in, confidence C)",
        line,
        "fen",
    )
    household_line = line * size
    income = to_fen(per_row(household_monthly_income, rows, "household_monthly_income", np.float64))
    top_up = np.maximum(0, household_line - income)
    trace.step("top-up", "line x members less household income, at least 0", top_up, "fen")
    return {
        "dibao_line": line,
        "household_line": household_line,
        "eligible": income < household_line,
        "monthly_top_up": top_up,
    }


@register(
    "disability_subsidies",
    "The two disability subsidies: the living subsidy for disabled people in dibao or "
    "low-income households and the nursing subsidy for the severely disabled.",
    inputs=[
        Field("month", "month", "month, YYYY-MM"),
        Field("region", "region", "region, 6-digit code"),
        Field("disability_grade", "int", "disability grade, 1 (most severe) to 4"),
        Field("disability_type", "choice", "type of disability", choices=DISABILITY_TYPES),
        Field(
            "household_status",
            "choice",
            "none, low_income or dibao household",
            choices=HOUSEHOLD_STATUSES,
        ),
        Field(
            "local_living_subsidy",
            "money",
            "the province's living subsidy per month; without it the national minimum stands in",
            required=False,
        ),
        Field(
            "local_nursing_subsidy",
            "money",
            "the province's nursing subsidy per month; without it the national minimum stands in",
            required=False,
        ),
    ],
    outputs=[
        Field(
            "living_subsidy_eligible", "bool", "disabled person in a dibao or low-income household"
        ),
        Field("nursing_subsidy_eligible", "bool", "grade within the nursing limit for the type"),
        Field("living_subsidy", "money", "monthly living subsidy"),
        Field("nursing_subsidy", "money", "monthly nursing subsidy"),
        Field("total_monthly", "money", "both subsidies"),
    ],
    references=("DISABILITY2015",),
)
def disability_subsidies(
    p: ParameterSet,
    *,
    month: MonthArray,
    region: np.ndarray,
    disability_grade: np.ndarray,
    disability_type: np.ndarray,
    household_status: np.ndarray,
    local_living_subsidy: np.ndarray | None = None,
    local_nursing_subsidy: np.ndarray | None = None,
    trace: Trace = NO_TRACE,
) -> dict[str, np.ndarray]:
    rows = row_count(
        month,
        region,
        disability_grade,
        disability_type,
        household_status,
        local_living_subsidy,
        local_nursing_subsidy,
    )
    grade = per_row(disability_grade, rows, "disability_grade", np.int64)
    require((grade >= 1) & (grade <= 4), "disability_grade", "must be between 1 and 4")
    days = month_start(per_row(month, rows, "month", np.int64))
    regions = per_row(region, rows, "region", np.int64)
    national = np.full(rows, NATIONAL, dtype=np.int64)
    kinds = per_row(disability_type, rows, "disability_type").astype(str)
    status = per_row(household_status, rows, "household_status").astype(str)
    living_ok = np.isin(status, ("low_income", "dibao"))
    max_grade = table_where(
        p,
        "assistance.nursing_subsidy_max_grade",
        days,
        national,
        kinds,
        np.ones(rows, dtype=bool),
        trace=trace,
    )
    nursing_ok = grade <= max_grade
    trace.step(
        "eligibility",
        "living: household in dibao or low income; nursing: grade not "
        "above the limit for the type of disability",
        nursing_ok,
    )
    amounts = {}
    for name, local, eligible in (
        ("living", local_living_subsidy, living_ok),
        ("nursing", local_nursing_subsidy, nursing_ok),
    ):
        given = _given_or(local, rows, f"local_{name}_subsidy")
        minimum = value_where(
            p,
            f"assistance.{name}_subsidy_minimum",
            days,
            regions,
            eligible & np.isnan(given),
            trace=trace,
        )
        amounts[name] = np.where(
            eligible, to_fen(np.nan_to_num(np.where(np.isnan(given), minimum, given))), 0
        )
        trace.step(
            f"{name} subsidy",
            "the province's standard when given, else the national minimum, if eligible",
            amounts[name],
            "fen",
        )
    return {
        "living_subsidy_eligible": living_ok,
        "nursing_subsidy_eligible": nursing_ok,
        "living_subsidy": amounts["living"],
        "nursing_subsidy": amounts["nursing"],
        "total_monthly": amounts["living"] + amounts["nursing"],
    }


def _first_month(p: ParameterSet, name: str) -> int:
    """The month of a national parameter's first value (the start of a programme)."""
    first = p[name].series[NATIONAL].dates[0].astype("datetime64[M]").astype(np.int64)
    return int(first) + 1970 * 12


@register(
    "childcare_subsidy",
    "Childcare subsidy for a child under 3: eligible months from the programme start and the "
    "total; with a month, the amounts due for that month and its calendar year.",
    inputs=[
        Field("child_birth_month", "month", "the child's month of birth, YYYY-MM"),
        Field(
            "month", "month", "a month to get the amount due for it and its year", required=False
        ),
    ],
    outputs=[
        Field("eligible_months", "int", "months eligible from the programme start"),
        Field("first_eligible_month", "month", "first eligible month (none if 0 months)"),
        Field(
            "last_eligible_month",
            "month",
            "last eligible month, the month of the 3rd birthday (none if 0 months)",
        ),
        Field("total_subsidy", "money", "all eligible months"),
        Field("due_for_month", "money", "amount for the given month"),
        Field("due_for_year", "money", "amount for the calendar year of the given month"),
    ],
    references=("CHILDCARE2025",),
)
def childcare_subsidy(
    p: ParameterSet,
    *,
    child_birth_month: MonthArray,
    month: MonthArray | None = None,
    trace: Trace = NO_TRACE,
) -> dict[str, np.ndarray]:
    rows = row_count(child_birth_month, month)
    birth = per_row(child_birth_month, rows, "child_birth_month", np.int64)
    start = _first_month(p, "assistance.childcare_annual_amount")
    span = p.at(
        "assistance.childcare_eligible_months_after_birth",
        month_start(np.maximum(birth, start)),
        NATIONAL,
        trace=trace,
    ).astype(np.int64)
    trace.step("eligibility span", "months after the birth month up to the 3rd birthday", span)
    # one column per month of the span (at most its largest value), no loop over children
    offsets = np.arange(1, int(span.max(initial=0)) + 1, dtype=np.int64)
    months = birth[:, None] + offsets[None, :]
    in_span = (offsets[None, :] <= span[:, None]) & (months >= start)
    # the amount of each calendar month in the batch's range, looked up once per month
    first_month = max(start, int(months.min(initial=start)))
    calendar = np.arange(first_month, max(first_month, int(months.max(initial=start))) + 1)
    annual = p.at(
        "assistance.childcare_annual_amount", month_start(calendar), NATIONAL, trace=trace
    )
    per_month = to_fen(annual / 12.0)
    monthly = np.where(in_span, per_month[np.clip(months - first_month, 0, calendar.size - 1)], 0)
    trace.step(
        "monthly amount",
        "annual amount / 12 for each eligible month, from the programme start",
        monthly.max(axis=1, initial=0),
        "fen",
    )
    count = in_span.sum(axis=1).astype(np.int64)
    first = np.where(count > 0, birth + 1 + np.maximum(0, start - birth - 1), -1)
    last = np.where(count > 0, birth + span, -1)
    total = monthly.sum(axis=1).astype(np.int64)
    trace.step("total", "sum over the eligible months", total, "fen")
    out = {
        "eligible_months": count,
        "first_eligible_month": first,
        "last_eligible_month": last,
        "total_subsidy": total,
    }
    if month is not None:
        asked = per_row(month, rows, "month", np.int64)
        out["due_for_month"] = (monthly * (months == asked[:, None])).sum(axis=1)
        out["due_for_year"] = (monthly * (months // 12 == asked[:, None] // 12)).sum(axis=1)
        trace.step(
            "due for the month", "the amount of that month if eligible", out["due_for_month"], "fen"
        )
    return out


__all__ = ["childcare_subsidy", "dibao", "disability_subsidies"]
