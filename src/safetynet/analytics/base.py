"""An analysis: extract passes over the population by the batch engines, then tables.

An analysis names one or more *extracts* -- ordinary batch jobs (:class:`~safetynet.batch.
jobs.Job`) that run the law's kernels over the population chunk by chunk, on the local engine
or on Spark, with the batch layer's checks, rejects, summaries and control totals -- and an
``analyse`` step that turns what they wrote (``OUT/extract/NAME/``) and the registers beside the
population into the analysis tables. The analyse step reads Parquet with Polars whichever
engine ran the extracts, so both engines give the same tables.

``OUT/tables/NAME.parquet`` and ``.csv``, ``OUT/report.html`` (self-contained, charts as inline
SVG) and ``OUT/extract/`` (the extracts' rows, rejects, summaries and totals).
"""

from __future__ import annotations

import re
import time
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import polars as pl

from safetynet.analytics.report import TABLE_ROWS, Chart, write_report
from safetynet.batch.cli import Engine
from safetynet.batch.jobs import Job, JobContext
from safetynet.batch.local import DEFAULT_CHUNK_ROWS, population_dataset, run_local
from safetynet.batch.outputs import Totals
from safetynet.policy.periods import format_month, parse_month
from safetynet.services.safe_cells import FORMULA_TRIGGERS
from safetynet.synth.writer import LABELS, REGISTER_DIR, read_manifest

Tables = dict[str, pl.DataFrame]
PLAIN_NUMBER = r"^[+-]?\d+(\.\d+)?$"
"""Signed numbers stay as they are (as in :mod:`safetynet.services.safe_cells`)."""


@dataclass(frozen=True)
class Run:
    """Where an analysis reads: the population, its registers and the extracts' outputs."""

    population: Path
    out: Path
    month: int
    options: Mapping[str, Any] = field(default_factory=dict)

    def extract(self, job: Job, part: str = "rows") -> pl.LazyFrame:
        """An extract's rows (or ``rejects``, ``summary``) as a lazy frame."""
        return pl.scan_parquet(self.out / "extract" / job.name / part / "*.parquet")

    def register(self, name: str) -> pl.LazyFrame:
        return pl.scan_parquet(self.population / REGISTER_DIR / name / "*.parquet")

    def has_register(self, name: str) -> bool:
        return any((self.population / REGISTER_DIR / name).glob("*.parquet"))

    @property
    def labels(self) -> Path:
        return self.population / LABELS


@dataclass
class Outcome:
    name: str
    month: str
    engine: str
    tables: Tables
    totals: list[Totals]
    lines: list[str]
    seconds: float


class Analysis(ABC):
    """One analysis job: its extracts, the population columns and registers it needs, and the
    step from extracts to tables, charts and console lines."""

    name: ClassVar[str]
    title: ClassVar[str]
    summary: ClassVar[str]
    registers: ClassVar[tuple[str, ...]] = ()

    @abstractmethod
    def extracts(self) -> tuple[Job, ...]:
        """The batch jobs whose outputs the analysis reads."""

    @abstractmethod
    def analyse(self, run: Run) -> Tables:
        """The analysis tables from the extracts (and registers)."""

    def lists(self, run: Run) -> dict[str, pl.LazyFrame]:
        """Per-person lists too long to hold (streamed to ``tables/NAME.parquet`` and ``.csv``)."""
        return {}

    @abstractmethod
    def charts(self, tables: Tables) -> list[Chart]:
        """The report's charts."""

    @abstractmethod
    def console(self, tables: Tables) -> list[str]:
        """A few lines for the console."""

    def required_columns(self) -> set[str]:
        return {c for job in self.extracts() for c in job.columns}


def check_inputs(analysis: Analysis, population: Path, month_text: str, out: Path) -> int:
    """The job month, after refusing what cannot be analysed; ValueError names the option."""
    month = parse_month(month_text, "--month")
    manifest = read_manifest(population)
    if month < parse_month(manifest.as_of):
        raise ValueError(
            f"month: {format_month(month)} is before the population's reference month "
            f"{manifest.as_of}; its histories are as of then"
        )
    dataset = population_dataset(population)
    if not dataset.files or dataset.count_rows() == 0:
        raise ValueError(f"population: {population} holds no persons")
    missing = sorted(analysis.required_columns() - set(dataset.schema.names))
    if missing:
        raise ValueError(
            f"population: missing column{'s' if len(missing) > 1 else ''} "
            f"{', '.join(missing)} (needed by {analysis.name})"
        )
    for name in analysis.registers:
        if not any((population / REGISTER_DIR / name).glob("*.parquet")):
            raise ValueError(
                f"population: no {REGISTER_DIR}/{name} register (needed by {analysis.name}; "
                "`safetynet synth --fraud-rate R` writes the registers)"
            )
    if out.exists() and any(out.iterdir()):
        raise ValueError(f"out: {out} is not empty")
    return month


