"""Pooling: a two-province example by hand, nets summing to zero on the synthetic population,
and the provinces' funds with and without the adjustment."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from safetynet.analytics.base import run_analysis
from safetynet.analytics.pooling import Pooling, adjustment
from safetynet.policy.parameters import default_parameters

TWO_PROVINCES = pl.DataFrame(
    {
        "province": [110000, 510000],
        "workers": [100, 100],
        "retirees": [10, 90],
        "average_wage_fen": [1_000_000.0, 500_000.0],  # 10,000 and 5,000 yuan a month
        "monthly_income_fen": [0, 0],
        "monthly_spending_fen": [0, 0],
    }
)


def test_two_provinces_by_hand() -> None:
    """2019, ratio 3.5 %, 90 % of the wage, 12 months:
    Beijing remits 0.035 x 0.9 x 10,000 x 100 x 12 = 378,000 yuan, Sichuan 189,000; the fund of
    567,000 is 5,670 per retiree: Beijing receives 56,700 (net -321,300), Sichuan 510,300
    (net +321,300)."""
    flows = adjustment(default_parameters(), TWO_PROVINCES, 2019, 2019, 2019 * 12 + 11)
    assert flows["remittance_fen"].to_list() == [37_800_000, 18_900_000]
    assert flows["receipt_fen"].to_list() == [5_670_000, 51_030_000]
    assert flows["net_fen"].to_list() == [-32_130_000, 32_130_000]
    assert flows["net_fen"].sum() == 0


def test_first_year_counts_from_july_2018() -> None:
    flows = adjustment(default_parameters(), TWO_PROVINCES, 2018, 2018, 2019 * 12 + 11)
    assert flows["months"].to_list() == [6, 6]
    # 3 % for six months, wages scaled by the 2018 calculation base against 2019's
    scale = 6193.17 / 6871.75
    assert flows["remittance_fen"][0] == pytest.approx(0.03 * 0.9 * 1e6 * scale * 100 * 6, abs=6)
    assert flows["net_fen"].sum() == 0


def test_pooling_on_the_population(fraud_population: Path, tmp_path: Path) -> None:
    outcome = run_analysis(Pooling(), fraud_population, "2025-12", tmp_path / "out", progress=False)
    national = outcome.tables["national"]
    assert national["year"].to_list() == list(range(2018, 2026))
    assert (national["net_fen"] == 0).all()
    adjustment_table = outcome.tables["adjustment"]
    assert (
        adjustment_table.group_by("year").agg(pl.col("net_fen").sum())["net_fen"].to_list()
        == [0] * 8
    )
    funds = outcome.tables["funds"]
    assert set(funds["pooling"].unique().to_list()) == {True, False}
    first = funds.filter(pl.col("year") == 2025)
    # the adjustment moves money, it neither creates nor destroys it
    with_pooling = first.filter(pl.col("pooling"))["income_fen"].sum()
    without = first.filter(~pl.col("pooling"))["income_fen"].sum()
    assert abs(with_pooling - without) <= first.height
    shortfalls = outcome.tables["shortfalls"]
    assert shortfalls.height == funds["province"].n_unique()
