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

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache, partial

import numpy as np
import numpy.typing as npt
import polars as pl

from safetynet.actuarial.assumptions import Assumptions, ScenarioError
from safetynet.actuarial.data import VITAL_FILE, demographic_data
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
class DemographicFit:
    """What the population is fitted to before it is projected (docs/projections.md).

    - ``base``: the census (graduated) with each cohort scaled towards WPP 2024's population of
      its 5-year group at end-2024, to the power of ``population.base_correction_weight`` at
      its age then (1: WPP's count, 0: the census's). WPP adds the census under-count of young
      adults and removes age exaggeration at the oldest ages. Cohorts born after the census
      follow NBS births;
    - ``mortality_level`` and ``mortality_slope``: a shift of log death rates,
      ``level + slope * (year - 2023)``, fitted by least squares to NBS deaths of every
      registered year jointly and held at its last registered year's value afterwards;
    - ``observed_tfr``: the TFR implied by NBS births in the registered years (births over the
      women exposed times the age pattern), and ``fertility_log_ratio``, the mean log ratio of
      that TFR to WPP's over the same years, which fades out after them.
    """

    base: FloatArray  # (sex, age), end of BASE_YEAR
    years: npt.NDArray[np.int64]  # registered years (NBS), BASE_YEAR + 1 ..
    mortality_level: float
    mortality_slope: float
    observed_tfr: FloatArray  # (registered year,)
    fertility_log_ratio: float


MORTALITY_CENTRE = 2023
CORRECTION_YEAR = 2024  # end-2024 = WPP's 2025 age groups (SOURCES.md year convention)
FIT_ROUNDS = 6


def mortality_shift(fit: DemographicFit, years: npt.NDArray[np.int64]) -> FloatArray:
    """Factor on death rates by year: the fitted shift, held after the registered years."""
    held = np.minimum(years, fit.years[-1]) - MORTALITY_CENTRE
    return np.asarray(np.exp(fit.mortality_level + fit.mortality_slope * held), dtype=np.float64)


