"""The audit row each change writes in its own transaction, the hash chain that makes the log
tamper-evident, and the audit log's reading side.

``record`` and ``append`` queue rows on the session; just before the transaction commits
(SQLAlchemy's ``before_commit``), the queued rows are chained after the head and inserted, and
the head moves on. The head is locked (``SELECT ... FOR UPDATE`` on PostgreSQL; SQLite has one
writer at a time) only from then to the commit, and always as the transaction's last lock, so
concurrent writers extend the chain one after another, never fork it, and cannot deadlock on
it. A rollback drops the queued rows with the change. Identity numbers in free text (a
correction's reason, any string in before/after) are masked before the row is queued.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import event, exists, insert, literal, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, SessionTransaction

from safetynet.domain.access import Principal, Role
from safetynet.domain.audit_chain import GENESIS, AuditContent, BrokenLink, row_hash
from safetynet.domain.identity import mask_ids_in
from safetynet.services.uow import UnitOfWork
from safetynet.store.access import AuditChainHead, AuditEntry
from safetynet.store.base import utcnow

HEAD_ID = 1
PENDING = "safetynet.audit.pending"
VERIFY_CHUNK = 5000


class AuditChainError(RuntimeError):
    """The chain head is missing while the log has rows: the log was tampered with."""


def masked(value: Any) -> Any:
    """``value`` with identity numbers masked in every string, as JSON round-trips it."""
    if isinstance(value, str):
        return mask_ids_in(value)
    if isinstance(value, dict):
        return {str(k): masked(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [masked(v) for v in value]
    return value


def _json_value(value: dict[str, Any] | None) -> dict[str, Any] | None:
    if value is None:
        return None
    normal: dict[str, Any] = json.loads(json.dumps(masked(value), allow_nan=False))
    return normal


def content(
    actor: str,
    role: str,
    action: str,
    entity: str,
    entity_id: object,
    *,
    region_code: int | None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    reason: str = "",
    at: datetime | None = None,
) -> AuditContent:
    """A row's content, masked and normalised as the database will give it back."""
    return AuditContent(
        at=at or utcnow(),
        actor=mask_ids_in(actor)[:100],
        role=role[:10],
        action=action,
        entity=entity,
        entity_id=mask_ids_in(str(entity_id))[:40],
        region_code=region_code,
        before=_json_value(before),
        after=_json_value(after),
        reason=mask_ids_in(reason),
    )


