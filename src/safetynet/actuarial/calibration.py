"""How the baseline compares with published history and with the UN projection.

History: the fund figures the policy reference holds (REFERENCE §9) - nothing is added here.
Those before the base year (end-2020) cannot be reproduced by a projection that starts from the
2020 census; they set base-year inputs instead and are listed as such. Demography: NBS births,
deaths and old-age shares of 2021-2025 (``china_nbs_vital_statistics.csv``) with the issue's
tolerances (3 % and 0.3 point), and the WPP 2024 medium age structure by 5-year group
(``china_wpp2024_popproj_age5.csv``: its year Y is compared with the model's end of Y-1) within
3 % per group, the groups closing at 85+.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import polars as pl

from safetynet.actuarial.data import FloatArray, demographic_data
from safetynet.actuarial.projection import Projection

TOLERANCE = 0.05
"""Largest relative error accepted for a calibration target."""
VITAL_TOLERANCE = 0.03
"""Births and deaths against NBS (issue 14)."""
SHARE_TOLERANCE = 0.003
"""60+ and 65+ shares against NBS, in share points (issue 14)."""
AGE_TOLERANCE = 0.03
"""WPP population by 5-year group (issue 14)."""
OPEN_AGE = 85


@dataclass(frozen=True)
class Published:
    indicator: str
    year: int
    value: float
    column: str  # the projection column it is compared with
    source: str
    role: str  # "target": the assumptions were set to hit it; "check": compared only


HISTORY = (
    Published(
        "employee pension fund income (yuan)", 2021, 6.05e12, "income", "REFERENCE §9 (B)", "target"
    ),
    Published(
        "employee pension fund spending (yuan)",
        2021,
        5.65e12,
        "spending",
        "REFERENCE §9 (B)",
        "target",
    ),
    Published(
        "employee pension fund balance, year end (yuan)",
        2021,
        5.26e12,
        "reserve",
        "REFERENCE §9 (B)",
        "target",
    ),
    Published(
        "employee pension insured (persons)",
        2023,
        521e6,
        "insured",
        "REFERENCE §9 (C: ≈521 m)",
        "target",
    ),
    Published(
        "fiscal subsidy to the basic pension (yuan)",
        2023,
        1.0e12,
        "fiscal_subsidy",
        "REFERENCE §9 (A: central subsidy ≈1 trn)",
        "target",
    ),
    Published(
        "basic medical insurance income, both schemes (yuan)",
        2023,
        3.33e12,
        "medical_income",
        "REFERENCE §9 (A)",
        "target",
    ),
    Published(
        "basic medical insurance spending, both schemes (yuan)",
        2023,
        2.81e12,
        "medical_spending",
        "REFERENCE §9 (A)",
        "target",
    ),
    Published(
        "basic medical insurance income, both schemes (yuan)",
        2024,
        3.49e12,
        "medical_income",
        "REFERENCE §9 (A)",
        "check",
    ),
    Published(
        "basic medical insurance spending, both schemes (yuan)",
        2024,
        2.98e12,
        "medical_spending",
        "REFERENCE §9 (A)",
        "check",
    ),
    Published(
        "employee pensioners (persons)",
        2023,
        140e6,
        "pensioners",
        "REFERENCE §9 (C: '140 m+', unconfirmed)",
        "check",
    ),
    Published(
        "enterprise employees' fund balance, year end (yuan)",
        2023,
        6.0e12,
        "reserve",
        "REFERENCE §9 (A: 'nearly 6 trn', enterprises only)",
        "check",
    ),
    Published(
        "share of population aged 60+",
        2024,
        0.220,
        "share_60_plus",
        "REFERENCE §9 (A: 22.0 %, end-2024)",
        "check",
    ),
    Published(
        "share of population aged 65+",
        2024,
        0.156,
        "share_65_plus",
        "REFERENCE §9 (A: 15.6 %, end-2024)",
        "check",
    ),
)

BEFORE_BASE_YEAR = (
    "employee pension insured 419.02 m (2018, B)",
    "pensioners receiving adjustments 114 m (2018) and 118 m (2019), A: extrapolated to the "
    "end-2020 stock (assumption employee_pension.base_pensioners)",
)
NOT_IN_REFERENCE = (
    "contributors (in-service payers) for any year",
    "employee pension fund income and spending for 2016-2020, 2022 (the 2022 MOHRSS totals "
    "7.1/6.6/7.4 trn are of ambiguous scope) and 2023",
)


def history_comparison(baseline: Projection) -> pl.DataFrame:
    """Published figures beside the model's, with the relative error."""
    table = baseline.table
    rows = []
    for item in HISTORY:
        model = float(table.filter(pl.col("year") == item.year)[item.column][0])
        rows.append(
            {
                "indicator": item.indicator,
                "year": item.year,
                "published": item.value,
                "model": model,
                "error": model / item.value - 1,
                "source": item.source,
                "role": item.role,
            }
        )
    return pl.DataFrame(rows)


