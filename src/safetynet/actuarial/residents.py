"""The residents' pension and the two basic medical funds, projected from the same population.

Residents' pension: people of pension age outside the employee scheme draw the pension of
:func:`resident_pension` (national minimum + top-up + account / 139); once the minimum's last
recorded value is past, it grows at an assumed rate. Medical: insured persons by age times a
cost per head by age (level fitted to 2023 spending of both schemes), growing with wages plus an
excess; employees pay the law's medical rates on their base, residents' funding per head is the
law's premium plus subsidy, then grows with wages.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from safetynet.actuarial.assumptions import Assumptions
from safetynet.actuarial.economy import Economy, january
from safetynet.actuarial.employee import EmployeeFund
from safetynet.actuarial.population import AGES, PopulationProjection
from safetynet.policy.money import fen_to_yuan
from safetynet.policy.parameters import ParameterSet
from safetynet.policy.regions import NATIONAL
from safetynet.policy.rules.resident import resident_pension

FloatArray = npt.NDArray[np.float64]
MINIMUM = "resident.pension_minimum_basic"
CALIBRATION_YEAR = 2023


def _by_sex(by_group: FloatArray) -> FloatArray:
    """(..., group, age) -> (..., sex, age)."""
    return np.stack([by_group[..., 0, :], by_group[..., 1:, :].sum(axis=-2)], axis=-2)


def _grow_after_last_entry(
    p: ParameterSet, name: str, years: npt.NDArray[np.int64], rate: float
) -> FloatArray:
    """Growth factor by year, compounding after the year of a parameter's last dated entry."""
    last = int(p[name].series[NATIONAL].dates[-1].astype(object).year)
    return np.asarray((1 + rate) ** np.maximum(years - last, 0), dtype=np.float64)


def project_residents(
    p: ParameterSet,
    a: Assumptions,
    pop: PopulationProjection,
    fund: EmployeeFund,
) -> dict[str, FloatArray]:
    """Residents' pension series (path, year)."""
    years = pop.years
    age = p.at("resident.pension_age", january(years), NATIONAL).astype(np.int64)
    people = pop.population.sum(axis=-2)  # (path, year, age)
    employee = (fund.pensioners + fund.members).sum(axis=-2)
    outside = np.maximum(people - employee, 0.0)
    old = AGES[None, :] >= age[:, None]
    beneficiaries = a.number("resident_pension.takeup") * (outside * old[None]).sum(axis=-1)
    working = (AGES[None, :] >= 16) & ~old
    contributors = a.number("resident_pension.contributor_share") * (outside * working[None]).sum(
        axis=-1
    )
    month = years * 12
    pension = resident_pension(
        p,
        region=np.zeros(years.size, dtype=np.int64),
        month=month,
        account_balance=np.full(years.size, a.number("resident_pension.account_balance_at_60")),
    )
    growth = _grow_after_last_entry(
        p, MINIMUM, years, a.number("resident_pension.pension_growth_after_known")
    )
    basic = fen_to_yuan(pension["basic"] + pension["local_top_up"])[None] * growth
    account = fen_to_yuan(pension["account"])[None]
    return {
        "resident_beneficiaries": beneficiaries,
        "resident_contributors": contributors,
        "resident_contributions": contributors
        * a.number("resident_pension.contribution_per_member"),
        "resident_fiscal_cost": beneficiaries * basic * 12,
        "resident_spending": beneficiaries * (basic + account) * 12,
    }


def project_medical(
    p: ParameterSet,
    a: Assumptions,
    pop: PopulationProjection,
    fund: EmployeeFund,
    econ: Economy,
) -> dict[str, FloatArray]:
    """Employee and resident medical fund series (path, year)."""
    years = pop.years
    days = january(years) + np.timedelta64(181, "D")
    ratio = a.number("medical.employee_members_per_pension_insured")
    employee_members = ratio * _by_sex(fund.members + fund.pensioners)
    residents = a.number("medical.resident_coverage") * np.maximum(
        pop.population - employee_members, 0.0
    )
    relative = a.schedule("medical.cost_by_age", AGES)
    cost_ratio = a.number("medical.employee_cost_ratio")
    weight_employee = cost_ratio * (employee_members * relative).sum(axis=(-1, -2))
    weight_resident = (residents * relative).sum(axis=(-1, -2))
    growth = econ.at(econ.wage_growth, years) + a.number("medical.excess_cost_growth")
    calibration = int(np.flatnonzero(years == CALIBRATION_YEAR)[0])
    cost_log = np.cumsum(np.log1p(growth), axis=-1)
    index = np.exp(cost_log - cost_log[:, calibration : calibration + 1])
    level = a.number("medical.cost_level_2023") / (
        weight_employee[:, calibration] + weight_resident[:, calibration]
    )
    employee_spending = level[:, None] * weight_employee * index
    resident_spending = level[:, None] * weight_resident * index
    rate = p.at("contribution.medical_employer_rate", days, NATIONAL) + p.at(
        "contribution.medical_employee_rate", days, NATIONAL
    )
    employee_income = (
        a.number("medical.employee_income_factor")
        * ratio
        * rate[None]
        * fund.series["covered_wages"]
    )
    funding = p.at(
        "resident.medical_individual_premium", january(years), NATIONAL, strict=False
    ) + p.at("resident.medical_fiscal_subsidy", january(years), NATIONAL, strict=False)
    last = int(np.flatnonzero(~np.isnan(funding))[-1])
    wage_log = np.cumsum(np.log1p(econ.at(econ.wage_growth, years)), axis=-1)
    grown = funding[last] * np.exp(wage_log - wage_log[:, last : last + 1])
    per_head = np.where(np.arange(years.size)[None] > last, grown, funding[None])
    resident_income = residents.sum(axis=(-1, -2)) * per_head
    return {
        "medical_employee_members": employee_members.sum(axis=(-1, -2)),
        "medical_employee_income": employee_income,
        "medical_employee_spending": employee_spending,
        "medical_resident_members": residents.sum(axis=(-1, -2)),
        "medical_resident_income": resident_income,
        "medical_resident_spending": resident_spending,
        "medical_income": employee_income + resident_income,
        "medical_spending": employee_spending + resident_spending,
        "medical_employee_balance": employee_income - employee_spending,
        "medical_resident_balance": resident_income - resident_spending,
    }
