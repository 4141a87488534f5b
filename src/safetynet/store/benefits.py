"""Tables of benefits: awards, payroll runs and their payment lines, life events, overpayments,
medical claims and pension transfers.

Payment lines are append-only in amount: a month's entitlement is paid once (unique indexes on
award, month paid for and payroll month, and on award, month paid for and attempt, so that two
payments computed from the same state cannot both commit), a later payroll pays only the
difference between what is due and what was paid (arrears), and the bank's return file changes
only a line's status.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Index, Integer, SmallInteger, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from safetynet.store.base import Base, Fen, Id, Month, UtcDateTime, utcnow

LIVE_AWARD = "status IN ('proposed', 'active', 'suspended')"
"""The awards a person may have one of per kind: proposed, active or suspended."""


class Award(Base):
    """A decision to pay a person a monthly (or one-off) benefit from ``start_month``.

    ``amount_fen`` is the monthly amount in ``start_month``; employee pensions grow by the
    annual adjustment from ``adjust_from_month`` on, residents' pensions follow the basic
    pension of each month (``account_balance_fen`` gives their account part)."""

    __tablename__ = "awards"
    __table_args__ = (
        Index("ix_awards_region_status", "region_code", "status"),
        # one live award per person and kind, guaranteed by the database (two operators
        # proposing at once would otherwise both pass the check and both be paid)
        Index(
            "uq_awards_live_person_kind",
            "person_id",
            "kind",
            unique=True,
            sqlite_where=text(LIVE_AWARD),
            postgresql_where=text(LIVE_AWARD),
        ),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    kind: Mapped[str] = mapped_column(String(24))
    status: Mapped[str] = mapped_column(String(12))
    region_code: Mapped[int] = mapped_column(ForeignKey("regions.code"))
    start_month: Mapped[str] = mapped_column(Month)
    end_month: Mapped[str | None] = mapped_column(Month)
    """Last month paid for (inclusive); None while open-ended."""
    amount_fen: Mapped[int] = mapped_column(Fen)
    adjust_from_month: Mapped[str | None] = mapped_column(Month)
    account_balance_fen: Mapped[int | None] = mapped_column(Fen)
    verified_month: Mapped[str | None] = mapped_column(Month)
    """Month of the last existence verification (生存认证)."""
    recompute_from: Mapped[str | None] = mapped_column(Month)
    """Earliest month the next payroll must recompute (back pay on approval, arrears after a
    suspension or a failed payment, a retroactive change); cleared once paid."""
    suspended_reason: Mapped[str] = mapped_column(String(30), default="")
    inputs: Mapped[dict[str, Any]] = mapped_column(JSON)
    explanation: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    references: Mapped[list[str]] = mapped_column(JSON)
    proposed_by: Mapped[str] = mapped_column(String(100))
    approved_by: Mapped[str | None] = mapped_column(String(100))
    law_version: Mapped[int | None] = mapped_column(Integer)
    """The version of the effective law this decision was computed under (0: the package)."""
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class PayrollRun(Base):
    """One payroll of a region and month (or an off-cycle payment of one award in a month);
    re-running it resumes or returns it, never repays."""

    __tablename__ = "payroll_runs"
    __table_args__ = (
        Index(
            "uq_payroll_runs_region_month",
            "region_code",
            "month",
            unique=True,
            sqlite_where=text("award_id IS NULL"),
            postgresql_where=text("award_id IS NULL"),
        ),
        Index(
            "uq_payroll_runs_award_month",
            "award_id",
            "month",
            unique=True,
            sqlite_where=text("award_id IS NOT NULL"),
            postgresql_where=text("award_id IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    region_code: Mapped[int] = mapped_column(ForeignKey("regions.code"))
    award_id: Mapped[int | None] = mapped_column(ForeignKey("awards.id"))
    """Set for an off-cycle payment of one award; None for the region's monthly payroll."""
    month: Mapped[str] = mapped_column(Month)
    status: Mapped[str] = mapped_column(String(12))
    """``running`` until every award is done, then ``completed``."""
    started_by: Mapped[str] = mapped_column(String(100))
    started_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    line_count: Mapped[int] = mapped_column(Integer, default=0)
    total_fen: Mapped[int] = mapped_column(Fen, default=0)
    regular_fen: Mapped[int] = mapped_column(Fen, default=0)
    arrears_fen: Mapped[int] = mapped_column(Fen, default=0)
    award_count: Mapped[int] = mapped_column(Integer, default=0)
    unknown_count: Mapped[int] = mapped_column(Integer, default=0)
    """Awards whose amount could not be computed (a parameter unknown for the month)."""
    last_award_id: Mapped[int] = mapped_column(Integer, default=0)
    """Awards are processed in id order in chunks; a resumed run continues after this one."""
    returned_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    law_version: Mapped[int | None] = mapped_column(Integer)
    """The version of the effective law this decision was computed under (0: the package)."""


