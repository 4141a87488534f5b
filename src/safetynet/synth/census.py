"""The bundled 2020 census and wage tables, shaped for sampling (see ``data/SOURCES.md``).

The census gives persons by province, five-year age group and sex; the wage table gives each
province's 2021 average wage in urban non-private units. Only relative wage levels are taken
from it: the level itself comes from the law's calculation-base parameter for the year
simulated, so that synthetic wages and the rules' bases agree.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import numpy as np
import numpy.typing as npt
import polars as pl

from safetynet.policy.regions import known_region_array

OPEN_AGE_GROUP_END = 104
"""The census's open group 100+ is spread over 100-104 (a few thousand persons in all)."""

URBAN_SHARE = 0.6389
"""National urban share at the 2020 census (bulletin No. 7: 901,991,162 of 1,411,778,724).
An assumption applied to every province: the provincial shares are a documented gap."""


@dataclass(frozen=True)
class CensusCells:
    """One row per (province, age group, sex) with its share of the national population."""

    province: npt.NDArray[np.int64]
    age_start: npt.NDArray[np.int64]
    age_end: npt.NDArray[np.int64]
    sex: npt.NDArray[np.int8]  # 1 male, 2 female, as in identity numbers
    cumulative_share: npt.NDArray[np.float64]


@dataclass(frozen=True)
class ProvinceTable:
    """Provinces in code order with their relative wage level (population-weighted mean 1)."""

    code: npt.NDArray[np.int64]
    relative_wage: npt.NDArray[np.float64]
    name_en: tuple[str, ...]


def _read_csv(name: str) -> pl.DataFrame:
    path = resources.files("safetynet.data").joinpath(name)
    with resources.as_file(path) as real_path:
        return pl.read_csv(real_path, infer_schema_length=0)


@lru_cache(maxsize=1)
def census_cells() -> CensusCells:
    frame = (
        _read_csv("china_province_population_by_age_group_sex_2020census.csv")
        .select(
            pl.col("province_code").cast(pl.Int64),
            pl.col("age_start").cast(pl.Int64),
            pl.col("age_end").cast(pl.Int64).fill_null(OPEN_AGE_GROUP_END),
            pl.when(pl.col("sex") == "male").then(1).otherwise(2).cast(pl.Int8).alias("sex"),
            pl.col("population").cast(pl.Int64),
        )
        .sort("province_code", "sex", "age_start")
    )
    population = frame["population"].to_numpy().astype(np.float64)
    return CensusCells(
        province=frame["province_code"].to_numpy(),
        age_start=frame["age_start"].to_numpy(),
        age_end=frame["age_end"].to_numpy(),
        sex=frame["sex"].to_numpy(),
        cumulative_share=np.cumsum(population) / population.sum(),
    )


@lru_cache(maxsize=1)
def province_table() -> ProvinceTable:
    frame = (
        _read_csv("china_provinces.csv")
        .select(
            pl.col("province_code").cast(pl.Int64),
            pl.col("name_en"),
            pl.col("population").cast(pl.Float64),
            pl.col("avg_wage_urban_nonprivate_yuan").cast(pl.Float64),
        )
        .sort("province_code")
    )
    wage = frame["avg_wage_urban_nonprivate_yuan"].to_numpy()
    weights = frame["population"].to_numpy()
    return ProvinceTable(
        code=frame["province_code"].to_numpy(),
        relative_wage=wage / np.average(wage, weights=weights),
        name_en=tuple(frame["name_en"].to_list()),
    )


@lru_cache(maxsize=1)
def address_codes() -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """County-level GB/T 2260 codes (current and historical, all valid in identity numbers),
    sorted, and for the i-th province of :func:`province_table` the slice
    ``codes[start[i]:end[i]]`` of its own codes."""
    known = known_region_array()
    counties = known[known % 100 != 0]
    provinces = province_table().code
    start = np.searchsorted(counties, provinces)
    end = np.searchsorted(counties, provinces + 10000)
    if np.any(end <= start):
        raise RuntimeError("a province has no county-level code in the GB/T 2260 list")
    return counties, start, end
