"""Single-age life tables and mortality improvement fitted to life-expectancy targets.

Mortality moves as ``log m(x, t) = log m_base(x) + b(x) * k(t)`` (the Lee-Carter form): the age
pattern of improvement ``b`` is the observed 2010-2015 -> 2020-2025 change of the WPP rates, and
``k(t)`` is solved each year so that the life table reproduces the WPP 2024 life expectancy at
birth by sex. Everything is vectorised over years and sexes; the solver is a fixed-count
bisection on whole arrays.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]


def infant_separation(m0: FloatArray, male: FloatArray) -> FloatArray:
    """a0, the mean fraction of the first year lived by infants who die (Coale-Demeny as
    given by Preston, Heuveline and Guillot, Demography, table 3.3)."""
    low = np.where(male, 0.045 + 2.684 * m0, 0.053 + 2.800 * m0)
    high = np.where(male, 0.330, 0.350)
    return np.where(m0 < 0.107, low, high)


def life_table(mx: FloatArray, male: FloatArray) -> dict[str, FloatArray]:
    """Columns ``lx`` (radix 1), ``Lx`` and ``Tx`` over the last axis (ages 0..top, last open).

    ``male`` broadcasts against ``mx`` without its age axis.
    """
    ax = np.full(mx.shape, 0.5)
    ax[..., 0] = infant_separation(mx[..., 0], male)
    qx = mx / (1.0 + (1.0 - ax) * mx)
    qx[..., -1] = 1.0
    survive = np.cumprod(1.0 - qx[..., :-1], axis=-1)
    lx = np.concatenate([np.ones((*mx.shape[:-1], 1)), survive], axis=-1)
    dx = lx * qx
    next_l = np.concatenate([lx[..., 1:], np.zeros((*mx.shape[:-1], 1))], axis=-1)
    big_l = next_l + ax * dx
    big_l[..., -1] = lx[..., -1] / mx[..., -1]
    tx = np.cumsum(big_l[..., ::-1], axis=-1)[..., ::-1]
    return {"lx": lx, "Lx": big_l, "Tx": tx}


def life_expectancy(mx: FloatArray, male: FloatArray) -> FloatArray:
    """Life expectancy at birth for each schedule on the last axis."""
    return life_table(mx, male)["Tx"][..., 0]


def survivorship(mx: FloatArray, male: FloatArray) -> dict[str, FloatArray]:
    """Projection ratios: ``sx[x]`` carries age x to x+1 over a year (the last entry carries
    the two oldest ages into the open group), ``birth`` carries births to age 0 at year end."""
    table = life_table(mx, male)
    big_l, tx = table["Lx"], table["Tx"]
    sx = big_l[..., 1:] / big_l[..., :-1]
    sx[..., -1] = tx[..., -1] / tx[..., -2]
    return {"sx": sx, "birth": big_l[..., 0]}


def fit_improvement(
    base_mx: FloatArray,
    improvement: FloatArray,
    targets: FloatArray,
    male: FloatArray,
    *,
    iterations: int = 60,
) -> FloatArray:
    """Schedules ``exp(log base + improvement * k)`` whose life expectancy equals ``targets``.

    ``base_mx`` and ``improvement`` are (sex, age); ``targets`` (year, sex). Returns (year,
    sex, age). ``k`` is bisected in [-20, 200] years of base-pattern improvement.
    """
    log_base = np.log(base_mx)[None]
    low = np.full(targets.shape, -20.0)
    high = np.full(targets.shape, 200.0)
    for _ in range(iterations):
        mid = (low + high) / 2
        e0 = life_expectancy(np.exp(log_base - improvement[None] * mid[..., None]), male)
        too_low = e0 < targets
        low = np.where(too_low, mid, low)
        high = np.where(too_low, high, mid)
    k = (low + high) / 2
    return np.asarray(np.exp(log_base - improvement[None] * k[..., None]))