def un_comparison(
    baseline: Projection, years: tuple[int, ...] = (2030, 2050, 2100)
) -> pl.DataFrame:
    """Population, births and deaths beside the WPP 2024 medium variant (mid-year totals; the
    model's are year-end population and calendar-year flows)."""
    wpp = demographic_data().projection
    table = baseline.table
    rows = []
    for year in years:
        ours = table.filter(pl.col("year") == year)
        theirs = wpp.filter(pl.col("year") == year)
        for label, model, published in (
            (
                "population",
                ours["population"][0],
                (theirs["population_male_thousands"][0] + theirs["population_female_thousands"][0])
                * 1e3,
            ),
            ("births", ours["births"][0], theirs["births_thousands"][0] * 1e3),
            ("deaths", ours["deaths"][0], theirs["deaths_thousands"][0] * 1e3),
        ):
            rows.append(
                {
                    "indicator": label,
                    "year": year,
                    "wpp_medium": float(published),
                    "model": float(model),
                    "error": float(model) / float(published) - 1,
                }
            )
    return pl.DataFrame(rows)


def nbs_comparison(baseline: Projection) -> pl.DataFrame:
    """Births and deaths (relative error) and 60+/65+ shares (difference in share points)
    against NBS, every registered year."""
    vital = demographic_data().vital
    table = baseline.table
    rows = []
    for record in vital.iter_rows(named=True):
        ours = table.filter(pl.col("year") == record["year"])
        for column, relative in (
            ("births", True),
            ("deaths", True),
            ("share_60_plus", False),
            ("share_65_plus", False),
        ):
            published = record[column]
            if published is None:
                continue
            model = float(ours[column][0])
            rows.append(
                {
                    "indicator": column,
                    "year": int(record["year"]),
                    "nbs": float(published),
                    "model": model,
                    "difference": model / published - 1 if relative else model - published,
                    "tolerance": VITAL_TOLERANCE if relative else SHARE_TOLERANCE,
                }
            )
    return pl.DataFrame(rows)


def age_structure_comparison(
    population: FloatArray, years: npt.NDArray[np.int64], wpp_years: tuple[int, ...] = (2030, 2050)
) -> pl.DataFrame:
    """Both sexes by 5-year group 0-4 .. 80-84 and 85+ against WPP 2024 medium: the model's
    end of year Y-1 (``population`` (year, sex, age)) against WPP's year Y."""
    wpp = demographic_data().wpp_age_groups
    labels = [f"{a}-{a + 4}" for a in range(0, OPEN_AGE, 5)] + [f"{OPEN_AGE}+"]
    rows = []
    for year in wpp_years:
        at = int(np.flatnonzero(years == year - 1)[0])
        ours = population[at].sum(axis=0)
        model = np.append(ours[:OPEN_AGE].reshape(-1, 5).sum(axis=1), ours[OPEN_AGE:].sum())
        theirs = wpp[year].sum(axis=0)
        published = np.append(theirs[: OPEN_AGE // 5], theirs[OPEN_AGE // 5 :].sum())
        for label, m, w in zip(labels, model, published, strict=True):
            rows.append(
                {
                    "year": year,
                    "age": label,
                    "wpp": float(w),
                    "model": float(m),
                    "difference": float(m / w - 1),
                }
            )
    return pl.DataFrame(rows)
