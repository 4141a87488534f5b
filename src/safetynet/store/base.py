"""The shared declarative base and the column types every model uses.

Constraint names follow one convention so that Alembic can alter tables on SQLite (batch mode)
and PostgreSQL alike. Timestamps are stored as naive UTC and come back timezone-aware, because
SQLite keeps no offset.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import BigInteger, DateTime, Integer, MetaData, SmallInteger, String, event, inspect
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Session
from sqlalchemy.types import TypeDecorator

from safetynet.domain.errors import InvalidInput, Problem

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# SQLite only auto-increments INTEGER PRIMARY KEY; PostgreSQL gets a 64-bit identity.
Id = BigInteger().with_variant(Integer(), "sqlite")
Fen = BigInteger
Month = String(7)
"""A period as ``YYYY-MM``: sorts and compares as text."""


class UtcDateTime(TypeDecorator[datetime]):
    """A UTC instant: stored naive in UTC, returned timezone-aware."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("timestamps must be timezone-aware")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        moment = datetime.fromisoformat(value) if isinstance(value, str) else value
        if not isinstance(moment, datetime):
            raise TypeError(f"expected a timestamp, got {value!r}")
        return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


_INTEGER_BOUNDS = {
    SmallInteger: (-(2**15), 2**15 - 1),
    Integer: (-(2**31), 2**31 - 1),
    BigInteger: (-(2**63), 2**63 - 1),
}


def column_problems(obj: object) -> list[tuple[str, str]]:
    """(attribute, problem) for each value of a model instance that its column cannot hold: text
    longer than the column's length (PostgreSQL refuses it, SQLite would silently keep it) and
    integers outside the column's range. Both databases thus refuse the same input the same
    way, before any statement is sent."""
    problems: list[tuple[str, str]] = []
    for attribute in inspect(obj).mapper.column_attrs:
        value = getattr(obj, attribute.key, None)
        if value is None or isinstance(value, bool):
            continue
        column_type = attribute.columns[0].type
        if isinstance(column_type, TypeDecorator):
            column_type = column_type.impl_instance
        length = getattr(column_type, "length", None)
        if isinstance(value, str) and isinstance(column_type, String) and length:
            if len(value) > length:
                problems.append((attribute.key, f"is longer than {length} characters"))
        elif isinstance(value, int):
            for kind, (low, high) in _INTEGER_BOUNDS.items():
                if type(column_type) is kind and not low <= value <= high:
                    problems.append((attribute.key, f"{value} is outside {low} to {high}"))
    return problems


@event.listens_for(Session, "before_flush")
def _refuse_values_the_columns_cannot_hold(
    session: Session, _context: Any, _instances: Any
) -> None:
    problems = [
        Problem(field, text)
        for obj in list(session.new) + list(session.dirty)
        for field, text in column_problems(obj)
    ]
    if problems:
        raise InvalidInput(problems)
