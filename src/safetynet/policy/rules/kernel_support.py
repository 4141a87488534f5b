"""Helpers shared by kernels: input checks per row, lookups needed on some rows only, and
running totals within groups (a person's claims), all vectorised.

A batch is a set of rows (claims, provinces of a career ...) keyed by a group (a person). Rows are
put in group order once; running sums then are one ``cumsum`` less each group's offset, so no
Python loop runs over rows or groups.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from safetynet.policy.errors import InputError, ParameterLookupError
from safetynet.policy.parameters import FloatArray, ParameterSet
from safetynet.policy.provisional import relevant_to
from safetynet.policy.trace import NO_TRACE, Trace

IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

NO_LIMIT_FEN = np.iinfo(np.int64).max // 4
"""A bound that is never reached (a layer without a ceiling), still safe to add to."""


def require(ok: npt.ArrayLike, field: str, problem: str) -> None:
    """Raise :class:`InputError` naming ``field`` (and the first bad row of a batch)."""
    good = np.asarray(ok, dtype=bool).reshape(-1)
    if good.all():
        return
    where = f" (row {int(np.flatnonzero(~good)[0])})" if good.size > 1 else ""
    raise InputError(field, f"{problem}{where}")


def row_count(*inputs: Any) -> int:
    """Rows of a batch: the length of the longest input (the others have that length or 1)."""
    return max((np.size(x) for x in inputs if x is not None), default=0)


def per_row(values: Any, rows: int, field: str, dtype: Any = None) -> np.ndarray:
    """An input as one value per row: arrays of length one are broadcast, others must match."""
    array = np.asarray(values, dtype=dtype).reshape(-1)
    if array.size == rows:
        return array
    if array.size == 1:
        return np.repeat(array, rows)
    raise InputError(field, f"has {array.size} entries; expected {rows} (one per row) or 1")


def _raise_missing(
    p: ParameterSet, name: str, days: np.ndarray, regions: np.ndarray, row: int, key: str | None
) -> None:
    parameter = p[name]
    parameter.entry(days[row], int(regions[row]))  # raises where the value is unknown
    detail = f"no entry for {key!r} in the table in force" if key is not None else "no value"
    raise ParameterLookupError(
        name, f"{detail} (asked for {days[row]}, region {int(regions[row]):06d})"
    )


def value_where(
    p: ParameterSet,
    name: str,
    days: np.ndarray,
    regions: np.ndarray,
    needed: BoolArray,
    *,
    trace: Trace = NO_TRACE,
) -> FloatArray:
    """A parameter's values, raising only where a row ``needed`` it and none is in force (NaN
    on the other rows); the first row's value is explained when it was needed. Only the
    rows that need the value count for the provisional flag."""
    with relevant_to(needed):
        values = p[name].at(days, regions, strict=False)
    missing = np.flatnonzero(needed & np.isnan(values))
    if missing.size:
        _raise_missing(p, name, days, regions, int(missing[0]), None)
    if trace.enabled and values.size and needed[0] and not np.isnan(values[0]):
        p[name].at(days[:1], regions[:1], trace=trace)
    return values


def table_where(
    p: ParameterSet,
    name: str,
    days: np.ndarray,
    regions: np.ndarray,
    keys: np.ndarray,
    needed: BoolArray,
    *,
    trace: Trace = NO_TRACE,
) -> FloatArray:
    """A table parameter's values for ``keys``, raising only where a row ``needed`` one."""
    with relevant_to(needed):
        values = p[name].table_at(days, regions, keys, strict=False)
    missing = np.flatnonzero(needed & np.isnan(values))
    if missing.size:
        row = int(missing[0])
        _raise_missing(p, name, days, regions, row, str(keys[row]))
    if trace.enabled and values.size and needed[0] and not np.isnan(values[0]):
        p[name].table_at(days[:1], regions[:1], keys[:1], trace=trace)
    return values


