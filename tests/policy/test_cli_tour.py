"""The parameter browser and the demo tour from the command line."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from safetynet.cli.main import app

runner = CliRunner()


def test_params_show_gives_values_with_sources() -> None:
    result = runner.invoke(app, ["params", "show", "pension.employee.calculation_base"])
    assert result.exit_code == 0, result.output
    shown = json.loads(result.stdout)
    beijing = [v for v in shown["values"] if v["region"] == "110000" and v["value"] == 12049]
    assert beijing and beijing[0]["reference"].endswith("(京人社发〔2025〕13号)")


def test_params_show_unknown_name_is_a_usage_error() -> None:
    result = runner.invoke(app, ["params", "show", "pension.nope"])
    assert result.exit_code == 2
    assert result.stderr.strip() == "error: parameter pension.nope: no such parameter"


def test_params_list_uncertain_lists_only_grade_c() -> None:
    everything = runner.invoke(app, ["params", "list"]).stdout.splitlines()
    uncertain = runner.invoke(app, ["params", "list", "--uncertain"]).stdout.splitlines()
    assert any(
        line.startswith("pension.account.interest_rate\tnational\t2025-01-01\t0.015")
        for line in uncertain
    )
    assert not any(line.startswith("pension.employee.accrual_rate\t") for line in uncertain)
    assert any(line.startswith("pension.employee.accrual_rate\t") for line in everything)


def test_demo_tour_explains_with_references() -> None:
    result = runner.invoke(app, ["demo", "--tour-only"])
    assert result.exit_code == 0, result.output
    assert "total = 5300.97" in result.stdout
    assert "京人社发〔2025〕13号" in result.stdout
    assert "retirement_month = 2025-02" in result.stdout
