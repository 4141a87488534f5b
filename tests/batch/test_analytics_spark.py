"""The analyses give the same tables on Spark as on the local engine (the shared local Spark
session of tests/batch)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import polars as pl
import pytest

from safetynet.analytics.base import run_analysis
from safetynet.analytics.cli import ANALYSES
from safetynet.batch.cli import Engine
from safetynet.policy.periods import parse_month
from safetynet.synth.writer import write_population

pytestmark = pytest.mark.spark


@pytest.fixture(scope="module")
def fraud_population(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("analytics-spark") / "pop"
    write_population(
        out,
        persons=12_000,
        seed=17,
        as_of=parse_month("2025-12"),
        chunk_size=6_000,
        fraud_rate=0.02,
        invalid_share=0.01,
        workers=1,
        progress=False,
    )
    return out


def _sorted(table: pl.DataFrame) -> pl.DataFrame:
    return table.sort(table.columns, nulls_last=True)


@pytest.mark.parametrize("name", sorted(ANALYSES))
def test_spark_tables_equal_local(
    name: str, fraud_population: Path, spark: Any, tmp_path: Path
) -> None:
    local = run_analysis(
        ANALYSES[name](), fraud_population, "2025-12", tmp_path / "local", progress=False
    )
    remote = run_analysis(
        ANALYSES[name](),
        fraud_population,
        "2025-12",
        tmp_path / "spark",
        engine=Engine.spark,
        spark=spark,
    )
    written = sorted(p.name for p in (tmp_path / "local" / "tables").glob("*.parquet"))
    assert written == sorted(p.name for p in (tmp_path / "spark" / "tables").glob("*.parquet"))
    assert len(written) >= len(local.tables)
    for name in written:
        mine = pl.read_parquet(tmp_path / "local" / "tables" / name)
        theirs = pl.read_parquet(tmp_path / "spark" / "tables" / name).select(mine.columns)
        assert mine.height > 0, name
        assert _sorted(mine).equals(_sorted(theirs)), name
    assert [t.rejected for t in local.totals] == [t.rejected for t in remote.totals]
