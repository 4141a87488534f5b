"""The audit row each change writes in its own transaction, and the audit log's reading side."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from safetynet.domain.access import Principal, Role
from safetynet.services.uow import UnitOfWork
from safetynet.store.access import AuditEntry


def record(
    session: Session,
    actor: Principal,
    action: str,
    entity: str,
    entity_id: object,
    *,
    region_code: int | None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    reason: str = "",
) -> None:
    """Add the audit row to the caller's transaction (it commits or rolls back with it)."""
    session.add(
        AuditEntry(
            actor=actor.username,
            role=actor.role.value,
            action=action,
            entity=entity,
            entity_id=str(entity_id),
            region_code=region_code,
            before=before,
            after=after,
            reason=reason,
        )
    )


def list_entries(
    uow: UnitOfWork,
    actor: Principal,
    *,
    after_id: int | None = None,
    limit: int = 50,
    entity: str | None = None,
    entity_id: str | None = None,
    user: str | None = None,
    since: date | None = None,
    until: date | None = None,
) -> list[AuditEntry]:
    """The audit log in order of writing (keyset: entries after ``after_id``), optionally of
    one entity, one acting user, and days from ``since`` to ``until`` (inclusive, UTC)."""
    actor.require_role(Role.AUDITOR, Role.ADMIN)
    query = select(AuditEntry).order_by(AuditEntry.id).limit(limit)
    if user:
        query = query.where(AuditEntry.actor == user)
    if since is not None:
        query = query.where(AuditEntry.at >= datetime.combine(since, time.min, UTC))
    if until is not None:
        query = query.where(
            AuditEntry.at < datetime.combine(until + timedelta(days=1), time.min, UTC)
        )
    if after_id is not None:
        query = query.where(AuditEntry.id > after_id)
    if entity is not None:
        query = query.where(AuditEntry.entity == entity)
    if entity_id is not None:
        query = query.where(AuditEntry.entity_id == entity_id)
    with uow:
        return list(uow.session.scalars(query))
