"""Inter-provincial adjustment of the employees' pension fund, and the provinces' funds.

The adjustment (REFERENCE §6; 国发〔2018〕18号; national pooling from 2022): in each month the
ratio is in force, province p remits

    remittance_p = ratio x wage_share x W_p x N_p

(W_p its average monthly wage, N_p the employees who should be insured: employees and flexible
workers; ``pooling.adjustment_ratio`` and ``pooling.wage_share`` in
``policy/parameters/pooling.yaml``), and the fund is shared out per retiree:

    receipt_p = (sum_q remittance_q) x R_p / sum_q R_q.

Amounts are rounded half-up to the fen per province and month; the receipts are split by the
largest-remainder method so that they sum exactly to the remittances: the nets sum to zero.

From the population (a snapshot as of the job month): N_p, R_p (employee-scheme retirees),
W_p (mean wage of the province's employees), the pooled contributions and the pension spending.
For past years W_p is scaled by the national calculation base of the year against the job
year's (the population holds no earlier wages; N_p and R_p are held at the snapshot).

Provinces' funds: each province starts the job year with a reserve of (national reserve /
national contribution income) x its pooled contribution income -- national figures from the
actuarial projection (baseline scenario) -- and then grows its income and spending as the
projection does nationally (income including subsidies and returns in the same proportion).
With pooling, each year adds its net adjustment at the latest ratio; without, nothing. A fund
"runs short" the first year its reserve is negative. Months covered = reserve / (spending/12).
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import Any, ClassVar

import numpy as np
import numpy.typing as npt
import polars as pl
import pyarrow as pa

from safetynet.analytics.base import Analysis, Run, Tables
from safetynet.analytics.measures import largest_remainder
from safetynet.analytics.report import Chart
from safetynet.batch.jobs import (
    CONTRIBUTORS,
    PERSON,
    SCHEMES,
    Inputs,
    Job,
    JobContext,
    KernelJob,
    label_codes,
    numbers,
)
from safetynet.policy.errors import ParameterLookupError
from safetynet.policy.money import to_fen
from safetynet.policy.parameters import ParameterSet, default_parameters
from safetynet.policy.periods import month_start
from safetynet.policy.rules.contribution import pension_contributions
from safetynet.policy.rules.pension import adjust_pension

PROJECTION_END = 2050
ROLES = ("worker", "retiree")
FIRST_RATIO_MONTH = 2018 * 12 + 6


class PoolingExtract(KernelJob):
    name = "pooling_persons"
    summary = "Employees and flexible workers (who should be insured) and employee-scheme retirees."
    columns = (*PERSON, *SCHEMES, "monthly_wage_fen", "retirement_month", "pension_award_fen")
    rows_schema = pa.schema(
        [
            ("person_id", pa.int64()),
            ("province", pa.int64()),
            ("role", pa.string()),
            ("wage_fen", pa.int64()),
            ("pooled_fen", pa.int64()),
            ("pension_fen", pa.int64()),
        ]
    )
    summary_keys = ("province", "role")
    summary_sums = ("wage_fen", "pooled_fen", "pension_fen")

    def scope(self, table: pa.Table, ctx: JobContext) -> npt.NDArray[np.bool_]:
        kind = label_codes(table, "employment_type", (*CONTRIBUTORS, "retired"))
        retired = (kind == 2) & (numbers(table, "retirement_month") <= ctx.month)
        return np.asarray((kind == 0) | (kind == 1) | retired)

    def inputs(self, table: pa.Table, ctx: JobContext) -> Inputs:
        kind = label_codes(table, "employment_type", (*CONTRIBUTORS, "retired"))
        insured = label_codes(table, "pension_scheme", ("employee",)) == 0
        return {
            "region": numbers(table, "region"),
            "kind": kind,
            "paying": (kind < 2) & insured,
            "wage": numbers(table, "monthly_wage_fen"),
            "award": numbers(table, "pension_award_fen"),
            "retirement_month": numbers(table, "retirement_month"),
        }

    def groups(self, rows: Inputs) -> npt.NDArray[np.int64]:
        """A region's contributors and its retirees use different parameters."""
        return rows["region"] * 3 + rows["kind"]

    def kernel(self, ctx: JobContext, rows: Inputs) -> dict[str, np.ndarray]:
        """The pooled part of the insured workers' contributions; the retirees' pensions."""
        paying = rows["paying"]
        pooled = np.zeros(len(paying), dtype=np.int64)
        if paying.any():
            pooled[paying] = pension_contributions(
                ctx.params,
                monthly_wage=rows["wage"][paying] / 100.0,
                region=rows["region"][paying],
                month=ctx.month,
                worker_type=np.asarray(CONTRIBUTORS)[rows["kind"][paying]],
            )["pension_pooled"]
        retired = rows["kind"] == 2
        pension = np.zeros(len(retired), dtype=np.int64)
        pension[retired] = adjust_pension(
            ctx.params,
            rows["award"][retired],
            rows["retirement_month"][retired],
            ctx.month,
            rows["region"][retired],
        )
        return {"pooled": pooled, "pension": pension}

    def outputs(self, rows: Inputs, result: Mapping[str, np.ndarray]) -> dict[str, Any]:
        worker = rows["kind"] < 2
        return {
            "role": pa.array(np.where(worker, "worker", "retiree")),
            "wage_fen": np.where(worker, rows["wage"], 0),
            "pooled_fen": result["pooled"],
            "pension_fen": result["pension"],
        }


