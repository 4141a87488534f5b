"""The monthly employee pension at retirement and its annual adjustment (REFERENCE §1.2, §1.6).

total = basic + account + transitional, each rounded half-up to the fen:

- basic = (C + C x Z) / 2 x N x 1 %, with C the pension calculation base of the region for the
  retirement year, Z the average contribution index and N the contribution years (months / 12,
  deemed years included) — 国发〔2005〕38号;
- account = account balance / divisor (计发月数 by age at retirement, interpolated by month);
- transitional (for service before the 1990s reforms): the province's formula. Beijing:
  C x N同 x 1 % for deemed service before 1992-10 plus C x Z实 x N实 x 1 % for contributions from
  1992-10 to 1998-06 (京劳社养发〔2007〕21号/31号). Other provinces fall back to the general
  shape C x Z x N_deemed x k with the documented default k (grade C).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import numpy.typing as npt

from safetynet.policy.catalogue import MAX_CAREER_MONTHS, Field, register
from safetynet.policy.errors import InputError
from safetynet.policy.money import round_half_up, to_fen
from safetynet.policy.parameters import ParameterSet
from safetynet.policy.periods import month_start
from safetynet.policy.provisional import relevant_to
from safetynet.policy.regions import province_of
from safetynet.policy.rules.annuity import divisor
from safetynet.policy.trace import NO_TRACE, Trace

BEIJING = 110000
TransitionalRule = Callable[..., np.ndarray]


def _general_transitional(
    *,
    base: np.ndarray,
    index: np.ndarray,
    deemed_years: np.ndarray,
    rate: np.ndarray,
    pre1998_years: np.ndarray,
    pre1998_index: np.ndarray,
) -> np.ndarray:
    return np.asarray(base * index * deemed_years * rate)


def _beijing_transitional(
    *,
    base: np.ndarray,
    index: np.ndarray,
    deemed_years: np.ndarray,
    rate: np.ndarray,
    pre1998_years: np.ndarray,
    pre1998_index: np.ndarray,
) -> np.ndarray:
    return np.asarray(base * deemed_years * rate + base * pre1998_index * pre1998_years * rate)


TRANSITIONAL_RULES: dict[int, tuple[TransitionalRule, str]] = {
    BEIJING: (
        _beijing_transitional,
        "Beijing: C x deemed years (before 1992-10) x rate + C x index 1992-1998 x years "
        "1992-10 to 1998-06 x rate",
    ),
}
DEFAULT_TRANSITIONAL = (
    _general_transitional,
    "general default: C x average index x deemed years x transitional rate",
)


def _round_places(yuan: np.ndarray, places: np.ndarray) -> np.ndarray:
    """Half-up rounding to each row's number of decimal places (2: fen; 1: jiao)."""
    return np.asarray(
        np.where(places == 1, round_half_up(yuan, 1), round_half_up(yuan, 2)), dtype=np.float64
    )


