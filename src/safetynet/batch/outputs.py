"""What every job writes, whichever engine ran it, and its control totals.

``OUT/rows/*.parquet`` the output rows, ``OUT/rejects/*.parquet`` the rejected rows with a
reason, ``OUT/summary/*.parquet`` counts and sums by the job's keys, ``OUT/totals.json`` the
control totals. The totals reconcile: rows in = processed + skipped + rejected, and the
processed rows' sums equal the summary's sums.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

import polars as pl
import pyarrow as pa

from safetynet.batch.jobs import Job, frame
from safetynet.policy.periods import format_month


class ReconciliationError(RuntimeError):
    """A job lost or invented rows: the control totals do not add up."""


@dataclass
class Totals:
    job: str
    month: str
    engine: str
    rows_in: int = 0
    processed: int = 0
    skipped: int = 0
    rejected: int = 0
    rows_out: int = 0
    sums: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    def add(self, rows_in: int, processed: int, skipped: int, rejected: int, rows_out: int) -> None:
        self.rows_in += rows_in
        self.processed += processed
        self.skipped += skipped
        self.rejected += rejected
        self.rows_out += rows_out

    def check(self) -> None:
        if self.rows_in != self.processed + self.skipped + self.rejected:
            raise ReconciliationError(
                f"{self.job}: rows in {self.rows_in:,} != processed {self.processed:,} + "
                f"skipped {self.skipped:,} + rejected {self.rejected:,}"
            )

    def write(self, out: Path) -> None:
        (out / "totals.json").write_text(
            json.dumps(asdict(self), indent=2) + "\n", encoding="utf-8"
        )


def new_totals(job: Job, month: int, engine: str) -> Totals:
    return Totals(job=job.name, month=format_month(month), engine=engine)


def partial_summary(job: Job, rows: pa.Table) -> pl.DataFrame:
    """Counts and sums of one chunk's rows by the job's keys (reducible by summing)."""
    return (
        frame(rows)
        .group_by(list(job.summary_keys))
        .agg(
            pl.len().cast(pl.Int64).alias("count"),
            *[pl.col(c).cast(pl.Int64).sum().alias(c) for c in job.summary_sums],
        )
    )


def reduce_summaries(job: Job, parts: list[pl.DataFrame]) -> pl.DataFrame:
    """Merge partial summaries: sum the counts and sums of equal keys, sorted by the keys."""
    if not parts:
        schema = frame(job.rows_schema.empty_table()).schema
        return pl.DataFrame(
            schema={
                **{k: schema[k] for k in job.summary_keys},
                "count": pl.Int64,
                **{c: pl.Int64 for c in job.summary_sums},
            }
        )
    return (
        pl.concat(parts)
        .group_by(list(job.summary_keys))
        .agg(pl.col("count").sum(), *[pl.col(c).sum() for c in job.summary_sums])
        .sort(list(job.summary_keys))
    )


def summary_sums(job: Job, summary: pl.DataFrame) -> dict[str, int]:
    return {c: int(summary[c].sum() or 0) for c in ("count", *job.summary_sums)}