def province_inputs(summary: pl.DataFrame) -> pl.DataFrame:
    """Per province: workers N, retirees R, mean wage W (fen/month), monthly pooled income and
    pension spending (fen)."""
    workers = summary.filter(pl.col("role") == "worker").select(
        "province",
        pl.col("count").alias("workers"),
        (pl.col("wage_fen") / pl.col("count")).alias("average_wage_fen"),
        pl.col("pooled_fen").alias("monthly_income_fen"),
    )
    retirees = summary.filter(pl.col("role") == "retiree").select(
        "province",
        pl.col("count").alias("retirees"),
        pl.col("pension_fen").alias("monthly_spending_fen"),
    )
    return (
        workers.join(retirees, on="province", how="full", coalesce=True)
        .fill_null(0)
        .sort("province")
    )


def _calc_base(p: ParameterSet, months: npt.NDArray[np.int64]) -> npt.NDArray[np.float64]:
    return np.asarray(p.at("pension.employee.calculation_base", month_start(months), 0))


def adjustment(
    p: ParameterSet, inputs: pl.DataFrame, first_year: int, last_year: int, job_month: int
) -> pl.DataFrame:
    """Remittance, receipt and net per province and year (fen); nets sum to zero each year."""
    workers = inputs["workers"].to_numpy().astype(np.int64)
    retirees = inputs["retirees"].to_numpy().astype(np.int64)
    wage = inputs["average_wage_fen"].to_numpy().astype(np.float64)
    if retirees.sum() == 0:
        raise ValueError("pooling: the population has no employee-scheme retirees to share out to")
    job_base = _calc_base(p, np.array([job_month // 12 * 12]))[0]
    frames = []
    for year in range(first_year, last_year + 1):
        months = np.arange(year * 12, year * 12 + 12)
        months = months[months >= FIRST_RATIO_MONTH]
        if len(months) == 0:
            continue
        ratio = np.asarray(p.at("pooling.adjustment_ratio", month_start(months), 0))
        share = np.asarray(p.at("pooling.wage_share", month_start(months), 0))
        scale = _calc_base(p, np.array([year * 12]))[0] / job_base
        monthly_yuan = (ratio * share)[None, :] * (wage * scale * workers)[:, None] / 100.0
        remit = np.asarray(to_fen(monthly_yuan), dtype=np.int64).sum(axis=1)
        receipt = largest_remainder(int(remit.sum()), retirees)
        frames.append(
            inputs.select("province", "workers", "retirees").with_columns(
                pl.lit(year).alias("year"),
                pl.lit(len(months)).alias("months"),
                pl.Series("remittance_fen", remit),
                pl.Series("receipt_fen", receipt),
                pl.Series("net_fen", receipt - remit),
            )
        )
    return pl.concat(frames).select(
        "year",
        "province",
        "months",
        "workers",
        "retirees",
        "remittance_fen",
        "receipt_fen",
        "net_fen",
    )


@cache
def national_projection() -> pl.DataFrame:
    """The baseline projection's employee fund by year (the actuarial package, read only)."""
    from safetynet.actuarial.assumptions import load_scenario
    from safetynet.actuarial.projection import run_scenario

    return run_scenario(load_scenario("baseline"), end_year=PROJECTION_END).table.select(
        "year", "income", "spending", "contribution_income", "reserve"
    )


def province_funds(
    p: ParameterSet, inputs: pl.DataFrame, job_month: int, yearly_net: npt.NDArray[np.int64]
) -> pl.DataFrame:
    """Reserve and months of spending covered per province and year, with and without the
    adjustment (``yearly_net``: the job year's net per province, fen)."""
    national = national_projection()
    year = job_month // 12
    base = national.filter(pl.col("year") == year).row(0, named=True)
    future = national.filter(pl.col("year") >= year)
    income_index = (future["income"] / base["income"]).to_numpy()
    spending_index = (future["spending"] / base["spending"]).to_numpy()
    wage_index = income_index  # the adjustment grows with the wage bill, as income does
    income = (
        inputs["monthly_income_fen"].to_numpy()
        * 12.0
        * base["income"]
        / base["contribution_income"]
    )
    spending = inputs["monthly_spending_fen"].to_numpy() * 12.0
    start = (
        inputs["monthly_income_fen"].to_numpy()
        * 12.0
        * base["reserve"]
        / base["contribution_income"]
    )
    years = future["year"].to_numpy()
    frames = []
    for pooled in (True, False):
        reserve = start.copy()
        for i, y in enumerate(years):
            flow_in = income * income_index[i] + (yearly_net * wage_index[i] if pooled else 0.0)
            spend = spending * spending_index[i]
            reserve = reserve + flow_in - spend
            frames.append(
                inputs.select("province").with_columns(
                    pl.lit(int(y)).alias("year"),
                    pl.lit(pooled).alias("pooling"),
                    pl.Series("income_fen", np.round(flow_in).astype(np.int64)),
                    pl.Series("spending_fen", np.round(spend).astype(np.int64)),
                    pl.Series("reserve_fen", np.round(reserve).astype(np.int64)),
                    pl.Series(
                        "months_covered",
                        np.where(spend > 0, reserve / np.maximum(spend, 1) * 12, np.inf),
                    ),
                )
            )
    return pl.concat(frames).sort("pooling", "province", "year", descending=[True, False, False])


def shortfalls(funds: pl.DataFrame) -> pl.DataFrame:
    """First year each province's reserve is negative, with and without pooling."""
    first = (
        funds.filter(pl.col("reserve_fen") < 0)
        .group_by("province", "pooling")
        .agg(pl.col("year").min().alias("first_short_year"))
    )
    provinces = funds.select("province").unique()
    return (
        provinces.join(
            first.filter(pl.col("pooling")).select(
                "province", pl.col("first_short_year").alias("short_with_pooling")
            ),
            on="province",
            how="left",
        )
        .join(
            first.filter(~pl.col("pooling")).select(
                "province", pl.col("first_short_year").alias("short_without_pooling")
            ),
            on="province",
            how="left",
        )
        .sort("province")
    )


class Pooling(Analysis):
    name = "pooling"
    title = "全国统筹调剂 / Pooling"
    summary = (
        "The central adjustment fund (2018-2021) and national pooling (from 2022) of the "
        "employees' pension: remittance, receipt and net per province and year, summing to "
        "zero; each province's fund with and without the adjustment."
    )
    extract_job: ClassVar[PoolingExtract] = PoolingExtract()

    def extracts(self) -> tuple[Job, ...]:
        return (self.extract_job,)

    def analyse(self, run: Run) -> Tables:
        p = default_parameters()
        inputs = province_inputs(run.extract(self.extract_job, "summary").collect())
        try:
            flows = adjustment(p, inputs, 2018, run.month // 12, run.month)
        except ParameterLookupError as exc:
            raise ValueError(f"month: {exc}") from None
        latest = flows.filter(pl.col("year") == run.month // 12)
        net = (latest["net_fen"] * 12 / latest["months"]).to_numpy()
        funds = province_funds(p, inputs, run.month, net.astype(np.int64))
        national = (
            flows.group_by("year")
            .agg(
                pl.col("remittance_fen").sum(), pl.col("receipt_fen").sum(), pl.col("net_fen").sum()
            )
            .sort("year")
        )
        return {
            "inputs": inputs,
            "adjustment": flows,
            "national": national,
            "funds": funds,
            "shortfalls": shortfalls(funds),
        }

    def charts(self, tables: Tables) -> list[Chart]:
        last = tables["adjustment"].filter(pl.col("year") == tables["adjustment"]["year"].max())
        funds = tables["funds"].filter(~pl.col("pooling"))
        years = sorted(set(funds["year"].to_list()))
        worst = (
            funds.filter(pl.col("year") == years[min(10, len(years) - 1)])
            .sort("months_covered")
            .head(5)["province"]
            .to_list()
        )
        return [
            Chart(
                f"调剂净额（{last['year'][0]}）/ Net adjustment by province, {last['year'][0]}",
                [str(v) for v in last["province"]],
                {"net (yuan)": (last["net_fen"] / 100).to_list()},
                unit="yuan, positive = receives",
            ),
            Chart(
                "无调剂时基金可支付月数 / Months covered without pooling (five weakest)",
                [str(y) for y in years],
                {
                    str(code): funds.filter(pl.col("province") == code)["months_covered"].to_list()
                    for code in worst
                },
                kind="line",
                unit="months",
                marks={"0": 0.0},
            ),
        ]

    def console(self, tables: Tables) -> list[str]:
        lines = []
        for row in tables["national"].iter_rows(named=True):
            lines.append(
                f"{row['year']}: fund {row['remittance_fen'] / 100:,.2f} yuan, "
                f"net sum {row['net_fen']} fen"
            )
        short = tables["shortfalls"]
        lines.append(
            f"provinces running short by {PROJECTION_END}: with pooling "
            f"{short['short_with_pooling'].is_not_null().sum()}, without "
            f"{short['short_without_pooling'].is_not_null().sum()}"
        )
        return lines
