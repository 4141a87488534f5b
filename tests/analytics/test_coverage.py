"""Coverage on a hand-made population with hand-computed counts, on the synthetic population,
and over the system of record (SQLite and PostgreSQL)."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from sqlalchemy import Engine
from tests.analytics.conftest import write_hand_population
from tests.conftest import ADMIN, Records
from typer.testing import CliRunner

from safetynet.analytics.base import run_analysis
from safetynet.analytics.coverage import Coverage
from safetynet.analytics.records import export_population
from safetynet.cli.main import app
from safetynet.services import registry
from safetynet.synth.fraud import COPY_ID_OFFSET

# (label, region, birth, sex, employment, pension scheme, medical scheme)
PERSONS = [
    ("a", 110000, "1995-03-01", 1, "employee", "employee", "employee"),  # covered
    ("b", 110000, "1985-06-01", 2, "employee", "none", "resident"),  # pension, medical, UI gaps
    ("c", 510000, "1990-01-01", 1, "flexible", "resident", "employee"),  # covered
    ("d", 510000, "1975-09-01", 2, "rural_resident", "none", "resident"),  # pension gap
    ("e", 510000, "2015-02-01", 1, "student_child", "none", "none"),  # medical gap only
    ("f", 110000, "1955-04-01", 1, "retired", "employee", "employee"),  # covered
]


def hand_population(tmp_path: Path) -> Path:
    return write_hand_population(
        tmp_path / "pop",
        [
            {
                "region": r,
                "birth": b,
                "sex": s,
                "employment_type": e,
                "pension_scheme": ps,
                "medical_scheme": ms,
                "urban": r == 110000,
            }
            for _, r, b, s, e, ps, ms in PERSONS
        ],
    )


def test_hand_computed_counts(tmp_path: Path) -> None:
    outcome = run_analysis(Coverage(), hand_population(tmp_path), "2025-12", tmp_path / "out")
    national = outcome.tables["national"].row(0, named=True)
    assert national["population"] == 6
    assert national["should_pension"] == 5  # all but the child
    assert national["pension_employee"] == 2 and national["pension_resident"] == 1
    assert national["uncovered_pension"] == 2  # b (employee outside the employees' scheme), d
    assert national["uncovered_medical"] == 2  # b (employee in the residents' scheme), e
    assert national["should_unemployment"] == 2 and national["uncovered_unemployment"] == 1
    assert national["pension_gap_rate"] == pytest.approx(2 / 5)
    provinces = outcome.tables["provinces"].sort("province")
    assert provinces["population"].to_list() == [3, 3]
    assert provinces["uncovered_pension"].to_list() == [1, 1]
    uncovered = pl.read_parquet(tmp_path / "out" / "tables" / "uncovered_persons.parquet")
    assert sorted(uncovered["person_id"].to_list()) == [1, 3, 4]
    assert uncovered.filter(pl.col("person_id") == 4)["needs_pension"].to_list() == [False]
    assert "uncovered_persons" in (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    for name in ("cells", "provinces", "uncovered_persons", "reference"):
        assert (tmp_path / "out" / "tables" / f"{name}.parquet").is_file()
        assert (tmp_path / "out" / "tables" / f"{name}.csv").is_file()
    report = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    assert "<svg" in report and "http://" not in report.replace('xmlns="http://www.w3.org', "")


def test_synthetic_population_cells_add_up(fraud_population: Path, tmp_path: Path) -> None:
    outcome = run_analysis(
        Coverage(),
        fraud_population,
        "2025-12",
        tmp_path / "out",
        chunk_rows=10_000,
        progress=False,
    )
    cells, national = outcome.tables["cells"], outcome.tables["national"]
    assert cells["population"].sum() == national["population"][0] == outcome.totals[0].processed
    rows = pl.read_parquet(tmp_path / "out" / "extract" / "coverage_persons" / "rows" / "*.parquet")
    listed = rows.filter((pl.col("uncovered_pension") == 1) | (pl.col("uncovered_medical") == 1))
    listed_out = pl.read_csv(tmp_path / "out" / "tables" / "uncovered_persons.csv")
    assert listed_out.height == listed.height > 0
    assert any(
        line.startswith(f"uncovered_persons: {listed.height:,} persons") for line in outcome.lines
    )
    assert outcome.tables["employers_at_floor"].height > 0
    # every employee outside the employees' scheme is employed but not declared (planted
    # copies of persons are in no employer's register)
    persons = pl.read_parquet(fraud_population / "province=*" / "*.parquet").filter(
        pl.col("person_id") < COPY_ID_OFFSET
    )
    uninsured = persons.filter(
        (pl.col("employment_type") == "employee")
        & (pl.col("monthly_wage_fen") > 0)
        & (pl.col("pension_scheme") != "employee")
    )
    under = outcome.tables["employers_under_declaring"]
    assert under["undeclared"].sum() == uninsured.height > 0
    reference = outcome.tables["reference"]
    assert reference.height == 8 and (reference["ratio"] > 0).all()


def test_from_the_system_of_record(engine: Engine, records: Records, tmp_path: Path) -> None:
    """Two employees of one employer (enrolled in the four employee schemes), a flexible
    worker enrolled in pension and medical, and a resident enrolled in nothing."""
    employer = records.employer()
    records.employees(employer, 2, start_month="2025-01")
    flexible = records.person(birth="1990-02-03")
    registry.enroll(
        records.uow,
        ADMIN,
        person_id=flexible.id,
        worker_type="flexible",
        region="110105",
        start_month="2025-01",
        reason="test",
    )
    records.person(birth="1970-07-08", male=False)
    population = export_population(tmp_path / "pop", "2025-12", str(engine.url))
    outcome = run_analysis(Coverage(), population, "2025-12", tmp_path / "out")
    national = outcome.tables["national"].row(0, named=True)
    assert national["population"] == 4
    assert national["pension_employee"] == 3 and national["medical_employee"] == 3
    assert national["unemployment"] == 2 and national["should_unemployment"] == 2
    assert national["uncovered_pension"] == 1 and national["uncovered_medical"] == 1


def test_cli_from_db(engine: Engine, records: Records, tmp_path: Path) -> None:
    records.person(birth="1980-01-02")
    result = CliRunner().invoke(
        app,
        [
            "analyze",
            "coverage",
            "--from-db",
            "--database",
            str(engine.url),
            "--month",
            "2025-12",
            "--out",
            str(tmp_path / "out"),
            "--no-progress",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "population 1;" in result.output
    refused = CliRunner().invoke(
        app,
        [
            "analyze",
            "fairness",
            "--from-db",
            "--database",
            str(engine.url),
            "--month",
            "2025-12",
            "--out",
            str(tmp_path / "other"),
        ],
    )
    assert refused.exit_code == 2 and "missing columns" in refused.output


def test_from_db_refuses_an_unmigrated_database(tmp_path: Path) -> None:
    empty = f"sqlite:///{tmp_path / 'empty.db'}"
    with pytest.raises(ValueError, match="from-db: cannot read the persons"):
        export_population(tmp_path / "pop", "2025-12", empty)