def run_analysis(
    analysis: Analysis,
    population: Path,
    month_text: str,
    out: Path,
    *,
    engine: Engine = Engine.local,
    master: str = "local[*]",
    chunk_rows: int = DEFAULT_CHUNK_ROWS,
    workers: int = 1,
    progress: bool = True,
    options: Mapping[str, Any] | None = None,
    spark: Any = None,
) -> Outcome:
    """Check the inputs, run the extracts on ``engine``, write tables, CSVs and the report."""
    started = time.perf_counter()
    month = check_inputs(analysis, population, month_text, out)
    if chunk_rows < 1:
        raise ValueError(f"chunk-rows: expected a positive number, got {chunk_rows}")
    ctx = JobContext(month=month)
    totals = []
    for job in analysis.extracts():
        target = out / "extract" / job.name
        if engine is Engine.spark:
            from safetynet.batch.spark import run_spark, spark_session

            totals.append(run_spark(job, population, target, ctx, spark or spark_session(master)))
        else:
            totals.append(
                run_local(
                    job,
                    population,
                    target,
                    ctx,
                    chunk_rows=chunk_rows,
                    workers=workers,
                    progress=progress,
                )
            )
    run = Run(population, out, month, options or {})
    tables = analysis.analyse(run)
    write_tables(tables, out / "tables")
    heads = {}
    lines = analysis.console(tables)
    for name, rows in analysis.lists(run).items():
        count = write_list(rows, out / "tables", name)
        heads[name] = pl.read_parquet(out / "tables" / f"{name}.parquet", n_rows=TABLE_ROWS)
        lines.append(f"{name}: {count:,} persons (tables/{name}.parquet, .csv)")
    rejected = sum(t.rejected for t in totals)
    lines.append(
        f"rows read {totals[0].rows_in:,}; rejected {rejected:,} (reasons in extract/*/rejects)"
    )
    write_report(
        out / "report.html",
        title=f"{analysis.title} — {format_month(month)}",
        summary=analysis.summary,
        lines=lines,
        charts=analysis.charts(tables),
        tables={**tables, **heads},
    )
    return Outcome(
        analysis.name,
        format_month(month),
        engine.value,
        tables,
        totals,
        lines,
        round(time.perf_counter() - started, 3),
    )


def write_tables(tables: Tables, folder: Path) -> None:
    """Each table as Parquet and as CSV (text cells neutralised against formula injection)."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, table in tables.items():
        table.write_parquet(folder / f"{name}.parquet")
        text = [c for c, t in table.schema.items() if t == pl.String]
        table.with_columns(_neutralised(c) for c in text).write_csv(folder / f"{name}.csv")


def write_list(rows: pl.LazyFrame, folder: Path, name: str) -> int:
    """Stream a long list to Parquet and CSV without holding it; returns its length."""
    folder.mkdir(parents=True, exist_ok=True)
    rows.sink_parquet(folder / f"{name}.parquet")
    written = pl.scan_parquet(folder / f"{name}.parquet")
    text = [c for c, t in written.collect_schema().items() if t == pl.String]
    written.with_columns(_neutralised(c) for c in text).sink_csv(folder / f"{name}.csv")
    count: int = written.select(pl.len()).collect().item()
    return count


def _neutralised(column: str) -> pl.Expr:
    """:func:`~safetynet.services.safe_cells.neutralise` as a column expression."""
    triggers = "^[" + re.escape("".join(FORMULA_TRIGGERS)) + "]"
    value = pl.col(column)
    risky = value.str.contains(triggers) & ~value.str.contains(PLAIN_NUMBER)
    return pl.when(risky).then(pl.lit("'") + value).otherwise(value).alias(column)
