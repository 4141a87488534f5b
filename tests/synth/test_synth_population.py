"""The synthetic population: deterministic, realistic in its margins, internally consistent."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import polars as pl
import pyarrow as pa
import pytest
from typer.testing import CliRunner

from safetynet.cli.main import app
from safetynet.policy.parameters import default_parameters
from safetynet.policy.periods import parse_month
from safetynet.policy.rules.identity import check_resident_ids
from safetynet.synth.census import URBAN_SHARE, census_cells
from safetynet.synth.population import ChunkSpec, generate_chunk
from safetynet.synth.writer import MANIFEST, write_population

AS_OF = parse_month("2025-12")


@pytest.fixture(scope="module")
def chunk() -> pa.Table:
    spec = ChunkSpec(seed=11, chunk=0, size=60_000, first_person_id=0, as_of=AS_OF)
    return generate_chunk(default_parameters(), spec)


def test_same_seed_same_persons_other_seed_others() -> None:
    spec = ChunkSpec(seed=5, chunk=3, size=2_000, first_person_id=6_000, as_of=AS_OF)
    first = generate_chunk(default_parameters(), spec)
    again = generate_chunk(default_parameters(), spec)
    other = generate_chunk(
        default_parameters(),
        ChunkSpec(seed=6, chunk=3, size=2_000, first_person_id=6_000, as_of=AS_OF),
    )
    assert first.equals(again)
    assert not first.column("resident_id").equals(other.column("resident_id"))
    assert first.column("person_id").to_pylist() == list(range(6_000, 8_000))


def test_identity_numbers_are_valid_and_agree_with_the_record(chunk: pa.Table) -> None:
    ids = check_resident_ids(np.asarray(chunk.column("resident_id").to_pylist()))
    assert ids["valid"].all()
    assert (ids["birth_month"] == chunk.column("birth_month").to_numpy()).all()
    assert (ids["sex"] == chunk.column("sex").to_numpy()).all()
    # the address code lies in the person's province
    assert (ids["region"] // 10000 == chunk.column("province").to_numpy() // 10000).all()


def test_margins_follow_the_census(chunk: pa.Table) -> None:
    frame = pl.from_arrow(chunk)
    assert isinstance(frame, pl.DataFrame)
    cells = census_cells()
    shares = np.diff(np.r_[0.0, cells.cumulative_share])
    guangdong = shares[cells.province == 440000].sum()
    assert frame.filter(pl.col("province") == 440000).height / frame.height == pytest.approx(
        guangdong, abs=0.006
    )
    age = (AS_OF - frame["birth_month"].to_numpy()) // 12
    census_60_plus = shares[cells.age_start >= 60].sum()
    assert (age >= 60).mean() == pytest.approx(census_60_plus, abs=0.006)
    assert frame["urban"].mean() == pytest.approx(URBAN_SHARE, abs=0.01)
    men = shares[cells.sex == 1].sum()
    assert (frame["sex"] == 1).mean() == pytest.approx(men, abs=0.01)


def test_histories_are_consistent(chunk: pa.Table) -> None:
    frame = pl.from_arrow(chunk)
    assert isinstance(frame, pl.DataFrame)
    retired = frame.filter(pl.col("employment_type") == "retired")
    assert retired.height > 0
    assert (retired["retirement_month"] < AS_OF).all()
    assert (retired["pension_award_fen"] > 0).all()
    assert (frame["contribution_months"] >= frame["deemed_months"]).all()
    contributors = frame.filter(pl.col("contribution_months") > 0)
    age_months = AS_OF - contributors["birth_month"]
    assert (contributors["contribution_months"] <= age_months - 16 * 12 + 1).all()
    not_working = frame.filter(~pl.col("employment_type").is_in(["employee", "flexible"]))
    assert (not_working["monthly_wage_fen"] == 0).all()
    workers = frame.filter(pl.col("employment_type") == "employee")
    assert (workers["avg_contribution_index"].is_between(0.6, 3.0)).all()
    assert (
        frame.filter(pl.col("employment_type") == "student_child")["pension_scheme"] == "none"
    ).all()
    deemed = frame.filter(pl.col("deemed_months") > 0)
    # deemed service is service before the personal accounts began (1996)
    assert (deemed["birth_month"] < 1996 * 12 - 16 * 12).all()


def test_spoiled_rows_are_spoiled() -> None:
    spec = ChunkSpec(
        seed=2, chunk=0, size=20_000, first_person_id=0, as_of=AS_OF, invalid_share=0.05
    )
    table = generate_chunk(default_parameters(), spec)
    ids = check_resident_ids(np.asarray(table.column("resident_id").to_pylist()))
    bad_ids = int((~ids["valid"]).sum())
    negative = int((table.column("monthly_wage_fen").to_numpy() < 0).sum())
    retirement = table.column("retirement_month").to_numpy()
    birth = table.column("birth_month").to_numpy()
    impossible = int(((retirement >= 0) & (retirement < birth)).sum())
    assert set(ids["reason"][~ids["valid"]]) == {"checksum"}
    for count in (bad_ids, negative, impossible):
        assert 200 < count < 500  # about a third of 5 % of 20,000 each


def test_write_population_partitions_by_province(tmp_path: Path) -> None:
    out = tmp_path / "pop"
    manifest = write_population(
        out, persons=5_000, seed=3, as_of=AS_OF, chunk_size=2_000, workers=1, progress=False
    )
    assert manifest.chunks == 3
    stored = json.loads((out / MANIFEST).read_text())
    assert stored["persons"] == 5_000 and stored["as_of"] == "2025-12"
    frame = pl.read_parquet(out / "**/*.parquet", hive_partitioning=True)
    assert frame.height == 5_000
    assert frame["person_id"].n_unique() == 5_000
    assert (frame["province"] == frame["region"]).all()
    assert len(list(out.glob("province=*"))) == 31
    with pytest.raises(ValueError, match=r"out: .* is not empty"):
        write_population(out, persons=10, seed=3, as_of=AS_OF, progress=False)


def test_synth_command(tmp_path: Path) -> None:
    runner = CliRunner()
    out = tmp_path / "cli"
    result = runner.invoke(
        app,
        [
            "synth",
            "--persons",
            "1500",
            "--seed",
            "4",
            "--out",
            str(out),
            "--workers",
            "1",
            "--no-progress",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "1,500 persons" in result.output
    bad = runner.invoke(
        app, ["synth", "--persons", "10", "--out", str(tmp_path / "x"), "--as-of", "2031-01"]
    )
    assert bad.exit_code == 2
    assert "--as-of" in bad.output
    bad = runner.invoke(app, ["synth", "--persons", "0", "--out", str(tmp_path / "y")])
    assert bad.exit_code == 2
    assert "--persons" in bad.output


def test_a_sample_loads_into_the_system_of_record(tmp_path: Path) -> None:
    from sqlalchemy import func, select

    from safetynet.store.db import make_engine
    from safetynet.store.registry import Enrollment, Person
    from safetynet.synth.sample import load_sample

    out = tmp_path / "pop"
    write_population(out, persons=400, seed=8, as_of=AS_OF, workers=1, progress=False)
    engine = make_engine(f"sqlite:///{tmp_path / 'sample.db'}")
    first = load_sample(out, 30, engine)
    again = load_sample(out, 30, engine)
    assert first.registered == 30 and first.enrolled > 0
    assert again.registered == 0 and again.already_present == 30
    with engine.connect() as connection:
        assert connection.scalar(select(func.count()).select_from(Person)) == 30
        assert connection.scalar(select(func.count()).select_from(Enrollment)) > 0
