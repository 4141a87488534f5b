"""Multi-level settlement of medical claims (REFERENCE §4.2-§4.4).

Claims of a calendar year are settled in order, per person, by three layers:

1. basic insurance: policy-range cost above the deductible (outpatient: one per year;
   inpatient: per admission, the first admission of the year higher) times the ratio for the
   setting and hospital tier, until the annual ceiling of the setting (employees) or the
   combined cap (residents);
2. critical-illness insurance (大病保险, residents only): the remaining cost above a yearly
   deductible of a share of the previous year's per-capita disposable income, times a ratio,
   while basic plus critical-illness payments stay under the combined cap; low-income, dibao
   and 特困 members get half the deductible, a higher ratio and no cap;
3. medical assistance (dibao and 特困 members): a share of what is still left, within a local
   annual limit.

Each layer's payment on each claim is rounded half-up to the fen; the patient pays the rest, so
the layers and the out-of-pocket part add up to the cost exactly. Year-to-date inputs carry the
state between calls, and the same state comes back as outputs, so claims can be settled one at
a time or a year at once with the same result.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from safetynet.policy.catalogue import Field, register
from safetynet.policy.money import round_half_up, to_fen
from safetynet.policy.parameters import ParameterSet
from safetynet.policy.periods import MonthArray, month_start
from safetynet.policy.regions import NATIONAL
from safetynet.policy.rules.kernel_support import (
    NO_LIMIT_FEN,
    IntArray,
    group_rows,
    per_row,
    require,
    table_where,
    value_where,
)
from safetynet.policy.trace import NO_TRACE, Trace

SCHEMES = ("employee", "resident")
SETTINGS = ("outpatient", "inpatient")
TIERS = ("community", "tier1", "tier2", "tier3")
ASSISTANCE_CATEGORIES = ("none", "low_income", "dibao", "tekun")
LOW_INCOME = ("low_income", "dibao", "tekun")  # critical-illness preferences
ASSISTED = ("dibao", "tekun")  # medical assistance


def _fen_of(raw: Any, rows: int, field: str) -> IntArray:
    """A money input in yuan, one per row, as fen; absent means zero."""
    if raw is None:
        return np.zeros(rows, dtype=np.int64)
    return to_fen(per_row(raw, rows, field, np.float64))


def _share(fen: IntArray, ratio: npt.NDArray[np.float64]) -> IntArray:
    """fen x ratio rounded half-up to the fen (0 where the ratio is not needed)."""
    return round_half_up(fen * np.nan_to_num(ratio), 0).astype(np.int64)


def _by_scheme(
    p: ParameterSet,
    suffix: str,
    days: np.ndarray,
    regions: np.ndarray,
    keys: np.ndarray,
    employee: np.ndarray,
    needed: np.ndarray,
    trace: Trace,
) -> npt.NDArray[np.float64]:
    """A table value from the employee or the resident parameter, as each row's scheme says."""
    out = np.full(days.shape, np.nan)
    for scheme, rows in (("employee", employee), ("resident", ~employee)):
        if rows.any():
            out[rows] = table_where(
                p,
                f"medical.{scheme}_{suffix}",
                days[rows],
                regions[rows],
                keys[rows],
                needed[rows],
                trace=trace if rows[0] else NO_TRACE,
            )
    return out


