"""Risk: probable wrong payments and records, each flag with the person, the kind, a score and
an explanation in words; and the provinces' funds, months of spending covered by the reserve.

The rules and statistics are in :mod:`safetynet.analytics.risk_rules`. Medical claims are
scored with robust z-scores (median and MAD of log amounts per hospital and diagnosis group)
rather than an isolation forest: the score has a meaning a reviewer can check ("14 times the
typical price"), needs no training or random seed, is the same on every engine and chunking,
and runs as one grouped pass; an isolation forest would score the same one-dimensional outlier
less precisely and explain it less.

The labels written by ``safetynet synth --fraud-rate`` are read only after detection, to score
it (:func:`evaluate`).
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np
import numpy.typing as npt
import polars as pl
import pyarrow as pa

from safetynet.analytics.base import Analysis, Run, Tables
from safetynet.analytics.pooling import (
    PoolingExtract,
    adjustment,
    province_funds,
    province_inputs,
)
from safetynet.analytics.report import Chart
from safetynet.analytics.risk_rules import (
    FLAG_SCHEMA,
    claim_outliers,
    duplicate_identities,
    employer_flags,
    paid_after_death,
    paid_twice,
)
from safetynet.batch.jobs import Computed, Job, JobContext, PayrollJob, RowJob, label_codes, numbers
from safetynet.batch.validate import WORKING_AGE_MONTHS
from safetynet.policy.parameters import default_parameters
from safetynet.synth.fraud import KINDS

INDEX_CEILING = 3.0
DEFAULT_WARNING_MONTHS = 6.0


class RiskExtract(RowJob):
    name = "risk_persons"
    summary = "The month's payees with their payment, and employee-scheme histories checked."
    columns = tuple(
        dict.fromkeys(
            (*PayrollJob.columns, "contribution_months", "deemed_months", "avg_contribution_index")
        )
    )
    unchecked = ("contribution_months", "deemed_months", "avg_contribution_index")
    rows_schema = pa.schema(
        [
            ("person_id", pa.int64()),
            ("resident_id", pa.string()),
            ("province", pa.int64()),
            ("paid", pa.bool_()),
            ("amount_fen", pa.int64()),
            ("history_excess", pa.float64()),
            ("history_problem", pa.string()),
        ]
    )
    summary_keys = ("province", "paid")
    summary_sums = ("amount_fen",)
    payroll: ClassVar[PayrollJob] = PayrollJob()

    def scope(self, table: pa.Table, ctx: JobContext) -> npt.NDArray[np.bool_]:
        member = label_codes(table, "pension_scheme", ("employee",)) == 0
        return np.asarray(self.payroll.scope(table, ctx) | member)

    def compute(self, table: pa.Table, ctx: JobContext) -> Computed:
        payee = self.payroll.scope(table, ctx)
        payee_rows = np.flatnonzero(payee)
        paid = self.payroll.compute(table.take(pa.array(payee_rows, type=pa.int64())), ctx)
        amount = np.zeros(table.num_rows, dtype=np.int64)
        ok_payee = np.ones(len(payee_rows), dtype=bool)
        ok_payee[paid.rejected] = False
        amount[payee_rows[ok_payee]] = numbers(paid.rows, "amount_fen")
        excess, problem = _history(table, ctx.month)
        keep = np.ones(table.num_rows, dtype=bool)
        keep[payee_rows[paid.rejected]] = False
        kept = pa.array(keep)
        rows = pa.table(
            {
                "person_id": table.column("person_id").filter(kept),
                "resident_id": table.column("resident_id").cast(pa.string()).filter(kept),
                "province": table.column("province").cast(pa.int64()).filter(kept),
                "paid": pa.array(payee[keep]),
                "amount_fen": amount[keep],
                "history_excess": excess[keep],
                "history_problem": pa.array(problem[keep], pa.string()),
            }
        )
        return Computed(rows, payee_rows[paid.rejected], paid.reasons)


def _history(
    table: pa.Table, month: int
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.object_]]:
    """Contribution months beyond the months since 16, or an index above the ceiling."""
    months = numbers(table, "contribution_months")
    possible = month - numbers(table, "birth_month") - WORKING_AGE_MONTHS + 1
    index = numbers(table, "avg_contribution_index")
    too_long = months > possible
    too_high = ~too_long & (index > INDEX_CEILING)
    excess = np.where(too_long, months - possible, np.where(too_high, index - INDEX_CEILING, 0.0))
    problem = np.full(table.num_rows, None, dtype=object)
    if too_long.any():
        problem[too_long] = np.char.add(
            np.char.add(months[too_long].astype(str), " contribution months, but only "),
            np.char.add(np.maximum(possible[too_long], 0).astype(str), " months since age 16"),
        )
    if too_high.any():
        problem[too_high] = np.char.add(
            np.char.add("average contribution index ", index[too_high].round(2).astype(str)),
            " above the ceiling of 3 (300 % of the average wage)",
        )
    return excess.astype(np.float64), problem


def history_flags(rows: pl.LazyFrame) -> pl.DataFrame:
    return (
        rows.filter(pl.col("history_problem").is_not_null())
        .select(
            "person_id",
            pl.lit("implausible_history").alias("kind"),
            pl.col("history_excess").alias("score"),
            pl.col("history_problem").alias("explanation"),
        )
        .collect()
    )


def _count(frame: pl.DataFrame, name: str) -> pl.DataFrame:
    return frame.group_by("kind").agg(pl.len().alias(name))


def evaluate(flags: pl.DataFrame, labels: pl.DataFrame) -> pl.DataFrame:
    """Recall and precision per kind of the flags against the planted labels."""
    truth = labels.unique()
    found = flags.select("person_id", "kind").unique()
    hits = found.join(truth, on=["person_id", "kind"], how="inner")
    return (
        pl.DataFrame({"kind": list(KINDS)})
        .join(_count(truth, "planted"), on="kind", how="left")
        .join(_count(found, "flagged"), on="kind", how="left")
        .join(_count(hits, "true_positives"), on="kind", how="left")
        .fill_null(0)
        .with_columns(
            (pl.col("true_positives") / pl.col("planted")).alias("recall"),
            (pl.col("true_positives") / pl.col("flagged")).alias("precision"),
        )
    )


class Risk(Analysis):
    name = "risk"
    title = "风险识别 / Risk"
    summary = (
        "Payments after death, payments by two provinces, one person under two identity "
        "numbers, medical claims out of line, employers declaring at the floor or dropping "
        "abruptly, implausible histories; and each province's fund: months of spending "
        "covered by its reserve, with an early-warning threshold."
    )
    registers = ("deaths", "identities", "claims", "declarations")
    extract_job: ClassVar[RiskExtract] = RiskExtract()
    pooling_job: ClassVar[PoolingExtract] = PoolingExtract()

    def extracts(self) -> tuple[Job, ...]:
        return (self.extract_job, self.pooling_job)

    def analyse(self, run: Run) -> Tables:
        rows = run.extract(self.extract_job)
        payees = rows.filter(pl.col("paid") & (pl.col("amount_fen") > 0))
        flags = pl.concat(
            [
                frame.select(list(FLAG_SCHEMA)).cast(FLAG_SCHEMA)  # type: ignore[arg-type]
                for frame in (
                    paid_after_death(payees, run.register("deaths"), run.month),
                    paid_twice(payees, run.month),
                    duplicate_identities(run.register("identities")),
                    claim_outliers(run.register("claims")),
                    employer_flags(run),
                    history_flags(rows),
                )
            ]
        ).sort("kind", "person_id")
        tables: Tables = {"flags": flags, "fund_risk": self.fund_risk(run)}
        if run.labels.is_file():
            tables["evaluation"] = evaluate(flags, pl.read_parquet(run.labels))
        return tables

    def fund_risk(self, run: Run) -> pl.DataFrame:
        p = default_parameters()
        inputs = province_inputs(run.extract(self.pooling_job, "summary").collect())
        year = run.month // 12
        flows = adjustment(p, inputs, year, year, run.month)
        net = (flows["net_fen"] * 12 / flows["months"]).to_numpy().astype(np.int64)
        threshold = float(run.options.get("warning_months", DEFAULT_WARNING_MONTHS))
        return (
            province_funds(p, inputs, run.month, net)
            .filter(pl.col("pooling"))
            .drop("pooling")
            .with_columns(
                pl.lit(threshold).alias("warning_months"),
                (pl.col("months_covered") < threshold).alias("warning"),
            )
        )

    def charts(self, tables: Tables) -> list[Chart]:
        flags = tables["flags"].group_by("kind").agg(pl.len().alias("n")).sort("kind")
        funds = tables["fund_risk"]
        first = funds.filter(pl.col("year") == funds["year"].min()).sort("province")
        charts = [
            Chart(
                "风险标记（按类别）/ Flags by kind",
                flags["kind"].to_list(),
                {"flags": flags["n"].cast(pl.Float64).to_list()},
            ),
            Chart(
                f"基金可支付月数（{first['year'][0]}）/ "
                f"Months of spending covered, {first['year'][0]}",
                [str(v) for v in first["province"]],
                {"months": first["months_covered"].to_list()},
                unit="months",
                marks={"warning": float(funds["warning_months"][0])},
            ),
        ]
        if "evaluation" in tables:
            evaluation = tables["evaluation"]
            charts.append(
                Chart(
                    "召回率与精确率 / Recall and precision against planted labels",
                    evaluation["kind"].to_list(),
                    {
                        "recall": evaluation["recall"].fill_nan(0).to_list(),
                        "precision": evaluation["precision"].fill_nan(0).to_list(),
                    },
                )
            )
        return charts

    def console(self, tables: Tables) -> list[str]:
        flags = tables["flags"].group_by("kind").agg(pl.len().alias("n")).sort("kind")
        lines = [f"flags: {', '.join(f'{k} {n:,}' for k, n in flags.iter_rows())}"]
        funds = tables["fund_risk"]
        warned = funds.filter(pl.col("warning"))
        first = warned.group_by("province").agg(pl.col("year").min()).sort("year")
        last = funds.select(pl.col("year").max()).item()
        lines.append(
            f"provinces under the early-warning threshold by {last}: "
            f"{first.height} (first: "
            f"{', '.join(f'{p} in {y}' for p, y in first.head(5).iter_rows())})"
        )
        if "evaluation" in tables:
            for row in tables["evaluation"].iter_rows(named=True):
                lines.append(
                    f"  {row['kind']}: planted {row['planted']:,}, flagged {row['flagged']:,}, "
                    f"recall {row['recall']:.3f}, precision {row['precision']:.3f}"
                )
        return lines
