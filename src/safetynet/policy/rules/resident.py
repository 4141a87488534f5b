"""The residents' basic pension (REFERENCE §3): national minimum basic pension for the month,
plus any local top-up, plus the personal account / 139, each rounded half-up to the fen."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from safetynet.policy.catalogue import Field, register
from safetynet.policy.money import round_half_up, to_fen
from safetynet.policy.parameters import ParameterSet
from safetynet.policy.periods import month_start
from safetynet.policy.trace import NO_TRACE, Trace


@register(
    "resident_pension",
    "Monthly pension of the urban and rural residents' scheme: national minimum basic "
    "pension, local top-up and personal account / 139.",
    inputs=[
        Field("region", "region", "6-digit code of the place of insurance"),
        Field("month", "month", "payment month, YYYY-MM"),
        Field(
            "account_balance",
            "money",
            "residents' personal-account balance (yuan)",
            required=False,
            default="0",
        ),
    ],
    outputs=[
        Field("basic", "money", "national minimum basic pension"),
        Field("local_top_up", "money", "local top-up"),
        Field("account", "money", "personal-account pension"),
        Field("total", "money", "monthly residents' pension"),
    ],
    references=("GF2014-8",),
)
def resident_pension(
    p: ParameterSet,
    *,
    region: npt.ArrayLike,
    month: npt.ArrayLike,
    account_balance: npt.ArrayLike,
    trace: Trace = NO_TRACE,
) -> dict[str, np.ndarray]:
    """Monthly residents' pension (fen) in ``month`` for the account balance (yuan)."""
    day = month_start(month)
    basic = to_fen(p.at("resident.pension_minimum_basic", day, region, trace=trace))
    trace.step(
        "basic pension", "national minimum basic pension in force in the month", basic, "fen"
    )
    top_up = to_fen(p.at("resident.pension_local_top_up", day, region, trace=trace))
    trace.step("local top-up", "the region's top-up above the national minimum", top_up, "fen")
    months = p.at("resident.pension_account_divisor", day, region, trace=trace)
    account = to_fen(round_half_up(np.asarray(account_balance, dtype=np.float64) / months, 2))
    trace.step("account pension", "account balance / 139", account, "fen")
    total = basic + top_up + account
    trace.step("total", "basic + top-up + account", total, "fen")
    return {"basic": basic, "local_top_up": top_up, "account": account, "total": total}
