"""Limits of the supplementary pillars (REFERENCE §10): annuities and the personal pension.

Enterprise annuity (企业年金): the employer pays at most 8 % of total payroll and employer plus
employees at most 12 %. Occupational annuity (职业年金, public sector; C): the employer pays 8 %
and the employee 4 % of the base, so the same checks use 8 % and 8 + 4 %. Personal pension
(个人养老金): at most 12,000 yuan a year counts; withdrawals are taxed separately at 3 %.
"""

from __future__ import annotations

import numpy as np

from safetynet.policy.catalogue import Field, register
from safetynet.policy.money import to_fen
from safetynet.policy.parameters import ParameterSet
from safetynet.policy.periods import MonthArray, month_start
from safetynet.policy.regions import NATIONAL
from safetynet.policy.rules.kernel_support import per_row, require, row_count, value_where
from safetynet.policy.trace import NO_TRACE, Trace

ANNUITY_TYPES = ("enterprise", "occupational")


@register(
    "supplementary_limits",
    "Annuity contribution limits (enterprise: employer <= 8 % of payroll, total <= 12 %; "
    "occupational 8 % + 4 %) and the personal pension cap and withdrawal tax.",
    inputs=[
        Field("month", "month", "month of the contributions, YYYY-MM"),
        Field(
            "annuity_type",
            "choice",
            "enterprise or occupational annuity",
            choices=ANNUITY_TYPES,
            required=False,
            default="enterprise",
        ),
        Field(
            "annual_payroll",
            "money",
            "total annual payroll (occupational: contribution base) the rates apply to",
            required=False,
            default=0,
        ),
        Field(
            "employer_rate",
            "number",
            "employer contribution rate, e.g. 0.05",
            required=False,
            default=0,
        ),
        Field(
            "employee_rate",
            "number",
            "employees' contribution rate, e.g. 0.02",
            required=False,
            default=0,
        ),
        Field(
            "personal_pension_contribution",
            "money",
            "personal pension paid in the year",
            required=False,
            default=0,
        ),
        Field(
            "personal_pension_withdrawal",
            "money",
            "personal pension withdrawn",
            required=False,
            default=0,
        ),
    ],
    outputs=[
        Field("employer_contribution", "money", "employer rate x payroll"),
        Field("employer_limit", "money", "employer maximum rate x payroll"),
        Field("employer_within_limit", "bool", "employer contribution within its limit"),
        Field("total_contribution", "money", "(employer + employee rate) x payroll"),
        Field("total_limit", "money", "total maximum rate x payroll"),
        Field("total_within_limit", "bool", "total contribution within its limit"),
        Field("personal_pension_allowed", "money", "contribution counted, up to the cap"),
        Field("personal_pension_excess", "money", "contribution above the cap"),
        Field("personal_pension_within_cap", "bool", "contribution within the cap"),
        Field("withdrawal_tax", "money", "tax on the withdrawal"),
    ],
    references=("EA2017", "OA2015", "PP2022"),
)
def supplementary_limits(
    p: ParameterSet,
    *,
    month: MonthArray,
    annuity_type: np.ndarray | None = None,
    annual_payroll: np.ndarray | None = None,
    employer_rate: np.ndarray | None = None,
    employee_rate: np.ndarray | None = None,
    personal_pension_contribution: np.ndarray | None = None,
    personal_pension_withdrawal: np.ndarray | None = None,
    trace: Trace = NO_TRACE,
) -> dict[str, np.ndarray]:
    rows = row_count(
        month,
        annuity_type,
        annual_payroll,
        employer_rate,
        employee_rate,
        personal_pension_contribution,
        personal_pension_withdrawal,
    )
    months = per_row(month, rows, "month", np.int64)

    def given(raw: np.ndarray | None, field: str) -> np.ndarray:
        return per_row(0.0 if raw is None else raw, rows, field, np.float64)

    kind = per_row(
        "enterprise" if annuity_type is None else annuity_type, rows, "annuity_type"
    ).astype(str)
    require(
        np.isin(kind, ANNUITY_TYPES), "annuity_type", f"expected one of {', '.join(ANNUITY_TYPES)}"
    )
    payroll = given(annual_payroll, "annual_payroll")
    employer = given(employer_rate, "employer_rate")
    employee = given(employee_rate, "employee_rate")
    require((employer >= 0) & (employer <= 1), "employer_rate", "must be between 0 and 1")
    require((employee >= 0) & (employee <= 1), "employee_rate", "must be between 0 and 1")
    contribution = given(personal_pension_contribution, "personal_pension_contribution")
    withdrawal = given(personal_pension_withdrawal, "personal_pension_withdrawal")
    days = month_start(months)
    national = np.full(rows, NATIONAL, dtype=np.int64)
    annuity = payroll > 0
    enterprise = kind == "enterprise"

    def rate(name: str, needed: np.ndarray) -> np.ndarray:
        return value_where(p, f"supplementary.{name}", days, national, needed, trace=trace)

    employer_max = np.where(
        enterprise,
        rate("enterprise_employer_max_rate", annuity & enterprise),
        rate("occupational_employer_rate", annuity & ~enterprise),
    )
    total_max = np.where(
        enterprise,
        rate("enterprise_total_max_rate", annuity & enterprise),
        employer_max + rate("occupational_employee_rate", annuity & ~enterprise),
    )
    employer_paid = to_fen(employer * payroll)
    employer_limit = to_fen(np.nan_to_num(employer_max) * payroll)
    total_paid = to_fen((employer + employee) * payroll)
    total_limit = to_fen(np.nan_to_num(total_max) * payroll)
    trace.step(
        "annuity limits",
        "employer: maximum rate x payroll; total: maximum total rate "
        "x payroll (occupational: 8 % and 8 + 4 %)",
        total_limit,
        "fen",
    )

    cap = to_fen(np.nan_to_num(rate("personal_pension_annual_cap", contribution > 0)))
    paid_in = to_fen(contribution)
    allowed = np.minimum(paid_in, cap)
    trace.step("personal pension", "contribution counted up to the annual cap", allowed, "fen")
    tax_rate = rate("personal_pension_withdrawal_tax_rate", withdrawal > 0)
    tax = to_fen(np.nan_to_num(tax_rate) * withdrawal)
    trace.step("withdrawal tax", "withdrawal x tax rate", tax, "fen")
    return {
        "employer_contribution": employer_paid,
        "employer_limit": employer_limit,
        "employer_within_limit": employer_paid <= employer_limit,
        "total_contribution": total_paid,
        "total_limit": total_limit,
        "total_within_limit": total_paid <= total_limit,
        "personal_pension_allowed": allowed,
        "personal_pension_excess": paid_in - allowed,
        "personal_pension_within_cap": paid_in <= cap,
        "withdrawal_tax": tax,
    }


__all__ = ["ANNUITY_TYPES", "supplementary_limits"]
