"""The audit log as a hash chain: each row's hash covers its content and the previous row's hash.

Canonical serialisation (version 1) of a row: the UTF-8 bytes of the JSON array

    [seq, prev_hash, at, actor, role, action, entity, entity_id, region_code, before, after, reason]

written with sorted object keys, ``","``/``":"`` separators, non-ASCII characters as themselves
and no NaN; ``at`` is the UTC instant as ``YYYY-MM-DDTHH:MM:SS.ffffffZ``. The row's hash is the
lower-case hex SHA-256 of those bytes. ``seq`` counts rows from 1 without gaps, and the first
row's ``prev_hash`` is :data:`GENESIS`. Editing a row changes its hash; deleting or inserting
one breaks ``seq`` or the next row's ``prev_hash``; cutting the tail leaves the chain head (the
last ``seq`` and hash, kept beside the log) pointing past the end.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

GENESIS = "0" * 64


@dataclass(frozen=True)
class AuditContent:
    """What a row says, apart from its place in the chain."""

    at: datetime
    actor: str
    role: str
    action: str
    entity: str
    entity_id: str
    region_code: int | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    reason: str


def format_instant(at: datetime) -> str:
    if at.tzinfo is None:
        raise ValueError("audit timestamps must be timezone-aware")
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def canonical(seq: int, prev_hash: str, content: AuditContent) -> bytes:
    """The bytes a row's hash is taken over (see the module docstring)."""
    fields = [
        seq,
        prev_hash,
        format_instant(content.at),
        content.actor,
        content.role,
        content.action,
        content.entity,
        content.entity_id,
        content.region_code,
        content.before,
        content.after,
        content.reason,
    ]
    text = json.dumps(
        fields, ensure_ascii=False, sort_keys=True, separators=(",", ":"), allow_nan=False
    )
    return text.encode("utf-8")


def row_hash(seq: int, prev_hash: str, content: AuditContent) -> str:
    return hashlib.sha256(canonical(seq, prev_hash, content)).hexdigest()


@dataclass(frozen=True)
class BrokenLink:
    """The first place where the stored chain disagrees with its recomputation."""

    seq: int
    entry_id: int | None
    problem: str

    def __str__(self) -> str:
        where = f"seq {self.seq}" + (f" (audit row id {self.entry_id})" if self.entry_id else "")
        return f"{where}: {self.problem}"
