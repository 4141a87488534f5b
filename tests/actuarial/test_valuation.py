"""Actuarial measures: present values by hand, the implicit pension debt against retirement
ages, pay-as-you-go after depletion, one density, coverage groups and sensitivity signs."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from safetynet.actuarial.assumptions import Scenario, load_scenario
from safetynet.actuarial.projection import Projection, run_scenario
from safetynet.actuarial.sensitivity import sensitivity_table
from safetynet.actuarial.valuation import PV_FLOWS, present_values


def _with(name: str, values: dict[str, object]) -> Scenario:
    base = load_scenario(name)
    a = base.assumptions.with_values(values, "test")  # type: ignore[arg-type]
    return Scenario(base.name, base.description, base.parameters, a)


def column(result: Projection, name: str, year: int) -> float:
    return float(result.table.filter(pl.col("year") == year)[name][0])


def test_present_values_match_a_hand_computed_three_year_example() -> None:
    """Valuation at end-2024, horizon 3 years, 5 %: flows of 2025-2027 discounted from the
    middle of their year; 2028 is outside the horizon and 2024 is the valuation year."""
    years = np.arange(2024, 2029)
    flows = {
        "contribution_income": np.array([99.0, 100.0, 110.0, 120.0, 999.0]),
        "fiscal_subsidy": np.array([99.0, 10.0, 10.0, 10.0, 999.0]),
        "spending": np.array([99.0, 150.0, 160.0, 170.0, 999.0]),
        "covered_wages": np.array([99.0, 1000.0, 1100.0, 1200.0, 999.0]),
        "closed_group_spending": np.array([0.0, 140.0, 130.0, 120.0, 999.0]),
        "closed_group_contributions": np.array([0.0, 90.0, 80.0, 70.0, 999.0]),
    }
    assert set(PV_FLOWS.values()) == set(flows)
    v1, v2, v3 = 1.05**-0.5, 1.05**-1.5, 1.05**-2.5  # 0.975900, 0.929429, 0.885170
    pv = present_values(years, flows, 50.0, 2024, 3, 0.05)
    assert pv["pv_contributions"] == pytest.approx(100 * v1 + 110 * v2 + 120 * v3)
    assert pv["pv_contributions"] == pytest.approx(306.0, abs=0.1)  # 97.59 + 102.24 + 106.22
    assert pv["pv_subsidies"] == pytest.approx(10 * (v1 + v2 + v3))
    assert pv["pv_spending"] == pytest.approx(150 * v1 + 160 * v2 + 170 * v3)
    wages = 1000 * v1 + 1100 * v2 + 1200 * v3
    assert pv["pv_covered_wages"] == pytest.approx(wages)
    assert pv["actuarial_balance"] == pytest.approx(
        (50 + 110 * v1 + 120 * v2 + 130 * v3 - 150 * v1 - 160 * v2 - 170 * v3) / wages
    )
    assert pv["actuarial_balance_without_subsidy"] == pytest.approx(
        (50 + 100 * v1 + 110 * v2 + 120 * v3 - 150 * v1 - 160 * v2 - 170 * v3) / wages
    )
    closed = (140 - 90) * v1 + (130 - 80) * v2 + (120 - 70) * v3 - 50  # net of the reserve
    assert pv["closed_group_liability"] == pytest.approx(closed)
    assert pv["horizon_end"] == 2027


@pytest.fixture(scope="module")
def reforms() -> dict[str, Projection]:
    return {n: run_scenario(load_scenario(n)) for n in ("no_reform", "baseline", "faster_reform")}


def test_implicit_debt_falls_as_retirement_comes_later(reforms: dict[str, Projection]) -> None:
    debt = {name: r.implicit_pension_debt for name, r in reforms.items()}
    assert debt["no_reform"] > debt["baseline"] > debt["faster_reform"] > 0


def test_closed_group_is_part_of_the_open_group(reforms: dict[str, Projection]) -> None:
    m = reforms["baseline"].measures
    assert 0 < m["pv_closed_group_spending"] < m["pv_spending"]
    assert 0 < m["pv_closed_group_contributions"] < m["pv_contributions"]
    assert m["closed_group_liability"] > 0
    assert m["actuarial_balance"] < 0  # the fund runs out within the horizon


def test_balancing_rate_falls_as_the_return_rises() -> None:
    """After depletion the shortfall carries no interest: a higher return helps before it and
    changes nothing after it."""
    runs = [
        run_scenario(_with("baseline", {"economy.investment_return": r}))
        for r in (0.015, 0.025, 0.035)
    ]
    for year in (2040, 2050):
        rates = [column(r, "balancing_rate", year) for r in runs]
        assert rates[0] > rates[1] > rates[2], (year, rates)
    late = [column(r, "balancing_rate", 2090) for r in runs]
    assert late[0] >= late[1] - 1e-12 and late[1] >= late[2] - 1e-12
    depleted = [r.depletion_year or 9999 for r in runs]
    assert depleted == sorted(depleted)


def test_one_density_drives_contributors_and_awards(reforms: dict[str, Projection]) -> None:
    base = reforms["baseline"]
    denser = run_scenario(
        _with(
            "baseline",
            {
                "employee_pension.contribution_density.male": 0.9,
                "employee_pension.contribution_density.female": 0.9,
            },
        )
    )
    assert column(denser, "contributors", 2030) > 1.1 * column(base, "contributors", 2030)
    awards = denser.new_retirees.join(base.new_retirees, on=["year", "category"])
    later = awards.filter(pl.col("year") >= 2030)
    assert (later["award"] > later["award_right"]).all()


def test_contributors_split_by_coverage_group(reforms: dict[str, Projection]) -> None:
    t = reforms["baseline"].table
    groups = t["contributors_enterprise"] + t["contributors_public_institutions"]
    np.testing.assert_allclose(
        (groups + t["contributors_flexible"]).to_numpy(), t["contributors"].to_numpy()
    )


def test_replacement_rates_of_new_retirees(reforms: dict[str, Projection]) -> None:
    rows = reforms["baseline"].new_retirees.filter(pl.col("year") == 2040)
    assert set(rows["sex"]) == {"male", "female"}
    assert ((rows["replacement_average_wage"] > 0.1) & (rows["replacement_average_wage"] < 1)).all()
    by = dict(zip(rows["category"], rows["replacement_average_wage"], strict=True))
    assert by["male"] > by["female_55"] > by["female_50"]  # longer careers, shorter payouts
    assert (rows["birth_year"] == 2040 - rows["retirement_age"].floor().cast(pl.Int64)).all()


def test_gdp_shares(reforms: dict[str, Projection]) -> None:
    t = reforms["baseline"].table
    assert column(reforms["baseline"], "gdp", 2024) == pytest.approx(134.9e12)
    share = column(reforms["baseline"], "spending_gdp", 2030)
    assert 0.03 < share < 0.08
    np.testing.assert_allclose(
        t["subsidy_gdp"].to_numpy()[1:],
        (t["fiscal_subsidy"] / t["gdp"]).to_numpy()[1:],
        rtol=1e-12,
    )


def test_sensitivity_signs() -> None:
    table = sensitivity_table(load_scenario("baseline"))
    base = table.filter(pl.col("case") == "base").row(0, named=True)

    def case(factor: str, which: str) -> dict[str, object]:
        return table.filter((pl.col("factor") == factor) & (pl.col("case") == which)).row(
            0, named=True
        )

    better_when_high = (
        "wage growth",
        "subsidy share",
        "contribution density",
        "mortality",
        "fertility",
    )
    for factor in better_when_high:
        low, high = case(factor, "low"), case(factor, "high")
        assert low["actuarial_balance"] < base["actuarial_balance"] < high["actuarial_balance"]
    low, high = case("indexation", "low"), case("indexation", "high")
    assert low["actuarial_balance"] > base["actuarial_balance"] > high["actuarial_balance"]
    low, high = case("investment return", "low"), case("investment return", "high")
    assert low["balancing_rate_2050"] > base["balancing_rate_2050"] > high["balancing_rate_2050"]
    assert low["depletion_year"] <= base["depletion_year"] <= high["depletion_year"]
