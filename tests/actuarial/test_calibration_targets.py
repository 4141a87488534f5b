"""Issue 14's calibration targets, with its tolerances: NBS births and deaths within 3 % for
2021-2025, 60+ and 65+ shares within 0.3 point at end-2024 and end-2025, WPP 2024's age
structure within 3 % by 5-year group (closing at 85+) in 2030 and 2050.

Targets the model does not meet, because the two references disagree (docs/projections.md,
"Validation"), are strict expected failures: they fail the run if the model drifts into meeting
them unnoticed, and a drift guard bounds how far they may be missed.
"""

from __future__ import annotations

import polars as pl
import pytest

from safetynet.actuarial.assumptions import default_assumptions, load_scenario
from safetynet.actuarial.calibration import (
    AGE_TOLERANCE,
    age_structure_comparison,
    nbs_comparison,
)
from safetynet.actuarial.population import drivers, project_population
from safetynet.actuarial.projection import Projection, run_scenario

NBS_BEATS_WPP = "NBS births 2020-2025 exceed WPP's estimates for the same cohorts"
OLD_AGE_GAP = "NBS counts more people aged 60+/65+ than WPP and the census cohorts carry"
MISSED_GROUPS = {
    (2030, "5-9"): NBS_BEATS_WPP,
    (2050, "25-29"): NBS_BEATS_WPP,
    (2030, "85+"): "death rates fitted to NBS deaths are below WPP's, so more reach 85",
}
GROUPS = [f"{a}-{a + 4}" for a in range(0, 85, 5)] + ["85+"]


@pytest.fixture(scope="module")
def baseline() -> Projection:
    return run_scenario(load_scenario("baseline"), 2030)


@pytest.fixture(scope="module")
def ages() -> pl.DataFrame:
    d = drivers(default_assumptions(), 2050)
    pop = project_population(d.base, d)
    return age_structure_comparison(pop.population[0], pop.years)


def _nbs(baseline: Projection, indicator: str) -> pl.DataFrame:
    table = nbs_comparison(baseline)
    return table.filter(pl.col("indicator") == indicator)


@pytest.mark.parametrize("indicator", ["births", "deaths"])
def test_births_and_deaths_within_3_percent_of_nbs_every_year(
    baseline: Projection, indicator: str
) -> None:
    rows = _nbs(baseline, indicator)
    assert rows["year"].to_list() == [2021, 2022, 2023, 2024, 2025]
    assert (rows["difference"].abs() <= rows["tolerance"]).all(), rows


@pytest.mark.parametrize("indicator", ["share_60_plus", "share_65_plus"])
@pytest.mark.xfail(strict=True, reason=OLD_AGE_GAP)
def test_old_age_shares_within_0_3_point_of_nbs(baseline: Projection, indicator: str) -> None:
    rows = _nbs(baseline, indicator)
    assert rows["year"].to_list() == [2024, 2025]
    assert (rows["difference"].abs() <= rows["tolerance"]).all(), rows


@pytest.mark.parametrize("indicator", ["share_60_plus", "share_65_plus"])
def test_old_age_shares_do_not_drift_beyond_the_documented_gap(
    baseline: Projection, indicator: str
) -> None:
    rows = _nbs(baseline, indicator)
    assert (rows["difference"] < 0).all()  # the model is younger than NBS, as documented
    assert (rows["difference"].abs() <= 0.008).all(), rows


@pytest.mark.parametrize(
    ("year", "group"),
    [
        pytest.param(
            year,
            group,
            marks=[pytest.mark.xfail(strict=True, reason=MISSED_GROUPS[(year, group)])]
            if (year, group) in MISSED_GROUPS
            else [],
        )
        for year in (2030, 2050)
        for group in GROUPS
    ],
)
def test_age_group_within_3_percent_of_wpp(ages: pl.DataFrame, year: int, group: str) -> None:
    row = ages.filter((pl.col("year") == year) & (pl.col("age") == group))
    assert row.height == 1
    assert abs(row["difference"][0]) <= AGE_TOLERANCE, row


def test_missed_age_groups_stay_within_the_documented_gap(ages: pl.DataFrame) -> None:
    for year, group in MISSED_GROUPS:
        row = ages.filter((pl.col("year") == year) & (pl.col("age") == group))
        assert abs(row["difference"][0]) <= 0.10, row
