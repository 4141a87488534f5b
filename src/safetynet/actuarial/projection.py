"""One scenario's projection: population, the employee pension fund, the residents' pension and
the medical funds, as a yearly table, with the headline years and the implicit pension debt.

Monte Carlo runs the same code with a path axis: wage growth, investment return and fertility
vary by path; the result keeps the reserve of every path and the depletion year.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
import polars as pl

from safetynet.actuarial.assumptions import Assumptions, Scenario, ScenarioError
from safetynet.actuarial.economy import economy
from safetynet.actuarial.employee import EmployeeFund, project_employee
from safetynet.actuarial.population import (
    PopulationProjection,
    drivers,
    population_table,
    project_population,
)
from safetynet.actuarial.residents import project_medical, project_residents
from safetynet.actuarial.valuation import fund_measures, gdp_path, new_retirees

FloatArray = npt.NDArray[np.float64]
DEFAULT_END_YEAR = 2100
FLOWS_AFTER_BASE_YEAR = (
    "income",
    "spending",
    "balance",
    "contribution_income",
    "fiscal_subsidy",
    "investment_income",
    "new_pensioners",
    "medical_employee_income",
    "medical_income",
    "medical_employee_balance",
    "covered_wages",
    "deficit",
    "spending_gdp",
    "subsidy_gdp",
    "deficit_gdp",
)
"""Flows that start with the first projection year (the base year has stocks only)."""


@dataclass(frozen=True)
class Projection:
    """A scenario's yearly table (one deterministic path) and headline figures."""

    scenario: str
    table: pl.DataFrame
    first_deficit_year: int | None
    depletion_year: int | None
    reserve_peak_year: int
    implicit_pension_debt: float  # yuan, at the valuation year end
    valuation_year: int
    measures: dict[str, float] = field(default_factory=dict)  # valuation.present_values
    new_retirees: pl.DataFrame = field(default_factory=pl.DataFrame)  # valuation.new_retirees


def _first_year(years: npt.NDArray[np.int64], condition: npt.NDArray[np.bool_]) -> FloatArray:
    """First year where ``condition`` (path, year) holds, NaN where never."""
    hit = condition.any(axis=-1)
    first = years[np.argmax(condition, axis=-1)].astype(np.float64)
    return np.where(hit, first, np.nan)


def fund_series(
    fund: EmployeeFund, gdp: FloatArray | None = None, groups: dict[str, float] | None = None
) -> dict[str, FloatArray]:
    """The employee fund's published columns (path, year), derived from the raw flows; with
    ``gdp`` (path, year) the shares of GDP, with ``groups`` contributors by coverage group."""
    s = fund.series
    pensioners = fund.pensioners.sum(axis=(-1, -2))
    contributors = fund.contributors.sum(axis=(-1, -2))
    members = fund.members.sum(axis=(-1, -2))
    income = s["contribution_income"] + s["fiscal_subsidy"] + s["investment_income"]
    balance = income - s["spending"]
    previous = np.concatenate([pensioners[:, :1], pensioners[:, :-1]], axis=1)
    mean_pensioners = 0.5 * (previous + pensioners)
    covered = np.where(s["covered_wages"] > 0, s["covered_wages"], np.nan)
    spending = np.where(s["spending"] > 0, s["spending"], np.nan)
    average_pension = spending / 12 / mean_pensioners
    deficit = s["spending"] - income  # after depletion: what the reserve no longer covers
    extra: dict[str, FloatArray] = {}
    if gdp is not None:
        extra = {
            "gdp": gdp,
            "spending_gdp": s["spending"] / gdp,
            "subsidy_gdp": s["fiscal_subsidy"] / gdp,
            "deficit_gdp": deficit / gdp,
        }
    for name, share in (groups or {}).items():
        extra[f"contributors_{name}"] = contributors * share
    return {
        "insured": members + pensioners,
        "contributors": contributors,
        "new_pensioners": s["new_pensioners"],
        "pensioners": pensioners,
        "dependency_ratio": pensioners / contributors,
        "contribution_income": s["contribution_income"],
        "fiscal_subsidy": s["fiscal_subsidy"],
        "investment_income": s["investment_income"],
        "income": income,
        "spending": s["spending"],
        "balance": balance,
        "reserve": s["reserve"],
        "reserve_ratio": s["reserve"] / spending,
        "payg_cost_rate": spending / covered,
        "contribution_rate": s["contribution_rate"],
        "balancing_rate": (spending - s["fiscal_subsidy"] - s["investment_income"]) / covered,
        "average_pension": average_pension,
        "average_wage": s["average_wage"],
        "replacement_rate": average_pension / s["average_wage"],
        "covered_wages": s["covered_wages"],
        "deficit": deficit,
        **extra,
    }