def _lock_head(session: Session) -> AuditChainHead:
    query = (
        select(AuditChainHead)
        .where(AuditChainHead.id == HEAD_ID)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    head = session.scalar(query)
    if head is not None:
        return head
    # An empty log (a new database, or one emptied by tests) starts the chain afresh; with rows
    # present a missing head is tampering, and nothing more is written.
    _insert_head_if_log_empty(session)
    head = session.scalar(query)
    if head is None:
        raise AuditChainError(
            "the audit chain head is missing but the log has rows: run safetynet audit verify"
        )
    return head


def _insert_head_if_log_empty(session: Session) -> None:
    dialect_insert = sqlite_insert if session.get_bind().dialect.name == "sqlite" else pg_insert
    genesis = select(literal(HEAD_ID), literal(0), literal(GENESIS)).where(
        ~exists(select(AuditEntry.id))
    )
    session.execute(
        dialect_insert(AuditChainHead)
        .from_select(["id", "seq", "hash"], genesis)
        .on_conflict_do_nothing(index_elements=["id"])
    )


def append(session: Session, rows: list[AuditContent]) -> None:
    """Queue ``rows`` in the caller's transaction: they are chained and written at its commit,
    or dropped with its rollback."""
    session.connection()  # begins the transaction, so that its rollback is seen
    session.info.setdefault(PENDING, []).extend(rows)


@event.listens_for(Session, "before_commit")
def _write_pending(session: Session) -> None:
    rows: list[AuditContent] | None = session.info.pop(PENDING, None)
    if rows:
        _chain(session, rows)


@event.listens_for(Session, "after_soft_rollback")
def _drop_pending(session: Session, previous_transaction: SessionTransaction) -> None:
    if not previous_transaction.nested:  # a savepoint's rollback keeps the outer change's rows
        session.info.pop(PENDING, None)


def _chain(session: Session, rows: list[AuditContent]) -> None:
    """Chain ``rows`` after the locked head, insert them and move the head."""
    head = _lock_head(session)
    seq, previous = head.seq, head.hash
    values = []
    for row in rows:
        seq += 1
        digest = row_hash(seq, previous, row)
        values.append(
            {
                "at": row.at,
                "actor": row.actor,
                "role": row.role,
                "action": row.action,
                "entity": row.entity,
                "entity_id": row.entity_id,
                "region_code": row.region_code,
                "before": row.before,
                "after": row.after,
                "reason": row.reason,
                "seq": seq,
                "prev_hash": previous,
                "row_hash": digest,
            }
        )
        previous = digest
    session.execute(insert(AuditEntry), values)
    head.seq, head.hash = seq, previous
    session.flush()


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
    append(
        session,
        [
            content(
                actor.username,
                actor.role.value,
                action,
                entity,
                entity_id,
                region_code=region_code,
                before=before,
                after=after,
                reason=reason,
            )
        ],
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


@dataclass(frozen=True)
class ChainReport:
    """What ``verify_chain`` found: rows checked, the head, and the first broken link."""

    rows: int
    head_seq: int
    head_hash: str
    broken: BrokenLink | None

    @property
    def intact(self) -> bool:
        return self.broken is None


def _stored_rows(session: Session) -> Iterator[AuditEntry]:
    after = 0
    while True:
        chunk = list(
            session.scalars(
                select(AuditEntry)
                .where(AuditEntry.seq > after)
                .order_by(AuditEntry.seq)
                .limit(VERIFY_CHUNK)
            )
        )
        yield from chunk
        if len(chunk) < VERIFY_CHUNK:
            return
        after = chunk[-1].seq
        session.expunge_all()


def _check_row(entry: AuditEntry, expected_seq: int, previous: str) -> str | None:
    if entry.seq != expected_seq:
        return f"expected seq {expected_seq}, found {entry.seq}: rows removed or inserted"
    if entry.prev_hash != previous:
        return "prev_hash differs from the previous row's hash: a row before it was changed"
    stored = AuditContent(
        at=entry.at,
        actor=entry.actor,
        role=entry.role,
        action=entry.action,
        entity=entry.entity,
        entity_id=entry.entity_id,
        region_code=entry.region_code,
        before=entry.before,
        after=entry.after,
        reason=entry.reason,
    )
    if row_hash(entry.seq, entry.prev_hash, stored) != entry.row_hash:
        return "the row's content does not match its hash: the row was changed"
    return None


def verify_chain(
    uow: UnitOfWork, actor: Principal, *, anchor: tuple[int, str] | None = None
) -> ChainReport:
    """Recompute the chain from the first row; report the first broken link. ``anchor`` is a
    (seq, hash) pair recorded earlier outside the database: it must still be in the chain."""
    actor.require_role(Role.AUDITOR, Role.ADMIN)
    with uow:
        session = uow.session
        head = session.get(AuditChainHead, HEAD_ID)
        seq, previous, broken = 0, GENESIS, None
        anchor_seen = anchor is None
        for entry in _stored_rows(session):
            problem = _check_row(entry, seq + 1, previous)
            if problem is not None:
                broken = BrokenLink(seq + 1, entry.id, problem)
                break
            seq, previous = entry.seq, entry.row_hash
            if anchor is not None and seq == anchor[0]:
                if previous != anchor[1]:
                    broken = BrokenLink(seq, entry.id, "the row's hash differs from the anchor")
                    break
                anchor_seen = True
        if broken is None:
            broken = _check_end(head, seq, previous, anchor, anchor_seen)
        return ChainReport(
            rows=seq,
            head_seq=head.seq if head else 0,
            head_hash=head.hash if head else GENESIS,
            broken=broken,
        )


def _check_end(
    head: AuditChainHead | None,
    seq: int,
    previous: str,
    anchor: tuple[int, str] | None,
    anchor_seen: bool,
) -> BrokenLink | None:
    if head is None:
        if seq == 0:
            return None
        return BrokenLink(seq, None, "the chain head is missing")
    if (head.seq, head.hash) != (seq, previous):
        return BrokenLink(
            seq + 1,
            None,
            f"the log ends at seq {seq} but the chain head is at seq {head.seq}: "
            "rows at the end were removed or the head was changed",
        )
    if anchor is not None and not anchor_seen:
        return BrokenLink(anchor[0], None, "the anchored row is no longer in the log")
    return None


def record_refusal(
    uow: UnitOfWork,
    actor: Principal | None,
    *,
    what: str,
    detail: str,
    context: dict[str, Any] | None = None,
) -> None:
    """Audit a refusal (HTTP 403, or the CLI's equivalent) in a transaction of its own: the
    refused use case rolled back. ``what`` names the endpoint or command."""
    with uow:
        append(
            uow.session,
            [
                content(
                    actor.username if actor else "anonymous",
                    actor.role.value if actor else "anonymous",
                    "access.refused",
                    "endpoint",
                    what,
                    region_code=actor.region_code if actor else None,
                    after=context,
                    reason=detail,
                )
            ],
        )
        uow.commit()


def record_download(
    uow: UnitOfWork,
    actor: Principal,
    *,
    what: str,
    entity: str,
    entity_id: object,
    region_code: int | None,
    content_bytes: bytes,
) -> None:
    """Audit a file handed out (a payment file, an error report): what, to whom, its size and
    SHA-256, in a transaction of its own (the file is made from a read, or from a refusal)."""
    with uow:
        record(
            uow.session,
            actor,
            "file.download",
            entity,
            entity_id,
            region_code=region_code,
            after={
                "file": what,
                "bytes": len(content_bytes),
                "sha256": hashlib.sha256(content_bytes).hexdigest(),
            },
        )
        uow.commit()
