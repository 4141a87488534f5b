"""Signing in: one function for every entry point (the API's token endpoint, the web sign-in
form), with throttling and answers that do not tell which usernames exist.

- Throttling: consecutive failures are counted per account name (``user:NAME``, whether or not
  the account exists) and per client address (``addr:IP``). Past a number of free failures (5
  per account, 50 per address) each further failure locks the key for a doubling delay (1 s,
  2 s, 4 s, ... up to 15 minutes); while a key is locked every attempt, even with the right
  password, is refused with ``TooManyAttempts`` (HTTP 429 with ``Retry-After``) without
  checking the password. A success clears the account's count (not the address's); a count
  whose last failure is older than an hour starts again.
- Constant time: an unknown, disabled or (in production) demo user costs the same Argon2
  verification as a known one, against a dummy hash, and gets the same answer.
- Every success and failure is audited (the lock a failure sets included); attempts refused
  while locked are logged, not audited, so that hammering a locked account cannot flood the
  audit log.
"""

from __future__ import annotations

import logging
import math
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

from pwdlib import PasswordHash
from sqlalchemy import case, delete, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from safetynet.domain.access import Principal, Role
from safetynet.domain.errors import InvalidInput, Problem, TooManyAttempts, Unauthenticated
from safetynet.domain.identity import mask_ids_in
from safetynet.domain.passwords import MAX_LENGTH, has_control_characters
from safetynet.services import audit
from safetynet.services.signing_secret import is_production
from safetynet.services.uow import UnitOfWork
from safetynet.store.access import LoginThrottle, User
from safetynet.store.base import utcnow

log = logging.getLogger("safetynet.auth")
hasher = PasswordHash.recommended()
MAX_USERNAME = 100
WRONG = "wrong username or password"


@dataclass(frozen=True)
class LockoutPolicy:
    account_free_failures: int = 5
    address_free_failures: int = 50
    first_delay_seconds: int = 1
    max_delay_seconds: int = 900
    memory: timedelta = timedelta(hours=1)

    def delay(self, key: str, failures: int) -> int:
        """Seconds a key stays locked after its ``failures``-th consecutive failure."""
        free = self.address_free_failures if key.startswith("addr:") else self.account_free_failures
        if failures < free:
            return 0
        exponent = min(failures - free, 30)
        return int(min(self.max_delay_seconds, self.first_delay_seconds * 2**exponent))


DEFAULT_LOCKOUT = LockoutPolicy()


@cache
def _dummy_hash() -> str:
    return hasher.hash(secrets.token_urlsafe(24))


def verify_password(user: User | None, password: str) -> bool:
    """Argon2 verification, the same cost whether or not ``user`` exists."""
    stored = user.password_hash if user is not None else _dummy_hash()
    return hasher.verify(password, stored) and user is not None


def _checked(username: str, password: str) -> str:
    problems = []
    if has_control_characters(username):
        problems.append(Problem("username", "must not contain control characters"))
    if has_control_characters(password):
        problems.append(Problem("password", "must not contain control characters"))
    elif len(password) > MAX_LENGTH:
        problems.append(Problem("password", f"must be at most {MAX_LENGTH} characters"))
    if problems:
        raise InvalidInput(problems)
    return username.strip()


def throttle_keys(username: str, client_address: str | None) -> list[str]:
    keys = [f"user:{username[:MAX_USERNAME]}"]
    if client_address:
        keys.append(f"addr:{client_address[:140]}")
    return sorted(keys)


def locked_for(session: Session, keys: list[str], now: datetime) -> int:
    """Seconds until every key is unlocked (0: none is locked)."""
    until = session.scalars(
        select(LoginThrottle.locked_until).where(
            LoginThrottle.key.in_(keys), LoginThrottle.locked_until > now
        )
    ).all()
    latest = max((u for u in until if u is not None), default=None)
    return max(1, math.ceil((latest - now).total_seconds())) if latest else 0


