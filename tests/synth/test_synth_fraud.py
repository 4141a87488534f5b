"""``synth --fraud-rate``: registers and labels beside an unchanged population."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pyarrow.parquet as pq
from typer.testing import CliRunner

from safetynet.batch.validate import id_strings
from safetynet.cli.main import app
from safetynet.policy.periods import parse_month
from safetynet.policy.rules.identity import check_resident_ids
from safetynet.synth.fraud import COPY_ID_OFFSET, KINDS, REGISTERS
from safetynet.synth.writer import write_population

AS_OF = parse_month("2025-12")


def _write(out: Path, fraud_rate: float | None) -> Path:
    write_population(
        out,
        persons=6_000,
        seed=9,
        as_of=AS_OF,
        chunk_size=3_000,
        fraud_rate=fraud_rate,
        workers=1,
        progress=False,
    )
    return out


def _persons(population: Path) -> pl.DataFrame:
    return pl.read_parquet(population / "province=*" / "*.parquet", hive_partitioning=True)


def test_rate_zero_leaves_the_population_as_it_was(tmp_path: Path) -> None:
    plain = _write(tmp_path / "plain", None)
    zero = _write(tmp_path / "zero", 0.0)
    files = sorted(p.relative_to(plain) for p in plain.glob("province=*/*.parquet"))
    assert files == sorted(p.relative_to(zero) for p in zero.glob("province=*/*.parquet"))
    for name in files:
        assert pq.read_table(plain / name).equals(pq.read_table(zero / name))
    assert not (plain / "labels.parquet").exists() and not (plain / "_registers").exists()
    assert pl.read_parquet(zero / "labels.parquet").height == 0
    for register in REGISTERS:
        assert any((zero / "_registers" / register).glob("*.parquet"))


def test_planted_irregularities_are_labelled(tmp_path: Path) -> None:
    population = _write(tmp_path / "pop", 0.02)
    labels = pl.read_parquet(population / "labels.parquet")
    assert labels.columns == ["person_id", "kind"]
    assert set(labels["kind"].unique().to_list()) == set(KINDS)
    persons = _persons(population)
    assert persons["person_id"].is_unique().all()
    copies = persons.filter(pl.col("person_id") >= COPY_ID_OFFSET)
    assert (
        copies.height
        == labels.filter(pl.col("kind").is_in(["paid_twice", "duplicate_identity"])).height // 2
    )
    twice = labels.filter(pl.col("kind") == "paid_twice").join(persons, on="person_id")
    assert (twice.group_by("resident_id").agg(pl.col("province").n_unique())["province"] == 2).all()
    duplicates = labels.filter(pl.col("kind") == "duplicate_identity").join(persons, on="person_id")
    assert check_resident_ids(id_strings(duplicates["resident_id"].to_arrow()))["valid"].all()
    assert duplicates["resident_id"].is_unique().all()
    same = _write(tmp_path / "again", 0.02)
    assert pl.read_parquet(same / "labels.parquet").equals(labels)


def test_cli_fraud_rate(tmp_path: Path) -> None:
    runner = CliRunner()
    ok = runner.invoke(
        app,
        [
            "synth",
            "--persons",
            "500",
            "--out",
            str(tmp_path / "p"),
            "--fraud-rate",
            "0.01",
            "--workers",
            "1",
            "--no-progress",
        ],
    )
    assert ok.exit_code == 0, ok.output
    assert (tmp_path / "p" / "labels.parquet").is_file()
    bad = runner.invoke(
        app,
        ["synth", "--persons", "500", "--out", str(tmp_path / "q"), "--fraud-rate", "0.5"],
    )
    assert bad.exit_code == 2 and "--fraud-rate" in bad.output
