"""Transfer of the employee pension across provinces (REFERENCE §6; TRANSFER2009).

What moves: the whole personal-account balance, plus from the pooled fund a share (12 %) of the
sum of the contribution bases of the months contributed since 1998-01-01 in the province left.

Where the pension is claimed (art. 6), from the cumulative contribution months per province
listed in chronological order of last contribution:

1. the insurance relation is in the hukou province: claim there;
2. otherwise, with at least 10 years in the current province: claim there;
3. otherwise, the last province (in that order) with at least 10 years;
4. with less than 10 years everywhere: the hukou province.

Provinces are compared at province level (the first two digits of the codes).
"""

from __future__ import annotations

import numpy as np

from safetynet.policy.catalogue import MAX_CAREER_MONTHS, Field, register
from safetynet.policy.errors import InputError
from safetynet.policy.money import to_fen
from safetynet.policy.parameters import ParameterSet
from safetynet.policy.periods import MonthArray, month_start
from safetynet.policy.regions import NATIONAL, province_of
from safetynet.policy.rules.kernel_support import (
    group_rows,
    per_row,
    require,
    value_where,
)
from safetynet.policy.trace import NO_TRACE, Trace


@register(
    "transfer",
    "Cross-province transfer of the employee pension: the amounts that move and the province "
    "where the pension is claimed, with the step of the 10-year rule that decided it.",
    inputs=[
        Field("month", "month", "month of the transfer or claim, YYYY-MM"),
        Field("account_balance", "money", "personal-account balance moved"),
        Field(
            "contribution_base_total",
            "money",
            "sum of the monthly contribution bases since 1998-01 in the province left",
        ),
        Field(
            "provinces",
            "region_list",
            "provinces contributed in, in chronological order of the last contribution",
        ),
        Field(
            "province_months",
            "int_list",
            "cumulative contribution months in each province (one per province)",
            maximum=MAX_CAREER_MONTHS,
        ),
        Field("hukou_region", "region", "region of the household registration (hukou)"),
        Field("current_region", "region", "region where the insurance relation now is"),
    ],
    outputs=[
        Field("pooled_fund_transfer", "money", "rate x sum of contribution bases"),
        Field("total_transfer", "money", "account balance + pooled transfer"),
        Field("total_contribution_months", "int", "months in all provinces together"),
        Field("claim_region", "region", "province where the pension is claimed"),
        Field("claim_step", "int", "step of art. 6 that decided it (1-4)"),
    ],
    references=("TRANSFER2009 arts. 4, 6",),
)
def transfer(
    p: ParameterSet,
    *,
    month: MonthArray,
    account_balance: np.ndarray,
    contribution_base_total: np.ndarray,
    provinces: np.ndarray,
    province_months: np.ndarray,
    hukou_region: np.ndarray,
    current_region: np.ndarray,
    person: np.ndarray | None = None,
    trace: Trace = NO_TRACE,
) -> dict[str, np.ndarray]:
    """Rows are (person, province) pairs grouped by ``person``; person-level inputs are given
    once or per row (the first row of each person counts). Outputs are per person, ordered by
    ascending person key."""
    rows = np.size(provinces)  # one row per (person, province)
    places = province_of(per_row(provinces, rows, "provinces", np.int64))
    if np.size(province_months) != rows:  # one count per province, never stretched over several
        raise InputError(
            "province_months",
            f"has {np.size(province_months)} entries; expected {rows}, one per province",
        )
    months = np.asarray(province_months, dtype=np.int64).reshape(-1)
    require(months >= 0, "province_months", "must not be negative")
    groups = group_rows(person, rows)
    places, months = groups.sort(places), groups.sort(months)
    order = np.lexsort((places, groups.ids))
    repeated = (places[order][1:] == places[order][:-1]) & (
        groups.ids[order][1:] == groups.ids[order][:-1]
    )
    repeated_at = np.zeros(rows, dtype=bool)
    repeated_at[order[1:]] = repeated
    require(
        ~groups.unsort(repeated_at), "provinces", "each province may appear only once per person"
    )

    def person_value(raw: np.ndarray, field: str, dtype: type) -> np.ndarray:
        return groups.first(groups.sort(per_row(raw, rows, field, dtype)))

    days = month_start(person_value(month, "month", np.int64))
    national = np.full(days.size, NATIONAL, dtype=np.int64)
    everyone = np.ones(days.size, dtype=bool)
    rate = value_where(p, "transfer.pooled_transfer_rate", days, national, everyone, trace=trace)
    bases = person_value(contribution_base_total, "contribution_base_total", np.float64)
    pooled = to_fen(rate * bases)
    trace.step("pooled transfer", "rate x sum of contribution bases since 1998-01", pooled, "fen")
    balance = to_fen(person_value(account_balance, "account_balance", np.float64))
    total = balance + pooled
    trace.step("total transfer", "account balance + pooled transfer", total, "fen")

    minimum = value_where(
        p, "transfer.claim_place_min_months", days, national, everyone, trace=trace
    )
    hukou = province_of(person_value(hukou_region, "hukou_region", np.int64))
    current = province_of(person_value(current_region, "current_region", np.int64))
    long_stay = months >= groups.spread(minimum)
    months_in_current = groups.total(np.where(places == groups.spread(current), months, 0))
    position = np.arange(rows, dtype=np.int64)
    last_long = np.full(groups.count, -1, dtype=np.int64)
    np.maximum.at(last_long, groups.ids[long_stay], position[long_stay])
    step = np.select(
        [current == hukou, months_in_current >= minimum, last_long >= 0], [1, 2, 3], 4
    ).astype(np.int64)
    claim = np.select(
        [step == 1, step == 2, step == 3],
        [hukou, current, places[np.maximum(last_long, 0)] if rows else hukou],
        hukou,
    )
    trace.step(
        "claim province",
        "1 insurance in the hukou province: there; 2 at least 10 "
        "years in the current province: there; 3 the last province with at least 10 "
        "years; 4 the hukou province",
        step,
    )
    return {
        "person_key": groups.keys,
        "pooled_fund_transfer": pooled,
        "total_transfer": total,
        "total_contribution_months": groups.total(months),
        "claim_region": claim,
        "claim_step": step,
    }


__all__ = ["transfer"]
