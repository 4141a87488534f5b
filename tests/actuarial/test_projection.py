"""The fund projection: accounting identities, scenario overrides, calibration, Monte Carlo."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from safetynet.actuarial.assumptions import (
    ScenarioError,
    builtin_scenarios,
    default_assumptions,
    load_scenario,
)
from safetynet.actuarial.calibration import TOLERANCE, history_comparison, un_comparison
from safetynet.actuarial.projection import Projection, run_monte_carlo, run_scenario
from safetynet.policy.regions import NATIONAL
from safetynet.policy.rules.retirement import statutory_retirement

END = 2070


@pytest.fixture(scope="module")
def runs() -> dict[str, Projection]:
    return {name: run_scenario(load_scenario(name), END) for name in builtin_scenarios()}


def column(result: Projection, name: str, year: int) -> float:
    return float(result.table.filter(pl.col("year") == year)[name][0])


def test_builtin_scenarios_include_the_required_ones() -> None:
    required = {
        "baseline",
        "no_reform",
        "faster_reform",
        "low_fertility",
        "high_fertility",
        "rate_14",
        "indexation_cpi",
        "coverage_expansion",
        "min_years_20",
    }
    assert required <= set(builtin_scenarios())


def test_reserve_moves_by_income_less_spending(runs: dict[str, Projection]) -> None:
    for result in runs.values():
        t = result.table
        reserve = t["reserve"].to_numpy()
        np.testing.assert_allclose(
            reserve[1:],
            reserve[:-1] + t["income"].to_numpy()[1:] - t["spending"].to_numpy()[1:],
            rtol=1e-12,
            atol=1.0,
        )


def test_income_is_contributions_subsidy_and_investment(runs: dict[str, Projection]) -> None:
    t = runs["baseline"].table.slice(1)
    np.testing.assert_allclose(
        t["income"].to_numpy(),
        (t["contribution_income"] + t["fiscal_subsidy"] + t["investment_income"]).to_numpy(),
        rtol=1e-12,
    )
    np.testing.assert_allclose(
        t["balance"].to_numpy(), (t["income"] - t["spending"]).to_numpy(), rtol=1e-12, atol=1.0
    )


def test_pensioners_grow_by_entrants_less_deaths(runs: dict[str, Projection]) -> None:
    t = runs["baseline"].table
    growth = np.diff(t["pensioners"].to_numpy())
    assert (growth < t["new_pensioners"].to_numpy()[1:]).all()


def test_headline_years_agree_with_the_table(runs: dict[str, Projection]) -> None:
    for result in runs.values():
        t = result.table
        if result.depletion_year is not None:
            assert column(result, "reserve", result.depletion_year) < 0
            assert column(result, "reserve", result.depletion_year - 1) >= 0
        if result.first_deficit_year is not None:
            assert column(result, "balance", result.first_deficit_year) < 0
        assert result.reserve_peak_year == int(t["year"][int(t["reserve"].arg_max() or 0)])


def test_no_reform_overrides_the_retirement_age_from_2025() -> None:
    birth = np.array([1975 * 12 + 5])  # a man born in June 1975 reaches 60 in 2035
    ages = {}
    for name in ("baseline", "no_reform", "faster_reform"):
        p = load_scenario(name).parameters
        ages[name] = int(statutory_retirement(p, birth, np.array(["male"]))["delay_months"][0])
    assert ages["no_reform"] == 0
    assert 0 < ages["baseline"] < ages["faster_reform"] <= 36


def test_no_reform_runs_out_sooner_and_has_fewer_contributors(
    runs: dict[str, Projection],
) -> None:
    base, none = runs["baseline"], runs["no_reform"]
    assert none.depletion_year is not None
    assert base.depletion_year is None or none.depletion_year < base.depletion_year
    assert column(none, "contributors", 2040) < column(base, "contributors", 2040)
    assert column(none, "pensioners", 2040) > column(base, "pensioners", 2040)


def test_rate_14_scales_contributions_by_the_rate(runs: dict[str, Projection]) -> None:
    p = load_scenario("rate_14").parameters
    day = np.datetime64(dt.date(2030, 7, 1))
    assert p.at("contribution.pension_employer_rate", day, NATIONAL)[()] == pytest.approx(0.14)
    assert p.at("contribution.pension_employer_rate", np.datetime64("2025-07-01"), NATIONAL)[
        ()
    ] == pytest.approx(0.16)
    ratio = column(runs["rate_14"], "contribution_income", 2030) / column(
        runs["baseline"], "contribution_income", 2030
    )
    assert ratio == pytest.approx((0.14 + 0.08) / (0.16 + 0.08), rel=1e-9)


def test_cpi_indexation_is_used_after_the_recorded_adjustments(
    runs: dict[str, Projection],
) -> None:
    scenario = load_scenario("indexation_cpi")
    assert scenario.assumptions.text("employee_pension.indexation_rule") == "cpi"
    assert scenario.assumptions["employee_pension.indexation_rule"].assumption
    base, cpi = runs["baseline"], runs["indexation_cpi"]
    assert column(cpi, "spending", 2025) == pytest.approx(column(base, "spending", 2025))
    assert column(cpi, "spending", 2060) > column(base, "spending", 2060)


def test_coverage_expansion_adds_contributors(runs: dict[str, Projection]) -> None:
    base, wide = runs["baseline"], runs["coverage_expansion"]
    assert column(wide, "contributors", 2025) == pytest.approx(column(base, "contributors", 2025))
    assert column(wide, "contributors", 2035) > 1.05 * column(base, "contributors", 2035)


def test_min_years_20_defers_some_retirements(runs: dict[str, Projection]) -> None:
    base, strict = runs["baseline"], runs["min_years_20"]
    assert column(strict, "new_pensioners", 2027) < column(base, "new_pensioners", 2027)


def test_calibration_targets_within_the_stated_tolerance(runs: dict[str, Projection]) -> None:
    comparison = history_comparison(runs["baseline"])
    targets = comparison.filter(pl.col("role") == "target")
    assert targets.height >= 5
    assert (targets["error"].abs() <= TOLERANCE).all(), targets
    un = un_comparison(run_scenario(load_scenario("baseline"), 2100))
    population = un.filter(pl.col("indicator") == "population")
    assert (population["error"].abs() < 0.06).all()


def test_monte_carlo_bands_are_ordered_and_repeatable() -> None:
    scenario = load_scenario("baseline")
    first = run_monte_carlo(scenario, 40, END)
    again = run_monte_carlo(scenario, 40, END)
    np.testing.assert_array_equal(first.reserve, again.reserve)
    bands = first.quantiles().drop("year").to_numpy()
    assert (np.diff(bands, axis=1) >= 0).all()
    assert first.reserve[:, -1].std() > 0
    quantiles = [v for v in first.depletion_quantiles().values() if v is not None]
    assert quantiles == sorted(quantiles)


def test_unknown_scenario_names_the_field() -> None:
    with pytest.raises(ScenarioError, match="scenario: unknown scenario 'nope'"):
        load_scenario("nope")


def test_bad_scenario_file_names_the_key(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(
        "name: bad\ndescription: wrong type\nassumptions:\n  economy.investment_return: high\n"
    )
    with pytest.raises(ScenarioError, match=r"economy\.investment_return"):
        load_scenario(str(path))
    path.write_text(
        "name: bad\ndescription: unknown law\nparameters:\n  pension.nothing: {national: []}\n"
    )
    with pytest.raises(ScenarioError, match=r"unknown parameter 'pension\.nothing'"):
        load_scenario(str(path))


def test_every_assumption_names_a_source() -> None:
    values = default_assumptions().values
    assert values
    assert all(len(v.source) >= 3 for v in values.values())
    assert any(v.assumption for v in values.values())


def test_awards_follow_the_law_parameters(tmp_path: Path, runs: dict[str, Projection]) -> None:
    """A higher accrual rate in the parameter tree raises new pensions, from its date on."""
    path = tmp_path / "accrual.yaml"
    path.write_text(
        "name: accrual_12\ndescription: accrual 1.2 % from 2030\nparameters:\n"
        "  pension.employee.accrual_rate:\n    national:\n"
        "      - {from: 2030-01-01, value: 0.012, source: GF2005-38, confidence: A}\n"
    )
    richer = run_scenario(load_scenario(str(path)), END)
    base = runs["baseline"]
    assert column(richer, "spending", 2029) == pytest.approx(column(base, "spending", 2029))
    assert column(richer, "spending", 2040) > 1.02 * column(base, "spending", 2040)
