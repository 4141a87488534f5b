"""Bulk import of one employer's monthly declaration, against raw COPY of the same rows.

    .venv/bin/python -m benchmarks import [--rows 1000000] [--database sqlite|postgres|both]
        [--schema bench_import] [--steps]

Set-up (not timed): a fresh schema, one employer, N registered persons employed by it
(written with COPY), and the declaration as a CSV file in memory. Then, in the same run:

- floor: the file's rows copied as they are into an unconstrained two-column table (PostgreSQL
  ``COPY``; SQLite: parse the CSV and ``executemany``), committed;
- ours: ``declarations.submit_file`` end to end: parse, validate every row (identity numbers,
  wages, duplicates, registration, employment, names), compute every scheme's parts with the
  rules engine, write the declaration, N contribution records and N personal-account credits
  plus the audit row, one transaction.

PostgreSQL comes from ``SAFETYNET_BENCH_DATABASE_URL`` or ``SAFETYNET_TEST_DATABASE_URL``.
"""

from __future__ import annotations

import argparse
import io
import os
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url

from safetynet.domain.access import Principal, Role
from safetynet.policy.rules.identity import make_resident_ids
from safetynet.services import declarations, registry
from safetynet.services.bulk import db_timestamp, insert_frame
from safetynet.services.demo import credit_code
from safetynet.services.uow import UnitOfWork
from safetynet.store.base import utcnow
from safetynet.store.db import make_engine, session_factory, upgrade

ACTOR = Principal("benchmark", Role.ADMIN)
REGION = 110105
MONTH = "2025-08"
SCHEMA = "bench_import"


