"""The urban employees' basic pension fund, projected by year, single age and retirement group.

Groups are the three retirement categories of the law (``male``, ``female_55``,
``female_50``). Members are the urban population times a coverage rate by age and sex; a share
of them contributes each year on a base proportional to the average wage. Cohorts retire at the
statutory age of :func:`statutory_retirement` (so a scenario's retirement-age path is the law's
own rule with overridden parameters); those short of the minimum contribution months of their
retirement year keep contributing until they have them. New pensions come from the pension
formula itself (:func:`employee_pension`) for a representative retiree of each group and year;
pensions in payment follow the recorded adjustments, then the indexation assumption.

Money is float64 yuan: these are aggregates (the kernels' fen awards are converted once).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from safetynet.actuarial.assumptions import Assumptions, ScenarioError
from safetynet.actuarial.economy import FIRST_YEAR, Economy, january
from safetynet.actuarial.lifetable import life_table
from safetynet.actuarial.population import (
    AGES,
    BASE_YEAR,
    MALE,
    TOP_AGE,
    Drivers,
    PopulationProjection,
)
from safetynet.policy.money import fen_to_yuan
from safetynet.policy.parameters import ParameterSet
from safetynet.policy.regions import NATIONAL
from safetynet.policy.rules.pension import employee_pension
from safetynet.policy.rules.retirement import CATEGORIES, statutory_retirement

FloatArray = npt.NDArray[np.float64]
SEX_OF_GROUP = np.array([0, 1, 1])
OLDEST_RETIREMENT_MONTHS = 70 * 12  # the divisor table's last age (REFERENCE §1.3)
BOOKED = (
    "contribution_income",
    "fiscal_subsidy",
    "investment_income",
    "spending",
    "reserve",
    "covered_wages",
    "closed_group_spending",
    "closed_group_contributions",
)
"""The yearly flows and stocks :func:`project_employee` books, (path, year) each."""
CLOSED_GROUP_MIN_AGE = 16
"""The closed group: every cohort of working age or older at the valuation year end (16+;
coverage is nil below 16), with its later entrants into membership."""


def normal_cdf(z: FloatArray) -> FloatArray:
    """Standard normal CDF (Abramowitz and Stegun 7.1.26; error below 1.5e-7)."""
    x = np.abs(z) / np.sqrt(2.0)
    t = 1.0 / (1.0 + 0.3275911 * x)
    poly = t * (
        0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429)))
    )
    erf = 1.0 - poly * np.exp(-x * x)
    return np.asarray(0.5 * (1.0 + np.sign(z) * erf))


def normal_pdf(z: FloatArray) -> FloatArray:
    return np.asarray(np.exp(-0.5 * z * z) / np.sqrt(2 * np.pi))


@dataclass(frozen=True)
class RetirementSchedule:
    """Who retires when, by group, birth cohort and age."""

    first_cohort: int
    retired_share: FloatArray  # (group, cohort, age): share retired by the end of that age
    statutory_months: FloatArray  # (group, year) mean statutory age of that year's retirees
    contribution_years: FloatArray  # (group, year) mean contribution years of new pensioners
    years: npt.NDArray[np.int64]


def contribution_density(a: Assumptions) -> FloatArray:
    """Share of members contributing in a year, (group, age): the one density assumption."""
    by_sex = np.stack(
        [a.schedule(f"employee_pension.contribution_density.{s}", AGES) for s in ("male", "female")]
    )
    return np.asarray(by_sex[SEX_OF_GROUP])


def career_density(a: Assumptions, retirement_age: FloatArray) -> FloatArray:
    """Mean contribution density from the entry age to ``retirement_age`` (group, ...): the
    same profile that counts contributors, so careers and contributors agree."""
    entry = a.number("employee_pension.entry_age")
    density = contribution_density(a)
    edges = np.arange(TOP_AGE + 2, dtype=np.float64)
    out = np.empty_like(retirement_age, dtype=np.float64)
    for g in range(density.shape[0]):  # three categories
        cumulative = np.concatenate([[0.0], np.cumsum(density[g])])
        served = np.interp(retirement_age[g], edges, cumulative) - np.interp(
            entry, edges, cumulative
        )
        out[g] = served / np.maximum(retirement_age[g] - entry, 1e-9)
    return out


def retirement_schedule(p: ParameterSet, a: Assumptions, end_year: int) -> RetirementSchedule:
    """Statutory ages of every birth month (all categories in one kernel call) and the share
    retired by each age, the short-of-minimum share retiring once they reach it."""
    first = BASE_YEAR - TOP_AGE - 1
    cohorts = np.arange(first, end_year + 1)
    months = (cohorts[:, None] * 12 + np.arange(12)[None]).reshape(-1)
    birth = np.tile(months, len(CATEGORIES))
    category = np.repeat(np.array(CATEGORIES), months.size)
    # Cohorts retired before the minimum-contribution rule was recorded take the first
    # recorded cohort's rule (they are in the base-year stock only).
    recorded_from = p["pension.retirement.min_contribution_months"].series[NATIONAL].dates[0]
    youngest_original = min(p.table("pension.retirement.original_age", recorded_from).values())
    earliest = (recorded_from.astype(object).year - int(youngest_original)) * 12
    rule = statutory_retirement(p, np.maximum(birth, earliest), category)
    rule["retirement_month"] = rule["retirement_month"] - np.maximum(earliest - birth, 0)
    shape = (len(CATEGORIES), cohorts.size, 12)
    statutory = (rule["retirement_month"] - birth).reshape(shape).astype(np.float64)
    minimum_years = rule["min_contribution_months"].reshape(shape) / 12.0
    entry = a.number("employee_pension.entry_age")
    sd = a.number("employee_pension.contribution_years_sd")
    mean_years = career_density(a, statutory / 12.0) * (statutory / 12.0 - entry)
    z = (minimum_years - mean_years) / sd
    short = normal_cdf(z)
    shortfall = (minimum_years - mean_years) + sd * normal_pdf(z) / np.maximum(short, 1e-12)
    deferral = np.minimum(
        np.round(12 * np.maximum(shortfall, 0.0)), OLDEST_RETIREMENT_MONTHS - statutory
    )
    eligible_years = mean_years + sd * normal_pdf(z) / np.maximum(1 - short, 1e-12)
    end_of_age = (12 * AGES[:, None] + 11 - np.arange(12)[None]).astype(np.float64)  # (age, m)
    on_time = statutory[:, :, None, :] <= end_of_age[None, None]
    late = (statutory + deferral)[:, :, None, :] <= end_of_age[None, None]
    retired = ((1 - short)[:, :, None, :] * on_time + short[:, :, None, :] * late).mean(axis=-1)
    retire_year = (birth.reshape(shape) + statutory.astype(np.int64)) // 12
    years = np.arange(BASE_YEAR, end_year + 1)
    mean_statutory = np.empty((len(CATEGORIES), years.size))
    mean_contribution = np.empty_like(mean_statutory)
    for g in range(len(CATEGORIES)):  # three categories
        index = retire_year[g].reshape(-1) - BASE_YEAR
        inside = (index >= 0) & (index < years.size)
        count = np.bincount(index[inside], minlength=years.size)
        for target, values in (
            (mean_statutory, statutory[g]),
            (mean_contribution, np.maximum(eligible_years[g], minimum_years[g])),
        ):
            sums = np.bincount(index[inside], values.reshape(-1)[inside], minlength=years.size)
            filled = count > 0  # a year without retirees (a sharp reform) takes its neighbours'
            target[g] = np.interp(years, years[filled], sums[filled] / count[filled])
    return RetirementSchedule(
        first_cohort=first,
        retired_share=retired,
        statutory_months=mean_statutory,
        contribution_years=mean_contribution,
        years=years,
    )


def new_pension_awards(
    p: ParameterSet, a: Assumptions, schedule: RetirementSchedule, econ: Economy
) -> FloatArray:
    """Monthly pension at award (yuan) by path, year and group, from the pension formula.

    The representative retiree of a group and year retires mid-year at the group's mean
    statutory age with its mean contribution years; service before the personal accounts began
    counts as deemed years; the account holds the employee's contributions on a base of
    ``base_to_wage`` times the average wage in contribution years, credited at the recorded
    (then assumed) crediting rate.
    """
    paths = econ.wage.shape[0]
    years = schedule.years
    groups = len(CATEGORIES)
    account_start = int(
        p["pension.account.monthly_product_factor"].series[NATIONAL].dates[0].astype(object).year
    )
    index = a.number("employee_pension.base_to_wage")
    density = career_density(a, schedule.statutory_months / 12)  # (group, year)
    entry = a.number("employee_pension.entry_age")
    rate_day = np.maximum(
        january(econ.years), p["contribution.pension_employee_rate"].series[NATIONAL].dates[0]
    )
    employee_rate = p.at("contribution.pension_employee_rate", rate_day, NATIONAL)
    credits = 12 * index * employee_rate[None] * econ.wage  # a full year's credit
    credits[:, econ.years < account_start] = 0.0
    growth = np.cumprod(1 + econ.account_interest)
    discounted = np.cumsum(credits / growth[None], axis=1)
    career = np.round(schedule.statutory_months / 12 - entry).astype(np.int64)  # (group, year)
    start = years[None] - career
    first_credit = np.maximum(start, account_start) - 1 - FIRST_YEAR
    last = years[None] - 1 - FIRST_YEAR
    balance = density[None] * (
        growth[last][None] * (discounted[:, last] - discounted[:, first_credit])
    )
    deemed_years = density * np.clip(np.minimum(account_start, years[None]) - start, 0, None)
    contribution_months = np.maximum(12 * schedule.contribution_years, 12 * deemed_years)
    retire_month = np.broadcast_to(years[None] * 12 + 6, (groups, years.size))
    birth_month = retire_month - np.round(schedule.statutory_months).astype(np.int64)
    calc_base = econ.at(econ.wage, years - 1)  # (path, year): last year's average wage
    shape = (paths, groups, years.size)
    award = employee_pension(
        p,
        region=np.zeros(shape, dtype=np.int64),
        birth_month=np.broadcast_to(birth_month[None], shape),
        retirement_month=np.broadcast_to(retire_month[None], shape),
        contribution_months=np.broadcast_to(np.round(contribution_months)[None], shape),
        avg_contribution_index=index,
        account_balance=np.maximum(balance, 0.0),
        deemed_months=np.broadcast_to(np.round(12 * deemed_years)[None], shape),
        calc_base=np.broadcast_to(calc_base[:, None, :], shape),
    )
    return np.asarray(fen_to_yuan(award["total"]))


def coverage(a: Assumptions, year: int) -> FloatArray:
    """Share of the urban population who are members, (group, age), in ``year``."""
    by_sex = np.stack(
        [a.schedule(f"employee_pension.coverage.{sex}", AGES) for sex in ("male", "female")]
    )
    start = a.number("employee_pension.coverage_expansion_start")
    full = a.number("employee_pension.coverage_expansion_year")
    reached = np.clip((year - start + 1) / max(full - start + 1, 1.0), 0.0, 1.0)
    added = a.number("employee_pension.coverage_expansion") * reached
    expanded = np.minimum(by_sex * (1 + added / by_sex.max()), 0.98)
    return np.asarray(expanded[SEX_OF_GROUP])


def indexation(p: ParameterSet, a: Assumptions, econ: Economy, years: npt.ArrayLike) -> FloatArray:
    """Pension adjustment of each year (path, year): the recorded rate, then the rule."""
    years = np.asarray(years, dtype=np.int64)
    recorded = p.at("pension.employee.adjustment_rate", january(years), NATIONAL, strict=False)
    rule = a.text("employee_pension.indexation_rule")
    if rule == "wage_share":
        assumed = a.number("employee_pension.indexation_wage_share") * econ.at(
            econ.wage_growth, years
        )
    elif rule == "cpi":
        assumed = np.full((econ.wage.shape[0], years.size), a.number("economy.cpi"))
    else:
        raise ScenarioError("employee_pension.indexation_rule", "must be wage_share or cpi")
    return np.where(np.isnan(recorded)[None], assumed, recorded[None])


def _age_one_year(stock: FloatArray, survival: FloatArray) -> FloatArray:
    """Stocks by age at the end of last year, survived and aged to the end of this year."""
    aged = np.zeros_like(stock)
    aged[..., 1:TOP_AGE] = stock[..., : TOP_AGE - 1] * survival[..., : TOP_AGE - 1]
    aged[..., TOP_AGE] = (stock[..., TOP_AGE - 1] + stock[..., TOP_AGE]) * survival[..., -1]
    return aged


@dataclass(frozen=True)
class EmployeeFund:
    """Yearly results per path (path, year), base year first; flows are 0 in the base year."""

    years: npt.NDArray[np.int64]
    series: dict[str, FloatArray]
    members: FloatArray  # (path, year, group, age), for the medical fund
    pensioners: FloatArray  # (path, year, group, age)
    contributors: FloatArray  # (path, year, group, age)
    implicit_debt: FloatArray  # (path,) accrued-to-date liabilities at the valuation year end
    awards: FloatArray  # (path, group, year) monthly pension at award of each year's retirees
    schedule: RetirementSchedule


def _base_year_pensions(a: Assumptions, retired: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Base-year pensioners (scaled to ``base_pensioners``, distributed like the covered
    retired population) and their monthly amounts."""
    pensioners = (
        retired
        * a.number("employee_pension.base_pensioners")
        / retired.sum(axis=(-1, -2))[:, None, None]
    )
    return pensioners, pensioners * a.number("employee_pension.base_average_pension")


