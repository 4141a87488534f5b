"""Cohort-component population projection by single year of age (0..100+) and sex.

Base: the 2020 census (taken as the end-2020 population; the census date is 1 November),
graduated from 5-year groups to single ages. Each year: survivors age by one year with
life-table survivorship ratios (mortality improving to the WPP 2024 life expectancy), births
come from age-specific fertility (the WPP 2023 age pattern scaled to the year's TFR) applied to
the mean number of women at each age over the year, split by the sex ratio at birth, and net
migrants are added at year end. Urbanisation is a share of the total moving towards a ceiling.

Arrays carry a leading *path* axis so the same code runs one deterministic path or a thousand
stochastic ones.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import numpy.typing as npt
import polars as pl

from safetynet.actuarial.assumptions import Assumptions, ScenarioError
from safetynet.actuarial.data import demographic_data
from safetynet.actuarial.graduation import graduate_counts, graduate_rates, pchip
from safetynet.actuarial.lifetable import fit_improvement, life_expectancy, survivorship

FloatArray = npt.NDArray[np.float64]
BASE_YEAR = 2020
TOP_AGE = 100
AGES = np.arange(TOP_AGE + 1)
MALE = np.array([True, False])
BASE_MORTALITY = "2020-2025"
EARLY_MORTALITY = "2010-2015"
MIN_END_YEAR = 2030  # past the calibration years and the pension-debt valuation year
FERTILITY_VARIANTS = {"medium": "tfr_medium", "low": "tfr_low_variant", "high": "tfr_high_variant"}


def base_population() -> FloatArray:
    """End-2020 population (sex, age): the census graduated to single ages."""
    census = demographic_data().census
    return graduate_counts(census.starts, census.values, TOP_AGE)


@lru_cache(maxsize=4)
def mortality_rates(end_year: int, improvement_floor: float) -> FloatArray:
    """Central death rates (year, sex, age) for ``BASE_YEAR+1 .. end_year``, fitted to the WPP
    life expectancy (estimates to 2023, medium projection after)."""
    data = demographic_data()
    base = data.mortality[BASE_MORTALITY]
    early = data.mortality[EARLY_MORTALITY]
    base_mx = graduate_rates(base.starts, base.values, TOP_AGE)
    early_mx = graduate_rates(early.starts, early.values, TOP_AGE)
    span = data.mortality_midpoints[BASE_MORTALITY] - data.mortality_midpoints[EARLY_MORTALITY]
    improvement = np.maximum(np.log(early_mx / base_mx) / span, improvement_floor)
    targets = np.array([_e0_target(year) for year in range(BASE_YEAR + 1, end_year + 1)])
    return fit_improvement(base_mx, improvement, targets, MALE[None])


def _e0_target(year: int) -> tuple[float, float]:
    data = demographic_data()
    if year in data.e0_estimate:
        return data.e0_estimate[year]
    row = data.projection.filter(pl.col("year") == year)
    if row.height == 0:
        raise ScenarioError("end_year", f"no WPP life expectancy for {year} (data end in 2100)")
    return float(row["e0_male"][0]), float(row["e0_female"][0])


def fertility_pattern() -> FloatArray:
    """Share of the TFR at each single age of mother (sums to 1), from the latest WPP year."""
    data = demographic_data()
    latest = max(data.fertility_share)
    starts = data.fertility_starts
    bounds = np.append(starts, starts[-1] + 5).astype(np.float64)
    cumulative = np.concatenate([[0.0], np.cumsum(data.fertility_share[latest])])
    single = np.diff(pchip(bounds, cumulative, np.arange(bounds[0], bounds[-1] + 1)))
    pattern = np.zeros(TOP_AGE + 1)
    pattern[int(bounds[0]) : int(bounds[-1])] = single
    return np.asarray(pattern / pattern.sum(), dtype=np.float64)


@dataclass(frozen=True)
class Drivers:
    """The demographic inputs of each projection year (index 0 is ``BASE_YEAR + 1``)."""

    years: npt.NDArray[np.int64]
    sx: FloatArray  # (year, sex, age-1) survivorship ratios
    birth_survival: FloatArray  # (year, sex)
    e0: FloatArray  # (year, sex)
    fertility_pattern: FloatArray  # (age,)
    tfr: FloatArray  # (path, year)
    srb: FloatArray  # (year,) males per female
    migration: FloatArray  # (year, sex, age) net migrants
    urban_share: FloatArray  # (year,)
    urban_share_base: float


def drivers(
    assumptions: Assumptions, end_year: int, tfr_shock: FloatArray | None = None
) -> Drivers:
    """Demographic drivers; ``tfr_shock`` (path,) moves the TFR by that many standard
    deviations of the WPP 95 % interval (Monte Carlo), else one path on the chosen variant."""
    if not MIN_END_YEAR <= end_year <= 2100:
        raise ScenarioError("end_year", f"must be between {MIN_END_YEAR} and 2100")
    data = demographic_data()
    years = np.arange(BASE_YEAR + 1, end_year + 1)
    floor = assumptions.number("population.mortality_improvement_floor")
    mx = mortality_rates(end_year, floor)
    ratios = survivorship(mx, MALE[None])
    variant = assumptions.text("population.fertility_variant")
    if variant not in FERTILITY_VARIANTS:
        raise ScenarioError(
            "population.fertility_variant", f"must be one of {', '.join(FERTILITY_VARIANTS)}"
        )
    proj = data.projection.filter(pl.col("year").is_in(years.tolist()))
    proj_years = proj["year"].to_numpy()
    estimated = years[~np.isin(years, proj_years)]
    central = np.concatenate(
        [
            [data.tfr_estimate[int(y)] for y in estimated],
            proj[FERTILITY_VARIANTS[variant]].to_numpy(),
        ]
    )
    spread = np.concatenate(
        [
            np.zeros(estimated.size),
            (proj["tfr_pi95_upper"] - proj["tfr_pi95_lower"]).to_numpy() / (2 * 1.96),
        ]
    )
    shock = np.zeros(1) if tfr_shock is None else np.asarray(tfr_shock, dtype=np.float64)
    tfr = np.maximum(central[None] + shock[:, None] * spread[None], 0.3)
    srb = np.concatenate(
        [[data.srb_estimate[int(y)] for y in estimated], proj["srb_males_per_female"].to_numpy()]
    )
    early_migration = assumptions.number("population.net_migration_2021_2023")
    net = np.concatenate(
        [np.full(estimated.size, early_migration), proj["net_migration_thousands"].to_numpy() * 1e3]
    )
    profile = assumptions.schedule("population.migration_age_profile", AGES)
    male_share = assumptions.number("population.migration_male_share")
    by_sex = np.array([male_share, 1 - male_share])[:, None] * (profile / profile.sum())[None]
    migration = net[:, None, None] * by_sex[None]
    base_share = assumptions.number("population.urban_share_base")
    ceiling = assumptions.number("population.urban_share_ceiling")
    speed = assumptions.number("population.urbanisation_speed")
    urban = ceiling - (ceiling - base_share) * np.exp(-speed * (years - BASE_YEAR))
    return Drivers(
        years=years,
        sx=ratios["sx"],
        birth_survival=ratios["birth"],
        e0=life_expectancy(mx, MALE[None]),
        fertility_pattern=fertility_pattern(),
        tfr=tfr,
        srb=srb,
        migration=migration,
        urban_share=urban,
        urban_share_base=base_share,
    )


@dataclass(frozen=True)
class PopulationProjection:
    """Year-end populations (path, year, sex, age), index 0 the base year, and the flows of
    each projection year (path, year[, sex])."""

    years: npt.NDArray[np.int64]  # base year first
    population: FloatArray
    births: FloatArray  # (path, year, sex)
    deaths: FloatArray  # (path, year)
    migration: FloatArray  # (year,)
    urban_share: FloatArray  # (year,) base year first


def project_population(base: FloatArray, d: Drivers) -> PopulationProjection:
    """Run the cohort-component projection for every path at once."""
    paths = d.tfr.shape[0]
    n = d.years.size
    population = np.empty((paths, n + 1, 2, TOP_AGE + 1))
    population[:, 0] = base[None]
    births = np.empty((paths, n, 2))
    deaths = np.empty((paths, n))
    for i in range(n):  # years: each depends on the last
        current = population[:, i]
        sx = d.sx[i][None]
        nxt = np.empty_like(current)
        nxt[..., 1:TOP_AGE] = current[..., : TOP_AGE - 1] * sx[..., : TOP_AGE - 1]
        oldest = current[..., TOP_AGE - 1] + current[..., TOP_AGE]
        nxt[..., TOP_AGE] = oldest * sx[..., TOP_AGE - 1]
        died = (current[..., : TOP_AGE - 1] * (1 - sx[..., : TOP_AGE - 1])).sum(axis=(-1, -2))
        died += (oldest * (1 - sx[..., TOP_AGE - 1])).sum(axis=-1)
        women_before = current[:, 1]
        women_after = np.concatenate([np.zeros((paths, 1)), nxt[:, 1, 1:]], axis=-1)
        exposure = 0.5 * (women_before + women_after)
        total_births = d.tfr[:, i] * (exposure * d.fertility_pattern[None]).sum(axis=-1)
        boys = d.srb[i] / (1 + d.srb[i])
        born = total_births[:, None] * np.array([boys, 1 - boys])[None]
        nxt[..., 0] = born * d.birth_survival[i][None]
        died += (born * (1 - d.birth_survival[i][None])).sum(axis=-1)
        population[:, i + 1] = nxt + d.migration[i][None]
        births[:, i] = born
        deaths[:, i] = died
    return PopulationProjection(
        years=np.concatenate([[BASE_YEAR], d.years]),
        population=population,
        births=births,
        deaths=deaths,
        migration=d.migration.sum(axis=(-1, -2)),
        urban_share=np.concatenate([[d.urban_share_base], d.urban_share]),
    )


def population_table(projection: PopulationProjection, d: Drivers, path: int = 0) -> pl.DataFrame:
    """Yearly demographic summary of one path (base year first, flows null there)."""
    pop = projection.population[path]
    total = pop.sum(axis=(-1, -2))
    aged_60 = pop[..., 60:].sum(axis=(-1, -2))
    aged_65 = pop[..., 65:].sum(axis=(-1, -2))
    urban = total * projection.urban_share
    nan = np.array([np.nan])
    return pl.DataFrame(
        {
            "year": projection.years,
            "population": total,
            "male": pop[:, 0].sum(axis=-1),
            "female": pop[:, 1].sum(axis=-1),
            "aged_0_14": pop[..., :15].sum(axis=(-1, -2)),
            "aged_15_59": pop[..., 15:60].sum(axis=(-1, -2)),
            "aged_60_plus": aged_60,
            "aged_65_plus": aged_65,
            "share_60_plus": aged_60 / total,
            "share_65_plus": aged_65 / total,
            "births": np.concatenate([nan, projection.births[path].sum(axis=-1)]),
            "deaths": np.concatenate([nan, projection.deaths[path]]),
            "net_migration": np.concatenate([nan, projection.migration]),
            "urban_population": urban,
            "rural_to_urban": np.concatenate([nan, np.diff(projection.urban_share) * total[1:]]),
            "tfr": np.concatenate([nan, d.tfr[path]]),
            "e0_male": np.concatenate([nan, d.e0[:, 0]]),
            "e0_female": np.concatenate([nan, d.e0[:, 1]]),
        }
    )
