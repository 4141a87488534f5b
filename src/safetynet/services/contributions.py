"""The rules engine as the services use it: contributions for many rows at once.

Every amount posted comes from the ``contribution`` kernel of :mod:`safetynet.policy`; a
component the parameters do not know for the month and region is refused, never guessed.
"""

from __future__ import annotations

import numpy as np

from safetynet.domain.errors import InvalidInput
from safetynet.policy.catalogue import get
from safetynet.policy.errors import InputError, ParameterLookupError
from safetynet.policy.money import UNKNOWN_FEN
from safetynet.policy.parameters import ParameterSet
from safetynet.policy.periods import parse_month
from safetynet.policy.rules.contribution import COMPONENTS, contributions

RECORD_COLUMNS = {
    "base": "base_fen",
    "pension_employer": "pension_employer_fen",
    "pension_employee": "pension_employee_fen",
    "pension_account": "pension_account_fen",
    "pension_pooled": "pension_pooled_fen",
    "medical_employer": "medical_employer_fen",
    "medical_employee": "medical_employee_fen",
    "medical_account": "medical_account_fen",
    "unemployment_employer": "unemployment_employer_fen",
    "unemployment_employee": "unemployment_employee_fen",
    "work_injury_employer": "work_injury_employer_fen",
}
"""Kernel output -> contribution record column."""


BRANCHES = ("pension", "medical", "unemployment", "work_injury")


def compute(
    params: ParameterSet,
    *,
    wage_fen: np.ndarray,
    region_code: int,
    month: str,
    worker_type: str,
    risk_class: int = 1,
    branches: tuple[str, ...] = BRANCHES,
) -> dict[str, np.ndarray]:
    """Record columns (int64 fen) for each wage under the law ``params`` (the database's
    effective law, see :mod:`safetynet.services.law`), for the insured ``branches`` (the
    others are zero); raises :class:`InvalidInput` naming ``month`` when a needed rate is
    unknown."""
    get("contribution")  # the catalogue's registration, so the kernel is the one it serves
    n = len(wage_fen)
    try:
        out = contributions(
            params,
            monthly_wage=wage_fen.astype(np.float64) / 100.0,
            region=np.full(n, region_code, dtype=np.int64),
            month=np.full(n, parse_month(month), dtype=np.int64),
            worker_type=np.full(n, worker_type, dtype=object),
            risk_class=np.full(n, risk_class, dtype=np.int64),
        )
    except ParameterLookupError as exc:
        raise InvalidInput.one("month", f"cannot compute contributions: {exc}") from None
    except InputError as exc:
        raise InvalidInput.one(exc.field, exc.problem) from None

    def insured(component: str) -> bool:
        return component.rsplit("_", 1)[0] in branches

    relevant = [c for c in COMPONENTS if insured(c) and n and bool((out[c] == UNKNOWN_FEN).any())]
    if relevant:
        raise InvalidInput.one(
            "month",
            f"cannot compute contributions for {month} in region {region_code:06d}: the rate of "
            f"{', '.join(relevant)} is not recorded for that month (the parameters stop there)",
        )
    columns = {}
    for name, column in RECORD_COLUMNS.items():
        values = np.asarray(out[name], dtype=np.int64)
        if name != "base" and not insured(name):
            values = np.zeros(n, dtype=np.int64)
        columns[column] = values
    return columns