def _population(n: int, seed: int = 7) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    births = np.datetime64("1960-01-01") + rng.integers(0, 365 * 40, n).astype("timedelta64[D]")
    # unique (birth date, sequence) pairs make unique numbers
    sequence = np.arange(n) % 1000
    births = births + (np.arange(n) // 1000 % 5).astype("timedelta64[D]")
    ids = make_resident_ids(np.full(n, REGION), births, sequence)
    frame = pl.DataFrame({"id_number": ids.astype(str), "birth_date": births.astype(str)})
    frame = frame.unique("id_number", keep="first", maintain_order=True)
    wages = rng.lognormal(np.log(11000), 0.5, frame.height).round(2)
    return frame.with_columns(
        pl.Series("monthly_wage", wages).round(2),
        (pl.lit("1") + pl.col("id_number").str.slice(14, 3)).alias("sex_digit"),
    )


def _prepare(engine: Engine, people: pl.DataFrame) -> int:
    upgrade(engine)
    uow = UnitOfWork(session_factory(engine))
    employer = registry.register_employer(
        uow, ACTOR, credit_code=credit_code(REGION, 4242), name="Benchmark Co.", risk_class=2
    )
    now = db_timestamp(utcnow())
    n = people.height
    with UnitOfWork(session_factory(engine)) as bulk:
        session = bulk.session
        persons = pl.DataFrame(
            {
                "id_number": people["id_number"],
                "name": pl.repeat("Bench Person", n, eager=True),
                "sex": pl.Series(
                    np.where(
                        people["id_number"].str.slice(16, 1).cast(pl.Int32).to_numpy() % 2 == 1,
                        "male",
                        "female",
                    )
                ),
                "birth_date": people["birth_date"],
                "hukou_region_code": pl.repeat(REGION, n, eager=True),
                "hukou_type": pl.repeat("urban", n, eager=True),
                "region_code": pl.repeat(REGION, n, eager=True),
                "created_at": pl.repeat(now, n, eager=True),
                "updated_at": pl.repeat(now, n, eager=True),
            }
        )
        insert_frame(session, "persons", persons)
        session.execute(
            text(
                "INSERT INTO employment_spells (person_id, employer_id, region_code, start_month, "
                "created_at) SELECT id, :employer, region_code, '2025-01', :now FROM persons"
            ),
            {"employer": employer.id, "now": now},
        )
        bulk.commit()
    if engine.dialect.name == "postgresql":
        # a live database has planner statistics; without them the employed-persons join
        # runs as a million index probes (1.2 s instead of 0.6 s)
        with engine.begin() as conn:
            conn.execute(text("ANALYZE persons, employment_spells"))
    return employer.id


def _declaration_csv(people: pl.DataFrame) -> bytes:
    buffer = io.BytesIO()
    people.select(
        "id_number",
        pl.col("monthly_wage").map_elements(lambda w: f"{w:.2f}", return_dtype=pl.String),
    ).write_csv(buffer)
    return buffer.getvalue()


def _floor(engine: Engine, content: bytes) -> float:
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE IF EXISTS raw_rows"))
        conn.execute(text("CREATE TABLE raw_rows (id_number TEXT, monthly_wage TEXT)"))
    start = time.perf_counter()
    with engine.begin() as conn:
        raw = conn.connection.dbapi_connection
        assert raw is not None
        if engine.dialect.name == "postgresql":
            with (
                raw.cursor() as cursor,
                cursor.copy("COPY raw_rows FROM STDIN WITH (FORMAT csv, HEADER true)") as copy,
            ):
                copy.write(content)
        else:
            frame = pl.read_csv(io.BytesIO(content), infer_schema=False)
            cursor = raw.cursor()
            cursor.executemany("INSERT INTO raw_rows VALUES (?, ?)", frame.iter_rows())
            cursor.close()
    return time.perf_counter() - start


def _written_floor(engine: Engine) -> float:
    """Raw copy of the rows the import wrote (records and account credits), as they are,
    into unconstrained tables: the floor of writing the same rows."""
    tables = ("contribution_records", "account_entries")
    dumps: dict[str, object] = {}
    with engine.begin() as conn:
        for table in tables:
            conn.execute(text(f"DROP TABLE IF EXISTS raw_{table}"))
            conn.execute(text(f"CREATE TABLE raw_{table} AS SELECT * FROM {table} WHERE 1 = 0"))
            raw = conn.connection.dbapi_connection
            assert raw is not None
            if engine.dialect.name == "postgresql":
                buffer = io.BytesIO()
                with raw.cursor() as cursor, cursor.copy(f"COPY {table} TO STDOUT") as copy:
                    for block in copy:
                        buffer.write(block)
                dumps[table] = buffer.getvalue()
            else:
                dumps[table] = conn.execute(text(f"SELECT * FROM {table}")).all()
    start = time.perf_counter()
    with engine.begin() as conn:
        raw = conn.connection.dbapi_connection
        assert raw is not None
        for table in tables:
            data = dumps[table]
            if isinstance(data, bytes):
                with raw.cursor() as cursor, cursor.copy(f"COPY raw_{table} FROM STDIN") as copy:
                    copy.write(data)
            else:
                rows = [tuple(r) for r in data]  # type: ignore[attr-defined]
                marks = ", ".join("?" for _ in rows[0])
                cursor = raw.cursor()
                cursor.executemany(f"INSERT INTO raw_{table} VALUES ({marks})", rows)
                cursor.close()
    return time.perf_counter() - start


_STEPS = (
    ("read_declaration", "parse the file"),
    ("_field_problems", "validate the fields"),
    ("content_hash", "content hash"),
    ("_employed", "employed persons (waited for)"),
    ("_registry_problems", "join to the employed"),
    ("compute", "rules kernel"),
    ("insert_frame", "write"),
)


@contextmanager
def _timed_steps(times: dict[str, float]) -> Iterator[None]:
    """Adds each step's wall seconds to ``times`` (the service's functions, wrapped)."""
    originals = {name: getattr(declarations, name) for name, _ in _STEPS}

    def timed(name: str, label: str) -> Callable[..., Any]:
        def run(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                result = originals[name](*args, **kwargs)
            finally:
                step = f"{label} {args[1]}" if name == "insert_frame" else label
                times[step] = times.get(step, 0.0) + time.perf_counter() - start
            if name != "_employed":
                return result

            def wait() -> Any:  # the fetch runs beside the validation: time the wait
                start = time.perf_counter()
                try:
                    return result()
                finally:
                    times[label] = times.get(label, 0.0) + time.perf_counter() - start

            return wait

        return run

    for name, label in _STEPS:
        setattr(declarations, name, timed(name, label))
    try:
        yield
    finally:
        for name, function in originals.items():
            setattr(declarations, name, function)


def _ours(engine: Engine, employer_id: int, content: bytes) -> float:
    uow = UnitOfWork(session_factory(engine))
    start = time.perf_counter()
    outcome = declarations.submit_file(
        uow,
        ACTOR,
        employer_id=employer_id,
        month=MONTH,
        version=1,
        content=content,
        filename="bench.csv",
    )
    elapsed = time.perf_counter() - start
    assert outcome.posted
    return elapsed


def run(label: str, engine: Engine, n: int, steps: bool = False) -> None:
    people = _population(n)
    employer_id = _prepare(engine, people)
    content = _declaration_csv(people)
    rows = people.height
    floor = _floor(engine, content)
    times: dict[str, float] = {}
    with _timed_steps(times) if steps else nullcontext():
        ours = _ours(engine, employer_id, content)
    written = _written_floor(engine)
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"{label}: {rows:,} declaration rows (load average {load})")
    for name, seconds in (
        ("floor 1, raw copy of the file's rows", floor),
        ("floor 2, raw copy of the rows written", written),
        ("validated import (submit_file, one txn)", ours),
    ):
        print(f"  {name:<40}: {seconds:7.2f} s {rows / seconds:>11,.0f} rows/s")
    print(f"  import = {floor / ours:.0%} of floor 1, {written / ours:.0%} of floor 2")
    for step, seconds in times.items():
        print(f"    {step:<38}: {seconds:7.2f} s")


@contextmanager
def scratch_schema(base: str, schema: str) -> Iterator[Engine]:
    """An engine on a fresh PostgreSQL schema of the database at ``base``, dropped after."""
    admin = make_engine(base)
    with admin.begin() as conn:
        conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    url = make_url(base).update_query_dict({"options": f"-csearch_path={schema}"})
    engine = make_engine(url.render_as_string(hide_password=False))
    try:
        yield engine
    finally:
        engine.dispose()
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        admin.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--database", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--schema", default=SCHEMA, help="scratch PostgreSQL schema")
    parser.add_argument(
        "--steps", action="store_true", help="also time the import's steps (wall seconds)"
    )
    args = parser.parse_args()
    if args.database in ("postgres", "both"):
        base = (
            os.environ.get("SAFETYNET_BENCH_DATABASE_URL")
            or os.environ.get("SAFETYNET_TEST_DATABASE_URL")
            or "postgresql+psycopg://postgres@127.0.0.1:5432/safetynet_test"
        )
        with scratch_schema(base, args.schema) as engine:
            run("PostgreSQL", engine, args.rows, args.steps)
    if args.database in ("sqlite", "both"):
        with tempfile.TemporaryDirectory() as folder:
            engine = make_engine(f"sqlite:///{Path(folder) / 'bench.db'}")
            run("SQLite", engine, args.rows, args.steps)
            engine.dispose()


if __name__ == "__main__":
    main()