def record_failure(
    session: Session, keys: list[str], now: datetime, policy: LockoutPolicy
) -> datetime | None:
    """Count a failure on every key (atomically); returns the lock it sets, if any."""
    dialect_insert = sqlite_insert if session.get_bind().dialect.name == "sqlite" else pg_insert
    forgotten = now - policy.memory
    latest: datetime | None = None
    for key in keys:
        new = dialect_insert(LoginThrottle).values(
            key=key, failures=1, last_failure_at=now, locked_until=None
        )
        table = LoginThrottle.__table__.c
        counted = new.on_conflict_do_update(
            index_elements=["key"],
            set_={
                "failures": case((table.last_failure_at < forgotten, 1), else_=table.failures + 1),
                "last_failure_at": now,
            },
        ).returning(LoginThrottle.failures)
        failures = session.execute(counted).scalar_one()
        seconds = policy.delay(key, failures)
        if seconds:
            until = now + timedelta(seconds=seconds)
            session.execute(
                update(LoginThrottle).where(LoginThrottle.key == key).values(locked_until=until)
            )
            latest = max(latest, until) if latest else until
    return latest


def purge_throttle(
    uow: UnitOfWork,
    actor: Principal,
    *,
    policy: LockoutPolicy = DEFAULT_LOCKOUT,
    now: datetime | None = None,
) -> int:
    """Delete the counts that no longer matter (last failure older than the policy's memory,
    no lock in force): names sprayed by an attacker would otherwise stay forever. Rows a
    sign-in holds are skipped (``SKIP LOCKED``), so a purge never waits on or blocks a sign-in.
    Returns how many were deleted."""
    actor.require_role(Role.ADMIN)
    at = now or utcnow()
    stale = (
        select(LoginThrottle.key)
        .where(
            LoginThrottle.last_failure_at < at - policy.memory,
            (LoginThrottle.locked_until.is_(None)) | (LoginThrottle.locked_until < at),
        )
        .with_for_update(skip_locked=True)
    )
    with uow:
        keys = list(uow.session.scalars(stale))
        for start in range(0, len(keys), 1000):
            uow.session.execute(
                delete(LoginThrottle).where(LoginThrottle.key.in_(keys[start : start + 1000]))
            )
        uow.commit()
    return len(keys)


def clear_account(session: Session, username: str) -> None:
    session.execute(delete(LoginThrottle).where(LoginThrottle.key == f"user:{username}"))


def _refusal(user: User | None, matched: bool) -> str | None:
    """Why a sign-in is refused (for the audit row), or None when it succeeds."""
    if user is None:
        return "unknown user"
    if not matched:
        return "wrong password"
    if not user.active:
        return "user disabled"
    if user.demo and is_production():
        return "demo user refused in production"
    return None


def authenticate(
    uow: UnitOfWork,
    username: str,
    password: str,
    client_address: str | None,
    *,
    policy: LockoutPolicy = DEFAULT_LOCKOUT,
    now: datetime | None = None,
) -> Principal:
    """The principal of a username and password, or ``Unauthenticated`` (wrong or unknown, the
    same answer in the same time), ``TooManyAttempts`` (locked; ``retry_after`` seconds) or
    ``InvalidInput`` (control characters, an overlong password)."""
    name = _checked(username, password)
    at = now or utcnow()
    keys = throttle_keys(name, client_address)
    with uow:
        session = uow.session
        wait = locked_for(session, keys, at)
        if wait:
            log.warning("sign-in refused while locked: %s from %s", name, client_address)
            raise TooManyAttempts(f"too many failed sign-ins; retry in {wait} s", wait)
        user = (
            session.scalar(select(User).where(User.username == name))
            if len(name) <= MAX_USERNAME
            else None
        )
        refusal = _refusal(user, verify_password(user, password))
        if refusal is None and user is not None:
            clear_account(session, name)
            _audit_sign_in(session, name, user, "auth.login", client_address, at)
            uow.commit()
            return Principal(user.username, Role(user.role), user.region_code, user.person_id)
        locked_until = record_failure(session, keys, at, policy)
        _audit_sign_in(
            session, name, user, "auth.login_failed", client_address, at, refusal, locked_until
        )
        uow.commit()
    raise Unauthenticated(WRONG, code="wrong_credentials")


def _audit_sign_in(
    session: Session,
    name: str,
    user: User | None,
    action: str,
    client_address: str | None,
    at: datetime,
    refusal: str | None = None,
    locked_until: datetime | None = None,
) -> None:
    after: dict[str, object] = {"client": client_address}
    if locked_until is not None:
        after["locked_until"] = locked_until.isoformat()
    audit.append(
        session,
        [
            audit.content(
                mask_ids_in(name),
                user.role if user is not None else "unknown",
                action,
                "user",
                user.id if user is not None else name,
                region_code=user.region_code if user is not None else None,
                after=after,
                reason=refusal or "",
                at=at,
            )
        ],
    )
