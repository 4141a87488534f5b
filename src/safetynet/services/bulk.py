"""Moving many rows in and out of the database inside the caller's transaction.

PostgreSQL gets ``COPY`` (the rows as CSV, written by polars), SQLite a prepared
``executemany``; both run on the unit of work's connection, so a failure rolls them back
with everything else. Both go around SQLAlchemy's statement layer, so a constraint violation
(a unique key lost to a concurrent writer) is raised again as SQLAlchemy's
:class:`~sqlalchemy.exc.IntegrityError`, the one type the services and the API handle.
"""

from __future__ import annotations

import io
import re
from datetime import datetime
from typing import Any

import polars as pl
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

TIMESTAMP_FORMAT = "%Y-%m-%d %H:%M:%S.%f"


def db_timestamp(moment: datetime) -> str:
    """A UTC instant as both databases store a naive timestamp."""
    return moment.replace(tzinfo=None).strftime(TIMESTAMP_FORMAT)


def _dbapi(session: Session) -> Any:
    return session.connection().connection.dbapi_connection


def insert_frame(session: Session, table: str, frame: pl.DataFrame) -> int:
    """Append every row of ``frame`` to ``table`` (columns by name); returns the row count.
    Raises :class:`IntegrityError` when a row breaks a constraint (nothing is appended)."""
    if frame.height == 0:
        return 0
    driver_error = session.get_bind().dialect.dbapi
    integrity = getattr(driver_error, "IntegrityError", None) if driver_error else None
    try:
        return _insert(session, table, frame)
    except Exception as exc:
        if integrity is not None and isinstance(exc, integrity):
            raise IntegrityError(f"bulk insert into {table}", None, exc) from exc
        raise


def _insert(session: Session, table: str, frame: pl.DataFrame) -> int:
    columns = ", ".join(frame.columns)
    raw = _dbapi(session)
    if session.get_bind().dialect.name == "postgresql":
        buffer = io.BytesIO()
        frame.write_csv(buffer, include_header=False, null_value="")
        with (
            raw.cursor() as cursor,
            cursor.copy(f"COPY {table} ({columns}) FROM STDIN WITH (FORMAT csv)") as copy,
        ):
            view = buffer.getbuffer()
            step = 1 << 20
            for start in range(0, len(view), step):
                copy.write(view[start : start + step])
        return frame.height
    marks = ", ".join("?" for _ in frame.columns)
    cursor = raw.cursor()
    try:
        cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", frame.iter_rows())
    finally:
        cursor.close()
    return frame.height


def fetch_frame(
    session: Session, sql: str, params: dict[str, Any], schema: dict[str, Any]
) -> pl.DataFrame:
    """Run a query and return its rows as a polars frame of the given schema."""
    cursor = _dbapi(session).cursor()
    try:
        postgres = session.get_bind().dialect.name == "postgresql"
        cursor.execute(text_to_pyformat(sql) if postgres else sql, params)
        rows = cursor.fetchall()
    finally:
        cursor.close()
    return pl.DataFrame(rows, schema=schema, orient="row")


def text_to_pyformat(sql: str) -> str:
    """``:name`` placeholders (SQLAlchemy) to ``%(name)s`` (psycopg)."""
    return re.sub(r"(?<!:):([a-z_]+)", r"%(\1)s", sql)
