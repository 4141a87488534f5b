"""The first response to each ``Idempotency-Key`` a client sent with a POST.

A row is reserved (no status yet) before the request runs and completed with its response;
(user, key) is unique, so a second request with the same key either replays the stored
response or, while the first is still running, is told to retry.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from safetynet.store.base import Base, Id, UtcDateTime, utcnow


class IdempotencyKey(Base):
    __tablename__ = "idempotency_keys"
    __table_args__ = (Index("uq_idempotency_keys_username_key", "username", "key", unique=True),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    username: Mapped[str] = mapped_column(String(100))
    key: Mapped[str] = mapped_column(String(200))
    method: Mapped[str] = mapped_column(String(10))
    path: Mapped[str] = mapped_column(String(500))
    request_hash: Mapped[str] = mapped_column(String(64))
    """SHA-256 of method, path, query and body: the same key with another request is refused."""
    status_code: Mapped[int | None] = mapped_column(Integer)
    """None while the first request is still running."""
    content_type: Mapped[str] = mapped_column(String(100), default="")
    body: Mapped[bytes | None] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
