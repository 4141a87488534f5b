"""Inequality indices and the exact split of money: known answers and properties."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from safetynet.analytics.measures import gini, largest_remainder, theil, theil_decomposition

GOLDEN = [
    # values, Gini, Theil T (by hand: G = 2*sum(i*x_i)/(n*sum x) - (n+1)/n)
    ([5, 5, 5, 5], 0.0, 0.0),
    ([0, 0, 0, 1], 0.75, math.log(4)),
    (
        [1, 2, 3, 4],
        0.25,
        (0.4 * math.log(0.4) + 0.8 * math.log(0.8) + 1.2 * math.log(1.2) + 1.6 * math.log(1.6)) / 4,
    ),
]


@pytest.mark.parametrize(("values", "expected_gini", "expected_theil"), GOLDEN)
def test_known_distributions(
    values: list[int], expected_gini: float, expected_theil: float
) -> None:
    assert gini(values) == pytest.approx(expected_gini, abs=1e-12)
    assert theil(values) == pytest.approx(expected_theil, abs=1e-12)


def test_indices_refuse_nothing_to_measure() -> None:
    with pytest.raises(ValueError, match="gini"):
        gini([0, 0])
    with pytest.raises(ValueError, match="theil"):
        theil([])


def test_theil_decomposition_adds_up_and_separates_groups() -> None:
    frame = pl.DataFrame({"x": [1, 1, 3, 3, 2, 6], "g": ["a", "a", "b", "b", "c", "c"]})
    parts = theil_decomposition(frame, "x", "g")
    assert parts["total"][0] == pytest.approx(theil(frame["x"].to_numpy()))
    assert parts["within"][0] + parts["between"][0] == pytest.approx(parts["total"][0])
    # equal within each group: all inequality is between the groups
    equal_within = pl.DataFrame({"x": [1, 1, 4, 4], "g": ["a", "a", "b", "b"]})
    split = theil_decomposition(equal_within, "x", "g")
    assert split["within"][0] == pytest.approx(0.0)
    assert split["between"][0] == pytest.approx(theil([1, 1, 4, 4]))


@settings(deadline=None)
@given(st.lists(st.integers(0, 10**6), min_size=1, max_size=50).filter(lambda v: sum(v) > 0))
def test_gini_within_bounds_and_scale_free(values: list[int]) -> None:
    g = gini(values)
    assert 0.0 <= g <= 1.0 - 1.0 / len(values) + 1e-12
    assert gini([3 * v for v in values]) == pytest.approx(g, abs=1e-9)


@settings(deadline=None)
@given(
    st.integers(0, 10**12),
    st.lists(st.integers(0, 10**7), min_size=1, max_size=40).filter(lambda w: sum(w) > 0),
)
def test_largest_remainder_sums_exactly(total: int, weights: list[int]) -> None:
    parts = largest_remainder(total, np.array(weights))
    assert int(parts.sum()) == total
    exact = [Fraction(w * total, sum(weights)) for w in weights]
    assert all(abs(int(part) - share) < 1 for part, share in zip(parts, exact, strict=True))
