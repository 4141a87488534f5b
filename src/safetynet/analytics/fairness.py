"""Fairness: how pensions are distributed, how unequal they are, how much the formula
redistributes.

Pension income is the month's payroll (``safetynet batch payroll``'s kernels: employee pensions
with every adjustment since retirement, residents' basic + top-up + account pensions).

- Replacement rates: pension / the person's own final wage, and pension / the regional
  average wage (the province's calculation base of the month). The population records no
  final wage; the own wage at retirement is taken as the person's average contribution index
  times the calculation base of the retirement year (the index is the career average of
  wage / average wage) -- for employee-scheme pensioners only.
- Gini and Theil T of pension income over all pensioners; Theil T split within/between
  schemes, urban/rural and provinces (formulas in :mod:`safetynet.analytics.measures`).
- Redistribution by the basic-pension formula: the employee pension of a standard career
  (35 years, retiring at 60 in the job month, no account) at index 0.6 and 3.0, as a share of
  the own wage (index x calculation base), per province.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np
import numpy.typing as npt
import polars as pl
import pyarrow as pa

from safetynet.analytics.base import Analysis, Run, Tables
from safetynet.analytics.measures import gini, theil, theil_decomposition
from safetynet.analytics.report import Chart
from safetynet.batch.jobs import Computed, Job, JobContext, PayrollJob, RowJob, numbers
from safetynet.policy.parameters import default_parameters
from safetynet.policy.periods import month_start
from safetynet.policy.rules.pension import employee_pension

STANDARD_YEARS = 35
STANDARD_AGE = 60
LOW_INDEX, HIGH_INDEX = 0.6, 3.0
EXTRA = ("sex", "urban", "birth_month", "avg_contribution_index")


class FairnessExtract(RowJob):
    name = "fairness_payees"
    summary = "The month's pensioners with amount, scheme, sex, area, cohort and replacement rates."
    columns = (*PayrollJob.columns, "urban", "avg_contribution_index")
    rows_schema = pa.schema(
        [
            *PayrollJob.rows_schema,
            ("sex", pa.int8()),
            ("urban", pa.bool_()),
            ("cohort", pa.string()),
            ("replacement_own", pa.float64()),
            ("replacement_average", pa.float64()),
        ]
    )
    summary_keys = ("province", "scheme", "sex")
    summary_sums = ("amount_fen",)
    payroll: ClassVar[PayrollJob] = PayrollJob()

    def scope(self, table: pa.Table, ctx: JobContext) -> npt.NDArray[np.bool_]:
        return self.payroll.scope(table, ctx)

    def compute(self, table: pa.Table, ctx: JobContext) -> Computed:
        payroll = self.payroll.compute(table, ctx)
        kept = np.ones(table.num_rows, dtype=bool)
        kept[payroll.rejected] = False
        mine = table.filter(pa.array(kept))
        amount = numbers(payroll.rows, "amount_fen").astype(np.float64)
        region = numbers(mine, "region")
        employee = (
            np.asarray(payroll.rows.column("scheme").to_numpy(zero_copy_only=False)) == "employee"
        )
        retirement = numbers(mine, "retirement_month")
        average_now = ctx.params.at(
            "pension.employee.calculation_base", month_start(ctx.month), region
        )
        first_base = np.datetime64("2017-01-01")
        at_retirement = np.maximum(
            month_start(np.where(employee, retirement, ctx.month)), first_base
        )
        own_wage = numbers(mine, "avg_contribution_index") * ctx.params.at(
            "pension.employee.calculation_base", at_retirement, region
        )
        own = np.where(
            employee & (own_wage > 0), amount / 100.0 / np.maximum(own_wage, 1e-9), np.nan
        )
        decade = numbers(mine, "birth_month") // 12 // 10 * 10
        rows = payroll.rows.append_column("sex", mine.column("sex"))
        rows = rows.append_column("urban", mine.column("urban"))
        rows = rows.append_column("cohort", pa.array(np.char.add(decade.astype(str), "s")))
        rows = rows.append_column("replacement_own", pa.array(own, mask=np.isnan(own)))
        rows = rows.append_column("replacement_average", pa.array(amount / 100.0 / average_now))
        return Computed(rows, payroll.rejected, payroll.reasons)


def _distribution(frame: pl.DataFrame, by: str) -> pl.DataFrame:
    yuan = pl.col("amount_fen") / 100
    return (
        frame.group_by("scheme", by)
        .agg(
            pl.len().alias("pensioners"),
            yuan.mean().alias("mean_yuan"),
            yuan.quantile(0.1).alias("p10_yuan"),
            yuan.median().alias("median_yuan"),
            yuan.quantile(0.9).alias("p90_yuan"),
            pl.col("replacement_own").mean().alias("replacement_own"),
            pl.col("replacement_average").mean().alias("replacement_average"),
        )
        .with_columns(pl.lit(by).alias("dimension"), pl.col(by).cast(pl.String).alias("group"))
        .drop(by)
        .sort("scheme", "group")
    )


def redistribution(job_month: int, provinces: list[int]) -> pl.DataFrame:
    """Replacement rate of a standard career at index 0.6 and 3.0, per province."""
    p = default_parameters()
    regions = np.repeat(np.asarray(provinces, dtype=np.int64), 2)
    index = np.tile([LOW_INDEX, HIGH_INDEX], len(provinces))
    birth = np.full(len(regions), job_month - STANDARD_AGE * 12)
    result = employee_pension(
        p,
        region=regions,
        birth_month=birth,
        retirement_month=job_month,
        contribution_months=np.full(len(regions), STANDARD_YEARS * 12),
        avg_contribution_index=index,
        account_balance=np.zeros(len(regions)),
    )
    own = index * np.asarray(result["calc_base"]) / 100.0
    rate = np.asarray(result["basic"]) / 100.0 / own
    frame = pl.DataFrame(
        {
            "province": regions,
            "index": index,
            "basic_yuan": np.asarray(result["basic"]) / 100.0,
            "replacement": rate,
        }
    )
    low = frame.filter(pl.col("index") == LOW_INDEX).select(
        "province", pl.col("replacement").alias("replacement_at_0_6")
    )
    high = frame.filter(pl.col("index") == HIGH_INDEX).select(
        "province", pl.col("replacement").alias("replacement_at_3_0")
    )
    return low.join(high, on="province").with_columns(
        (pl.col("replacement_at_0_6") / pl.col("replacement_at_3_0")).alias("ratio")
    )


class Fairness(Analysis):
    name = "fairness"
    title = "公平性 / Fairness"
    summary = (
        "Pensions and replacement rates by scheme, province, sex and cohort; the ratio of the "
        "average employee to the average resident pension; Gini and Theil indices with the "
        "Theil decomposition by scheme, urban/rural and province; the basic-pension formula's "
        "redistribution (index 0.6 vs 3.0)."
    )
    extract_job: ClassVar[FairnessExtract] = FairnessExtract()

    def extracts(self) -> tuple[Job, ...]:
        return (self.extract_job,)

    def analyse(self, run: Run) -> Tables:
        payees = (
            run.extract(self.extract_job)
            .select(
                "person_id",
                "province",
                "scheme",
                "sex",
                "urban",
                "cohort",
                "amount_fen",
                "replacement_own",
                "replacement_average",
            )
            .sort("person_id")  # sums in one order, whichever engine wrote the extract
            .collect()
        )
        if payees.height == 0:
            raise ValueError("population: no pensioners in the month; nothing to measure")
        amounts = payees["amount_fen"].to_numpy()
        means = payees.group_by("scheme").agg(pl.col("amount_fen").mean()).sort("scheme")
        mean_of = dict(zip(means["scheme"].to_list(), means["amount_fen"].to_list(), strict=True))
        ratio = (
            mean_of["employee"] / mean_of["resident"]
            if "employee" in mean_of and mean_of.get("resident")
            else float("nan")
        )
        indices = pl.DataFrame(
            {
                "measure": ["gini", "theil", "employee_to_resident_mean"],
                "value": [gini(amounts), theil(amounts), ratio],
            }
        )
        decomposition = pl.concat(
            [
                theil_decomposition(
                    payees.with_columns(pl.col(by).cast(pl.String)), "amount_fen", by
                ).rename({by: "group"})
                for by in ("scheme", "urban", "province")
            ]
        )
        distribution = pl.concat(
            [_distribution(payees, by) for by in ("province", "sex", "cohort")]
        )
        provinces = sorted(payees["province"].unique().to_list())
        return {
            "indices": indices,
            "theil_decomposition": decomposition,
            "distribution": distribution,
            "redistribution": redistribution(run.month, provinces),
        }

    def charts(self, tables: Tables) -> list[Chart]:
        decomposition = (
            tables["theil_decomposition"]
            .group_by("dimension")
            .agg(pl.col("within").first(), pl.col("between").first())
            .sort("dimension")
        )
        by_province = tables["distribution"].filter(pl.col("dimension") == "province")
        employee = by_province.filter(pl.col("scheme") == "employee").sort("group")
        resident = by_province.filter(pl.col("scheme") == "resident").sort("group")
        merged = employee.join(resident, on="group", how="full", coalesce=True, suffix="_r").sort(
            "group"
        )
        return [
            Chart(
                "泰尔指数分解 / Theil T: within and between",
                decomposition["dimension"].to_list(),
                {
                    "within": decomposition["within"].to_list(),
                    "between": decomposition["between"].to_list(),
                },
            ),
            Chart(
                "平均养老金（按省）/ Mean pension by province",
                merged["group"].to_list(),
                {
                    "employee": merged["mean_yuan"].fill_null(float("nan")).to_list(),
                    "resident": merged["mean_yuan_r"].fill_null(float("nan")).to_list(),
                },
                unit="yuan/month",
            ),
        ]

    def console(self, tables: Tables) -> list[str]:
        values = dict(tables["indices"].iter_rows())
        lines = [
            f"Gini {values['gini']:.3f}; Theil T {values['theil']:.3f}; average employee "
            f"pension / average residents' pension {values['employee_to_resident_mean']:.1f}"
        ]
        for row in (
            tables["theil_decomposition"]
            .group_by("dimension")
            .agg(pl.col("within").first(), pl.col("between").first())
            .sort("dimension")
            .iter_rows(named=True)
        ):
            lines.append(
                f"  Theil by {row['dimension']}: within {row['within']:.3f}, "
                f"between {row['between']:.3f}"
            )
        red = tables["redistribution"]
        lines.append(
            "basic pension replacement, 35 years: "
            f"index 0.6 {float(red['replacement_at_0_6'].mean()):.1%}, "  # type: ignore[arg-type]
            f"index 3.0 {float(red['replacement_at_3_0'].mean()):.1%}"  # type: ignore[arg-type]
        )
        return lines