def settle_claims(
    p: ParameterSet,
    *,
    region: np.ndarray,
    month: MonthArray,
    scheme: np.ndarray,
    policy_cost: np.ndarray,
    setting: np.ndarray,
    tier: np.ndarray,
    assistance_category: np.ndarray | None = None,
    deductible: np.ndarray | None = None,
    assistance_annual_limit: np.ndarray | None = None,
    inpatient_admissions: np.ndarray | None = None,
    outpatient_deductible_met: np.ndarray | None = None,
    outpatient_basic_paid: np.ndarray | None = None,
    inpatient_basic_paid: np.ndarray | None = None,
    critical_illness_cost_counted: np.ndarray | None = None,
    critical_illness_paid: np.ndarray | None = None,
    medical_assistance_paid: np.ndarray | None = None,
    person: np.ndarray | None = None,
    trace: Trace = NO_TRACE,
) -> dict[str, np.ndarray]:
    """Settle claims (rows) grouped by ``person``; person-level inputs may be given once or per
    row (then the value on a person's first row counts). Year-to-date inputs default to zero.
    Per-row outputs are in row order; per-person outputs follow ``person_key`` (ascending)."""
    year_to_date = {
        "outpatient_deductible_met": outpatient_deductible_met,
        "outpatient_basic_paid": outpatient_basic_paid,
        "inpatient_basic_paid": inpatient_basic_paid,
        "critical_illness_cost_counted": critical_illness_cost_counted,
        "critical_illness_paid": critical_illness_paid,
        "medical_assistance_paid": medical_assistance_paid,
    }
    rows = np.size(policy_cost)  # one row per claim; other inputs per claim or one for all
    cost_in = per_row(policy_cost, rows, "policy_cost", np.float64)
    groups = group_rows(person, rows)

    def row_input(raw: Any, field: str, dtype: Any = None) -> np.ndarray:
        return groups.sort(per_row(raw, rows, field, dtype))

    def person_fen(field: str) -> IntArray:
        return groups.first(groups.sort(_fen_of(year_to_date.get(field), rows, field)))

    cost = groups.sort(to_fen(cost_in))
    tiers = row_input(tier, "tier").astype(str)
    settings = row_input(setting, "setting").astype(str)
    regions = row_input(region, "region", np.int64)
    months = row_input(month, "month", np.int64)
    employee = row_input(scheme, "scheme").astype(str) == "employee"
    category = row_input(
        assistance_category if assistance_category is not None else "none",
        "assistance_category",
    ).astype(str)
    require(
        groups.unsort(np.isin(settings, SETTINGS)),
        "setting",
        f"expected one of {', '.join(SETTINGS)}",
    )
    require(
        np.isin(per_row(scheme, rows, "scheme").astype(str), SCHEMES),
        "scheme",
        f"expected one of {', '.join(SCHEMES)}",
    )
    require(
        groups.unsort(np.isin(category, ASSISTANCE_CATEGORIES)),
        "assistance_category",
        f"expected one of {', '.join(ASSISTANCE_CATEGORIES)}",
    )
    require(groups.unsort(np.isin(tiers, TIERS)), "tier", f"expected one of {', '.join(TIERS)}")
    require(
        groups.unsort(months // 12 == groups.spread(groups.first(months // 12))),
        "month",
        "a person's claims must fall in one calendar year",
    )
    days = month_start(months)
    national = np.full(rows, NATIONAL, dtype=np.int64)
    outpatient = settings == "outpatient"
    inpatient = ~outpatient

    # 1. basic insurance
    admissions_before = groups.first(
        row_input(
            0 if inpatient_admissions is None else inpatient_admissions,
            "inpatient_admissions",
            np.int64,
        )
    )
    require(
        groups.unsort(groups.spread(admissions_before >= 0)),
        "inpatient_admissions",
        "must not be negative",
    )
    admission = groups.running(inpatient.astype(np.int64)) + groups.spread(admissions_before)
    deductible_key = np.where(
        outpatient, "outpatient", np.where(admission == 1, "inpatient_first", "inpatient_later")
    )
    given = (
        np.full(rows, np.nan)
        if deductible is None
        else row_input(deductible, "deductible", np.float64)
    )
    looked_up = _by_scheme(
        p, "deductible", days, regions, deductible_key, employee, np.isnan(given), trace
    )
    row_deductible = to_fen(np.where(np.isnan(given), looked_up, given))
    trace.step(
        "deductible",
        "the deductible of the claim's setting: outpatient once a year, "
        "inpatient per admission (first admission of the year, later admissions); an "
        "input deductible replaces the parameter",
        row_deductible,
        "fen",
    )

    outpatient_cost = np.where(outpatient, cost, 0)
    met_before = groups.spread(person_fen("outpatient_deductible_met"))
    deductible_left = np.maximum(0, row_deductible - met_before)
    above = np.where(
        outpatient,
        np.clip(groups.running(outpatient_cost) - deductible_left, 0, cost),
        np.maximum(0, cost - row_deductible),
    )
    ratio = _by_scheme(
        p,
        "ratio",
        days,
        regions,
        np.char.add(np.char.add(settings, "."), tiers),
        employee,
        np.ones(rows, dtype=bool),
        trace,
    )
    trace.step(
        "basic ratio",
        "share of the cost above the deductible the basic fund pays, by setting and hospital tier",
        ratio,
    )
    basic_raw = _share(above, ratio)
    trace.step(
        "basic before the ceiling",
        "(cost above the deductible) x ratio, rounded half-up to the fen",
        basic_raw,
        "fen",
    )

    income = value_where(
        p, "medical.previous_year_income_per_capita", days, national, ~employee, trace=trace
    )
    multiple = value_where(
        p, "medical.resident_ceiling_income_multiple", days, national, ~employee, trace=trace
    )
    combined_cap = to_fen(np.nan_to_num(income * multiple))
    ceiling = table_where(
        p, "medical.employee_ceiling", days, regions, settings, employee, trace=trace
    )
    row_ceiling = np.where(employee, to_fen(np.nan_to_num(ceiling)), combined_cap)
    trace.step(
        "annual ceiling",
        "employees: the ceiling of the setting; residents: previous-year per-capita "
        "disposable income x multiple, shared by basic and critical-illness insurance",
        row_ceiling,
        "fen",
    )
    out_paid_before = groups.spread(person_fen("outpatient_basic_paid"))
    in_paid_before = groups.spread(person_fen("inpatient_basic_paid"))
    ci_paid_before = groups.spread(person_fen("critical_illness_paid"))
    resident = ~employee
    low_income = np.isin(category, LOW_INCOME)
    shared_cap = resident & ~low_income  # basic and critical illness under one cap

    def paid_within(pool: np.ndarray, raw: IntArray, paid_before: IntArray) -> IntArray:
        """What fits of each row's ``raw`` in the pool's annual room, claim by claim (rows
        outside the pool neither pay nor limit)."""
        room = np.where(pool, np.maximum(0, row_ceiling - paid_before), NO_LIMIT_FEN)
        total = groups.capped_running(np.where(pool, raw, 0), room)
        return np.where(pool, total - groups.previous(total), 0)

    basic = (
        paid_within(employee & outpatient, basic_raw, out_paid_before)
        + paid_within(employee & inpatient, basic_raw, in_paid_before)
        + paid_within(resident & low_income, basic_raw, out_paid_before + in_paid_before)
        + np.where(shared_cap, basic_raw, 0)  # capped together with critical illness below
    )

    # 2. critical-illness insurance (residents)
    share = value_where(
        p, "medical.critical_illness_deductible_income_share", days, national, resident, trace=trace
    )
    ci_ratio = value_where(
        p, "medical.critical_illness_ratio", days, national, resident, trace=trace
    )
    factor = value_where(
        p,
        "medical.critical_illness_low_income_deductible_factor",
        days,
        national,
        resident & low_income,
        trace=trace,
    )
    increase = value_where(
        p,
        "medical.critical_illness_low_income_ratio_increase",
        days,
        national,
        resident & low_income,
        trace=trace,
    )
    ci_deductible = np.where(
        resident, to_fen(np.nan_to_num(income * share * np.where(low_income, factor, 1.0))), 0
    )
    ci_ratio = np.where(low_income, ci_ratio + np.nan_to_num(increase), ci_ratio)
    trace.step(
        "critical-illness deductible",
        "previous-year per-capita disposable income x "
        "share (halved for low-income, dibao and 特困 members)",
        ci_deductible,
        "fen",
    )
    after_basic = np.where(resident, cost - basic, 0)
    counted_before = groups.spread(person_fen("critical_illness_cost_counted"))
    ci_above = np.clip(
        groups.running(after_basic) - np.maximum(0, ci_deductible - counted_before),
        0,
        after_basic,
    )
    ci_raw = np.where(resident, _share(ci_above, ci_ratio), 0)
    # Under the shared cap each claim's basic payment comes first, then critical illness, out
    # of the room left by both layers' earlier payments (once the cap is reached, neither pays).
    both = paid_within(
        shared_cap, basic_raw + ci_raw, out_paid_before + in_paid_before + ci_paid_before
    )
    basic = np.where(shared_cap, np.minimum(basic_raw, both), basic)
    critical = np.where(shared_cap, both - basic, ci_raw)
    trace.step(
        "basic fund",
        "the payment before the ceiling, as far as the annual room left under the ceiling "
        "allows, claim by claim",
        basic,
        "fen",
    )
    trace.step(
        "critical illness",
        "(cost left after basic, above the yearly deductible) x "
        "ratio, while basic + critical illness stay under the combined cap (no cap on "
        "critical illness for low-income members); employees: none",
        critical,
        "fen",
    )

    # 3. medical assistance (dibao and 特困 members)
    assisted = np.isin(category, ASSISTED)
    ma_ratio = table_where(
        p,
        "medical.assistance_ratio",
        days,
        regions,
        np.where(assisted, category, "dibao"),
        assisted,
        trace=trace,
    )
    limit_given = (
        np.full(rows, np.nan)
        if assistance_annual_limit is None
        else row_input(assistance_annual_limit, "assistance_annual_limit", np.float64)
    )
    limit = np.where(
        np.isnan(limit_given),
        value_where(
            p,
            "medical.assistance_annual_limit",
            days,
            regions,
            assisted & np.isnan(limit_given),
            trace=trace,
        ),
        limit_given,
    )
    left = cost - basic - critical
    ma_raw = np.where(assisted, _share(left, ma_ratio), 0)
    ma_room = np.maximum(
        0, to_fen(np.nan_to_num(limit)) - groups.spread(person_fen("medical_assistance_paid"))
    )
    ma_total = groups.capped_running(ma_raw, ma_room)
    assistance = ma_total - groups.previous(ma_total)
    trace.step(
        "medical assistance",
        "(cost left after both insurances) x assistance ratio, "
        "within the local annual limit; dibao and 特困 members only",
        assistance,
        "fen",
    )
    out_of_pocket = cost - basic - critical - assistance
    trace.step("out of pocket", "cost less what the three layers pay", out_of_pocket, "fen")

    def state(field: str, added: IntArray) -> IntArray:
        return np.asarray(person_fen(field) + groups.total(added), dtype=np.int64)

    return {
        "basic_fund": groups.unsort(basic),
        "critical_illness": groups.unsort(critical),
        "medical_assistance": groups.unsort(assistance),
        "out_of_pocket": groups.unsort(out_of_pocket),
        "person_key": groups.keys,
        "total_basic_fund": groups.total(basic),
        "total_critical_illness": groups.total(critical),
        "total_medical_assistance": groups.total(assistance),
        "total_out_of_pocket": groups.total(out_of_pocket),
        "outpatient_deductible_met": state(
            "outpatient_deductible_met", np.where(outpatient, cost - above, 0)
        ),
        "outpatient_basic_paid": state("outpatient_basic_paid", np.where(outpatient, basic, 0)),
        "inpatient_admissions": admissions_before + groups.total(inpatient.astype(np.int64)),
        "inpatient_basic_paid": state("inpatient_basic_paid", np.where(inpatient, basic, 0)),
        "critical_illness_cost_counted": state(
            "critical_illness_cost_counted", after_basic - ci_above
        ),
        "critical_illness_paid": state("critical_illness_paid", critical),
        "medical_assistance_paid": state("medical_assistance_paid", assistance),
    }


def _ytd(name: str, doc: str) -> Field:
    return Field(name, "money", doc, required=False, default=0)


@register(
    "medical_reimbursement",
    "Settlement of a claim or a year of claims by basic insurance, residents' critical-illness "
    "insurance and medical assistance, with the out-of-pocket part and the year-to-date state.",
    inputs=[
        Field("region", "region", "insured region, 6-digit code (Beijing 110000 for employees)"),
        Field("month", "month", "month of the claims, YYYY-MM (all in one calendar year)"),
        Field("scheme", "choice", "employee or resident medical insurance", choices=SCHEMES),
        Field("policy_cost", "money_list", "policy-range cost of each claim, in order"),
        Field(
            "setting",
            "choice_list",
            "outpatient or inpatient, per claim (or one for all)",
            choices=SETTINGS,
        ),
        Field(
            "tier",
            "choice_list",
            "community centre or hospital tier1-3, per claim (or one for all)",
            choices=TIERS,
        ),
        Field(
            "assistance_category",
            "choice",
            "none; low_income; dibao; tekun (特困)",
            required=False,
            default="none",
            choices=ASSISTANCE_CATEGORIES,
        ),
        Field(
            "deductible",
            "money",
            "local deductible replacing the parameter (outpatient per "
            "year, inpatient per admission); needed where none is recorded",
            required=False,
        ),
        Field(
            "assistance_annual_limit",
            "money",
            "local annual limit of medical assistance; needed for dibao and tekun members",
            required=False,
        ),
        _ytd("outpatient_deductible_met", "outpatient deductible already met this year"),
        _ytd("outpatient_basic_paid", "basic fund paid on outpatient claims this year"),
        Field(
            "inpatient_admissions",
            "int",
            "inpatient admissions already this year",
            required=False,
            default=0,
        ),
        _ytd("inpatient_basic_paid", "basic fund paid on inpatient claims this year"),
        _ytd(
            "critical_illness_cost_counted",
            "cost already counted towards the critical-illness deductible this year",
        ),
        _ytd("critical_illness_paid", "critical-illness insurance paid this year"),
        _ytd("medical_assistance_paid", "medical assistance paid this year"),
    ],
    outputs=[
        Field("basic_fund", "money_list", "basic insurance payment per claim"),
        Field("critical_illness", "money_list", "critical-illness insurance payment per claim"),
        Field("medical_assistance", "money_list", "medical assistance payment per claim"),
        Field("out_of_pocket", "money_list", "the patient's part per claim"),
        Field("total_basic_fund", "money", "basic insurance, all claims"),
        Field("total_critical_illness", "money", "critical-illness insurance, all claims"),
        Field("total_medical_assistance", "money", "medical assistance, all claims"),
        Field("total_out_of_pocket", "money", "the patient's part, all claims"),
        Field("outpatient_deductible_met", "money", "year to date after these claims"),
        Field("outpatient_basic_paid", "money", "year to date after these claims"),
        Field("inpatient_admissions", "int", "year to date after these claims"),
        Field("inpatient_basic_paid", "money", "year to date after these claims"),
        Field("critical_illness_cost_counted", "money", "year to date after these claims"),
        Field("critical_illness_paid", "money", "year to date after these claims"),
        Field("medical_assistance_paid", "money", "year to date after these claims"),
    ],
    references=("REFERENCE §4.2-§4.4", "GB2015-57", "GB2021-42", "NHSA2024-19", "BJ-MEDICAL"),
)
def medical_reimbursement(
    p: ParameterSet, *, trace: Trace = NO_TRACE, **inputs: np.ndarray
) -> dict[str, np.ndarray]:
    return settle_claims(p, trace=trace, **inputs)


__all__ = [
    "ASSISTANCE_CATEGORIES",
    "SCHEMES",
    "SETTINGS",
    "TIERS",
    "medical_reimbursement",
    "settle_claims",
]
