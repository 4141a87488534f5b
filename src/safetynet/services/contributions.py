"""The rules engine as the services use it: contributions for many rows at once.

Every amount posted comes from the ``contribution`` kernel of :mod:`safetynet.policy`; a
component the parameters do not know for the month and region is refused, never guessed. A
component computed on a provisional value (a floor carried forward until the new one is
approved, a national stand-in) is computed and said to be provisional: which rows, which
values and why (REFERENCE §1.1).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from safetynet.domain.errors import InvalidInput
from safetynet.policy.catalogue import get
from safetynet.policy.errors import InputError, ParameterLookupError
from safetynet.policy.money import UNKNOWN_FEN
from safetynet.policy.parameters import ParameterSet
from safetynet.policy.periods import parse_month
from safetynet.policy.provisional import capture
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


@dataclass
class Computed:
    """Record columns (int64 fen) and which rows used provisional values, and why."""

    columns: dict[str, np.ndarray]
    provisional: np.ndarray
    provisional_parameters: list[dict[str, Any]] = field(default_factory=list)

    @property
    def provisional_rows(self) -> int:
        return int(self.provisional.sum())

    def summary(self) -> dict[str, Any]:
        """For results and audit rows: the flag, the count of rows and the reasons."""
        return {
            "provisional": bool(self.provisional_rows),
            "provisional_rows": self.provisional_rows,
            "provisional_parameters": self.provisional_parameters,
        }


def _branch(parameter: str) -> str:
    """The branch a contribution parameter belongs to (floors and ceilings: pension)."""
    for branch in ("medical", "unemployment", "work_injury"):
        if branch in parameter:
            return branch
    return "pension"


def compute(
    params: ParameterSet,
    *,
    wage_fen: np.ndarray,
    region_code: int,
    month: str,
    worker_type: str,
    risk_class: int = 1,
    branches: tuple[str, ...] = BRANCHES,
) -> Computed:
    """Record columns (int64 fen) for each wage under the law ``params`` (the database's
    effective law, see :mod:`safetynet.services.law`), for the insured ``branches`` (the others
    are zero), with the provisional rows and values; raises :class:`InvalidInput` naming
    ``month`` when a needed rate is unknown."""
    get("contribution")  # the catalogue's registration, so the kernel is the one it serves
    n = len(wage_fen)
    try:
        with capture() as log:
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
    used = log.only(lambda parameter: _branch(parameter) in branches)
    return Computed(
        columns,
        used.rows(n),
        [use.as_dict() for use in used.uses()],
    )
