"""``safetynet project``: tables, charts and page for the chosen scenarios."""

from __future__ import annotations

from pathlib import Path

import polars as pl
from typer.testing import CliRunner

from safetynet.cli.main import app


def test_list_names_the_builtin_scenarios() -> None:
    result = CliRunner().invoke(app, ["project", "--list"])
    assert result.exit_code == 0
    assert "baseline:" in result.output and "no_reform:" in result.output


def test_project_writes_tables_charts_and_page(tmp_path: Path) -> None:
    args = [
        "project",
        "--scenario",
        "baseline",
        "--scenario",
        "rate_14",
        "--out",
        str(tmp_path),
        "--end-year",
        "2060",
        "--paths",
        "30",
    ]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    for name in ("baseline", "rate_14"):
        table = pl.read_csv(tmp_path / f"{name}.csv")
        assert {"year", "contributors", "pensioners", "income", "spending", "reserve"} <= set(
            table.columns
        )
        assert table["year"].to_list()[-1] == 2060
        stored = pl.read_parquet(tmp_path / f"{name}.parquet")
        assert stored.columns == table.columns
        assert stored["reserve"].to_list() == table["reserve"].to_list()
    assert (tmp_path / "charts" / "reserve.png").stat().st_size > 1000
    assert (tmp_path / "charts" / "fan_reserve_baseline.png").exists()
    page = (tmp_path / "index.html").read_text()
    assert "<script src" not in page and "http://" not in page.replace(
        "http://www.w3.org/2000/svg", ""
    )
    assert '"name": "rate_14"' in page
    assert "养老金与人口预测" in page and "平衡缴费率" in page  # Chinese first, English beside
    assert pl.read_csv(tmp_path / "monte_carlo_baseline.csv").height == 41
    summary = pl.read_csv(tmp_path / "summary.csv")
    assert {
        "implicit_pension_debt_trn",
        "actuarial_balance",
        "pv_contributions_trn",
        "pv_subsidies_trn",
        "pv_spending_trn",
        "pv_covered_wages_trn",
        "closed_group_liability_trn",
    } <= set(summary.columns)
    retirees = pl.read_csv(tmp_path / "baseline_new_retirees.csv")
    assert {"birth_year", "sex", "replacement_average_wage"} <= set(retirees.columns)


def test_sensitivity_writes_the_table_and_tornado(tmp_path: Path) -> None:
    args = ["project", "--scenario", "baseline", "--end-year", "2060", "--sensitivity"]
    result = CliRunner().invoke(app, [*args, "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    table = pl.read_csv(tmp_path / "sensitivity_baseline.csv")
    assert table.height == 15 and table["factor"][0] == "base"
    text = [str(v) for column in ("factor", "case", "change") for v in table[column]]
    assert not [v for v in text if v.startswith(("=", "+", "-", "@"))]  # no live formulas
    assert (tmp_path / "charts" / "tornado_baseline.png").stat().st_size > 1000
    assert '"sensitivity": {"columns"' in (tmp_path / "index.html").read_text()


def test_unknown_scenario_is_a_one_line_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["project", "--scenario", "nope", "--out", str(tmp_path)])
    assert result.exit_code == 2
    assert result.output.strip().startswith("error: scenario: unknown scenario 'nope'")
