"""Moving many rows in and out of the database inside the caller's transaction.

PostgreSQL gets ``COPY``. Rows go in as binary ``COPY`` when every value of a column has one
width (integers, timestamps, texts of one length; no nulls), as a declaration's records and
account credits have: each block of rows is one numpy record array in the wire format, with no
per-row Python, and the server skips parsing text. Other frames go in as CSV written by polars.
Blocks are queued to psycopg's writer thread, so the next block is built while the server takes
the last. Rows come out of a query in binary. SQLite gets a prepared ``executemany``.

Everything runs on the unit of work's connection, so a failure rolls it back with everything
else. Both go around SQLAlchemy's statement layer, so a constraint violation (a unique key
lost to a concurrent writer) is raised again as SQLAlchemy's
:class:`~sqlalchemy.exc.IntegrityError`, the one type the services and the API handle.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
import polars as pl
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

TIMESTAMP_FORMAT = "%Y-%m-%d %H:%M:%S.%f"
BLOCK_ROWS = 65_536
"""Rows per COPY block (a block of a declaration's records is ~18 MB in binary)."""

_BINARY_HEADER = b"PGCOPY\n\xff\r\n\x00" + bytes(8)  # signature, flags, no header extension
_BINARY_TRAILER = b"\xff\xff"
_INTEGER_TYPES: dict[str, tuple[Any, int]] = {
    "bigint": (pl.Int64, 8),
    "integer": (pl.Int32, 4),
    "smallint": (pl.Int16, 2),
}
"""Each PostgreSQL integer type's polars type and width in bytes."""
_TEXT_TYPES = {"character varying", "text"}
_TIMESTAMP_TYPE = "timestamp without time zone"
_TIMESTAMP_PARSE = "%Y-%m-%d %H:%M:%S%.f"
"""``TIMESTAMP_FORMAT`` as polars parses it (chrono's fraction of a second)."""
_MICROSECONDS_1970_TO_2000 = 946_684_800_000_000
"""PostgreSQL's binary timestamps count microseconds from 2000-01-01."""


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
        from psycopg.copy import QueuedLibpqWriter

        with raw.cursor() as cursor:
            layout = _binary_layout(frame, _column_types(cursor, table))
            if layout is not None:
                statement = f"COPY {table} ({columns}) FROM STDIN WITH (FORMAT binary)"
                blocks = _binary_blocks(frame, layout)
            else:
                statement = f"COPY {table} ({columns}) FROM STDIN WITH (FORMAT csv)"
                blocks = _csv_blocks(frame)
            with cursor.copy(statement, writer=QueuedLibpqWriter(cursor)) as copy:
                for block in blocks:
                    copy.write(block)
        return frame.height
    marks = ", ".join("?" for _ in frame.columns)
    cursor = raw.cursor()
    try:
        cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", frame.iter_rows())
    finally:
        cursor.close()
    return frame.height


def _column_types(cursor: Any, table: str) -> dict[str, str]:
    """The PostgreSQL type of each column of ``table`` (the one on the search path)."""
    cursor.execute(
        "SELECT attname, format_type(atttypid, NULL) FROM pg_attribute "
        "WHERE attrelid = %s::regclass AND attnum > 0 AND NOT attisdropped",
        (table,),
    )
    return {str(name): str(kind) for name, kind in cursor.fetchall()}


@dataclass(frozen=True)
class _Field:
    name: str
    kind: str
    """``integer``, ``timestamp`` or ``text``."""
    dtype: str
    """The value's numpy type as sent (big-endian integers, ``S<n>`` bytes)."""
    width: int
    integer_type: Any = None
    """The polars type of the column's integers (a value out of its range raises)."""


def _binary_layout(frame: pl.DataFrame, types: dict[str, str]) -> list[_Field] | None:
    """Each column's field in a binary COPY row, or None when a column has nulls, texts of
    several lengths or a type sent otherwise (then the frame goes as CSV)."""
    fields: list[_Field] = []
    for name in frame.columns:
        column = frame[name]
        kind = types.get(name, "")
        if column.null_count():
            return None
        if kind in _INTEGER_TYPES and column.dtype.is_integer():
            integer_type, width = _INTEGER_TYPES[kind]
            fields.append(_Field(name, "integer", f">i{width}", width, integer_type))
        elif kind == _TIMESTAMP_TYPE and column.dtype == pl.String:
            moments = column.unique().str.to_datetime(_TIMESTAMP_PARSE, strict=False)
            if moments.null_count():  # not as db_timestamp writes them: the server parses
                return None
            fields.append(_Field(name, "timestamp", ">i8", 8))
        elif kind in _TEXT_TYPES and column.dtype == pl.String:
            lengths = column.str.len_bytes().to_numpy()
            width = int(lengths.max())
            if lengths.min() != width:
                return None
            fields.append(_Field(name, "text", f"S{width}", width))
        else:
            return None
    return fields


def _binary_blocks(frame: pl.DataFrame, fields: list[_Field]) -> Iterator[bytes]:
    """The frame in PostgreSQL's binary COPY format, a block of rows at a time: every row is
    the same number of bytes, so a block is a numpy record array of (field count, then each
    field's length and value)."""
    layout: list[tuple[str, str]] = [("count", ">i2")]
    for i, field in enumerate(fields):
        layout.append((f"length{i}", ">i4"))
        if field.width:
            layout.append((f"value{i}", field.dtype))
    yield _BINARY_HEADER
    for block in frame.iter_slices(BLOCK_ROWS):
        rows = np.empty(block.height, dtype=np.dtype(layout))
        rows["count"] = len(fields)
        for i, field in enumerate(fields):
            rows[f"length{i}"] = field.width
            if field.width:
                rows[f"value{i}"] = _binary_values(block[field.name], field)
        yield rows.tobytes()
    yield _BINARY_TRAILER


def _binary_values(column: pl.Series, field: _Field) -> np.ndarray:
    if field.kind == "integer":  # a value out of the column's range raises, never wraps
        return column.cast(field.integer_type, strict=True).to_numpy()
    if field.kind == "timestamp":
        moments = column.str.to_datetime(_TIMESTAMP_PARSE, time_unit="us").dt.epoch("us")
        return (moments - _MICROSECONDS_1970_TO_2000).to_numpy()
    if column.n_unique() == 1:
        return np.array(column[0].encode(), dtype=field.dtype)
    return np.array(column.cast(pl.Binary).to_list(), dtype=field.dtype)


def _csv_blocks(frame: pl.DataFrame) -> Iterator[bytes]:
    for block in frame.iter_slices(BLOCK_ROWS):
        yield block.write_csv(include_header=False, null_value="").encode()


def fetch_frame(
    session: Session, sql: str, params: dict[str, Any], schema: dict[str, Any]
) -> pl.DataFrame:
    """Run a query and return its rows as a polars frame of the given schema."""
    return fetch_frame_from(_dbapi(session), session.get_bind().dialect.name, sql, params, schema)


def fetch_frame_from(
    raw: Any, dialect: str, sql: str, params: dict[str, Any], schema: dict[str, Any]
) -> pl.DataFrame:
    """:func:`fetch_frame` on a driver connection, which may be used from another thread
    while the session's owner leaves the connection alone. PostgreSQL sends the rows in binary
    (no text to parse for numbers)."""
    cursor = raw.cursor()
    try:
        if dialect == "postgresql":
            cursor.execute(text_to_pyformat(sql), params, binary=True)
        else:
            cursor.execute(sql, params)
        rows = cursor.fetchall()
    finally:
        cursor.close()
    return pl.DataFrame(rows, schema=schema, orient="row")


def text_to_pyformat(sql: str) -> str:
    """``:name`` placeholders (SQLAlchemy) to ``%(name)s`` (psycopg)."""
    return re.sub(r"(?<!:):([a-z_]+)", r"%(\1)s", sql)
