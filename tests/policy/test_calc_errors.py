"""Every bad-input path of the catalogue: Python exceptions and the CLI's exit code 2."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

import safetynet
from safetynet.cli.main import app
from safetynet.policy.errors import InputError, ParameterLookupError, UnknownCalculation

runner = CliRunner()
PENSION = {
    "region": "110000",
    "birth_month": "1965-01",
    "retirement_month": "2025-02",
    "contribution_months": 420,
    "avg_contribution_index": 1.0,
    "account_balance": "150000",
}


@pytest.mark.parametrize(
    ("name", "inputs", "error", "field"),
    [
        ("nope", {}, UnknownCalculation, None),
        ("retirement_age", {"category": "male"}, InputError, "birth_month"),
        (
            "retirement_age",
            {"birth_month": "1965/01", "category": "male"},
            InputError,
            "birth_month",
        ),
        ("retirement_age", {"birth_month": "1965-01", "category": "robot"}, InputError, "category"),
        ("retirement_age", {"birth_month": "1965-01", "category": "male", "x": 1}, InputError, "x"),
        (
            "contribution",
            {"monthly_wage": "-1", "region": "110000", "month": "2025-08"},
            InputError,
            "monthly_wage",
        ),
        (
            "contribution",
            {"monthly_wage": "1e12", "region": "110000", "month": "2025-08"},
            InputError,
            "monthly_wage",
        ),
        (
            "contribution",
            {"monthly_wage": "10.001", "region": "110000", "month": "2025-08"},
            InputError,
            "monthly_wage",
        ),
        (
            "contribution",
            {"monthly_wage": "abc", "region": "110000", "month": "2025-08"},
            InputError,
            "monthly_wage",
        ),
        (
            "contribution",
            {"monthly_wage": "5000", "region": "999999", "month": "2025-08"},
            InputError,
            "region",
        ),
        (
            "contribution",
            {"monthly_wage": "5000", "region": "11000", "month": "2025-08"},
            InputError,
            "region",
        ),
        (
            "contribution",
            {"monthly_wage": "5000", "region": "110000", "month": "2025-08", "risk_class": 9},
            InputError,
            "risk_class",
        ),
        (
            "employee_pension",
            {**PENSION, "avg_contribution_index": 4},
            InputError,
            "avg_contribution_index",
        ),
        (
            "employee_pension",
            {**PENSION, "contribution_months": "many"},
            InputError,
            "contribution_months",
        ),
        ("employee_pension", {**PENSION, "deemed_months": 500}, InputError, "deemed_months"),
        (
            "account_interest",
            {"account_balance": "100", "year": 2024, "months_elapsed": 13},
            InputError,
            "months_elapsed",
        ),
        ("account_interest", {"account_balance": "100", "year": 2010}, ParameterLookupError, None),
        (
            "employee_pension",
            {
                **PENSION,
                "region": "510100",
                "retirement_month": "2016-02",
                "birth_month": "1956-01",
            },
            ParameterLookupError,
            None,
        ),
    ],
)
def test_bad_inputs_raise_documented_errors(
    name: str, inputs: dict[str, object], error: type[Exception], field: str | None
) -> None:
    with pytest.raises(error) as caught:
        safetynet.calc(name, inputs)
    if field is not None:
        assert isinstance(caught.value, InputError)
        assert caught.value.field == field
        assert str(caught.value).startswith(f"{field}: ")
    assert "\n" not in str(caught.value)


def test_cli_prints_result_and_explanation() -> None:
    result = runner.invoke(
        app, ["calc", "employee_pension", "--json", json.dumps(PENSION), "--explain"]
    )
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["result"]["total"] == 5300.97
    steps = {s["step"]: s for s in payload["explanation"]}
    base = steps["calculation base"]["parameters"][0]
    assert base["reference"].endswith("(京人社发〔2025〕13号)")
    assert base["effective_from"] == "2025-01-01" and base["confidence"] == "B"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["calc", "nope"], "error: unknown calculation 'nope'"),
        (["calc", "retirement_age", "--json", "{bad"], "error: --json: not valid JSON"),
        (["calc", "retirement_age", "--json", "[1]"], "error: --json: expected a JSON object"),
        (
            ["calc", "retirement_age", "--json", '{"category": "male"}'],
            "error: birth_month: is required",
        ),
        (
            [
                "calc",
                "contribution",
                "--json",
                '{"monthly_wage": "5000", "region": "110000", "month": "2010-01"}',
            ],
            "error: parameter contribution.base_floor: no value before 2019-05-01",
        ),
        (["calc"], "error: name a calculation, or use --list"),
    ],
)
def test_cli_errors_are_one_line_with_exit_code_2(args: list[str], message: str) -> None:
    result = runner.invoke(app, args)
    assert result.exit_code == 2
    assert result.stderr.strip().startswith(message)
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.output


def test_cli_lists_every_calculation_with_typed_inputs() -> None:
    result = runner.invoke(app, ["calc", "--list"])
    assert result.exit_code == 0
    listed = {c["name"]: c for c in json.loads(result.stdout)}
    for name in (
        "id_check",
        "retirement_age",
        "annuity_divisor",
        "contribution",
        "account_interest",
        "employee_pension",
        "resident_pension",
    ):
        assert name in listed
        assert all({"name", "type", "doc"} <= set(f) for f in listed[name]["inputs"])
