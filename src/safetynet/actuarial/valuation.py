"""Actuarial measures of the employee pension fund: present values, the actuarial balance, the
closed-group liability, GDP shares and the replacement rates of new retirees.

Present values are taken at the end of the valuation year ``V`` (``ipd_valuation_year``) over
the ``valuation_horizon_years`` that follow (75: ``V+1 .. V+75``), flows in the middle of their
year: ``PV = sum_t flow(t) / (1 + i) ** (t - V - 0.5)`` with ``i`` = ``ipd_discount_rate``.

- open group (everyone, present and future members):
  ``actuarial_balance = (reserve(V) + PV contributions + PV subsidies - PV spending) /
  PV covered wages``, the lasting change of the contribution rate that would balance the fund
  over the horizon (negative: a deficit), as in the US Trustees' and ILO valuations;
- closed group (the cohorts aged 16+ at ``V`` end): ``PV spending - PV contributions`` of
  those cohorts over the horizon, net of the reserve;
- GDP = employment x nominal productivity: employment moves with the population aged 16-64
  from the recorded ``economy.employment_2024``, productivity from ``economy.gdp_2024`` per
  worker grows with the average wage (a constant labour share).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import polars as pl

from safetynet.actuarial.assumptions import Assumptions, ScenarioError
from safetynet.actuarial.employee import SEX_OF_GROUP, EmployeeFund
from safetynet.actuarial.population import PopulationProjection
from safetynet.policy.rules.retirement import CATEGORIES

FloatArray = npt.NDArray[np.float64]
GDP_YEAR = 2024
WORKING_AGES = (16, 64)
PV_FLOWS = {
    "pv_contributions": "contribution_income",
    "pv_subsidies": "fiscal_subsidy",
    "pv_spending": "spending",
    "pv_covered_wages": "covered_wages",
    "pv_closed_group_spending": "closed_group_spending",
    "pv_closed_group_contributions": "closed_group_contributions",
}


def discount_factors(
    years: npt.NDArray[np.int64], valuation_year: int, horizon: int, rate: float
) -> FloatArray:
    """Mid-year discount factor of each year inside ``V+1 .. V+horizon``, 0 outside."""
    t = (years - valuation_year).astype(np.float64)
    inside = (t >= 1) & (t <= horizon)
    return np.asarray(np.where(inside, (1 + rate) ** -(t - 0.5), 0.0), dtype=np.float64)


def present_values(
    years: npt.NDArray[np.int64],
    series: dict[str, FloatArray],
    reserve_at_valuation: float,
    valuation_year: int,
    horizon: int,
    rate: float,
) -> dict[str, float]:
    """Present values of the fund's flows (one path, year axis) and the balance measures."""
    factor = discount_factors(years, valuation_year, horizon, rate)
    pv = {name: float((series[flow] * factor).sum()) for name, flow in PV_FLOWS.items()}
    income = pv["pv_contributions"] + pv["pv_subsidies"]
    wages = pv["pv_covered_wages"]
    if wages <= 0:
        raise ScenarioError("employee_pension.valuation_horizon_years", "no covered wages")
    return {
        **pv,
        "reserve_at_valuation": reserve_at_valuation,
        "actuarial_balance": (reserve_at_valuation + income - pv["pv_spending"]) / wages,
        "actuarial_balance_without_subsidy": (
            reserve_at_valuation + pv["pv_contributions"] - pv["pv_spending"]
        )
        / wages,
        "closed_group_liability": pv["pv_closed_group_spending"]
        - pv["pv_closed_group_contributions"]
        - reserve_at_valuation,
        "horizon_end": float(min(valuation_year + horizon, int(years[-1]))),
    }


def fund_measures(fund: EmployeeFund, a: Assumptions, path: int = 0) -> dict[str, float]:
    """:func:`present_values` of one path of a projected fund, under the assumptions."""
    valuation_year = int(a.number("employee_pension.ipd_valuation_year"))
    at = int(np.flatnonzero(fund.years == valuation_year)[0])
    return present_values(
        fund.years,
        {k: v[path] for k, v in fund.series.items()},
        float(fund.series["reserve"][path, at]),
        valuation_year,
        int(a.number("employee_pension.valuation_horizon_years")),
        a.number("employee_pension.ipd_discount_rate"),
    )


def gdp_path(pop: PopulationProjection, wage: FloatArray, a: Assumptions) -> FloatArray:
    """Nominal GDP (path, year) = employment x productivity (module docstring)."""
    low, high = WORKING_AGES
    working = pop.population[..., low : high + 1].sum(axis=(-1, -2))  # (path, year)
    at = int(np.flatnonzero(pop.years == GDP_YEAR)[0])
    employment = a.number("economy.employment_2024") * working / working[:, at : at + 1]
    productivity = a.number("economy.gdp_2024") / a.number("economy.employment_2024")
    return np.asarray(employment * productivity * wage / wage[:, at : at + 1])


def new_retirees(fund: EmployeeFund, a: Assumptions, path: int = 0) -> pl.DataFrame:
    """Pension at award of each year's representative new retiree by retirement category
    (cohort = year - retirement age), against the average wage of that year and against the
    retiree's own final contribution base (``base_to_wage`` x last year's average wage)."""
    years = fund.years
    wage = fund.series["average_wage"][path]  # monthly, by year
    last_wage = np.concatenate([[np.nan], wage[:-1]])
    base_ratio = a.number("employee_pension.base_to_wage")
    rows = []
    for g, category in enumerate(CATEGORIES):  # three categories
        age = fund.schedule.statutory_months[g] / 12
        award = fund.awards[path, g]
        rows.append(
            pl.DataFrame(
                {
                    "year": years,
                    "category": category,
                    "sex": "male" if SEX_OF_GROUP[g] == 0 else "female",
                    "birth_year": years - np.floor(age).astype(np.int64),
                    "retirement_age": age,
                    "award": award,
                    "replacement_average_wage": award / wage,
                    "replacement_final_wage": award / (base_ratio * last_wage),
                }
            )
        )
    return pl.concat(rows).filter(pl.col("year") > years[0]).sort(["year", "category"])