class PaymentLine(Base):
    """Money for one award and one month of entitlement, paid in one payroll month."""

    __tablename__ = "payment_lines"
    __table_args__ = (
        Index(
            "uq_payment_lines_award_for_month_pay_month",
            "award_id",
            "for_month",
            "pay_month",
            unique=True,
        ),
        Index(
            "uq_payment_lines_award_for_month_attempt",
            "award_id",
            "for_month",
            "attempt",
            unique=True,
        ),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("payroll_runs.id"), index=True)
    award_id: Mapped[int] = mapped_column(ForeignKey("awards.id"))
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    kind: Mapped[str] = mapped_column(String(10))
    """``regular`` (the payroll's own month) or ``arrears`` (an earlier month's difference)."""
    for_month: Mapped[str] = mapped_column(Month)
    pay_month: Mapped[str] = mapped_column(Month)
    """The payroll's month: at most one line per award, month paid for and payroll month."""
    amount_fen: Mapped[int] = mapped_column(Fen)
    attempt: Mapped[int] = mapped_column(Integer)
    """1 + the number of earlier lines of the same award and month paid for: two payments
    computed from the same state both claim the same attempt, and the unique index lets one
    commit (a month is never paid twice by racing payrolls)."""
    status: Mapped[str] = mapped_column(String(8))
    """``sent`` until the bank returns it ``paid`` or ``failed`` (a failed month is due again)."""
    bank_note: Mapped[str] = mapped_column(String(200), default="")


class LifeEvent(Base):
    """A reported fact of a person's life that changes benefits (a death), with its outcome."""

    __tablename__ = "life_events"
    __table_args__ = (Index("uq_life_events_person_kind", "person_id", "kind", unique=True),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"))
    kind: Mapped[str] = mapped_column(String(12))
    event_date: Mapped[date] = mapped_column(Date)
    region_code: Mapped[int] = mapped_column(ForeignKey("regions.code"))
    outcome: Mapped[dict[str, Any]] = mapped_column(JSON)
    reported_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class Overpayment(Base):
    """Money paid for months after entitlement ended, to be recovered."""

    __tablename__ = "overpayments"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    award_id: Mapped[int] = mapped_column(ForeignKey("awards.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"))
    amount_fen: Mapped[int] = mapped_column(Fen)
    from_month: Mapped[str] = mapped_column(Month)
    status: Mapped[str] = mapped_column(String(12))
    reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class MedicalClaim(Base):
    """A settled medical claim; ``sequence`` numbers a person's claims of a year so that two
    settlements racing on the same year-to-date state cannot both commit."""

    __tablename__ = "medical_claims"
    __table_args__ = (
        Index("uq_medical_claims_person_reference", "person_id", "reference", unique=True),
        Index(
            "uq_medical_claims_person_year_sequence", "person_id", "year", "sequence", unique=True
        ),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"))
    reference: Mapped[str] = mapped_column(String(64))
    """The facility's claim number: a claim submitted twice is settled once."""
    region_code: Mapped[int] = mapped_column(ForeignKey("regions.code"), index=True)
    scheme: Mapped[str] = mapped_column(String(10))
    service_date: Mapped[date] = mapped_column(Date)
    year: Mapped[int] = mapped_column(SmallInteger)
    sequence: Mapped[int] = mapped_column(Integer)
    setting: Mapped[str] = mapped_column(String(10))
    tier: Mapped[str] = mapped_column(String(10))
    assistance_category: Mapped[str] = mapped_column(String(10))
    policy_cost_fen: Mapped[int] = mapped_column(Fen)
    other_cost_fen: Mapped[int] = mapped_column(Fen)
    basic_fen: Mapped[int] = mapped_column(Fen)
    critical_illness_fen: Mapped[int] = mapped_column(Fen)
    assistance_fen: Mapped[int] = mapped_column(Fen)
    out_of_pocket_fen: Mapped[int] = mapped_column(Fen)
    year_to_date: Mapped[dict[str, Any]] = mapped_column(JSON)
    """The year-to-date state after this claim (deductible met, fund paid ...)."""
    explanation: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    settled_by: Mapped[str] = mapped_column(String(100))
    law_version: Mapped[int | None] = mapped_column(Integer)
    """The version of the effective law this decision was computed under (0: the package)."""
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class PensionTransfer(Base):
    """A move of a person's employee-pension relation from one province to another."""

    __tablename__ = "pension_transfers"
    __table_args__ = (
        Index(
            "uq_pension_transfers_open",
            "person_id",
            unique=True,
            sqlite_where=text("status = 'requested'"),
            postgresql_where=text("status = 'requested'"),
        ),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    from_region_code: Mapped[int] = mapped_column(ForeignKey("regions.code"))
    to_region_code: Mapped[int] = mapped_column(ForeignKey("regions.code"))
    status: Mapped[str] = mapped_column(String(12))
    account_fen: Mapped[int] = mapped_column(Fen, default=0)
    pooled_fen: Mapped[int] = mapped_column(Fen, default=0)
    months: Mapped[int] = mapped_column(Integer, default=0)
    explanation: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    requested_by: Mapped[str] = mapped_column(String(100))
    completed_by: Mapped[str | None] = mapped_column(String(100))
    law_version: Mapped[int | None] = mapped_column(Integer)
    """The version of the effective law this decision was computed under (0: the package)."""
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