def run_scenario(scenario: Scenario, end_year: int = DEFAULT_END_YEAR) -> Projection:
    """The deterministic projection of one scenario."""
    p, a = scenario.parameters, scenario.assumptions
    d = drivers(a, end_year)
    pop = project_population(d.base, d)
    econ = economy(p, a, end_year)
    fund = project_employee(p, a, pop, d, econ)
    gdp = gdp_path(pop, econ.at(econ.wage, pop.years), a)
    series = fund_series(fund, gdp, contributor_groups(a))
    extra = {**project_residents(p, a, pop, fund), **project_medical(p, a, pop, fund, econ)}
    flows = {k: v[0] for k, v in {**series, **extra}.items()}
    for name in FLOWS_AFTER_BASE_YEAR:
        flows[name] = np.where(pop.years == pop.years[0], np.nan, flows[name])
    table = population_table(pop, d).hstack(pl.DataFrame(flows))
    years = pop.years
    flow_years = years[1:]
    first_deficit = _first_year(flow_years, series["balance"][:, 1:] < 0)[0]
    depletion = _first_year(years, series["reserve"] < 0)[0]
    valuation = int(a.number("employee_pension.ipd_valuation_year"))
    return Projection(
        scenario=scenario.name,
        table=table,
        first_deficit_year=None if np.isnan(first_deficit) else int(first_deficit),
        depletion_year=None if np.isnan(depletion) else int(depletion),
        reserve_peak_year=int(years[int(np.argmax(series["reserve"][0]))]),
        implicit_pension_debt=float(fund.implicit_debt[0]),
        valuation_year=valuation,
        measures=fund_measures(fund, a),
        new_retirees=new_retirees(fund, a),
    )


def contributor_groups(a: Assumptions) -> dict[str, float]:
    """Shares of contributors by coverage group (they must sum to 1)."""
    value = a["employee_pension.contributor_groups"].value
    if not isinstance(value, dict) or abs(sum(value.values()) - 1.0) > 1e-9:
        raise ScenarioError("employee_pension.contributor_groups", "shares must sum to 1")
    return {str(k): float(v) for k, v in value.items()}


@dataclass(frozen=True)
class MonteCarlo:
    """Reserve of every path by year, and each path's depletion year (NaN: none by the end)."""

    scenario: str
    years: npt.NDArray[np.int64]
    reserve: FloatArray  # (path, year)
    depletion_year: FloatArray  # (path,)
    population: PopulationProjection

    def quantiles(self, levels: tuple[float, ...] = (0.05, 0.25, 0.5, 0.75, 0.95)) -> pl.DataFrame:
        """Quantile bands of the reserve by year."""
        bands = np.quantile(self.reserve, levels, axis=0)
        columns: dict[str, npt.ArrayLike] = {"year": self.years}
        for level, band in zip(levels, bands, strict=True):
            columns[f"reserve_q{round(level * 100):02d}"] = band
        return pl.DataFrame(columns)

    def depletion_quantiles(
        self, levels: tuple[float, ...] = (0.05, 0.25, 0.5, 0.75, 0.95)
    ) -> dict[str, float | None]:
        """Quantiles of the depletion year, paths without depletion counting as after the end."""
        years = np.where(np.isnan(self.depletion_year), np.inf, self.depletion_year)
        values = np.quantile(years, levels, method="inverted_cdf")
        return {
            f"q{round(level * 100):02d}": None if np.isinf(v) else float(v)
            for level, v in zip(levels, values, strict=True)
        }


def run_monte_carlo(
    scenario: Scenario, paths: int, end_year: int = DEFAULT_END_YEAR, seed: int | None = None
) -> MonteCarlo:
    """``paths`` stochastic projections at once (wage growth, return, fertility)."""
    p, a = scenario.parameters, scenario.assumptions
    rng = np.random.default_rng(int(a.number("monte_carlo.seed")) if seed is None else seed)
    d = drivers(a, end_year, tfr_shock=rng.standard_normal(paths))
    pop = project_population(d.base, d)
    econ = economy(p, a, end_year, paths=paths, rng=rng)
    fund = project_employee(p, a, pop, d, econ)
    reserve = fund.series["reserve"]
    return MonteCarlo(
        scenario=scenario.name,
        years=pop.years,
        reserve=reserve,
        depletion_year=_first_year(pop.years, reserve < 0),
        population=pop,
    )
