"""A small synthetic population (with deliberately spoiled rows) shared by the batch tests,
and one local Spark session per test run for the engine-equality tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from safetynet.policy.periods import parse_month
from safetynet.synth.writer import write_population

AS_OF = "2025-12"
PERSONS = 24_000


@pytest.fixture(scope="session")
def population(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("population") / "pop"
    write_population(
        out,
        persons=PERSONS,
        seed=21,
        as_of=parse_month(AS_OF),
        chunk_size=8_000,
        invalid_share=0.01,
        workers=1,
        progress=False,
    )
    return out


@pytest.fixture(scope="session")
def spark() -> Iterator[Any]:
    pytest.importorskip("pyspark")
    from safetynet.batch.spark import spark_session

    session = spark_session("local[2]")
    yield session
    session.stop()
