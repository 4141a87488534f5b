"""Replaying the first response to a request that carried an ``Idempotency-Key``.

A client that did not see the answer to a POST (a timeout, a dropped connection) sends it again
with the same key and gets the first answer instead of a second posting. The key is reserved
in its own committed transaction before the request runs; (user, key) is unique, so of two
requests racing with one key exactly one runs. Keys are per user; the same key with another
request (method, path, query or body) is refused.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError

from safetynet.domain.errors import Conflict, InvalidInput
from safetynet.services.uow import UnitOfWork
from safetynet.store.idempotency import IdempotencyKey

MAX_KEY_LENGTH = 200


@dataclass(frozen=True)
class Stored:
    status_code: int
    content_type: str
    body: bytes


def check_key(key: str) -> str:
    text = key.strip()
    if not 1 <= len(text) <= MAX_KEY_LENGTH or not text.isascii() or not text.isprintable():
        raise InvalidInput.one(
            "Idempotency-Key", f"must be 1 to {MAX_KEY_LENGTH} printable ASCII characters"
        )
    return text


def reserve(
    uow: UnitOfWork, *, username: str, key: str, method: str, path: str, request_hash: str
) -> Stored | None:
    """Reserve the key for this request (None: run it), or the stored first response.

    Raises :class:`InvalidInput` when the key was used for another request and
    :class:`Conflict` while the first request with the key is still running."""
    with uow:
        session = uow.session
        session.add(
            IdempotencyKey(
                username=username,
                key=key,
                method=method,
                path=path[:500],
                request_hash=request_hash,
                content_type="",
            )
        )
        try:
            uow.commit()
            return None
        except IntegrityError:
            session.rollback()
        first = session.scalar(
            select(IdempotencyKey).where(
                IdempotencyKey.username == username, IdempotencyKey.key == key
            )
        )
        if first is None:  # released by its failed first request meanwhile
            raise Conflict("a request with this Idempotency-Key just failed; retry")
        if first.request_hash != request_hash:
            raise InvalidInput.one(
                "Idempotency-Key", "was already used for another request (method, path or body)"
            )
        if first.status_code is None or first.body is None:
            raise Conflict("the first request with this Idempotency-Key is still running; retry")
        return Stored(first.status_code, first.content_type, first.body)


def complete(
    uow: UnitOfWork, *, username: str, key: str, status_code: int, content_type: str, body: bytes
) -> None:
    """Keep the response for replays."""
    with uow:
        uow.session.execute(
            update(IdempotencyKey)
            .where(IdempotencyKey.username == username, IdempotencyKey.key == key)
            .values(status_code=status_code, content_type=content_type[:100], body=body)
        )
        uow.commit()


def release(uow: UnitOfWork, *, username: str, key: str) -> None:
    """Forget the key (the request failed in a way a retry may cure: 409, 429, 5xx)."""
    with uow:
        uow.session.execute(
            delete(IdempotencyKey).where(
                IdempotencyKey.username == username, IdempotencyKey.key == key
            )
        )
        uow.commit()
