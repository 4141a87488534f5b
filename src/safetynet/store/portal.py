"""Tables of the citizen portal: one-time activation codes and issued statements."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, SmallInteger, String, text
from sqlalchemy.orm import Mapped, mapped_column

from safetynet.store.base import Base, Id, Month, UtcDateTime, utcnow


class ActivationCode(Base):
    """A one-time code an operator gives a person to set their password. Only its hash is kept;
    at most one code per person is open (the database guarantees it)."""

    __tablename__ = "activation_codes"
    __table_args__ = (
        Index(
            "uq_activation_codes_open",
            "person_id",
            unique=True,
            sqlite_where=text("status = 'open'"),
            postgresql_where=text("status = 'open'"),
        ),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    code_hash: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(10))
    """open, used, replaced (a newer code was issued) or locked (too many wrong tries)."""
    failed_attempts: Mapped[int] = mapped_column(SmallInteger, default=0)
    issued_by: Mapped[str] = mapped_column(String(100))
    issued_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class IssuedStatement(Base):
    """A personal rights record handed out as a PDF: its public verification code and the
    SHA-256 of the exact bytes issued, so a bank or employer can check it is unchanged."""

    __tablename__ = "issued_statements"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    as_of_month: Mapped[str] = mapped_column(Month)
    content_sha256: Mapped[str] = mapped_column(String(64))
    issued_by: Mapped[str] = mapped_column(String(100))
    issued_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
