"""Work-injury benefits (REFERENCE §5.2): disability allowances and death benefits.

Disability: a one-off allowance of a number of months of the worker's own wage by grade (1-10),
and for grades 1-6 a monthly allowance of a share of it (grades 1-4 from the fund, grades 5-6
from the employer when no suitable job is arranged). Where the allowance falls below the local
minimum wage it is topped up to it, by the fund for grades 1-4 (art. 35) and by the employer for
grades 5-6 (art. 36: 伤残津贴实际金额低于当地最低工资标准的，由用人单位补足差额). The minimum
wage is the input ``minimum_wage``, else the region's parameter ``work_injury.minimum_wage``
when ``region`` is given (REFERENCE records none: such a lookup refuses until a value is
added); with neither, the top-up is not checked and ``minimum_wage_applied`` says so. The own
wage is taken as given (the regulation bounds it by 60-300 % of the regional average wage,
which is not recorded here).

Death (values graded C): a one-off subsidy of a multiple of the previous year's national urban
per-capita disposable income, a funeral grant of months of the regional average wage (an
input: no regional wage is recorded), and dependants' monthly pensions as shares of the
worker's wage. The regulation's cap on the dependants' total is not in REFERENCE and is not
applied.
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

FUND_PAID_GRADES = 4  # grades 1-4: monthly allowance from the fund (arts. 35-36)
ALLOWANCE_GRADES = 6  # grades 1-6 have a monthly allowance, topped up to the minimum wage


@register(
    "work_injury",
    "One-off disability allowance by grade, and the monthly disability allowance of grades "
    "1-6 with who pays it.",
    inputs=[
        Field("month", "month", "month of the disability assessment, YYYY-MM"),
        Field("grade", "int", "disability grade, 1 (most severe) to 10"),
        Field("monthly_wage", "money", "the worker's own monthly wage before the injury"),
        Field(
            "minimum_wage",
            "money",
            "local monthly minimum wage, to top up the grade 1-6 allowance (else the region's "
            "parameter when region is given; else not applied)",
            required=False,
        ),
        Field(
            "region",
            "region",
            "insured region, for its minimum wage (when minimum_wage is not given)",
            required=False,
        ),
    ],
    outputs=[
        Field("one_off_disability_allowance", "money", "months by grade x own wage"),
        Field(
            "monthly_disability_allowance",
            "money",
            "share by grade x own wage (grades 1-6), at least the minimum wage when checked",
        ),
        Field(
            "minimum_wage_top_up",
            "money",
            "part of the monthly allowance that tops it up to the minimum wage",
        ),
        Field(
            "monthly_allowance_payer",
            "text",
            "fund (grades 1-4), employer (5-6, when no suitable job is arranged) or none",
        ),
        Field(
            "minimum_wage_applied",
            "bool",
            "whether the minimum-wage top-up was checked (grades 1-6 with a minimum wage)",
        ),
    ],
    references=("WI2010 arts. 35-37",),
)
def work_injury(
    p: ParameterSet,
    *,
    month: MonthArray,
    grade: np.ndarray,
    monthly_wage: np.ndarray,
    minimum_wage: np.ndarray | None = None,
    region: np.ndarray | None = None,
    trace: Trace = NO_TRACE,
) -> dict[str, np.ndarray]:
    rows = row_count(month, grade, monthly_wage, minimum_wage, region)
    grades = per_row(grade, rows, "grade", np.int64)
    require((grades >= 1) & (grades <= 10), "grade", "must be between 1 and 10")
    days = month_start(per_row(month, rows, "month", np.int64))
    national = np.full(rows, NATIONAL, dtype=np.int64)
    wage = per_row(monthly_wage, rows, "monthly_wage", np.float64)
    keys = grades.astype(str)
    everyone = np.ones(rows, dtype=bool)
    months = table_where(
        p, "work_injury.one_off_disability_months", days, national, keys, everyone, trace=trace
    )
    one_off = to_fen(months * wage)
    trace.step(
        "one-off allowance", "months of own wage for the grade x own monthly wage", one_off, "fen"
    )
    ratio = table_where(
        p, "work_injury.monthly_disability_ratio", days, national, keys, everyone, trace=trace
    )
    share = to_fen(ratio * wage)
    from_fund = grades <= FUND_PAID_GRADES
    floor, checked = _minimum_wage(p, days, rows, grades, minimum_wage, region, trace)
    monthly = np.where(checked, np.maximum(share, floor), share)
    trace.step(
        "monthly allowance",
        "share of own wage for the grade x own monthly wage; for grades 1-6 at least the "
        "local minimum wage (the fund tops up grades 1-4, the employer grades 5-6)",
        monthly,
        "fen",
    )
    payer = np.where(monthly > 0, np.where(from_fund, "fund", "employer"), "none")
    return {
        "one_off_disability_allowance": one_off,
        "monthly_disability_allowance": monthly,
        "monthly_allowance_payer": payer.astype(object),
        "minimum_wage_top_up": monthly - share,
        "minimum_wage_applied": checked,
    }


def _minimum_wage(
    p: ParameterSet,
    days: np.ndarray,
    rows: int,
    grades: np.ndarray,
    given: np.ndarray | None,
    region: np.ndarray | None,
    trace: Trace,
) -> tuple[np.ndarray, np.ndarray]:
    """The minimum wage (fen) of each row and whether the top-up is checked: the input where
    given, else the region's parameter (refusing where a grade 1-6 row needs one and none is
    recorded), else not checked."""
    allowance = grades <= ALLOWANCE_GRADES
    if given is not None:
        return to_fen(per_row(given, rows, "minimum_wage", np.float64)), allowance
    if region is None:
        return np.zeros(rows, dtype=np.int64), np.zeros(rows, dtype=bool)
    regions = per_row(region, rows, "region", np.int64)
    wage = value_where(p, "work_injury.minimum_wage", days, regions, allowance, trace=trace)
    return to_fen(np.nan_to_num(wage)), allowance


@register(
    "work_injury_death",
    "Death benefits of a work-related death: one-off death subsidy, funeral grant and "
    "dependants' monthly pensions (values graded C).",
    inputs=[
        Field("month", "month", "month of death, YYYY-MM"),
        Field("monthly_wage", "money", "the worker's own monthly wage"),
        Field(
            "regional_average_monthly_wage",
            "money",
            "average monthly wage of the region (for the funeral grant)",
        ),
        Field("spouse", "bool", "a spouse depends on the worker", required=False, default=False),
        Field(
            "other_dependants",
            "int",
            "other dependants (children, parents ...)",
            required=False,
            default=0,
        ),
        Field(
            "lone_dependants",
            "int",
            "of the other dependants, orphans or lone elderly (+10 % each)",
            required=False,
            default=0,
        ),
    ],
    outputs=[
        Field(
            "death_subsidy",
            "money",
            "multiple x previous-year national urban per-capita disposable income",
        ),
        Field("funeral_grant", "money", "months x regional average monthly wage"),
        Field(
            "dependants_monthly_pension",
            "money",
            "sum of the dependants' shares x own wage "
            "(the regulation's cap on the total is not applied)",
        ),
    ],
    references=("WI2010 art. 39",),
)
def work_injury_death(
    p: ParameterSet,
    *,
    month: MonthArray,
    monthly_wage: np.ndarray,
    regional_average_monthly_wage: np.ndarray,
    spouse: np.ndarray | None = None,
    other_dependants: np.ndarray | None = None,
    lone_dependants: np.ndarray | None = None,
    trace: Trace = NO_TRACE,
) -> dict[str, np.ndarray]:
    rows = row_count(
        month,
        monthly_wage,
        regional_average_monthly_wage,
        spouse,
        other_dependants,
        lone_dependants,
    )
    wage = per_row(monthly_wage, rows, "monthly_wage", np.float64)
    days = month_start(per_row(month, rows, "month", np.int64))
    national = np.full(rows, NATIONAL, dtype=np.int64)
    everyone = np.ones(rows, dtype=bool)
    has_spouse = per_row(False if spouse is None else spouse, rows, "spouse", bool)
    others = per_row(
        0 if other_dependants is None else other_dependants, rows, "other_dependants", np.int64
    )
    lone = per_row(
        0 if lone_dependants is None else lone_dependants, rows, "lone_dependants", np.int64
    )
    require(others >= 0, "other_dependants", "must not be negative")
    require(
        (lone >= 0) & (lone <= others), "lone_dependants", "must be between 0 and other_dependants"
    )
    income = value_where(
        p,
        "work_injury.previous_year_urban_income_per_capita",
        days,
        national,
        everyone,
        trace=trace,
    )
    multiple = value_where(
        p, "work_injury.death_subsidy_income_multiple", days, national, everyone, trace=trace
    )
    subsidy = to_fen(income * multiple)
    trace.step(
        "death subsidy",
        "multiple x previous-year national urban per-capita disposable income",
        subsidy,
        "fen",
    )
    funeral_months = value_where(
        p, "work_injury.funeral_grant_months", days, national, everyone, trace=trace
    )
    average = per_row(
        regional_average_monthly_wage, rows, "regional_average_monthly_wage", np.float64
    )
    funeral = to_fen(funeral_months * average)
    trace.step("funeral grant", "months x regional average monthly wage", funeral, "fen")
    spouse_share = table_where(
        p,
        "work_injury.dependant_pension_ratio",
        days,
        national,
        np.full(rows, "spouse"),
        everyone,
        trace=trace,
    )
    other_share = table_where(
        p,
        "work_injury.dependant_pension_ratio",
        days,
        national,
        np.full(rows, "other"),
        everyone,
        trace=trace,
    )
    lone_extra = value_where(
        p, "work_injury.dependant_pension_lone_increase", days, national, everyone, trace=trace
    )
    shares = has_spouse * spouse_share + others * other_share + lone * lone_extra
    pension = to_fen(shares * wage)
    trace.step(
        "dependants' pension",
        "(spouse share + other dependants x share + orphans and lone elderly x extra) x own wage",
        pension,
        "fen",
    )
    return {
        "death_subsidy": subsidy,
        "funeral_grant": funeral,
        "dependants_monthly_pension": pension,
    }


__all__ = ["work_injury", "work_injury_death"]