def employee_pension(
    p: ParameterSet,
    *,
    region: npt.ArrayLike,
    birth_month: npt.ArrayLike,
    retirement_month: npt.ArrayLike,
    contribution_months: npt.ArrayLike,
    avg_contribution_index: npt.ArrayLike,
    account_balance: npt.ArrayLike,
    deemed_months: npt.ArrayLike | None = None,
    pre1998_months: npt.ArrayLike | None = None,
    pre1998_index: npt.ArrayLike | None = None,
    calc_base: npt.ArrayLike | None = None,
    month: npt.ArrayLike | None = None,
    trace: Trace = NO_TRACE,
) -> dict[str, np.ndarray]:
    """The monthly pension at retirement (fen), and adjusted to ``month`` when given."""
    regions = np.asarray(region, dtype=np.int64)
    retire = np.asarray(retirement_month, dtype=np.int64)
    regions, retire = np.broadcast_arrays(regions, retire)
    shape = regions.shape

    def column(values: npt.ArrayLike | None, default: float = 0.0) -> np.ndarray:
        return np.broadcast_to(
            np.asarray(default if values is None else values, dtype=np.float64), shape
        )

    retire_day = month_start(retire)
    if calc_base is None:
        base = p.at("pension.employee.calculation_base", retire_day, regions, trace=trace)
    else:
        base = column(calc_base)
    trace.step(
        "calculation base",
        "the region's pension calculation base for the retirement year (or the base given)",
        base,
    )
    index = column(avg_contribution_index)
    months = column(contribution_months)
    accrual = p.at("pension.employee.accrual_rate", retire_day, regions, trace=trace)
    per_leftover_month = p.at(
        "pension.employee.leftover_month_accrual", retire_day, regions, trace=trace
    )
    places = p.at("pension.employee.rounding_places", retire_day, regions, trace=trace)
    # a monthly rate of accrual/12 is "months as a decimal year": computed as such, so that
    # the truncated decimal in the file cannot move an amount across a half-fen boundary
    decimal_years = np.isclose(per_leftover_month * 12.0, accrual, rtol=1e-9, atol=0.0)
    accrued = np.where(
        decimal_years,
        months / 12.0 * accrual,
        np.floor(months / 12.0) * accrual + np.mod(months, 12) * per_leftover_month,
    )
    basic = to_fen(_round_places((base + base * index) / 2.0 * accrued, places))
    trace.step(
        "basic pension",
        "(C + C x average index) / 2 x (full contribution years x 1 % + leftover months x the "
        "region's rate per month), rounded to the region's unit",
        basic,
        "fen",
    )

    age = retire - np.asarray(birth_month, dtype=np.int64)
    months_divisor = divisor(p, age, retire_day, trace)
    account = to_fen(_round_places(column(account_balance) / months_divisor, places))
    trace.step("account pension", "personal-account balance / divisor", account, "fen")

    deemed = column(deemed_months) / 12.0
    pre_years = column(pre1998_months) / 12.0
    with relevant_to((deemed > 0) | (pre_years > 0)):  # only those with service before 1998
        rate = p.at("pension.employee.transitional_rate", retire_day, regions, trace=trace)
    provinces = province_of(regions)
    transitional_yuan = np.zeros(shape)
    pre_index = column(pre1998_index, 1.0)
    for province in np.unique(provinces):
        rule, _ = TRANSITIONAL_RULES.get(int(province), DEFAULT_TRANSITIONAL)
        rows = provinces == province
        transitional_yuan[rows] = rule(
            base=base[rows],
            index=index[rows],
            deemed_years=deemed[rows],
            rate=rate[rows],
            pre1998_years=pre_years[rows],
            pre1998_index=pre_index[rows],
        )
    transitional = to_fen(_round_places(transitional_yuan, places))
    if trace.enabled:
        _, words = TRANSITIONAL_RULES.get(int(provinces.reshape(-1)[0]), DEFAULT_TRANSITIONAL)
        trace.step("transitional pension", words, transitional, "fen")

    total = basic + account + transitional
    trace.step("total", "basic + account + transitional", total, "fen")
    minimum = p.at("pension.retirement.min_contribution_months", retire_day, 0, trace=trace)
    eligible = column(contribution_months) >= minimum
    trace.step(
        "eligibility", "contribution months at least the minimum of the retirement year", eligible
    )
    out = {
        "calc_base": to_fen(base),
        "basic": basic,
        "account": account,
        "transitional": transitional,
        "total": total,
        "divisor": months_divisor,
        "eligible": eligible,
        "min_contribution_months": minimum.astype(np.int64),
        "shortfall_months": np.maximum(minimum - column(contribution_months), 0).astype(np.int64),
    }
    if month is not None:
        out["adjusted_total"] = adjust_pension(p, total, retire, month, regions, trace)
    return out