def _book_year(
    out: dict[str, FloatArray],
    i: int,
    paid: FloatArray,
    covered_by_age: FloatArray,
    rate: float,
    subsidy_share: float,
    investment_return: FloatArray,
    closed: npt.NDArray[np.bool_] | None,
) -> None:
    """Post year ``i``'s flows (path,) into ``out``: pensions ``paid`` and covered wages by
    (path, group, age), contributions at ``rate``, the subsidy, and the return on the reserve.
    Pay-as-you-go after depletion: the reserve earns its return while positive, and a shortfall
    is carried without interest (no debt is assumed to finance it). ``closed`` selects the ages
    of the closed group (None before the valuation)."""
    spending = paid.sum(axis=(-1, -2))
    covered = covered_by_age.sum(axis=(-1, -2))
    contributions = covered * rate
    if closed is not None:
        out["closed_group_spending"][:, i] = paid[..., closed].sum(axis=(-1, -2))
        out["closed_group_contributions"][:, i] = rate * covered_by_age[..., closed].sum(
            axis=(-1, -2)
        )
    subsidy = subsidy_share * spending
    flow = contributions + subsidy - spending
    investment = investment_return * np.maximum(out["reserve"][:, i - 1] + 0.5 * flow, 0.0)
    out["reserve"][:, i] = out["reserve"][:, i - 1] + flow + investment
    out["contribution_income"][:, i] = contributions
    out["fiscal_subsidy"][:, i] = subsidy
    out["investment_income"][:, i] = investment
    out["spending"][:, i] = spending
    out["covered_wages"][:, i] = covered


