"""Bulk moves: binary or CSV COPY on PostgreSQL, executemany on SQLite, the same rows back."""

from __future__ import annotations

from datetime import datetime

import polars as pl
import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import IntegrityError

from safetynet.services import bulk
from safetynet.services.uow import UnitOfWork

_PROBE = """
CREATE TEMPORARY TABLE bulk_probe (
  big BIGINT NOT NULL, whole INTEGER, small SMALLINT, month VARCHAR(7), note VARCHAR(200),
  name TEXT, at TIMESTAMP, UNIQUE (big)
)
"""
_COLUMNS = ("big", "whole", "small", "month", "note", "name", "at")


def _fixed_width() -> pl.DataFrame:
    """Every value of a column one width: PostgreSQL takes it as binary COPY."""
    return pl.DataFrame(
        {
            "big": [1, -(2**62), 2**62],
            "whole": [2**31 - 1, -5, 0],
            "small": [1, -1, 32767],
            "month": ["2025-08", "2025-09", "2024-12"],
            "note": ["", "", ""],
            "name": ["张三", "李四", "王五"],
            "at": [
                "2025-08-01 12:34:56.123456",
                "2000-01-01 00:00:00.000000",
                "1999-12-31 23:59:59.999999",
            ],
        }
    )


def _ragged() -> pl.DataFrame:
    """Nulls and texts of several lengths: PostgreSQL takes it as CSV."""
    return pl.DataFrame(
        {
            "big": [7, 8],
            "whole": [None, 3],
            "small": [2, None],
            "month": ["2025-01", None],
            "note": ['a "quoted", note\nover two lines', ""],
            "name": ["x", "much longer"],
            "at": [None, "2025-08-01 00:00:00.000001"],
        },
        schema_overrides={"whole": pl.Int64, "small": pl.Int64},
    )


def _stored(uow: UnitOfWork) -> list[tuple[object, ...]]:
    """The probe's rows, timestamps as the text they were given in."""
    rows = uow.session.execute(text(f"SELECT {', '.join(_COLUMNS)} FROM bulk_probe ORDER BY big"))
    return [
        tuple(v.isoformat(" ", "microseconds") if isinstance(v, datetime) else v for v in row)
        for row in rows
    ]


def test_insert_frame_writes_every_column_type_as_given(
    uow: UnitOfWork, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bulk, "BLOCK_ROWS", 2)  # several blocks, one short
    with uow:
        uow.session.execute(text(_PROBE))
        if uow.session.get_bind().dialect.name == "postgresql":
            cursor = uow.session.connection().connection.dbapi_connection.cursor()
            types = bulk._column_types(cursor, "bulk_probe")
            assert bulk._binary_layout(_fixed_width(), types) is not None
            assert bulk._binary_layout(_ragged(), types) is None
            other_time = _fixed_width().with_columns(pl.lit("2025-08-01 12:34").alias("at"))
            assert bulk._binary_layout(other_time, types) is None
        assert bulk.insert_frame(uow.session, "bulk_probe", _fixed_width()) == 3
        assert bulk.insert_frame(uow.session, "bulk_probe", _ragged()) == 2
        given = _fixed_width().rows() + _ragged().rows()
        assert _stored(uow) == sorted(given, key=lambda row: row[0])
        back = bulk.fetch_frame(
            uow.session,
            "SELECT big, month, note FROM bulk_probe WHERE big > :least ORDER BY big",
            {"least": 0},
            {"big": pl.Int64, "month": pl.String, "note": pl.String},
        )
        assert back.rows() == [
            (1, "2025-08", ""),
            (7, "2025-01", 'a "quoted", note\nover two lines'),
            (8, None, ""),
            (2**62, "2024-12", ""),
        ]


def test_insert_frame_refuses_a_value_out_of_the_column_range(
    engine: Engine, uow: UnitOfWork
) -> None:
    """Binary COPY sends integers at the column's width: a wider value raises, never wraps."""
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite's integers have no width")
    with uow:
        uow.session.execute(text(_PROBE))
        too_big = _fixed_width().with_columns(pl.Series("small", [1, 2, 40_000]))
        with pytest.raises(pl.exceptions.InvalidOperationError):
            bulk.insert_frame(uow.session, "bulk_probe", too_big)


def test_insert_frame_raises_integrity_error_on_a_duplicate_key(uow: UnitOfWork) -> None:
    with uow:
        uow.session.execute(text(_PROBE))
        bulk.insert_frame(uow.session, "bulk_probe", _fixed_width())
        with pytest.raises(IntegrityError):
            bulk.insert_frame(uow.session, "bulk_probe", _fixed_width().head(1))
