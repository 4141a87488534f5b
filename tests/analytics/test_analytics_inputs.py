"""Bad inputs are refused with a message naming the problem, and the CLI runs the jobs."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import polars as pl
import pyarrow.parquet as pq
import pytest
from tests.analytics.test_coverage import hand_population
from typer.testing import CliRunner

from safetynet.analytics.base import check_inputs, run_analysis
from safetynet.analytics.coverage import Coverage
from safetynet.analytics.fairness import Fairness
from safetynet.analytics.risk import Risk
from safetynet.cli.main import app
from safetynet.policy.periods import parse_month
from safetynet.synth.writer import write_population


def test_missing_columns_named(tmp_path: Path) -> None:
    population = hand_population(tmp_path)
    for part in population.glob("province=*/*.parquet"):
        pq.write_table(pq.read_table(part).drop_columns(["medical_scheme"]), part)
    with pytest.raises(ValueError, match=r"missing column medical_scheme \(needed by coverage"):
        run_analysis(Coverage(), population, "2025-12", tmp_path / "out")
    with pytest.raises(ValueError, match=r"missing columns .*pension_award_fen"):
        check_inputs(Fairness(), population, "2025-12", tmp_path / "out")


def test_empty_population_refused(tmp_path: Path) -> None:
    population = hand_population(tmp_path)
    for folder in population.glob("province=*"):
        shutil.rmtree(folder)
    with pytest.raises(ValueError, match="holds no persons"):
        run_analysis(Coverage(), population, "2025-12", tmp_path / "out")


@pytest.mark.parametrize(
    ("month", "message"),
    [("2025-13", "--month"), ("December", "--month"), ("2024-06", "before the population's")],
)
def test_unknown_month_refused(tmp_path: Path, month: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        run_analysis(Coverage(), hand_population(tmp_path), month, tmp_path / "out")


def test_risk_needs_the_registers(tmp_path: Path) -> None:
    population = tmp_path / "pop"
    write_population(
        population, persons=300, seed=2, as_of=parse_month("2025-12"), workers=1, progress=False
    )
    assert not (population / "labels.parquet").exists()
    with pytest.raises(ValueError, match="no _registers/deaths register"):
        check_inputs(Risk(), population, "2025-12", tmp_path / "out")


def test_cli_runs_a_job_and_refuses_bad_input(fraud_population: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    out = tmp_path / "out"
    result = runner.invoke(
        app,
        [
            "analyze",
            "pooling",
            "--population",
            str(fraud_population),
            "--month",
            "2025-12",
            "--out",
            str(out),
            "--no-progress",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "net sum 0 fen" in result.output
    assert (out / "report.html").is_file() and (out / "tables" / "adjustment.csv").is_file()
    assert pl.read_csv(out / "tables" / "national.csv")["net_fen"].to_list() == [0] * 8
    totals = json.loads((out / "extract" / "pooling_persons" / "totals.json").read_text())
    assert totals["rows_in"] == totals["processed"] + totals["skipped"] + totals["rejected"]
    again = runner.invoke(
        app,
        [
            "analyze",
            "pooling",
            "--population",
            str(fraud_population),
            "--month",
            "2025-12",
            "--out",
            str(out),
        ],
    )
    assert again.exit_code == 2 and "--out:" in again.output and "is not empty" in again.output
    neither = runner.invoke(app, ["analyze", "coverage", "--month", "2025-12", "--out", str(out)])
    assert neither.exit_code == 2 and "--population" in neither.output
    bad_month = runner.invoke(
        app,
        [
            "analyze",
            "risk",
            "--population",
            str(fraud_population),
            "--month",
            "2025-13",
            "--out",
            str(tmp_path / "o2"),
        ],
    )
    assert bad_month.exit_code == 2 and "--month" in bad_month.output
