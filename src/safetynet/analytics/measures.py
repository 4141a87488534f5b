"""Inequality indices and robust scores, vectorised (numpy, Polars expressions).

No well-kept Python library computes these indices on columns (scipy and statsmodels have
neither Gini nor Theil; the small packages that do are unmaintained), so the formulas are
written here and in ``docs/analytics.md``:

- Gini (sorted ``x_(1) <= ... <= x_(n)``): ``G = 2 * sum(i * x_(i)) / (n * sum(x)) - (n + 1) / n``
  (Sen 1973, the discrete form of half the relative mean absolute difference).
- Theil T: ``T = (1/n) * sum((x/mu) * ln(x/mu))``, with ``0 * ln 0 = 0``.
- Theil decomposition over groups g with income shares ``s_g = n_g mu_g / (n mu)``:
  ``T = sum(s_g * T_g) + sum(s_g * ln(mu_g / mu))`` -- within plus between (Shorrocks 1980).
- Robust z-score: ``z = (x - median) / (1.4826 * MAD)`` (the MAD scaled to a normal sigma;
  Hampel 1974).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import polars as pl

MAD_TO_SIGMA = 1.4826


def gini(values: npt.ArrayLike) -> float:
    """Gini coefficient of non-negative values (0 equal, towards 1 concentrated)."""
    x = np.sort(np.asarray(values, dtype=np.float64))
    n, total = len(x), float(x.sum())
    if n == 0 or total <= 0:
        raise ValueError("gini: needs at least one positive value")
    ranks = np.arange(1, n + 1, dtype=np.float64)
    return float(2.0 * (ranks @ x) / (n * total) - (n + 1) / n)


def theil(values: npt.ArrayLike) -> float:
    """Theil's T index of non-negative values (0 equal, ln n at most)."""
    x = np.asarray(values, dtype=np.float64)
    if len(x) == 0 or x.sum() <= 0:
        raise ValueError("theil: needs at least one positive value")
    r = x / x.mean()
    positive = r > 0
    return float((r[positive] * np.log(r[positive])).sum() / len(x))


def theil_decomposition(frame: pl.DataFrame, value: str, by: str) -> pl.DataFrame:
    """Theil T of ``value`` split into the part within the groups of ``by`` and the part
    between them: one row per group (share of income, mean, its own T, contribution) and the
    totals in the columns ``within``, ``between``, ``total``."""
    x = pl.col(value).cast(pl.Float64)
    mu = frame[value].cast(pl.Float64).mean()
    n = frame.height
    if not n or mu is None or float(mu) <= 0:  # type: ignore[arg-type]
        raise ValueError("theil: needs at least one positive value")
    mean = float(mu)  # type: ignore[arg-type]
    groups = (
        frame.group_by(by)
        .agg(
            pl.len().alias("persons"),
            x.mean().alias("mean"),
            pl.when(x > 0)
            .then((x / x.mean()) * (x / x.mean()).log())
            .otherwise(0.0)
            .mean()
            .alias("theil"),
        )
        .with_columns(
            (pl.col("persons") * pl.col("mean") / (n * mean)).alias("income_share"),
        )
        .with_columns(
            (pl.col("income_share") * pl.col("theil")).alias("within_part"),
            (pl.col("income_share") * (pl.col("mean") / mean).log()).alias("between_part"),
        )
        .sort(by)
    )
    within = float(groups["within_part"].sum())
    between = float(groups["between_part"].sum())
    return groups.with_columns(
        pl.lit(by).alias("dimension"),
        pl.lit(within).alias("within"),
        pl.lit(between).alias("between"),
        pl.lit(within + between).alias("total"),
    )


def with_robust_z(frame: pl.LazyFrame, value: str, by: str) -> pl.LazyFrame:
    """``frame`` with the robust z-score of ``value`` within the groups of ``by`` (column
    ``z``), by grouped aggregations and joins rather than windows, so that memory holds one
    column per pass, not the frame."""
    centre = frame.group_by(by).agg(pl.col(value).median().alias("_centre"))
    centred = frame.join(centre, on=by).with_columns(
        (pl.col(value) - pl.col("_centre")).alias("_deviation")
    )
    spread = centred.group_by(by).agg(
        (pl.col("_deviation").abs().median() * MAD_TO_SIGMA).alias("_scale")
    )
    return (
        centred.join(spread, on=by)
        .with_columns((pl.col("_deviation") / pl.col("_scale")).alias("z"))
        .drop("_centre", "_deviation", "_scale")
    )


def largest_remainder(total: int, weights: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    """Split an integer ``total`` in proportion to ``weights`` so that the parts sum to it
    exactly (Hamilton's method: floors, then one more to the largest remainders)."""
    weights = np.asarray(weights, dtype=np.int64)
    whole = int(weights.sum())
    if whole <= 0:
        raise ValueError("largest_remainder: the weights sum to zero")
    exact = np.asarray(weights, dtype=object) * total
    parts = np.array([int(e // whole) for e in exact], dtype=np.int64)
    remainders = np.array([int(e % whole) for e in exact], dtype=np.int64)
    short = total - int(parts.sum())
    parts[np.argsort(-remainders, kind="stable")[:short]] += 1
    return parts