def adjust_pension(
    p: ParameterSet,
    amount: npt.ArrayLike,
    retirement_month: npt.ArrayLike,
    month: npt.ArrayLike,
    region: npt.ArrayLike = 0,
    trace: Trace = NO_TRACE,
) -> np.ndarray:
    """Apply each year's overall adjustment, from the year after retirement up to ``month``'s
    year, rounding to the fen each year. A year whose rate is not yet known applies none."""
    fen = np.array(amount, dtype=np.int64, copy=True)
    retire_year = np.broadcast_to(np.asarray(retirement_month, dtype=np.int64) // 12, fen.shape)
    pay_year = np.broadcast_to(np.asarray(month, dtype=np.int64) // 12, fen.shape)
    regions = np.broadcast_to(np.asarray(region, dtype=np.int64), fen.shape)
    if fen.size == 0:
        return fen
    applied = []
    for year in range(int(retire_year.min()) + 1, int(pay_year.max()) + 1):
        rows = (retire_year < year) & (year <= pay_year)
        if not rows.any():
            continue
        rate = p.at(
            "pension.employee.adjustment_rate", month_start(year * 12), regions[rows], strict=False
        )
        rate = np.nan_to_num(rate, nan=0.0)
        fen[rows] = round_half_up(fen[rows] * (1.0 + rate), 0).astype(np.int64)
        if trace.enabled and rows.reshape(-1)[0]:
            applied.append(f"{year}: {rate[0]:.1%}")
    trace.step(
        "annual adjustment",
        "each January from the year after retirement: amount x "
        f"(1 + that year's rate), rounded to the fen ({', '.join(applied) or 'none'}); "
        "a year not yet announced applies none",
        fen,
        "fen",
    )
    return fen


@register(
    "employee_pension",
    "Monthly basic pension of an urban employee at retirement: basic + personal-account + "
    "transitional pension, eligibility, and (with month) the annual adjustments since.",
    inputs=[
        Field("region", "region", "6-digit code of the place where the pension is claimed"),
        Field("birth_month", "month", "month of birth"),
        Field("retirement_month", "month", "month of retirement"),
        Field(
            "contribution_months",
            "int",
            "total contribution months, deemed months included",
            maximum=MAX_CAREER_MONTHS,
        ),
        Field("avg_contribution_index", "number", "average contribution index (0.6 to 3.0)"),
        Field("account_balance", "money", "personal-account balance at retirement (yuan)"),
        Field(
            "deemed_months",
            "int",
            "deemed contribution months (视同缴费; in Beijing the "
            "continuous service before 1992-10)",
            required=False,
            default=0,
            maximum=MAX_CAREER_MONTHS,
        ),
        Field(
            "pre1998_months",
            "int",
            "Beijing: actual contribution months 1992-10 to 1998-06",
            required=False,
            default=0,
        ),
        Field(
            "pre1998_index",
            "number",
            "Beijing: average index 1992-10 to 1998-06",
            required=False,
            default=1.0,
        ),
        Field(
            "calc_base",
            "money",
            "override of the region's pension calculation base",
            required=False,
        ),
        Field("month", "month", "a payment month: adds the pension adjusted to it", required=False),
    ],
    outputs=[
        Field("calc_base", "money", "pension calculation base used"),
        Field("basic", "money", "basic pension (基础养老金)"),
        Field("divisor", "number", "account divisor (计发月数)"),
        Field("account", "money", "personal-account pension"),
        Field("transitional", "money", "transitional pension (过渡性养老金)"),
        Field("total", "money", "monthly pension at retirement"),
        Field("adjusted_total", "money", "monthly pension in the payment month"),
        Field("eligible", "bool", "whether the minimum contribution months are met"),
        Field("min_contribution_months", "int", "minimum for the retirement year"),
        Field("shortfall_months", "int", "months still missing to the minimum"),
    ],
    references=("GF2005-38", "BJ2007-21", "ADJUST"),
)
def employee_pension_calc(
    p: ParameterSet,
    *,
    region: np.ndarray,
    birth_month: np.ndarray,
    retirement_month: np.ndarray,
    contribution_months: np.ndarray,
    avg_contribution_index: np.ndarray,
    account_balance: np.ndarray,
    deemed_months: np.ndarray,
    pre1998_months: np.ndarray,
    pre1998_index: np.ndarray,
    calc_base: np.ndarray | None = None,
    month: np.ndarray | None = None,
    trace: Trace = NO_TRACE,
) -> dict[str, np.ndarray]:
    age = retirement_month - birth_month
    if (age <= 0).any():
        raise InputError("retirement_month", "must be after birth_month")
    if ((age < 40 * 12) | (age > 70 * 12)).any():
        raise InputError("retirement_month", "age at retirement must be between 40 and 70")
    if (contribution_months < 0).any() or (contribution_months > age).any():
        raise InputError("contribution_months", "must be between 0 and the age in months")
    if ((deemed_months < 0) | (deemed_months > contribution_months)).any():
        raise InputError("deemed_months", "must be between 0 and contribution_months")
    if ((avg_contribution_index < 0.6) | (avg_contribution_index > 3.0)).any():
        raise InputError("avg_contribution_index", "must be between 0.6 and 3.0")
    if ((pre1998_months < 0) | (pre1998_months > 69)).any():
        raise InputError("pre1998_months", "must be between 0 and 69 (1992-10 to 1998-06)")
    if month is not None and (month < retirement_month).any():
        raise InputError("month", "must not be before the retirement month")
    return employee_pension(
        p,
        region=region,
        birth_month=birth_month,
        retirement_month=retirement_month,
        contribution_months=contribution_months,
        avg_contribution_index=avg_contribution_index,
        account_balance=account_balance,
        deemed_months=deemed_months,
        pre1998_months=pre1998_months,
        pre1998_index=pre1998_index,
        calc_base=calc_base,
        month=month,
        trace=trace,
    )
