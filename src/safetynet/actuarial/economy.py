"""Wages, returns and crediting rates by year, per path.

Recorded history comes from the law's parameters: the average wage of year y is the pension
calculation base of year y+1 (the NBS national non-private average, REFERENCE §9), and the
personal-account crediting rate is ``pension.account.interest_rate``. Beyond the record, the
assumptions take over; Monte Carlo perturbs wage growth (AR(1)) and returns (independent).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from safetynet.actuarial.assumptions import Assumptions
from safetynet.policy.parameters import ParameterSet
from safetynet.policy.periods import month_start
from safetynet.policy.provisional import capture
from safetynet.policy.regions import NATIONAL

FloatArray = npt.NDArray[np.float64]
FIRST_YEAR = 1970  # earliest career year the account back-cast needs
CALC_BASE = "pension.employee.calculation_base"
ACCOUNT_RATE = "pension.account.interest_rate"


def january(years: npt.ArrayLike) -> npt.NDArray[np.datetime64]:
    return month_start(np.asarray(years, dtype=np.int64) * 12)


@dataclass(frozen=True)
class Economy:
    """Yearly series from ``FIRST_YEAR`` to the end year; money per path."""

    years: npt.NDArray[np.int64]
    wage: FloatArray  # (path, year) average monthly wage, yuan
    wage_growth: FloatArray  # (path, year) nominal growth into the year
    investment_return: FloatArray  # (path, year)
    account_interest: FloatArray  # (year,) personal-account crediting rate
    last_recorded_wage_year: int

    def at(self, series: FloatArray, years: npt.ArrayLike) -> FloatArray:
        """Columns of a (path, year) series for the given calendar years."""
        return np.asarray(series[..., np.asarray(years, dtype=np.int64) - FIRST_YEAR])


def economy(
    p: ParameterSet,
    a: Assumptions,
    end_year: int,
    paths: int = 1,
    rng: np.random.Generator | None = None,
) -> Economy:
    """Deterministic series (``rng`` None) or ``paths`` stochastic ones."""
    years = np.arange(FIRST_YEAR, end_year + 1)
    with capture() as carried:  # only recorded wages: a base carried forward is not growth
        recorded = p.at(CALC_BASE, january(years + 1), NATIONAL, strict=False)
    recorded = np.where(carried.rows(recorded.size), np.nan, recorded)
    known = ~np.isnan(recorded)
    first_known = int(np.flatnonzero(known)[0])
    last_known = int(np.flatnonzero(known)[-1])
    growth = np.full(years.size, a.number("economy.wage_growth_before_2016"))
    growth[first_known + 1 : last_known + 1] = (
        recorded[first_known + 1 : last_known + 1] / recorded[first_known:last_known] - 1
    )
    future = years > years[last_known]
    growth[future] = a.schedule("economy.wage_growth", years[future])
    growth_paths = np.repeat(growth[None], paths, axis=0)
    returns = np.full((paths, years.size), a.number("economy.investment_return"))
    if rng is not None:
        sd = a.number("monte_carlo.wage_growth_sd")
        rho = a.number("monte_carlo.wage_growth_persistence")
        shocks = rng.standard_normal((paths, int(future.sum()))) * sd * np.sqrt(1 - rho**2)
        deviation = np.zeros(paths)
        for j, col in enumerate(np.flatnonzero(future)):  # AR(1) over years, vectorised over paths
            deviation = rho * deviation + shocks[:, j]
            growth_paths[:, col] += deviation
        returns[:, future] += rng.standard_normal((paths, int(future.sum()))) * a.number(
            "monte_carlo.return_sd"
        )
    wage = np.empty((paths, years.size))
    wage[:, first_known : last_known + 1] = recorded[first_known : last_known + 1]
    before = np.arange(first_known - 1, -1, -1)
    wage[:, before] = recorded[first_known] / np.cumprod(1 + growth[before + 1])[None]
    wage[:, last_known + 1 :] = recorded[last_known] * np.cumprod(
        1 + growth_paths[:, last_known + 1 :], axis=1
    )
    interest = p.at(ACCOUNT_RATE, january(years), NATIONAL, strict=False)
    recorded_interest = np.flatnonzero(~np.isnan(interest))
    interest[: recorded_interest[0]] = a.number("economy.account_interest_before_2016")
    interest[recorded_interest[-1] + 1 :] = a.number("economy.account_interest_after_2025")
    return Economy(
        years=years,
        wage=wage,
        wage_growth=growth_paths,
        investment_return=returns,
        account_interest=interest,
        last_recorded_wage_year=int(years[last_known]),
    )
