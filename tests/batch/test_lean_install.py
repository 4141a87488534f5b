"""`make run` installs the runtime only: the Spark engine, absent, is refused with a clear error."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

import pytest

from safetynet.batch import cli
from safetynet.batch.cli import Engine, run_job


def test_spark_engine_without_pyspark_names_the_option(
    population: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = importlib.util.find_spec

    def without_pyspark(name: str, *args: Any) -> Any:
        return None if name == "pyspark" else real(name, *args)

    monkeypatch.setattr(cli.importlib.util, "find_spec", without_pyspark)
    with pytest.raises(ValueError, match=r"engine: Spark is not installed.*\[spark\]"):
        run_job("payroll", population, "2026-01", tmp_path / "out", engine=Engine.spark)
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())
