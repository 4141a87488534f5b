"""Risk: every planted irregularity is found with the target recall and precision, flags
explain themselves, and the funds' months of spending carry the early warning."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from safetynet.analytics.base import run_analysis
from safetynet.analytics.risk import Risk
from safetynet.synth.fraud import KINDS


@pytest.fixture(scope="module")
def risk_tables(
    fraud_population: Path, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, pl.DataFrame]:
    out = tmp_path_factory.mktemp("risk") / "out"
    return run_analysis(
        Risk(), fraud_population, "2025-12", out, progress=False, options={"warning_months": 9.0}
    ).tables


def test_every_kind_found(risk_tables: dict[str, pl.DataFrame]) -> None:
    evaluation = risk_tables["evaluation"]
    assert evaluation["kind"].to_list() == list(KINDS)
    for row in evaluation.iter_rows(named=True):
        assert row["planted"] > 0, row
        assert row["recall"] >= 0.95, row
        assert row["precision"] >= 0.90, row


def test_flags_explain_themselves(risk_tables: dict[str, pl.DataFrame]) -> None:
    flags = risk_tables["flags"]
    assert flags.columns == ["person_id", "kind", "score", "explanation"]
    assert (flags["explanation"].str.len_chars() > 20).all()
    assert (flags["score"] > 0).all()
    death = flags.filter(pl.col("kind") == "paid_after_death")
    assert death["explanation"].str.contains("death register records a death in").all()


def test_detection_does_not_read_the_labels(
    fraud_population: Path, tmp_path: Path, risk_tables: dict[str, pl.DataFrame]
) -> None:
    """The same flags without labels.parquet beside the population (only the scoring goes)."""
    hidden = tmp_path / "no-labels"
    hidden.mkdir()
    for entry in fraud_population.iterdir():
        if entry.name != "labels.parquet":
            (hidden / entry.name).symlink_to(entry)
    outcome = run_analysis(Risk(), hidden, "2025-12", tmp_path / "out", progress=False)
    assert "evaluation" not in outcome.tables
    assert outcome.tables["flags"].equals(risk_tables["flags"])


def test_fund_risk_warns_below_threshold(risk_tables: dict[str, pl.DataFrame]) -> None:
    funds = risk_tables["fund_risk"]
    assert funds["province"].n_unique() == 31
    assert (funds["warning"] == (funds["months_covered"] < 9.0)).all()
    assert funds["warning_months"].unique().to_list() == [9.0]
