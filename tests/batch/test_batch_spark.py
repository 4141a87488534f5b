"""The Spark engine gives the same rows, rejects, summary and totals as the local engine."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import polars as pl
import pytest

from safetynet.batch.jobs import JOBS, JobContext
from safetynet.batch.local import run_local
from safetynet.batch.spark import run_spark
from safetynet.policy.periods import parse_month

pytestmark = pytest.mark.spark


@pytest.mark.parametrize(("job", "month"), [("payroll", "2025-12"), ("contributions", "2026-07")])
def test_spark_equals_local(
    job: str, month: str, population: Path, spark: Any, tmp_path: Path
) -> None:
    ctx = JobContext(parse_month(month))
    local = run_local(JOBS[job](), population, tmp_path / "local", ctx, progress=False)
    remote = run_spark(JOBS[job](), population, tmp_path / "spark", ctx, spark)
    for part, key in (
        ("rows", "person_id"),
        ("rejects", "person_id"),
        ("summary", list(JOBS[job].summary_keys)),
    ):
        mine = pl.read_parquet(tmp_path / "local" / part / "*.parquet").sort(key)
        theirs = (
            pl.read_parquet(tmp_path / "spark" / part / "*.parquet").select(mine.columns).sort(key)
        )
        assert mine.height > 0
        assert mine.equals(theirs), part
    assert (local.rows_in, local.processed, local.skipped, local.rejected, local.sums) == (
        remote.rows_in,
        remote.processed,
        remote.skipped,
        remote.rejected,
        remote.sums,
    )