def _group_sums(population: FloatArray) -> FloatArray:
    """(..., age 0..100) -> (..., 21 groups 0-4 .. 95-99, 100+)."""
    closed = population[..., :TOP_AGE].reshape(*population.shape[:-1], TOP_AGE // 5, 5).sum(-1)
    return np.concatenate([closed, population[..., TOP_AGE:]], axis=-1)


@dataclass(frozen=True)
class _Registered:
    """The registered years replayed from a base with NBS births: model deaths, the TFR the
    births imply, and the population at the end of ``CORRECTION_YEAR``."""

    deaths: FloatArray
    tfr: FloatArray
    at_correction: FloatArray  # (sex, age)


def _replay_registered(
    base: FloatArray, mx: FloatArray, years: npt.NDArray[np.int64], births: FloatArray
) -> _Registered:
    """Project the registered years with their NBS births (split by WPP's sex ratio)."""
    ratios = survivorship(mx, MALE[None])
    pattern = fertility_pattern()
    current = base[None]
    deaths = np.empty(years.size)
    tfr = np.empty(years.size)
    at_correction = base
    for i, year in enumerate(years):  # five registered years
        nxt, died = _survive(current, ratios["sx"][i][None])
        tfr[i] = births[i] / _birth_exposure(current, nxt, pattern)[0]
        srb = _srb_or_tfr(int(year), "srb")
        born = births[i] * np.array([[srb / (1 + srb), 1 / (1 + srb)]])
        nxt[..., 0] = born * ratios["birth"][i][None]
        deaths[i] = died[0] + (born * (1 - ratios["birth"][i][None])).sum()
        current = nxt
        if year == CORRECTION_YEAR:
            at_correction = current[0]
    return _Registered(deaths=deaths, tfr=tfr, at_correction=at_correction)


@lru_cache(maxsize=4)
def fit_demography(floor: float, correction_weight: tuple[float, ...]) -> DemographicFit:
    """Fit the base correction and the mortality shift in alternating rounds (each changes the
    other's population at risk), then derive the registered TFR from the fitted population."""
    data = demographic_data()
    years = data.vital["year"].to_numpy().astype(np.int64)
    births = data.vital["births"].to_numpy().astype(np.float64)
    deaths = data.vital["deaths"].to_numpy().astype(np.float64)
    if years[0] != BASE_YEAR + 1 or CORRECTION_YEAR not in years or (np.diff(years) != 1).any():
        raise ScenarioError(VITAL_FILE, f"years must run on from {BASE_YEAR + 1} past 2024")
    mx = mortality_rates(MIN_END_YEAR, floor)[: years.size]
    design = np.stack([np.ones(years.size), years - MORTALITY_CENTRE], axis=1).astype(np.float64)
    weight = np.asarray(correction_weight)  # by age at end-2024
    lag = CORRECTION_YEAR - BASE_YEAR
    target = data.wpp_age_groups[CORRECTION_YEAR + 1]
    base = base_population()
    level = slope = 0.0

    def shifted() -> FloatArray:
        return np.asarray(mx * np.exp(level + slope * (years - MORTALITY_CENTRE))[:, None, None])

    for _ in range(FIT_ROUNDS):
        replay = _replay_registered(base, shifted(), years, births)
        step = np.linalg.lstsq(design, np.log(deaths / replay.deaths), rcond=None)[0]
        level, slope = level + float(step[0]), slope + float(step[1])
        ratio = target / np.maximum(_group_sums(replay.at_correction), 1.0)
        by_age = ratio[:, np.minimum(AGES // 5, ratio.shape[1] - 1)] ** weight[None]
        base = base.copy()
        base[:, : TOP_AGE + 1 - lag] *= by_age[:, lag:]
    tfr = _replay_registered(base, shifted(), years, births).tfr
    wpp_tfr = np.array([_srb_or_tfr(int(y), "tfr") for y in years])
    return DemographicFit(
        base=base,
        years=years,
        mortality_level=level,
        mortality_slope=slope,
        observed_tfr=tfr,
        fertility_log_ratio=float(np.mean(np.log(tfr / wpp_tfr))),
    )


def _srb_or_tfr(year: int, what: str) -> float:
    """WPP's estimate of a year, or its medium projection from 2024."""
    data = demographic_data()
    estimates = data.srb_estimate if what == "srb" else data.tfr_estimate
    if year in estimates:
        return estimates[year]
    row = data.projection.filter(pl.col("year") == year)
    column = {"srb": "srb_males_per_female", "tfr": "tfr_medium"}[what]
    return float(row[column][0])


@dataclass(frozen=True)
class Drivers:
    """The demographic inputs of each projection year (index 0 is ``BASE_YEAR + 1``)."""

    years: npt.NDArray[np.int64]
    sx: FloatArray  # (year, sex, age-1) survivorship ratios
    birth_survival: FloatArray  # (year, sex)
    e0: FloatArray  # (year, sex)
    fertility_pattern: FloatArray  # (year, age): the age pattern, later by the timing shift
    tfr: FloatArray  # (path, year)
    srb: FloatArray  # (year,) males per female
    migration: FloatArray  # (year, sex, age) net migrants
    urban_share: FloatArray  # (year,)
    urban_share_base: float
    base: FloatArray  # (sex, age) the fitted end-2020 population
    mx: FloatArray  # (year, sex, age) central death rates after the fitted shift
    fit: DemographicFit


def demographic_fit(assumptions: Assumptions) -> DemographicFit:
    return fit_demography(
        assumptions.number("population.mortality_improvement_floor"),
        tuple(assumptions.schedule("population.base_correction_weight", AGES).tolist()),
    )


def _tfr_paths(
    assumptions: Assumptions, years: npt.NDArray[np.int64], fit: DemographicFit, shock: FloatArray
) -> FloatArray:
    """TFR (path, year): observed in the registered years; after them the WPP variant times
    the fitted ratio, fading linearly to WPP by ``population.fertility_convergence_year``."""
    data = demographic_data()
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
    last = int(fit.years[-1])
    converge = assumptions.number("population.fertility_convergence_year")
    fade = np.clip((converge - years) / max(converge - last, 1.0), 0.0, 1.0)
    observed = years <= last
    spread[observed] = 0.0
    central = central * np.exp(fit.fertility_log_ratio * fade)
    central[observed] = fit.observed_tfr[: int(observed.sum())]
    return np.asarray(
        np.maximum(central[None] + shock[:, None] * spread[None], 0.3), dtype=np.float64
    )


def shifted_pattern(shift: FloatArray) -> FloatArray:
    """(year, age): the fertility age pattern moved ``shift`` years later (cumulative shares
    interpolated, so each row still sums to 1)."""
    edges = np.arange(TOP_AGE + 2, dtype=np.float64)
    cumulative = np.concatenate([[0.0], np.cumsum(fertility_pattern())])
    moved = np.interp(edges[None] - shift[:, None], edges, cumulative)
    return np.asarray(np.diff(moved, axis=-1), dtype=np.float64)


@dataclass(frozen=True)
class FertilityTiming:
    """The age of childbearing rises by ``rate`` years a year after the registered years,
    until ``until``; then it stays."""

    rate: float
    until: int


def timing_shift(
    years: npt.NDArray[np.int64], timing: FertilityTiming, fit: DemographicFit
) -> FloatArray:
    """Years by which childbearing is later than in the base pattern, by year."""
    last = int(fit.years[-1])
    held = np.clip(years, last, max(timing.until, last)) - last
    return np.asarray(timing.rate * held, dtype=np.float64)


TIMING_PLATEAUS = (2040, 2045, 2050, 2055, 2060)
"""Candidate years at which the rise of the age of childbearing stops."""
_TIMING_FITS: dict[tuple[object, ...], FertilityTiming] = {}


def _golden_minimum(misfit: Callable[[float], float], low: float, high: float) -> float:
    """Minimum of a smooth unimodal function on [low, high] (golden section, 16 steps)."""
    ratio = (np.sqrt(5.0) - 1) / 2
    a, b = high - ratio * (high - low), low + ratio * (high - low)
    fa, fb = misfit(a), misfit(b)
    for _ in range(16):
        if fa < fb:
            high, b, fb = b, a, fa
            a = high - ratio * (high - low)
            fa = misfit(a)
        else:
            low, a, fa = a, b, fb
            b = low + ratio * (high - low)
            fb = misfit(b)
    return (low + high) / 2


def _timing_misfit(misfit: Callable[[FertilityTiming], float], until: int, rate: float) -> float:
    return misfit(FertilityTiming(rate, until))


def fertility_timing(assumptions: Assumptions) -> FertilityTiming:
    """The rise of the age of childbearing (rate, and the year it stops, among
    ``TIMING_PLATEAUS``) that makes births on WPP's medium TFR match WPP's medium births of
    every year after the registered ones jointly (least squares on log births). WPP's
    projected age pattern is not in the bundled data; its births are."""
    fit = demographic_fit(assumptions)
    key = (
        fit.mortality_level,
        fit.mortality_slope,
        assumptions.number("population.fertility_convergence_year"),
    )
    if key in _TIMING_FITS:
        return _TIMING_FITS[key]
    medium = assumptions.with_values(
        {"population.fertility_variant": "medium", "population.mortality_multiplier": 1.0},
        "timing fit",
    )
    wpp = demographic_data().projection.filter(pl.col("year") > int(fit.years[-1]))
    target = np.log(wpp["births_thousands"].to_numpy() * 1e3)

    def misfit(timing: FertilityTiming) -> float:
        d = _drivers(medium, 2100, None, timing)
        births = project_population(d.base, d).births[0].sum(axis=-1)
        model = np.log(births[np.isin(d.years, wpp["year"].to_numpy())])
        return float(((model - target) ** 2).sum())

    best: tuple[float, FertilityTiming] | None = None
    for until in TIMING_PLATEAUS:  # five candidate years, a one-dimensional search in each
        rate = _golden_minimum(partial(_timing_misfit, misfit, until), 0.0, 0.2)
        candidate = FertilityTiming(float(rate), until)
        error = misfit(candidate)
        if best is None or error < best[0]:
            best = (error, candidate)
    assert best is not None
    _TIMING_FITS[key] = best[1]
    return best[1]


def drivers(
    assumptions: Assumptions, end_year: int, tfr_shock: FloatArray | None = None
) -> Drivers:
    """Demographic drivers; ``tfr_shock`` (path,) moves the TFR by that many standard
    deviations of the WPP 95 % interval (Monte Carlo), else one path on the chosen variant."""
    if not MIN_END_YEAR <= end_year <= 2100:
        raise ScenarioError("end_year", f"must be between {MIN_END_YEAR} and 2100")
    return _drivers(assumptions, end_year, tfr_shock, fertility_timing(assumptions))


def _drivers(
    assumptions: Assumptions, end_year: int, tfr_shock: FloatArray | None, timing: FertilityTiming
) -> Drivers:
    data = demographic_data()
    years = np.arange(BASE_YEAR + 1, end_year + 1)
    fit = demographic_fit(assumptions)
    floor = assumptions.number("population.mortality_improvement_floor")
    multiplier = np.where(
        years > fit.years[-1], assumptions.number("population.mortality_multiplier"), 1.0
    )
    shift = mortality_shift(fit, years) * multiplier
    mx = mortality_rates(end_year, floor) * shift[:, None, None]
    ratios = survivorship(mx, MALE[None])
    shock = np.zeros(1) if tfr_shock is None else np.asarray(tfr_shock, dtype=np.float64)
    tfr = _tfr_paths(assumptions, years, fit, shock)
    proj = data.projection.filter(pl.col("year").is_in(years.tolist()))
    estimated = years[~np.isin(years, proj["year"].to_numpy())]
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
        fertility_pattern=shifted_pattern(timing_shift(years, timing, fit)),
        tfr=tfr,
        srb=srb,
        migration=migration,
        urban_share=urban,
        urban_share_base=base_share,
        base=fit.base,
        mx=mx,
        fit=fit,
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


def _survive(current: FloatArray, sx: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Year-end survivors aged one year (age 0 left empty) and deaths, per path."""
    nxt = np.empty_like(current)
    nxt[..., 1:TOP_AGE] = current[..., : TOP_AGE - 1] * sx[..., : TOP_AGE - 1]
    oldest = current[..., TOP_AGE - 1] + current[..., TOP_AGE]
    nxt[..., TOP_AGE] = oldest * sx[..., TOP_AGE - 1]
    died = (current[..., : TOP_AGE - 1] * (1 - sx[..., : TOP_AGE - 1])).sum(axis=(-1, -2))
    died += (oldest * (1 - sx[..., TOP_AGE - 1])).sum(axis=-1)
    return nxt, died


def _birth_exposure(current: FloatArray, nxt: FloatArray, pattern: FloatArray) -> FloatArray:
    """Births per unit of TFR (path,): mean women at each age over the year x age pattern."""
    women_after = np.concatenate([np.zeros((current.shape[0], 1)), nxt[:, 1, 1:]], axis=-1)
    exposure = 0.5 * (current[:, 1] + women_after)
    return np.asarray((exposure * pattern[None]).sum(axis=-1))


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
        nxt, died = _survive(current, d.sx[i][None])
        total_births = d.tfr[:, i] * _birth_exposure(current, nxt, d.fertility_pattern[i])
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
