"""Tables of access and accountability: users, sign-in throttling, the audit log, settings."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, ForeignKey, Integer, String, Text, false, text
from sqlalchemy.orm import Mapped, mapped_column

from safetynet.store.base import Base, Id, UtcDateTime, utcnow

RoleText = String(20).with_variant(String(10), "sqlite")
"""Widened for ``policy_officer`` by migration 0005 where lengths are enforced (SQLite keeps
the declared VARCHAR(10), which it never enforces, rather than rebuild the audit table)."""


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    username: Mapped[str] = mapped_column(String(100), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(RoleText)
    region_code: Mapped[int | None] = mapped_column(ForeignKey("regions.code"))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    demo: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    """Created by the demo seed: its password is published, so production refuses to start."""
    credentials_version: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    """Raised by every password change or reset; tokens of an older version are refused."""


class LoginThrottle(Base):
    """Consecutive failed sign-ins of one account name (``user:NAME``) or one client address
    (``addr:IP``), and until when further attempts are refused."""

    __tablename__ = "login_throttle"

    key: Mapped[str] = mapped_column(String(150), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer)
    last_failure_at: Mapped[datetime] = mapped_column(UtcDateTime)
    locked_until: Mapped[datetime | None] = mapped_column(UtcDateTime)


class AuditEntry(Base):
    """Who did what, to which record, before and after, why and when. Append-only, and a hash
    chain (``safetynet.domain.audit_chain``): ``seq`` counts rows without gaps and ``row_hash``
    covers the row and ``prev_hash``."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    actor: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(RoleText)
    action: Mapped[str] = mapped_column(String(50), index=True)
    entity: Mapped[str] = mapped_column(String(30))
    entity_id: Mapped[str] = mapped_column(String(40))
    region_code: Mapped[int | None] = mapped_column(index=True)
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    reason: Mapped[str] = mapped_column(Text, default="")
    seq: Mapped[int] = mapped_column(BigInteger, unique=True)
    prev_hash: Mapped[str] = mapped_column(String(64))
    row_hash: Mapped[str] = mapped_column(String(64))


class AuditChainHead(Base):
    """One row: the last ``seq`` and hash of the audit chain. Appends lock it (``FOR UPDATE``),
    so concurrent writers extend the chain one after another and never fork it; a log cut
    short no longer reaches the head."""

    __tablename__ = "audit_chain_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    seq: Mapped[int] = mapped_column(BigInteger)
    hash: Mapped[str] = mapped_column(String(64))


class Setting(Base):
    """Per-database settings. Never secrets: those come from the environment or a file."""

    __tablename__ = "settings"

    key: Mapped[str] = mapped_column(String(50), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
