"""Tables of parameter governance: proposed and approved parameter values (the overlay on the
packaged law), the law's versions, and the true-up runs that settle months computed under an
earlier version.

A value moves ``proposed`` -> ``approved`` | ``rejected`` | ``withdrawn``; an approved value
moves to ``withdrawn`` or ``superseded`` (by a later approval for the same parameter, region
and effective date). Rows are never deleted: the history is the table. Each approval or
withdrawal of an approved value opens a new law version (``law_versions``, numbered 1, 2 ...
with the time it was recorded); the effective law of version ``v`` is the packaged tree plus
the values with ``approved_version <= v`` and no ``retired_version <= v``.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from safetynet.store.base import Base, Fen, Id, Month, UtcDateTime, utcnow


class ParameterValue(Base):
    __tablename__ = "parameter_values"
    __table_args__ = (
        Index("ix_parameter_values_parameter", "parameter", "region"),
        Index(
            "uq_parameter_values_approved",
            "parameter",
            "region",
            "effective",
            unique=True,
            sqlite_where=text("status = 'approved'"),
            postgresql_where=text("status = 'approved'"),
        ),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    parameter: Mapped[str] = mapped_column(String(120))
    region: Mapped[str] = mapped_column(String(8))
    """``national`` or a 6-digit GB/T 2260 code, as in the parameter files."""
    effective: Mapped[date] = mapped_column(Date)
    value: Mapped[Any] = mapped_column(JSON)
    unit: Mapped[str] = mapped_column(String(20))
    source_title: Mapped[str] = mapped_column(String(300))
    source_number: Mapped[str | None] = mapped_column(String(100))
    url: Mapped[str | None] = mapped_column(String(500))
    article: Mapped[str | None] = mapped_column(String(100))
    grade: Mapped[str] = mapped_column(String(1))
    note: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(12))
    proposed_by: Mapped[str] = mapped_column(String(100))
    proposed_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    decided_by: Mapped[str | None] = mapped_column(String(100))
    decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    reason: Mapped[str] = mapped_column(Text, default="")
    approved_version: Mapped[int | None] = mapped_column(Integer)
    retired_version: Mapped[int | None] = mapped_column(Integer)
    superseded_by_id: Mapped[int | None] = mapped_column(Id)


class LawVersion(Base):
    """One change of the effective law: the primary key makes two concurrent approvals that
    would claim the same number collide instead of interleaving."""

    __tablename__ = "law_versions"

    version: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    action: Mapped[str] = mapped_column(String(12))
    value_id: Mapped[int] = mapped_column(Id)
    actor: Mapped[str] = mapped_column(String(100))


class TrueUpRun(Base):
    __tablename__ = "true_up_runs"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    region_code: Mapped[int] = mapped_column(Integer, index=True)
    from_month: Mapped[str] = mapped_column(Month)
    to_month: Mapped[str] = mapped_column(Month)
    law_version: Mapped[int] = mapped_column(Integer)
    lines: Mapped[int] = mapped_column(Integer)
    totals: Mapped[dict[str, Any]] = mapped_column(JSON)
    run_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class TrueUpLine(Base):
    """One person, month and payer settled under one law version: the unique index is what
    makes a second (or concurrent) run post nothing twice."""

    __tablename__ = "true_up_lines"
    __table_args__ = (
        Index(
            "uq_true_up_lines_key",
            "person_id",
            "month",
            "payer_id",
            "law_version",
            unique=True,
        ),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    run_id: Mapped[int] = mapped_column(Id, index=True)
    person_id: Mapped[int] = mapped_column(Id)
    month: Mapped[str] = mapped_column(Month)
    payer_id: Mapped[int] = mapped_column(Id)
    """The employer, or 0 for a flexible worker paying for themself."""
    law_version: Mapped[int] = mapped_column(Integer)
    region_code: Mapped[int] = mapped_column(Integer)
    worker_type: Mapped[str] = mapped_column(String(10))
    collected_fen: Mapped[int] = mapped_column(Fen)
    due_fen: Mapped[int] = mapped_column(Fen)
    employer_delta_fen: Mapped[int] = mapped_column(Fen)
    employee_delta_fen: Mapped[int] = mapped_column(Fen)
    account_delta_fen: Mapped[int] = mapped_column(Fen)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
