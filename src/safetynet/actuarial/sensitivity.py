"""One-at-a-time sensitivity of the employee fund to its main assumptions.

Each factor is moved down and up from the scenario's value, everything else held; the measures
are the depletion year, the actuarial balance (share of the present value of covered wages,
:mod:`safetynet.actuarial.valuation`) and the balancing contribution rate of 2050.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import polars as pl

from safetynet.actuarial.assumptions import Assumptions, AssumptionValue, Scenario
from safetynet.actuarial.projection import DEFAULT_END_YEAR, Projection, run_scenario

BALANCING_YEAR = 2050


def _shifted(a: Assumptions, name: str, step: float) -> AssumptionValue:
    """An assumption's number or table moved by ``step`` (each table value)."""
    value = a[name].value
    if isinstance(value, dict):
        return {k: v + step for k, v in value.items()}
    return a.number(name) + step


@dataclass(frozen=True)
class Factor:
    name: str
    low: str  # what the low case means (plain text: no leading sign, see services.safe_cells)
    high: str
    overrides: Callable[[Assumptions, int], dict[str, AssumptionValue]]  # sign -1 / +1


FACTORS = (
    Factor(
        "wage growth",
        "1 point a year lower",
        "1 point a year higher",
        lambda a, s: {"economy.wage_growth": _shifted(a, "economy.wage_growth", 0.01 * s)},
    ),
    Factor(
        "investment return",
        "1 point lower",
        "1 point higher",
        lambda a, s: {
            "economy.investment_return": _shifted(a, "economy.investment_return", 0.01 * s)
        },
    ),
    Factor(
        "subsidy share",
        "5 points of spending lower",
        "5 points of spending higher",
        lambda a, s: {
            "employee_pension.subsidy_share": _shifted(
                a, "employee_pension.subsidy_share", 0.05 * s
            )
        },
    ),
    Factor(
        "indexation",
        "a quarter of wage growth less",
        "a quarter of wage growth more",
        lambda a, s: {
            "employee_pension.indexation_wage_share": _shifted(
                a, "employee_pension.indexation_wage_share", 0.25 * s
            )
        },
    ),
    Factor(
        "contribution density",
        "5 points lower",
        "5 points higher",
        lambda a, s: {
            f"employee_pension.contribution_density.{sex}": _shifted(
                a, f"employee_pension.contribution_density.{sex}", 0.05 * s
            )
            for sex in ("male", "female")
        },
    ),
    Factor(
        "mortality",
        "death rates 10 % lower",
        "death rates 10 % higher",
        lambda a, s: {"population.mortality_multiplier": 1.0 + 0.1 * s},
    ),
    Factor(
        "fertility",
        "WPP low variant",
        "WPP high variant",
        lambda a, s: {"population.fertility_variant": "low" if s < 0 else "high"},
    ),
)


def _measures(result: Projection) -> dict[str, float | int | None]:
    table = result.table.filter(pl.col("year") == BALANCING_YEAR)
    return {
        "depletion_year": result.depletion_year,
        "actuarial_balance": result.measures["actuarial_balance"],
        "balancing_rate_2050": float(table["balancing_rate"][0]) if table.height else None,
    }


def sensitivity_table(scenario: Scenario, end_year: int = DEFAULT_END_YEAR) -> pl.DataFrame:
    """One row per factor and case (``base`` first), with the three measures."""
    rows: list[dict[str, object]] = [
        {
            "factor": "base",
            "case": "base",
            "change": scenario.name,
            **_measures(run_scenario(scenario, end_year)),
        }
    ]
    for factor in FACTORS:
        for sign, case, change in ((-1, "low", factor.low), (1, "high", factor.high)):
            a = scenario.assumptions.with_values(
                factor.overrides(scenario.assumptions, sign), f"sensitivity {factor.name} {case}"
            )
            moved = Scenario(scenario.name, scenario.description, scenario.parameters, a)
            rows.append(
                {
                    "factor": factor.name,
                    "case": case,
                    "change": change,
                    **_measures(run_scenario(moved, end_year)),
                }
            )
    return pl.DataFrame(
        rows,
        schema={
            "factor": pl.String,
            "case": pl.String,
            "change": pl.String,
            "depletion_year": pl.Int64,
            "actuarial_balance": pl.Float64,
            "balancing_rate_2050": pl.Float64,
        },
    )
