"""Graduation of abridged (5-year) age groups to single years of age.

Counts: monotone cubic (Fritsch-Carlson / PCHIP) interpolation of the cumulative count at the
group boundaries, differenced at whole ages. This is the "mono" method of the demographers'
toolkits (DemoTools ``graduate_mono``): it reproduces every group total exactly, never goes
negative and needs no scipy. Rates: log-linear interpolation of the group rates between group
mid-points (rates are not additive, so totals are not the constraint there).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]


def pchip(x: FloatArray, y: FloatArray, at: FloatArray) -> FloatArray:
    """Monotone piecewise-cubic Hermite interpolation of ``y(x)`` at ``at`` (along the last
    axis of ``y``); ``x`` strictly increasing, ``at`` within ``[x[0], x[-1]]``."""
    h = np.diff(x)
    delta = np.diff(y, axis=-1) / h
    slopes = np.zeros_like(y)
    same_sign = delta[..., :-1] * delta[..., 1:] > 0
    w1 = 2 * h[1:] + h[:-1]
    w2 = h[1:] + 2 * h[:-1]
    with np.errstate(divide="ignore", invalid="ignore"):
        harmonic = (w1 + w2) / (w1 / delta[..., :-1] + w2 / delta[..., 1:])
    slopes[..., 1:-1] = np.where(same_sign, harmonic, 0.0)
    slopes[..., 0] = delta[..., 0]
    slopes[..., -1] = delta[..., -1]
    i = np.clip(np.searchsorted(x, at, side="right") - 1, 0, len(x) - 2)
    t = (at - x[i]) / h[i]
    y0, y1 = y[..., i], y[..., i + 1]
    m0, m1 = slopes[..., i] * h[i], slopes[..., i + 1] * h[i]
    t2, t3 = t * t, t * t * t
    return (
        (2 * t3 - 3 * t2 + 1) * y0
        + (t3 - 2 * t2 + t) * m0
        + (-2 * t3 + 3 * t2) * y1
        + (t3 - t2) * m1
    )


def graduate_counts(starts: npt.NDArray[np.int64], counts: FloatArray, top: int) -> FloatArray:
    """Single-age counts 0..``top`` (the last an open group ``top``+) from grouped counts whose
    last group opens at ``top``; each group's total is kept exactly."""
    if int(starts[-1]) != top:
        raise ValueError(f"the open age group must start at {top}, got {int(starts[-1])}")
    closed = counts[..., :-1]
    bounds = starts.astype(np.float64)  # lower bounds of every group, the open one last
    cumulative = np.concatenate(
        [np.zeros((*counts.shape[:-1], 1)), np.cumsum(closed, axis=-1)], axis=-1
    )
    ages = np.arange(top + 1, dtype=np.float64)
    at_ages = pchip(bounds, cumulative, ages)
    single = np.diff(at_ages, axis=-1)
    return np.concatenate([np.maximum(single, 0.0), counts[..., -1:]], axis=-1)


def graduate_rates(starts: npt.NDArray[np.int64], rates: FloatArray, top: int) -> FloatArray:
    """Single-age rates 0..``top`` from grouped rates: age 0 and the open group as given,
    ages 1-4 at the group rate, log-linear between mid-points of the 5-year groups above."""
    ages = np.arange(top + 1, dtype=np.float64)
    ends = np.append(starts[1:], top + 1).astype(np.float64)
    mids = (starts + ends) / 2.0
    mids[-1] = float(top)
    log_rates = np.log(np.maximum(rates, 1e-12))
    out = np.empty((*rates.shape[:-1], top + 1))
    for row in np.ndindex(rates.shape[:-1]):  # two sexes: a loop over rows, not persons
        out[row] = np.exp(np.interp(ages, mids[1:], log_rates[row][1:]))
    out[..., 0] = rates[..., 0]
    young = (ages >= 1) & (ages < float(starts[2]))
    out[..., young] = rates[..., 1:2]
    out[..., top] = rates[..., -1]
    return out
