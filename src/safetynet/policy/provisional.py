"""Provisional values: which rows of a calculation used a value the law has not yet confirmed.

A parameter value is *provisional* for a row when (REFERENCE §1.1, note on the new year's
figures):

- ``carried_forward``: the value for the asked period is unknown (``null`` from a date, or a
  yearly value not yet recorded for the period) and the parameter allows the previous period's
  value to apply until the new one is approved, as agencies do;
- ``stand_in``: the region has no value of its own and a national value graded C stands in;
- ``separately_planned``: the region is in a separately planned city (计划单列市), which
  publishes its own values, and the province's value stands in.

Lookups (:meth:`~safetynet.policy.parameters.Parameter.at` and friends) report such rows to the
innermost open :class:`ProvisionalLog`, vectorised: one array of reason indexes per lookup, never
a Python loop over rows. With no log open, nothing is recorded and nothing is computed for it.

``with capture() as log:`` opens a log; ``log.rows(n)`` is the per-row mask of a batch of ``n``
rows; ``log.uses()`` the distinct provisional values with their reasons; ``log.forward(mask)``
passes the rows in ``mask`` on to the enclosing log (a kernel keeps only the lookups that a row
actually used, e.g. a flexible worker's rate on employee rows is dropped).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

CARRIED_FORWARD = "carried_forward"
STAND_IN = "stand_in"
SEPARATELY_PLANNED = "separately_planned"


@dataclass(frozen=True)
class ProvisionalUse:
    """One provisional value: the parameter, where and from when the value comes, and why."""

    parameter: str
    region: str
    effective_from: str
    value: Any
    kinds: tuple[str, ...]
    reason: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "parameter": self.parameter,
            "region": self.region,
            "effective_from": self.effective_from,
            "value": self.value,
            "kinds": list(self.kinds),
            "reason": self.reason,
        }


@dataclass(frozen=True)
class ProvisionalRecord:
    """A lookup's provisional rows: ``use_of_row[i]`` indexes ``uses`` (-1: not provisional)."""

    use_of_row: npt.NDArray[np.int64]
    uses: tuple[ProvisionalUse, ...]

    def restricted(self, mask: npt.ArrayLike) -> ProvisionalRecord:
        keep = np.asarray(mask, dtype=bool).reshape(-1)
        rows = self.use_of_row
        if keep.size == rows.size:
            return ProvisionalRecord(np.where(keep, rows, -1), self.uses)
        if keep.size == 1:
            return self if bool(keep[0]) else ProvisionalRecord(np.full_like(rows, -1), self.uses)
        if rows.size == 1:  # one value used by several rows: kept when any of them used it
            return (
                self if bool(keep.any()) else ProvisionalRecord(np.full_like(rows, -1), self.uses)
            )
        raise ValueError(f"mask of {keep.size} rows for a lookup of {rows.size} rows")


@dataclass
class ProvisionalLog:
    """The provisional lookups of one calculation or batch (see the module docstring)."""

    records: list[ProvisionalRecord] = field(default_factory=list)
    parent: ProvisionalLog | None = None

    def add(self, record: ProvisionalRecord) -> None:
        if bool((record.use_of_row >= 0).any()):
            self.records.append(record)

    def any(self) -> bool:
        return bool(self.records)

    def rows(self, n: int) -> npt.NDArray[np.bool_]:
        """Which of ``n`` rows used a provisional value. A lookup of ``n`` rows flags its own
        rows; one of a single row (a value shared by all) flags every row; a lookup of another
        shape (rows of a different kind) flags every row when any of its rows is provisional."""
        out = np.zeros(n, dtype=bool)
        for record in self.records:
            flagged = record.use_of_row >= 0
            if flagged.size == n:
                out |= flagged
            elif flagged.any():
                out[:] = True
        return out

    def uses(self) -> list[ProvisionalUse]:
        """The distinct provisional values used, in the order first met."""
        seen: dict[tuple[str, str, str, str], ProvisionalUse] = {}
        for record in self.records:
            for index in np.unique(record.use_of_row[record.use_of_row >= 0]):
                use = record.uses[int(index)]
                seen.setdefault((use.parameter, use.region, use.effective_from, use.reason), use)
        return list(seen.values())

    def only(self, keep: Callable[[str], bool]) -> ProvisionalLog:
        """The records of the parameters for which ``keep(name)`` holds (e.g. the branches a
        person is insured in)."""
        return ProvisionalLog(
            [r for r in self.records if r.uses and keep(r.uses[0].parameter)], self.parent
        )

    def forward(self, mask: npt.ArrayLike | None = None) -> None:
        """Pass the rows in ``mask`` (all when None) on to the enclosing log, if any."""
        target = self.parent
        if target is None:
            return
        for record in self.records:
            target.add(record if mask is None else record.restricted(mask))


_ACTIVE: ContextVar[ProvisionalLog | None] = ContextVar("safetynet_provisional_log", default=None)


def active_log() -> ProvisionalLog | None:
    """The innermost open log, or None (then lookups record nothing)."""
    return _ACTIVE.get()


@contextmanager
def capture() -> Iterator[ProvisionalLog]:
    """Open a log for the lookups made inside the block; it does not forward by itself."""
    log = ProvisionalLog(parent=_ACTIVE.get())
    token = _ACTIVE.set(log)
    try:
        yield log
    finally:
        _ACTIVE.reset(token)


@contextmanager
def relevant_to(mask: npt.ArrayLike) -> Iterator[ProvisionalLog]:
    """Lookups inside the block count only for the rows in ``mask`` (rows that use them)."""
    if _ACTIVE.get() is None:  # nobody listens: record nothing, compute nothing for it
        yield ProvisionalLog()
        return
    with capture() as log:
        yield log
    log.forward(mask)
