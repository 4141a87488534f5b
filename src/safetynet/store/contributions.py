"""Tables of money: declarations, contribution records and the personal-account ledger.

Both the records and the ledger are append-only: a correction adds a reversal (the negated
amounts, pointing at what it reverses) and a new entry. Balances are sums, never stored.

Neither table carries foreign-key constraints: they are written in bulk only by the services,
after validating every reference in one join, and a per-row constraint check would cost more
than the write itself. Their region codes come from the validated employer or enrollment.

A contribution record is one person and month of one payer with every scheme's parts as
columns (``pension_*``, ``medical_*``, ``unemployment_*``, ``work_injury_*``, ``resident_*``):
the declaration line as the law splits it, written once instead of once per scheme.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, SmallInteger, String, text
from sqlalchemy.orm import Mapped, mapped_column

from safetynet.store.base import Base, Fen, Id, Month, UtcDateTime, utcnow


class Declaration(Base):
    """An employer's monthly declaration; (employer, month, version) posts at most once."""

    __tablename__ = "declarations"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    employer_id: Mapped[int] = mapped_column(ForeignKey("employers.id"))
    month: Mapped[str] = mapped_column(Month)
    version: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(12))
    """``posted``, or ``superseded`` once a later version has reversed it."""
    content_hash: Mapped[str] = mapped_column(String(64))
    region_code: Mapped[int] = mapped_column(ForeignKey("regions.code"), index=True)
    row_count: Mapped[int] = mapped_column(Integer)
    base_total_fen: Mapped[int] = mapped_column(Fen)
    employer_total_fen: Mapped[int] = mapped_column(Fen)
    employee_total_fen: Mapped[int] = mapped_column(Fen)
    source: Mapped[str] = mapped_column(String(20))
    submitted_by: Mapped[str] = mapped_column(String(100))
    submitted_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    supersedes_id: Mapped[int | None] = mapped_column(ForeignKey("declarations.id"))
    law_version: Mapped[int | None] = mapped_column(Integer)
    """The version of the effective law the amounts were computed under (0: the package)."""

    __table_args__ = (
        Index(
            "uq_declarations_employer_month_version", "employer_id", "month", "version", unique=True
        ),
    )


class ContributionRecord(Base):
    __tablename__ = "contribution_records"
    __table_args__ = (
        Index("ix_contribution_records_person_month", "person_id", "month"),
        # a declaration's rows are written together: a BRIN range index finds them at almost
        # no cost per row written (PostgreSQL; SQLite keeps a B-tree)
        Index("ix_contribution_records_declaration_id", "declaration_id", postgresql_using="brin"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    person_id: Mapped[int] = mapped_column(Id)
    month: Mapped[str] = mapped_column(Month)
    region_code: Mapped[int] = mapped_column(Integer)
    worker_type: Mapped[str] = mapped_column(String(10))
    kind: Mapped[str] = mapped_column(String(12))
    """``contribution`` or ``reversal`` (negated amounts of ``reverses_id``)."""
    employer_id: Mapped[int | None] = mapped_column(Id)
    declaration_id: Mapped[int | None] = mapped_column(Id)
    reverses_id: Mapped[int | None] = mapped_column(Id)
    base_fen: Mapped[int] = mapped_column(Fen, default=0)
    pension_employer_fen: Mapped[int] = mapped_column(Fen, default=0)
    pension_employee_fen: Mapped[int] = mapped_column(Fen, default=0)
    pension_account_fen: Mapped[int] = mapped_column(Fen, default=0)
    pension_pooled_fen: Mapped[int] = mapped_column(Fen, default=0)
    medical_employer_fen: Mapped[int] = mapped_column(Fen, default=0)
    medical_employee_fen: Mapped[int] = mapped_column(Fen, default=0)
    medical_account_fen: Mapped[int] = mapped_column(Fen, default=0)
    unemployment_employer_fen: Mapped[int] = mapped_column(Fen, default=0)
    unemployment_employee_fen: Mapped[int] = mapped_column(Fen, default=0)
    work_injury_employer_fen: Mapped[int] = mapped_column(Fen, default=0)
    resident_pension_fen: Mapped[int] = mapped_column(Fen, default=0)
    resident_medical_fen: Mapped[int] = mapped_column(Fen, default=0)
    wage_fen: Mapped[int | None] = mapped_column(Fen)
    """The declared wage or chosen base before the floor and ceiling (for a true-up)."""
    law_version: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class PostingKey(Base):
    """The natural key of an own contribution, posted in the same transaction as its record.

    ``flexible:<person>:<YYYY-MM>``, ``resident_pension:<person>:<YYYY>`` and
    ``resident_medical:<person>:<YYYY>``: the primary key makes the database, not a check
    before the insert, refuse a second posting of the same month or year."""

    __tablename__ = "posting_keys"

    key: Mapped[str] = mapped_column(String(80), primary_key=True)
    contribution_id: Mapped[int] = mapped_column(Id)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


AMOUNT_COLUMNS = (
    "base_fen",
    "pension_employer_fen",
    "pension_employee_fen",
    "pension_account_fen",
    "pension_pooled_fen",
    "medical_employer_fen",
    "medical_employee_fen",
    "medical_account_fen",
    "unemployment_employer_fen",
    "unemployment_employee_fen",
    "work_injury_employer_fen",
    "resident_pension_fen",
    "resident_medical_fen",
)


class AccountEntry(Base):
    """One posting to a personal account; the balance is the sum of a person's entries."""

    __tablename__ = "account_entries"
    __table_args__ = (
        Index("ix_account_entries_person_account", "person_id", "account"),
        Index("ix_account_entries_declaration_id", "declaration_id", postgresql_using="brin"),
        Index(
            "uq_account_entries_interest",
            "person_id",
            "account",
            "year",
            unique=True,
            sqlite_where=text("kind = 'interest'"),
            postgresql_where=text("kind = 'interest'"),
        ),
        Index(
            "uq_account_entries_subsidy",
            "person_id",
            "account",
            "year",
            unique=True,
            sqlite_where=text("kind = 'subsidy'"),
            postgresql_where=text("kind = 'subsidy'"),
        ),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    person_id: Mapped[int] = mapped_column(Id)
    account: Mapped[str] = mapped_column(String(20))
    kind: Mapped[str] = mapped_column(String(12))
    amount_fen: Mapped[int] = mapped_column(Fen)
    month: Mapped[str] = mapped_column(Month)
    year: Mapped[int] = mapped_column(SmallInteger)
    region_code: Mapped[int] = mapped_column(Integer)
    declaration_id: Mapped[int | None] = mapped_column(Id)
    """The declaration whose contribution this credits (employees)."""
    contribution_id: Mapped[int | None] = mapped_column(Id)
    """The contribution record this credits (flexible workers and residents)."""
    reverses_id: Mapped[int | None] = mapped_column(Id)
    note: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
