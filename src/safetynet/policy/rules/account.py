"""Year-end crediting of the employee pension's personal account (REFERENCE §1.5).

balance(end) = balance(start) x (1 + r x n/12) + credits + interest on the year's credits,
where r is the year's crediting rate and n the months of the year elapsed (12, or fewer in the
year of retirement). Interest on the year's credits follows the monthly-product method of
劳办发〔1997〕116号: with the credits month by month, each earns r/12 for every month from its
own to the end of the period; with only the year's total, the rule's approximation
credits x r x f / 2 applies, f = 1.083 for a full year (13/12 to three places) and
(n + 1)/12 to three places for a part year. Interest is rounded half-up to the fen.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from safetynet.policy.catalogue import Field, register
from safetynet.policy.errors import InputError
from safetynet.policy.money import round_half_up, to_fen
from safetynet.policy.parameters import ParameterSet
from safetynet.policy.periods import month_start
from safetynet.policy.regions import NATIONAL
from safetynet.policy.trace import NO_TRACE, Trace

RATE = "pension.account.interest_rate"
FACTOR = "pension.account.monthly_product_factor"


def credit_year(
    p: ParameterSet,
    *,
    account_balance: npt.ArrayLike,
    year: npt.ArrayLike,
    year_credits: npt.ArrayLike | None = None,
    monthly_credits: npt.ArrayLike | None = None,
    months_elapsed: npt.ArrayLike | None = None,
    trace: Trace = NO_TRACE,
) -> dict[str, np.ndarray]:
    """Interest and closing balance (fen) of a year, from the opening balance (yuan) and the
    year's credits: ``year_credits`` (total, yuan) or ``monthly_credits`` (n x 12, yuan)."""
    opening = np.asarray(account_balance, dtype=np.float64)
    years = np.asarray(year, dtype=np.int64)
    elapsed = np.asarray(12 if months_elapsed is None else months_elapsed, dtype=np.int64)
    # the first day of the year before broadcasting: one date (one lookup) when the year is one
    day = month_start(years * 12)
    opening, elapsed, day = np.broadcast_arrays(opening, elapsed, day)
    rate = p.at(RATE, day, NATIONAL, trace=trace)
    trace.step("rate", "the crediting rate of the year", rate)
    on_opening = opening * rate * elapsed / 12.0
    if monthly_credits is not None:
        monthly = np.asarray(monthly_credits, dtype=np.float64).reshape(len(opening), 12)
        month_number = np.arange(1, 13)
        months_earning = np.clip(elapsed[:, None] - month_number[None, :] + 1, 0, None)
        counted = np.where(month_number[None, :] <= elapsed[:, None], monthly, 0.0)
        credits = counted.sum(axis=1)
        on_credits = (counted * months_earning).sum(axis=1) * rate / 12.0
        formula = "each month's credit earns rate/12 for each month to the end of the period"
    else:
        credits = np.broadcast_to(
            np.asarray(0.0 if year_credits is None else year_credits, dtype=np.float64),
            opening.shape,
        )
        full_year = p.at(FACTOR, day, NATIONAL, trace=trace)
        factor = np.where(elapsed == 12, full_year, round_half_up((elapsed + 1) / 12.0, 3))
        on_credits = credits * rate * factor / 2.0
        formula = "year's credits x rate x 1.083 / 2 (monthly-product approximation)"
    trace.step("interest on the opening balance", "opening balance x rate x months/12", on_opening)
    trace.step("interest on the year's credits", formula, on_credits)
    interest = to_fen(on_opening + on_credits)
    balance = to_fen(opening) + to_fen(credits) + interest
    trace.step("interest", "sum of both, rounded half-up to the fen", interest, "fen")
    trace.step("closing balance", "opening balance + credits + interest", balance, "fen")
    return {"interest": interest, "balance": balance, "credits": to_fen(credits), "rate": rate}


@register(
    "account_interest",
    "Year-end crediting of the pension personal account with the year's rate and the "
    "monthly-product rule for the year's contributions.",
    inputs=[
        Field("account_balance", "money", "balance at the end of the previous year (yuan)"),
        Field("year", "int", "the calendar year credited"),
        Field(
            "year_credits",
            "money",
            "total credited during the year (yuan)",
            required=False,
            default="0",
        ),
        Field(
            "monthly_credits",
            "money_list",
            "the 12 monthly credits (yuan), for the exact "
            "monthly product instead of the approximation",
            required=False,
        ),
        Field(
            "months_elapsed",
            "int",
            "months of the year counted (12; fewer in the year of retirement)",
            required=False,
            default=12,
        ),
    ],
    outputs=[
        Field("rate", "number", "the year's crediting rate"),
        Field("credits", "money", "the year's credits"),
        Field("interest", "money", "interest credited"),
        Field("balance", "money", "balance at the end of the year"),
    ],
    references=("MOHRSS-2017-31", "LB1997-116"),
)
def account_interest(
    p: ParameterSet,
    *,
    account_balance: np.ndarray,
    year: np.ndarray,
    year_credits: np.ndarray,
    months_elapsed: np.ndarray,
    monthly_credits: np.ndarray | None = None,
    trace: Trace = NO_TRACE,
) -> dict[str, np.ndarray]:
    if ((months_elapsed < 1) | (months_elapsed > 12)).any():
        raise InputError("months_elapsed", "must be between 1 and 12")
    if monthly_credits is not None and monthly_credits.size != 12:
        raise InputError("monthly_credits", "expected 12 monthly amounts")
    return credit_year(
        p,
        account_balance=account_balance,
        year=year,
        year_credits=None if monthly_credits is not None else year_credits,
        monthly_credits=monthly_credits,
        months_elapsed=months_elapsed,
        trace=trace,
    )
