"""Coverage (全民参保): who is covered by which scheme, who should be and is not, and where.

Who should be insured (the same rules as ``safetynet batch coverage``):

- pension -- everyone from 16 outside school (SIL art. 10, 20; 国发〔2014〕8号); employees in the
  employees' scheme (SIL art. 10);
- medical -- everyone (SIL art. 23, 25); employees in the employees' scheme;
- unemployment and work injury -- employees (SIL art. 33, 44). The population records no
  separate enrolment for these two; an employee enrolled in the employees' pension scheme is
  taken as enrolled in them too, since employers register all five insurances together.

Rates are covered / population and uncovered / should-be-insured per cell of province x
urban/rural x age band x sex x employment status.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np
import numpy.typing as npt
import polars as pl
import pyarrow as pa

from safetynet.analytics.base import Analysis, Run, Tables
from safetynet.analytics.report import Chart
from safetynet.analytics.risk_rules import employers_at_floor
from safetynet.batch.jobs import (
    AGE_BAND_LABELS,
    AGE_BANDS,
    Computed,
    CoverageJob,
    Job,
    JobContext,
    RowJob,
    label_codes,
    numbers,
)

EMPLOYMENT = (
    "employee",
    "flexible",
    "urban_resident",
    "rural_resident",
    "student_child",
    "retired",
)
FLAGS = (
    "pension_employee",
    "pension_resident",
    "medical_employee",
    "medical_resident",
    "unemployment",
    "work_injury",
    "should_pension",
    "should_medical",
    "should_unemployment",
    "uncovered_pension",
    "uncovered_medical",
    "uncovered_unemployment",
)
CELL = ("province", "urban", "age_band", "sex", "employment_type")
NATIONAL_POPULATION = 1_410_000_000
"""310.3 m aged 60+ are 22.0 % of the population at end-2024 (REFERENCE §9, people.cn
2025-07-25): about 1.41 bn."""
REFERENCE_TOTALS = (
    ("pension, all schemes", ("pension_employee", "pension_resident"), 1_070_000_000, "end-2024"),
    ("employees' pension", ("pension_employee",), 521_000_000, "2023 (grade C)"),
    ("residents' pension", ("pension_resident",), 542_000_000, "end-2020"),
    ("medical, all schemes", ("medical_employee", "medical_resident"), 1_326_620_000, "end-2024"),
    ("employees' medical", ("medical_employee",), 371_000_000, "end-2023"),
    ("residents' medical", ("medical_resident",), 963_000_000, "end-2023"),
    ("unemployment", ("unemployment",), 240_000_000, "end-2022"),
    ("work injury", ("work_injury",), 290_000_000, "Mar-2024"),
)
"""National insured counts of REFERENCE §9 (sources and grades there)."""


class CoverageExtract(RowJob):
    name = "coverage_persons"
    summary = "Every person's scheme membership and coverage gaps."
    columns = CoverageJob.columns
    rows_schema = pa.schema(
        [
            ("person_id", pa.int64()),
            ("resident_id", pa.string()),
            ("province", pa.int64()),
            ("region", pa.int64()),
            ("urban", pa.bool_()),
            ("age_band", pa.string()),
            ("sex", pa.int8()),
            ("employment_type", pa.string()),
            *[(f, pa.int8()) for f in FLAGS],
        ]
    )
    summary_keys = CELL
    summary_sums = FLAGS

    def scope(self, table: pa.Table, ctx: JobContext) -> npt.NDArray[np.bool_]:
        return np.ones(table.num_rows, dtype=bool)

    def compute(self, table: pa.Table, ctx: JobContext) -> Computed:
        employment = label_codes(table, "employment_type", EMPLOYMENT)
        pension = label_codes(table, "pension_scheme", ("employee", "resident"))
        medical = label_codes(table, "medical_scheme", ("employee", "resident"))
        age = (ctx.month - numbers(table, "birth_month")) // 12
        employee = employment == 0
        flags = {
            "pension_employee": pension == 0,
            "pension_resident": pension == 1,
            "medical_employee": medical == 0,
            "medical_resident": medical == 1,
            "unemployment": employee & (pension == 0),
            "work_injury": employee & (pension == 0),
            "should_pension": (age >= 16) & (employment != 4) & (employment >= 0),
            "should_medical": np.ones(table.num_rows, dtype=bool),
            "should_unemployment": employee,
        }
        flags["uncovered_pension"] = flags["should_pension"] & (
            (pension < 0) | (employee & (pension != 0))
        )
        flags["uncovered_medical"] = (medical < 0) | (employee & (medical != 0))
        flags["uncovered_unemployment"] = employee & (pension != 0)
        uncovered = flags["uncovered_pension"] | flags["uncovered_medical"]
        band = np.asarray(AGE_BAND_LABELS)[np.searchsorted(AGE_BANDS, age, side="right") - 1]
        ids = table.column("resident_id").cast(pa.string())
        columns = {
            "person_id": table.column("person_id"),
            "resident_id": pa.array(
                np.where(uncovered, ids.to_numpy(zero_copy_only=False), None), pa.string()
            ),
            "province": table.column("province").cast(pa.int64()),
            "region": table.column("region"),
            "urban": table.column("urban"),
            "age_band": pa.array(band),
            "sex": table.column("sex"),
            "employment_type": table.column("employment_type"),
            **{name: pa.array(values.astype(np.int8)) for name, values in flags.items()},
        }
        return Computed(pa.table(columns))


def _rates(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.with_columns(
        (pl.col("pension_employee") + pl.col("pension_resident")).alias("pension_covered"),
        (pl.col("medical_employee") + pl.col("medical_resident")).alias("medical_covered"),
    ).with_columns(
        (pl.col("pension_covered") / pl.col("population")).alias("pension_rate"),
        (pl.col("medical_covered") / pl.col("population")).alias("medical_rate"),
        (pl.col("uncovered_pension") / pl.col("should_pension")).alias("pension_gap_rate"),
        (pl.col("uncovered_medical") / pl.col("should_medical")).alias("medical_gap_rate"),
        (pl.col("uncovered_unemployment") / pl.col("should_unemployment")).alias(
            "unemployment_gap_rate"
        ),
    )


class Coverage(Analysis):
    name = "coverage"
    title = "参保覆盖 / Coverage"
    summary = (
        "Population and persons covered by each scheme by province, urban/rural, age band, sex "
        "and employment status; the uncovered and their rates; the uncovered persons per "
        "region for outreach; employers declaring everyone at the floor; national totals "
        "against REFERENCE §9."
    )
    extract_job: ClassVar[CoverageExtract] = CoverageExtract()

    def extracts(self) -> tuple[Job, ...]:
        return (self.extract_job,)

    def analyse(self, run: Run) -> Tables:
        cells = (
            run.extract(self.extract_job, "summary")
            .collect()
            .rename({"count": "population"})
            .sort(list(CELL))
        )
        sums = [pl.col(c).sum() for c in ("population", *FLAGS)]
        by_province = _rates(cells.group_by("province").agg(sums).sort("province"))
        national = _rates(cells.select(sums))
        tables: Tables = {
            "cells": _rates(cells),
            "provinces": by_province,
            "national": national,
            "reference": compare_with_reference(national),
        }
        if run.has_register("declarations"):
            tables["employers_at_floor"] = employers_at_floor(run)
        if run.has_register("declarations") and run.has_register("employments"):
            tables["employers_under_declaring"] = under_declaring(run)
        return tables

    def lists(self, run: Run) -> dict[str, pl.LazyFrame]:
        """The uncovered persons, by region, for outreach."""
        uncovered = (
            run.extract(self.extract_job)
            .filter((pl.col("uncovered_pension") == 1) | (pl.col("uncovered_medical") == 1))
            .select(
                "region",
                "person_id",
                "resident_id",
                "urban",
                "age_band",
                "sex",
                "employment_type",
                pl.col("uncovered_pension").cast(pl.Boolean).alias("needs_pension"),
                pl.col("uncovered_medical").cast(pl.Boolean).alias("needs_medical"),
            )
        )
        return {"uncovered_persons": uncovered}

    def charts(self, tables: Tables) -> list[Chart]:
        provinces = tables["provinces"]
        labels = [str(p) for p in provinces["province"]]
        reference = tables["reference"]
        return [
            Chart(
                "未参保率（按省）/ Uncovered share by province",
                labels,
                {
                    "pension": (provinces["pension_gap_rate"] * 100).to_list(),
                    "medical": (provinces["medical_gap_rate"] * 100).to_list(),
                },
                unit="% of those who should be insured",
            ),
            Chart(
                "全国参保人数与参考值 / National insured vs REFERENCE §9",
                reference["measure"].to_list(),
                {
                    "synthetic, scaled (m)": (reference["synthetic_scaled"] / 1e6).to_list(),
                    "reference (m)": (reference["reference"] / 1e6).to_list(),
                },
                unit="millions",
            ),
        ]

    def console(self, tables: Tables) -> list[str]:
        row = tables["national"].row(0, named=True)
        lines = [
            f"population {row['population']:,}; pension covered {row['pension_rate']:.1%}, "
            f"gap {row['pension_gap_rate']:.1%} of those who should be insured; medical "
            f"covered {row['medical_rate']:.1%}, gap {row['medical_gap_rate']:.1%}",
        ]
        for ref in tables["reference"].iter_rows(named=True):
            lines.append(
                f"  {ref['measure']}: {ref['synthetic_scaled'] / 1e6:,.0f} m scaled vs "
                f"{ref['reference'] / 1e6:,.0f} m ({ref['as_of']}), ratio {ref['ratio']:.2f}"
            )
        if "employers_under_declaring" in tables:
            under = tables["employers_under_declaring"]
            lines.append(
                f"employers declaring fewer employees than they employ: {under.height:,} "
                f"({int(under['undeclared'].sum()):,} employees undeclared)"
            )
        if "employers_at_floor" in tables:
            lines.append(
                "employers declaring everyone at the floor: "
                f"{tables['employers_at_floor'].height:,}"
            )
        return lines


def under_declaring(run: Run) -> pl.DataFrame:
    """Employers declaring fewer employees in the month than they employ (employment register
    against the declarations), with the shortfall."""
    declared = (
        run.register("declarations")
        .filter(pl.col("month") == run.month)
        .group_by("employer_id")
        .agg(pl.col("person_id").n_unique().alias("declared"))
    )
    return (
        run.register("employments")
        .group_by("employer_id")
        .agg(pl.len().alias("employed"), pl.col("region").first())
        .join(declared, on="employer_id", how="left")
        .with_columns(pl.col("declared").fill_null(0))
        .filter(pl.col("declared") < pl.col("employed"))
        .with_columns((pl.col("employed") - pl.col("declared")).alias("undeclared"))
        .sort("employer_id")
        .collect()
    )


def compare_with_reference(national: pl.DataFrame) -> pl.DataFrame:
    """National insured counts scaled from the population to 1.41 bn, against REFERENCE §9."""
    row = national.row(0, named=True)
    scale = NATIONAL_POPULATION / row["population"]
    scaled = [sum(row[c] for c in columns) * scale for _, columns, _, _ in REFERENCE_TOTALS]
    return pl.DataFrame(
        {
            "measure": [m for m, _, _, _ in REFERENCE_TOTALS],
            "synthetic_scaled": scaled,
            "reference": [float(r) for _, _, r, _ in REFERENCE_TOTALS],
            "as_of": [a for _, _, _, a in REFERENCE_TOTALS],
        }
    ).with_columns((pl.col("synthetic_scaled") / pl.col("reference")).alias("ratio"))
