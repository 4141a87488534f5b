"""Users, roles, passwords (Argon2 via pwdlib, the policy of ``domain.passwords``) and access
tokens (JWT via PyJWT, signed with the secret of ``signing_secret``).

Administrators create users, reset passwords and disable or enable accounts; every user may
change their own password. A password change or reset raises the user's
``credentials_version``, which every token carries: tokens issued before it are refused, as are
the tokens of a disabled user (each request re-reads the user).
"""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
from sqlalchemy import func, select

from safetynet.domain.access import Principal, Role
from safetynet.domain.errors import (
    Conflict,
    Forbidden,
    InvalidInput,
    NotFound,
    TooManyAttempts,
    Unauthenticated,
)
from safetynet.domain.passwords import password_problem
from safetynet.services import audit, auth, validation
from safetynet.services.signing_secret import is_production, token_secret
from safetynet.services.uow import UnitOfWork
from safetynet.store.access import User
from safetynet.store.base import utcnow
from safetynet.store.registry import Person

TOKEN_MINUTES_ENV = "SAFETYNET_TOKEN_MINUTES"
ALGORITHM = "HS256"


def hash_password(password: str) -> str:
    return auth.hasher.hash(password)


def verify_password(secret: str, secret_hash: str) -> bool:
    """Whether ``secret`` matches an Argon2 hash made here (passwords, activation codes)."""
    return auth.hasher.verify(secret, secret_hash)


def check_password(password: str, username: str, field: str = "password") -> None:
    problem = password_problem(password, username)
    if problem is not None:
        raise InvalidInput.one(field, problem)


def create_user(
    uow: UnitOfWork,
    actor: Principal,
    *,
    username: str,
    password: str,
    role: str,
    region: str | None = None,
    person_id: int | None = None,
    demo: bool = False,
) -> User:
    actor.require_role(Role.ADMIN)
    name = username.strip()
    if not name or len(name) > 100 or any(c.isspace() or not c.isprintable() for c in name):
        raise InvalidInput.one("username", "must be 1-100 printable characters without spaces")
    check_password(password, name)
    user_role = Role(validation.choice(role, tuple(r.value for r in Role), "role"))
    region_code = validation.region(region) if region else None
    if user_role is Role.OPERATOR and region_code is None:
        raise InvalidInput.one("region", "an operator needs a region scope")
    if user_role is Role.CITIZEN and person_id is None:
        raise InvalidInput.one("person_id", "a citizen account belongs to a person")
    with uow:
        session = uow.session
        if person_id is not None and session.get(Person, person_id) is None:
            raise InvalidInput.one("person_id", f"person {person_id} does not exist")
        if session.scalar(select(User.id).where(User.username == name)) is not None:
            raise Conflict(f"user {name} already exists", field="username")
        user = User(
            username=name,
            password_hash=hash_password(password),
            role=user_role.value,
            region_code=region_code,
            person_id=person_id,
            demo=demo,
        )
        session.add(user)
        session.flush()
        audit.record(
            session,
            actor,
            "user.create",
            "user",
            user.id,
            region_code=region_code,
            after={
                "username": name,
                "role": user_role.value,
                "region": region_code,
                "person_id": person_id,
                "demo": demo,
            },
        )
        uow.commit()
        return user


def principal_of(user: User) -> Principal:
    return Principal(user.username, Role(user.role), user.region_code, user.person_id)


def acting_user(uow: UnitOfWork, username: str) -> Principal:
    """The principal of an existing, enabled user (the CLI's ``SAFETYNET_USER``)."""
    with uow:
        user = uow.session.scalar(select(User).where(User.username == username))
    if user is None:
        raise Unauthenticated(f"user {username} does not exist")
    if not user.active:
        raise Unauthenticated(f"user {username} is disabled")
    if user.demo and is_production():
        raise Unauthenticated(f"user {username} is a demo user, refused in production")
    return principal_of(user)


def issue_token(uow: UnitOfWork, principal: Principal, *, minutes: int | None = None) -> str:
    lifetime = minutes or int(os.environ.get(TOKEN_MINUTES_ENV, "60"))
    with uow:
        version = uow.session.scalar(
            select(User.credentials_version).where(User.username == principal.username)
        )
    if version is None:
        raise NotFound("user", principal.username)
    now = datetime.now(UTC)
    claims: dict[str, Any] = {
        "sub": principal.username,
        "role": principal.role.value,
        "region": principal.region_code,
        "person": principal.person_id,
        "ver": version,
        "iat": now,
        "exp": now + timedelta(minutes=lifetime),
    }
    return jwt.encode(claims, token_secret(), algorithm=ALGORITHM)


