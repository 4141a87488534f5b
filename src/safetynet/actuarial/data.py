"""The bundled demographic data (``safetynet/data``, provenance in its ``SOURCES.md``) as arrays.

Population counts come from the 2020 census (NBS), births, deaths and old-age shares of
2021-2025 from the NBS communiqués, rates and projection assumptions from UN
World Population Prospects 2024 ("Source: United Nations, DESA, Population Division. World
Population Prospects 2024.", CC BY 3.0 IGO). Everything is read from the package, never from
``../shared``.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import numpy as np
import numpy.typing as npt
import polars as pl

FloatArray = npt.NDArray[np.float64]
SEXES = ("male", "female")
CENSUS_FILE = "china_population_by_age_group_sex_2020census.csv"
WPP_AGE_FILE = "china_wpp2024_popproj_age5.csv"
"""WPP 2024 population by 5-year group; its year Y averages mid-year Y-1 and Y, so it compares
with a model's end of year Y-1 (SOURCES.md)."""
VITAL_FILE = "china_nbs_vital_statistics.csv"


def read_csv(name: str) -> pl.DataFrame:
    """One bundled CSV file as a polars frame."""
    path = resources.files("safetynet.data").joinpath(name)
    with resources.as_file(path) as real:
        return pl.read_csv(real, infer_schema_length=10_000)


@dataclass(frozen=True)
class GroupedCounts:
    """Counts or rates by abridged age group: ``starts`` are the lower ages, the last is open."""

    starts: npt.NDArray[np.int64]
    values: FloatArray  # (sex, group)


@dataclass(frozen=True)
class DemographicData:
    """Everything the population projection reads, already in array form."""

    census: GroupedCounts  # 2020-11-01 census counts by sex and group
    mortality: dict[str, GroupedCounts]  # WPP period ("2010-2015", ...) -> mx by sex and group
    mortality_midpoints: dict[str, float]
    fertility_starts: npt.NDArray[np.int64]  # mother's age groups 10-14 ... 50-54
    fertility_share: dict[int, FloatArray]  # year -> share of the TFR by group (sums to 1)
    tfr_estimate: dict[int, float]
    srb_estimate: dict[int, float]
    e0_estimate: dict[int, tuple[float, float]]  # year -> (male, female)
    projection: pl.DataFrame  # WPP 2024 projection assumptions, 2024-2100
    wpp_age_groups: dict[int, FloatArray]  # WPP year -> (sex, 21 groups 0-4 .. 100+), medium
    vital: pl.DataFrame  # NBS births, deaths and 60+/65+ shares, 2021-2025


def _by_sex(frame: pl.DataFrame, column: str) -> GroupedCounts:
    ordered = frame.sort("age_start")
    starts = ordered.filter(pl.col("sex") == "male")["age_start"].to_numpy().astype(np.int64)
    values = np.stack(
        [
            ordered.filter(pl.col("sex") == sex)[column].to_numpy().astype(np.float64)
            for sex in SEXES
        ]
    )
    return GroupedCounts(starts=starts, values=values)


@lru_cache(maxsize=1)
def demographic_data() -> DemographicData:
    """Load the bundled files once per process."""
    census = _by_sex(read_csv(CENSUS_FILE), "population")
    mx = read_csv("china_mortality.csv").filter(pl.col("sex") != "both")
    mortality: dict[str, GroupedCounts] = {}
    midpoints: dict[str, float] = {}
    for period in mx["period"].unique().sort().to_list():
        rows = mx.filter(pl.col("period") == period)
        mortality[period] = _by_sex(rows, "mx")
        midpoints[period] = (float(rows["period_start"][0]) + float(rows["period_end"][0])) / 2
    fertility = read_csv("china_fertility.csv").sort(["year", "age_start"])
    share: dict[int, FloatArray] = {}
    tfr: dict[int, float] = {}
    srb: dict[int, float] = {}
    for year in fertility["year"].unique().sort().to_list():
        rows = fertility.filter(pl.col("year") == year)
        pasfr = rows["pasfr_percent"].to_numpy().astype(np.float64)
        share[int(year)] = pasfr / pasfr.sum()
        tfr[int(year)] = float(rows["tfr"][0])
        srb[int(year)] = float(rows["srb_males_per_female"][0])
    starts = (
        fertility.filter(pl.col("year") == fertility["year"].min())["age_start"]
        .to_numpy()
        .astype(np.int64)
    )
    life = read_csv("china_life_expectancy_estimates.csv")
    e0 = {
        int(y): (float(m), float(f))
        for y, m, f in zip(life["year"], life["e0_male"], life["e0_female"], strict=True)
    }
    projection = read_csv("china_projection_assumptions.csv").sort("year")
    by_age = read_csv(WPP_AGE_FILE)
    wpp_age_groups = {
        int(year): np.stack(
            [
                by_age.filter(pl.col("year") == year)[column].to_numpy().astype(np.float64) * 1e3
                for column in ("popM", "popF")
            ]
        )
        for year in by_age["year"].unique().sort().to_list()
    }
    return DemographicData(
        census=census,
        mortality=mortality,
        mortality_midpoints=midpoints,
        fertility_starts=starts,
        fertility_share=share,
        tfr_estimate=tfr,
        srb_estimate=srb,
        e0_estimate=e0,
        projection=projection,
        wpp_age_groups=wpp_age_groups,
        vital=read_csv(VITAL_FILE).sort("year"),
    )