@dataclass(frozen=True)
class Groups:
    """Rows of a batch grouped by a key (a person), in their given order within each group."""

    order: IntArray  # original row of each position in group order
    ids: IntArray  # group number of each position in group order
    starts: IntArray  # first position of each group
    keys: np.ndarray  # the key of each group, ascending

    @property
    def count(self) -> int:
        return int(self.starts.size)

    def sort(self, values: np.ndarray) -> np.ndarray:
        """Per-row values put in group order."""
        return values[self.order]

    def unsort(self, values: np.ndarray) -> np.ndarray:
        """Values in group order put back in the original row order."""
        out = np.empty_like(values)
        out[self.order] = values
        return out

    def first(self, sorted_values: np.ndarray) -> np.ndarray:
        """Each group's value at its first row (person-level inputs given per row)."""
        return sorted_values[self.starts]

    def spread(self, per_group: np.ndarray) -> np.ndarray:
        """A value per group repeated on each of its rows."""
        return per_group[self.ids]

    def running(self, sorted_values: np.ndarray) -> np.ndarray:
        """Running sum within each group, the current row included."""
        total = np.cumsum(sorted_values)
        offset = (total - sorted_values)[self.starts][self.ids]
        return np.asarray(total - offset)

    def total(self, sorted_values: np.ndarray) -> np.ndarray:
        """Sum of each group."""
        return (
            np.add.reduceat(sorted_values, self.starts) if sorted_values.size else sorted_values[:0]
        )

    def previous(self, sorted_values: np.ndarray) -> np.ndarray:
        """The value of the group's previous row (0 on each group's first row)."""
        shifted = np.concatenate([np.zeros(1, dtype=sorted_values.dtype), sorted_values[:-1]])
        shifted[self.starts] = 0
        return shifted

    def capped_running(self, raw: IntArray, bound: IntArray) -> IntArray:
        """Running total of ``raw`` within each group, stopped at ``bound`` (per row and never
        rising within a group): the part of each row that still fits is ``result - previous``.
        Once the bound is reached the total stays where it is."""
        cumulative = self.running(raw)
        before = cumulative - raw
        over = cumulative > bound
        hits = self.running(over.astype(np.int64))
        first_hit = over & (hits == 1)
        stopped = np.zeros(self.count, dtype=np.int64)
        stopped[self.ids[first_hit]] = np.maximum(before, bound)[first_hit]
        return np.where(hits > 0, stopped[self.ids], cumulative)


def group_rows(person: npt.ArrayLike | None, rows: int, field: str = "person") -> Groups:
    """Group ``rows`` by ``person`` (all rows one group when absent), keeping row order."""
    if person is None:
        return Groups(
            order=np.arange(rows, dtype=np.int64),
            ids=np.zeros(rows, dtype=np.int64),
            starts=np.zeros(1 if rows else 0, dtype=np.int64),
            keys=np.zeros(1, dtype=np.int64),
        )
    keys = np.asarray(person).reshape(-1)
    if keys.size != rows:
        raise InputError(field, f"expected {rows} entries, one per row, got {keys.size}")
    order = np.argsort(keys, kind="stable").astype(np.int64)
    ordered = keys[order]
    new = np.concatenate([[True], ordered[1:] != ordered[:-1]]) if rows else np.zeros(0, bool)
    starts = np.flatnonzero(new).astype(np.int64)
    return Groups(
        order=order, ids=np.cumsum(new).astype(np.int64) - 1, starts=starts, keys=ordered[starts]
    )


def band_value(
    p: ParameterSet,
    name: str,
    days: np.ndarray,
    amounts: npt.ArrayLike,
    *,
    trace: Trace = NO_TRACE,
) -> FloatArray:
    """Look up a national banded table ``{lower bound: value}``: each row gets the value of the
    highest lower bound not above its amount (NaN below the lowest). One table per distinct
    date, never per row."""
    amount = np.asarray(amounts, dtype=np.float64)
    out = np.full(amount.shape, np.nan)
    unique_days, inverse = np.unique(days, return_inverse=True)
    for i, day in enumerate(unique_days):
        table = p.table(name, day, trace=trace if i == 0 else NO_TRACE)
        bounds = np.array([float(k) for k in table], dtype=np.float64)
        values = np.array(list(table.values()), dtype=np.float64)
        order = np.argsort(bounds)
        rows = inverse.reshape(-1) == i
        band = np.searchsorted(bounds[order], amount[rows], side="right") - 1
        out[rows] = np.where(band >= 0, values[order][np.maximum(band, 0)], np.nan)
    return out
