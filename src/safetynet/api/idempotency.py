"""The ``Idempotency-Key`` header on POST requests (see :mod:`safetynet.services.idempotency`).

A POST with the header and a JSON or form body is run once per (user, key): a repeat gets the
first response again, with ``Idempotent-Replayed: true``. 2xx and 4xx answers are kept, except
409 and 429 (a retry may succeed) and 5xx: those release the key. Multipart uploads are not
covered (a declaration file is idempotent by its content and version).
"""

from __future__ import annotations

import hashlib

from anyio import to_thread
from sqlalchemy.orm import Session, sessionmaker
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from safetynet.api.guard import MAX_JSON_BYTES, read_body, replay_body
from safetynet.api.problems import domain_problem
from safetynet.domain.errors import DomainError
from safetynet.services import idempotency
from safetynet.services.uow import UnitOfWork
from safetynet.services.users import principal_from_token

Factory = sessionmaker[Session]
HEADER = b"idempotency-key"
REPLAYED = (b"idempotent-replayed", b"true")
_RETRYABLE = (409, 429)


class IdempotencyKeys:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = dict(scope.get("headers", ())) if scope["type"] == "http" else {}
        raw_key = headers.get(HEADER)
        content_type = headers.get(b"content-type", b"").decode("latin-1").lower()
        if raw_key is None or scope["method"] != "POST" or content_type.startswith("multipart/"):
            await self.app(scope, receive, send)
            return
        factory = scope["app"].state.session_factory
        username = await to_thread.run_sync(_username, factory, headers.get(b"authorization"))
        if username is None:  # the endpoint answers 401 itself
            await self.app(scope, receive, send)
            return
        body = await read_body(receive, MAX_JSON_BYTES) or b""
        digest = hashlib.sha256()
        for part in (scope["method"].encode(), scope["path"].encode(), scope["query_string"]):
            digest.update(part + b"\n")
        digest.update(body)
        try:
            key = idempotency.check_key(raw_key.decode("latin-1"))
            stored = await to_thread.run_sync(
                lambda: idempotency.reserve(
                    UnitOfWork(factory),
                    username=username,
                    key=key,
                    method=scope["method"],
                    path=scope["path"],
                    request_hash=digest.hexdigest(),
                )
            )
        except DomainError as exc:
            await domain_problem(exc)(scope, receive, send)
            return
        if stored is not None:
            await _send_stored(stored, send)
            return
        captured = _Captured(send)
        try:
            await self.app(scope, replay_body(body, receive), captured)
        finally:
            await to_thread.run_sync(captured.settle, factory, username, key)


class _Captured:
    """Passes the response on while keeping its status, content type and body."""

    def __init__(self, send: Send) -> None:
        self.send = send
        self.status = 500
        self.content_type = ""
        self.chunks: list[bytes] = []

    async def __call__(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.status = int(message["status"])
            for name, value in message.get("headers", ()):
                if name.lower() == b"content-type":
                    self.content_type = value.decode("latin-1")
        elif message["type"] == "http.response.body":
            self.chunks.append(message.get("body", b""))
        await self.send(message)

    def settle(self, factory: Factory, username: str, key: str) -> None:
        uow = UnitOfWork(factory)
        if self.status >= 500 or self.status in _RETRYABLE:
            idempotency.release(uow, username=username, key=key)
            return
        idempotency.complete(
            uow,
            username=username,
            key=key,
            status_code=self.status,
            content_type=self.content_type,
            body=b"".join(self.chunks),
        )


async def _send_stored(stored: idempotency.Stored, send: Send) -> None:
    headers = [
        (b"content-type", stored.content_type.encode("latin-1")),
        (b"content-length", str(len(stored.body)).encode()),
        REPLAYED,
    ]
    await send({"type": "http.response.start", "status": stored.status_code, "headers": headers})
    await send({"type": "http.response.body", "body": stored.body})


def _username(factory: Factory, authorization: bytes | None) -> str | None:
    if not authorization or not authorization.lower().startswith(b"bearer "):
        return None
    try:
        token = authorization[7:].decode("latin-1").strip()
        return principal_from_token(UnitOfWork(factory), token).username
    except DomainError:
        return None