def project_employee(
    p: ParameterSet, a: Assumptions, pop: PopulationProjection, d: Drivers, econ: Economy
) -> EmployeeFund:
    """Run the fund year by year for every path at once."""
    schedule = retirement_schedule(p, a, int(pop.years[-1]))
    awards = new_pension_awards(p, a, schedule, econ)  # (path, group, year)
    years = pop.years
    paths, n = pop.population.shape[0], years.size
    share_55 = a.number("employee_pension.female_55_share")
    weights = np.array([1.0, share_55, 1.0 - share_55])[:, None]
    density = contribution_density(a)
    base_ratio = a.number("employee_pension.base_to_wage")
    subsidy_share = a.number("employee_pension.subsidy_share")
    days = january(years) + np.timedelta64(181, "D")
    rate = p.at("contribution.pension_employer_rate", days, NATIONAL) + p.at(
        "contribution.pension_employee_rate", days, NATIONAL
    )
    adjust = indexation(p, a, econ, years)
    wage = econ.at(econ.wage, years)
    returns = econ.at(econ.investment_return, years)

    valuation_year = int(a.number("employee_pension.ipd_valuation_year"))
    if not years[0] < valuation_year <= years[-1]:
        raise ScenarioError("employee_pension.ipd_valuation_year", "outside the projection")
    valued_amounts = np.zeros(0)
    shape4 = (paths, n, len(CATEGORIES), TOP_AGE + 1)
    members, pensioners, contributors = np.zeros(shape4), np.zeros(shape4), np.zeros(shape4)
    new = np.zeros((paths, n))
    out = {name: np.zeros((paths, n)) for name in BOOKED}
    amounts = np.zeros((paths, len(CATEGORIES), TOP_AGE + 1))
    for i, year in enumerate(years):  # years: each stock depends on the last
        cohort = year - AGES - schedule.first_cohort
        share = schedule.retired_share[:, cohort, AGES]
        share_before = np.where(
            AGES >= 1, schedule.retired_share[:, cohort, np.maximum(AGES - 1, 0)], 0.0
        )
        people = pop.population[:, i][:, SEX_OF_GROUP] * weights[None]
        pool = people * pop.urban_share[i] * coverage(a, int(year))[None]
        members[:, i] = pool * (1 - share)
        contributors[:, i] = members[:, i] * density
        if i == 0:
            pensioners[:, 0], amounts = _base_year_pensions(a, pool * share)
            out["reserve"][:, 0] = a.number("employee_pension.base_reserve")
            continue
        survival = d.sx[i - 1][SEX_OF_GROUP][None]
        entrants = pool * np.maximum(share - share_before, 0.0)
        pensioners[:, i] = _age_one_year(pensioners[:, i - 1], survival) + entrants
        before = amounts * (1 + adjust[:, i])[:, None, None]
        amounts = _age_one_year(amounts, survival) * (1 + adjust[:, i])[:, None, None] + (
            entrants * awards[:, :, i][..., None]
        )
        new[:, i] = entrants.sum(axis=(-1, -2))
        paid = 12 * 0.5 * (_age_one_year(before, np.ones_like(survival)) + amounts)
        covered_by_age = contributors[:, i] * base_ratio * wage[:, i, None, None] * 12
        closed = year - valuation_year + CLOSED_GROUP_MIN_AGE <= AGES  # (age,)
        _book_year(
            out,
            i,
            paid,
            covered_by_age,
            rate[i],
            subsidy_share,
            returns[:, i],
            closed if year > valuation_year else None,
        )
        if year == valuation_year:
            valued_amounts = amounts.copy()
    out["new_pensioners"] = new
    out["average_wage"] = wage
    out["contribution_rate"] = np.broadcast_to(rate[None], (paths, n)).copy()
    v = int(valuation_year - years[0])
    debt = implicit_debt(
        a,
        schedule,
        awards,
        adjust[:, v + 1 :].mean(axis=1),
        valued_amounts,
        members[:, v],
        d.mx[v - 1],
        v,
    )
    return EmployeeFund(
        years=years,
        series=out,
        members=members,
        pensioners=pensioners,
        contributors=contributors,
        implicit_debt=debt,
        awards=awards,
        schedule=schedule,
    )