def principal_from_token(uow: UnitOfWork, token: str) -> Principal:
    """The token's user, re-read from the database so that a disabled user, a changed password
    or (in production) a demo user is refused."""
    try:
        claims = jwt.decode(
            token, token_secret(), algorithms=[ALGORITHM], options={"require": ["exp", "sub"]}
        )
    except jwt.PyJWTError as exc:
        raise Unauthenticated(f"invalid token: {exc}") from None
    with uow:
        user = uow.session.scalar(select(User).where(User.username == claims["sub"]))
    if user is None or not user.active or (user.demo and is_production()):
        raise Unauthenticated("the token's user no longer exists or is disabled")
    if claims.get("ver") != user.credentials_version:
        raise Unauthenticated("the password changed since this token was issued; sign in again")
    return principal_of(user)


def list_users(uow: UnitOfWork, actor: Principal) -> list[User]:
    actor.require_role(Role.ADMIN, Role.AUDITOR)
    with uow:
        return list(uow.session.scalars(select(User).order_by(User.id)))


def get_user(uow: UnitOfWork, username: str) -> User:
    with uow:
        user = uow.session.scalar(select(User).where(User.username == username))
        if user is None:
            raise NotFound("user", username)
        return user


def _find(uow: UnitOfWork, user: int | str) -> User:
    column = User.id if isinstance(user, int) else User.username
    found = uow.session.scalar(select(User).where(column == user).with_for_update())
    if found is None:
        raise NotFound("user", user)
    return found


def change_password(
    uow: UnitOfWork,
    actor: Principal,
    *,
    current_password: str,
    new_password: str,
    client_address: str | None = None,
) -> None:
    """The signed-in user's own password. A wrong current password counts as a failed
    sign-in (throttled alike) and is refused with ``Forbidden``."""
    now = utcnow()
    keys = auth.throttle_keys(actor.username, client_address)
    with uow:
        session = uow.session
        wait = auth.locked_for(session, keys, now)
        if wait:
            raise TooManyAttempts(f"too many failed attempts; retry in {wait} s", wait)
        user = _find(uow, actor.username)
        if not auth.verify_password(user, current_password):
            auth.record_failure(session, keys, now, auth.DEFAULT_LOCKOUT)
            audit.record(
                session,
                actor,
                "user.password_change_refused",
                "user",
                user.id,
                region_code=user.region_code,
                after={"client": client_address},
                reason="wrong current password",
            )
            uow.commit()
            raise Forbidden("the current password is wrong")
        check_password(new_password, user.username, "new_password")
        user.password_hash = hash_password(new_password)
        user.credentials_version += 1
        auth.clear_account(session, user.username)
        audit.record(
            session, actor, "user.password_change", "user", user.id, region_code=user.region_code
        )
        uow.commit()


def reset_password(
    uow: UnitOfWork, actor: Principal, user: int | str, *, new_password: str, reason: str = ""
) -> User:
    """An administrator sets a user's password (and lifts the account's sign-in lock)."""
    actor.require_role(Role.ADMIN)
    with uow:
        session = uow.session
        target = _find(uow, user)
        check_password(new_password, target.username, "new_password")
        target.password_hash = hash_password(new_password)
        target.credentials_version += 1
        auth.clear_account(session, target.username)
        audit.record(
            session,
            actor,
            "user.password_reset",
            "user",
            target.id,
            region_code=target.region_code,
            reason=reason,
        )
        uow.commit()
        return target


def set_active(
    uow: UnitOfWork, actor: Principal, user: int | str, *, active: bool, reason: str = ""
) -> User:
    """Disable (tokens and CLI use refused at once) or enable a user. The last enabled
    administrator cannot be disabled."""
    actor.require_role(Role.ADMIN)
    with uow:
        session = uow.session
        target = _find(uow, user)
        if target.active == active:
            return target
        if not active and target.role == Role.ADMIN.value:
            admins = session.scalar(
                select(func.count())
                .select_from(User)
                .where(User.role == Role.ADMIN.value, User.active.is_(True))
            )
            if admins is not None and admins <= 1:
                raise Conflict("the last enabled administrator cannot be disabled", field="user")
        target.active = active
        if active:
            auth.clear_account(session, target.username)
        audit.record(
            session,
            actor,
            "user.enable" if active else "user.disable",
            "user",
            target.id,
            region_code=target.region_code,
            before={"active": not active},
            after={"active": active},
            reason=reason,
        )
        uow.commit()
        return target
