"""Fairness: the indices of the report are those of the pensions paid, the decomposition adds
up, and the basic-pension formula's redistribution matches the hand computation."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from safetynet.analytics.base import run_analysis
from safetynet.analytics.fairness import Fairness, redistribution
from safetynet.analytics.measures import gini, theil
from safetynet.policy.periods import parse_month


def test_fairness_on_the_population(fraud_population: Path, tmp_path: Path) -> None:
    outcome = run_analysis(
        Fairness(), fraud_population, "2025-12", tmp_path / "out", progress=False
    )
    payees = pl.read_parquet(
        tmp_path / "out" / "extract" / "fairness_payees" / "rows" / "*.parquet"
    )
    indices = dict(outcome.tables["indices"].iter_rows())
    amounts = payees["amount_fen"].to_numpy()
    assert indices["gini"] == pytest.approx(gini(amounts))
    assert indices["theil"] == pytest.approx(theil(amounts))
    means = payees.group_by("scheme").agg(pl.col("amount_fen").mean())
    mean = dict(means.iter_rows())
    assert indices["employee_to_resident_mean"] == pytest.approx(
        mean["employee"] / mean["resident"]
    )
    decomposition = outcome.tables["theil_decomposition"]
    for dimension in ("scheme", "urban", "province"):
        part = decomposition.filter(pl.col("dimension") == dimension)
        assert part["within"][0] + part["between"][0] == pytest.approx(indices["theil"])
        assert part["persons"].sum() == payees.height
    distribution = outcome.tables["distribution"]
    assert set(distribution["dimension"].unique().to_list()) == {"province", "sex", "cohort"}
    employees = payees.filter(pl.col("scheme") == "employee")
    assert employees["replacement_own"].is_not_null().all()
    assert payees.filter(pl.col("scheme") == "resident")["replacement_own"].is_null().all()
    # the rows rejected by the checks (spoiled histories) are reported, not measured
    assert outcome.totals[0].rejected > 0


def test_redistribution_by_hand() -> None:
    """Basic pension = base x (1 + index)/2 x years %: over the own wage (index x base) that is
    (1 + 0.6)/(2 x 0.6) x 35 % = 46.67 % at index 0.6 and (1 + 3)/(2 x 3) x 35 % = 23.33 %
    at 3.0."""
    table = redistribution(parse_month("2025-12"), [110000, 510000])
    low = [1.6 / 1.2 * 0.35] * 2
    assert table["replacement_at_0_6"].to_list() == pytest.approx(low, abs=1e-4)
    assert table["replacement_at_3_0"].to_list() == pytest.approx([4 / 6 * 0.35] * 2, abs=1e-4)
    assert table["ratio"].to_list() == pytest.approx([2.0] * 2, abs=1e-3)
