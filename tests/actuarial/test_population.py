"""Population projection: base year reproduces the census, balancing equation, mortality fit."""

from __future__ import annotations

import numpy as np
import pytest

from safetynet.actuarial.assumptions import default_assumptions, load_scenario
from safetynet.actuarial.data import demographic_data
from safetynet.actuarial.graduation import graduate_counts
from safetynet.actuarial.lifetable import life_expectancy
from safetynet.actuarial.population import (
    MALE,
    TOP_AGE,
    base_population,
    drivers,
    mortality_rates,
    mortality_shift,
    project_population,
)

FLOOR = "population.mortality_improvement_floor"


def test_base_year_reproduces_the_census_groups() -> None:
    census = demographic_data().census
    single = base_population()
    assert (single >= 0).all()
    ends = np.append(census.starts[1:], TOP_AGE + 1)
    regrouped = np.stack(
        [single[:, s:e].sum(axis=1) for s, e in zip(census.starts, ends, strict=True)], axis=1
    )
    np.testing.assert_allclose(regrouped, census.values, rtol=1e-9)
    assert single.sum() == pytest.approx(1_409_778_724, rel=1e-12)


def test_graduation_rejects_a_wrong_open_group() -> None:
    with pytest.raises(ValueError, match="open age group"):
        graduate_counts(np.array([0, 5, 10]), np.ones((1, 3)), top=15)


@pytest.fixture(scope="module")
def medium() -> tuple[object, object]:
    d = drivers(default_assumptions(), 2100)
    return d, project_population(d.base, d)


def test_balancing_equation_holds_every_year(medium: tuple) -> None:
    _, pop = medium
    totals = pop.population[0].sum(axis=(-1, -2))
    expected = totals[:-1] + pop.births[0].sum(axis=-1) - pop.deaths[0] + pop.migration
    np.testing.assert_allclose(totals[1:], expected, rtol=1e-12)


def test_cohorts_only_shrink_without_migration_ages(medium: tuple) -> None:
    """Ages without net migrants (60+) can only lose people from one year to the next."""
    _, pop = medium
    survivors = pop.population[0, 1:, :, 61:TOP_AGE]
    before = pop.population[0, :-1, :, 60 : TOP_AGE - 1]
    assert (survivors <= before + 1e-6).all()


def test_mortality_before_the_nbs_shift_reproduces_the_wpp_life_expectancy(
    medium: tuple,
) -> None:
    d, _ = medium
    wpp = demographic_data().projection
    years = wpp["year"].to_numpy()
    fitted = mortality_rates(2100, default_assumptions().number(FLOOR))
    e0 = life_expectancy(fitted, MALE[None])
    rows = np.isin(d.years, years)
    np.testing.assert_allclose(e0[rows, 0], wpp["e0_male"].to_numpy(), atol=1e-3)
    np.testing.assert_allclose(e0[rows, 1], wpp["e0_female"].to_numpy(), atol=1e-3)
    assert e0[np.flatnonzero(d.years == 2023)[0], 0] == pytest.approx(
        demographic_data().e0_estimate[2023][0], abs=1e-3
    )
    shift = mortality_shift(d.fit, d.years)
    np.testing.assert_allclose(d.mx, fitted * shift[:, None, None], rtol=1e-12)
    assert (shift[d.years >= 2025] == shift[d.years == 2025]).all()  # held after the record


def test_births_follow_the_tfr(medium: tuple) -> None:
    d, pop = medium
    np.testing.assert_allclose(d.fertility_pattern.sum(axis=-1), 1.0)
    i = int(np.flatnonzero(d.years == 2030)[0])
    women_before = pop.population[0, i, 1]
    women_after = np.concatenate([[0.0], pop.population[0, i + 1, 1, 1:]]) - np.concatenate(
        [[0.0], d.migration[i, 1, 1:]]
    )
    exposure = 0.5 * (women_before + women_after)
    expected = d.tfr[0, i] * (exposure * d.fertility_pattern[i]).sum()
    assert pop.births[0, i].sum() == pytest.approx(expected, rel=1e-12)


def test_fertility_variants_order_the_population() -> None:
    totals = {}
    for name in ("low_fertility", "baseline", "high_fertility"):
        a = load_scenario(name).assumptions
        d = drivers(a, 2060)
        pop = project_population(d.base, d)
        totals[name] = pop.population[0, -1].sum()
    assert totals["low_fertility"] < totals["baseline"] < totals["high_fertility"]


def test_end_year_outside_the_data_is_refused() -> None:
    with pytest.raises(ValueError, match="end_year"):
        drivers(default_assumptions(), 2101)
