"""The system of record as a population (``safetynet analyze JOB --from-db``).

Persons, their enrolments active in the month and their pension awards are read in one grouped
query and written as a population directory (Parquet by province, with a manifest whose
reference month is the analysis month), so the same extracts run over it. What the record
holds: identity, sex, birth date, region, hukou type, scheme memberships and the kind of worker;
the employment type is derived (an active employee-pension award: retired; an employee or
flexible enrolment; under 16: a child; otherwise a resident by hukou). Wages, contribution
histories, registers and claims are not exported, so analyses that need them refuse with the
columns they miss.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

import polars as pl
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from safetynet.policy.periods import format_month, parse_month
from safetynet.store.db import make_engine
from safetynet.synth.writer import MANIFEST, PopulationManifest

QUERY = """
SELECT p.id AS person_id, p.id_number AS resident_id, p.region_code AS region, p.sex AS sex,
       p.birth_date AS birth_date, p.hukou_type AS hukou_type,
       MAX(CASE WHEN e.scheme = 'employee_pension' THEN 1 ELSE 0 END) AS employee_pension,
       MAX(CASE WHEN e.scheme = 'resident_pension' THEN 1 ELSE 0 END) AS resident_pension,
       MAX(CASE WHEN e.scheme = 'employee_medical' THEN 1 ELSE 0 END) AS employee_medical,
       MAX(CASE WHEN e.scheme = 'resident_medical' THEN 1 ELSE 0 END) AS resident_medical,
       MAX(CASE WHEN e.worker_type = 'employee' THEN 1 ELSE 0 END) AS employee,
       MAX(CASE WHEN e.worker_type = 'flexible' THEN 1 ELSE 0 END) AS flexible,
       MAX(CASE WHEN a.id IS NOT NULL THEN 1 ELSE 0 END) AS retired
FROM persons p
LEFT JOIN enrollments e
  ON e.person_id = p.id AND e.status = 'active' AND e.start_month <= :month
  AND (e.end_month IS NULL OR e.end_month >= :month)
LEFT JOIN awards a
  ON a.person_id = p.id AND a.kind = 'employee_pension' AND a.status = 'active'
  AND a.start_month <= :month
GROUP BY p.id, p.id_number, p.region_code, p.sex, p.birth_date, p.hukou_type
"""


def _scheme(employee: str, resident: str) -> pl.Expr:
    return (
        pl.when(pl.col(employee) == 1)
        .then(pl.lit("employee"))
        .when(pl.col(resident) == 1)
        .then(pl.lit("resident"))
        .otherwise(pl.lit("none"))
    )


def export_population(out: Path, month_text: str, database: str | None) -> Path:
    """Write the record's persons as of ``month_text`` to ``out``; return ``out``."""
    month = parse_month(month_text, "--month")
    engine = make_engine(database)
    try:
        with engine.connect() as connection:
            rows = pl.read_database(
                text(QUERY).bindparams(month=format_month(month)),
                connection,
                infer_schema_length=None,
            )
    except SQLAlchemyError as exc:
        raise ValueError(
            f"from-db: cannot read the persons of {engine.url.render_as_string()} "
            f"({type(exc).__name__}; is it migrated? `safetynet db upgrade`)"
        ) from None
    finally:
        engine.dispose()
    if rows.height == 0:
        raise ValueError("from-db: the database holds no persons")
    text_dates = rows.schema["birth_date"] == pl.String  # SQLite returns dates as text
    birth = pl.col("birth_date").str.to_date() if text_dates else pl.col("birth_date").cast(pl.Date)
    birth_month = (birth.dt.year().cast(pl.Int64) * 12 + birth.dt.month().cast(pl.Int64) - 1).alias(
        "birth_month"
    )
    frame = rows.with_columns(birth_month).with_columns(
        pl.col("person_id").cast(pl.Int64),
        pl.col("region").cast(pl.Int64),
        (pl.col("region") // 10000 * 10000).cast(pl.Int64).alias("province"),
        pl.when(pl.col("sex") == "male").then(1).otherwise(2).cast(pl.Int8).alias("sex"),
        (pl.col("hukou_type") == "urban").alias("urban"),
        pl.when(pl.col("retired") == 1)
        .then(pl.lit("retired"))
        .when(pl.col("employee") == 1)
        .then(pl.lit("employee"))
        .when(pl.col("flexible") == 1)
        .then(pl.lit("flexible"))
        .when((month - pl.col("birth_month")) // 12 < 16)
        .then(pl.lit("student_child"))
        .when(pl.col("hukou_type") == "urban")
        .then(pl.lit("urban_resident"))
        .otherwise(pl.lit("rural_resident"))
        .alias("employment_type"),
        _scheme("employee_pension", "resident_pension").alias("pension_scheme"),
        _scheme("employee_medical", "resident_medical").alias("medical_scheme"),
    )
    columns = [
        "person_id",
        "resident_id",
        "region",
        "sex",
        "birth_month",
        "urban",
        "employment_type",
        "pension_scheme",
        "medical_scheme",
    ]
    for (province,), part in frame.partition_by("province", as_dict=True).items():
        folder = out / f"province={int(province):06d}"
        folder.mkdir(parents=True, exist_ok=True)
        part.select(columns).sort("person_id").write_parquet(folder / "part-00000.parquet")
    manifest = PopulationManifest(
        persons=frame.height,
        seed=0,
        as_of=format_month(month),
        chunk_size=frame.height,
        chunks=1,
        invalid_share=0.0,
    )
    content = {k: v for k, v in asdict(manifest).items() if k != "fraud_rate"}
    (out / MANIFEST).write_text(json.dumps(content, indent=2) + "\n", encoding="utf-8")
    return out