def cohort_retirement_age(schedule: RetirementSchedule, year: int) -> FloatArray:
    """Mean age (years) at which the members aged 0..100 at the end of ``year`` retire,
    (group, age): each birth cohort's own statutory ages under the scenario's rules, deferred
    for those short of the minimum contribution years."""
    cohort = year - AGES - schedule.first_cohort
    share = schedule.retired_share[:, cohort, :]  # (group, age at valuation, age)
    return np.asarray(1.0 + (1.0 - share[..., :-1]).sum(axis=-1))


def implicit_debt(
    a: Assumptions,
    schedule: RetirementSchedule,
    awards: FloatArray,
    indexation: FloatArray,
    amounts: FloatArray,
    members: FloatArray,
    mx: FloatArray,
    v: int,
) -> FloatArray:
    """Accrued-to-date liabilities (yuan, per path) at the end of year index ``v``, closed
    group: the present value of pensions in payment, plus for each member the pension of the
    award at the cohort's own retirement age under the scenario, times the share of the career
    from the entry age to that age already served, paid from then on; valued with the
    valuation year's life table, the projected indexation and ``ipd_discount_rate``."""
    rate = a.number("employee_pension.ipd_discount_rate")
    entry = a.number("employee_pension.entry_age")
    lx = life_table(mx, MALE)["lx"][SEX_OF_GROUP]  # (group, age)
    ratio = (1 + indexation[:, None, None]) / (1 + rate)  # (path, 1, 1)
    weighted = lx[None] * ratio ** AGES[None, None]
    annuity = np.cumsum(weighted[..., ::-1], axis=-1)[..., ::-1] / weighted  # (path, group, age)
    in_payment = (amounts * 12 * annuity).sum(axis=(-1, -2))
    groups, last = awards.shape[1], awards.shape[2] - 1
    retire_age = cohort_retirement_age(schedule, int(schedule.years[v]))  # (group, age)
    to_go = np.maximum(retire_age - AGES[None], 0.0)
    at_age = np.minimum(np.round(AGES[None] + to_go).astype(np.int64), TOP_AGE)
    retire_index = np.minimum(v + np.round(to_go).astype(np.int64), last)
    award = awards[:, np.arange(groups)[:, None], retire_index]  # (path, group, age)
    at_retirement = np.take_along_axis(
        annuity, np.broadcast_to(at_age[None], annuity.shape), axis=-1
    )
    survive = np.take_along_axis(lx, at_age, axis=-1) / lx
    served = np.clip((AGES[None] - entry) / np.maximum(retire_age - entry, 1e-9), 0.0, 1.0)
    accrued = (
        members * served[None] * award * 12 * at_retirement * survive[None] / (1 + rate) ** to_go
    )
    return np.asarray(in_payment + accrued.sum(axis=(-1, -2)))
