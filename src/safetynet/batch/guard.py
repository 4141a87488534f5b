"""Running a kernel over a chunk when some rows may meet an unknown parameter.

A kernel raises :class:`~safetynet.policy.errors.ParameterLookupError` for the whole call when
one row asks for a value the law does not record (a ``null`` parameter, a date before the
first value). The guard runs the whole chunk first; only when that fails does it run the
kernel once per group of rows sharing the parameter keys (region, month...), so that the rows
of a failing group are rejected with the error's text and the others are computed.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import numpy.typing as npt

from safetynet.policy.errors import PolicyError

Rows = npt.NDArray[np.int64] | slice
"""The rows a kernel call is for: positions, or ``slice(None)`` for all (no copy of inputs)."""
Compute = Callable[[Rows], dict[str, np.ndarray]]


def guarded(
    compute: Compute, keys: npt.NDArray[np.int64]
) -> tuple[dict[str, np.ndarray], npt.NDArray[np.object_]]:
    """Results of ``compute(rows)`` for every row, and the rejection reason per row (``""``
    where computed). ``keys`` groups rows that use the same parameter values; results of
    rejected rows are zero."""
    n = len(keys)
    reasons = np.full(n, "", dtype=object)
    if n == 0:
        return {}, reasons
    try:
        return compute(slice(None)), reasons
    except PolicyError:
        pass
    distinct, inverse = np.unique(keys, return_inverse=True)
    order = np.argsort(inverse, kind="stable")
    bounds = np.searchsorted(inverse[order], np.arange(len(distinct) + 1))
    results: dict[str, np.ndarray] = {}
    for group in range(len(distinct)):
        rows = order[bounds[group] : bounds[group + 1]]
        try:
            part = compute(rows)
        except PolicyError as exc:
            reasons[rows] = str(exc)
            continue
        for name, values in part.items():
            if name not in results:
                results[name] = np.zeros(n, dtype=np.asarray(values).dtype)
            results[name][rows] = values
    return results, reasons
