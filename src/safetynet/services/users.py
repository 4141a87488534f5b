"""Users, roles, passwords (Argon2 via pwdlib) and access tokens (JWT via PyJWT).

The signing secret is ``SAFETYNET_JWT_SECRET`` when set; otherwise one is generated per database
on first use and kept in ``settings``, so that no shared default secret exists anywhere.
"""

from __future__ import annotations

import os
import secrets
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
from pwdlib import PasswordHash
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from safetynet.domain.access import Principal, Role
from safetynet.domain.errors import Conflict, InvalidInput, NotFound, Unauthenticated
from safetynet.services import audit, validation
from safetynet.services.uow import UnitOfWork
from safetynet.store.access import Setting, User
from safetynet.store.registry import Person

SECRET_ENV = "SAFETYNET_JWT_SECRET"
TOKEN_MINUTES_ENV = "SAFETYNET_TOKEN_MINUTES"
ALGORITHM = "HS256"
MIN_PASSWORD_LENGTH = 8
_hasher = PasswordHash.recommended()


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password: str, password_hash: str) -> bool:
    return _hasher.verify(password, password_hash)


def token_secret(uow: UnitOfWork) -> str:
    configured = os.environ.get(SECRET_ENV, "").strip()
    if configured:
        if len(configured) < 32:
            raise RuntimeError(f"{SECRET_ENV} must be at least 32 characters")
        return configured
    with uow:
        setting = uow.session.get(Setting, "jwt_secret")
        if setting is None:
            setting = Setting(key="jwt_secret", value=secrets.token_urlsafe(48))
            uow.session.add(setting)
            try:
                uow.commit()
            except IntegrityError:  # another process generated it first
                uow.session.rollback()
                setting = uow.session.get(Setting, "jwt_secret")
                assert setting is not None
        return setting.value


def create_user(
    uow: UnitOfWork,
    actor: Principal,
    *,
    username: str,
    password: str,
    role: str,
    region: str | None = None,
    person_id: int | None = None,
) -> User:
    actor.require_role(Role.ADMIN)
    name = username.strip()
    if not name or len(name) > 100 or any(c.isspace() for c in name):
        raise InvalidInput.one("username", "must be 1-100 characters without spaces")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput.one("password", f"must be at least {MIN_PASSWORD_LENGTH} characters")
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
            },
        )
        uow.commit()
        return user


def principal_of(user: User) -> Principal:
    return Principal(user.username, Role(user.role), user.region_code, user.person_id)


def authenticate(uow: UnitOfWork, username: str, password: str) -> Principal:
    with uow:
        user = uow.session.scalar(select(User).where(User.username == username.strip()))
        if user is None or not user.active or not verify_password(password, user.password_hash):
            raise Unauthenticated("wrong username or password", code="wrong_credentials")
        return principal_of(user)


def issue_token(uow: UnitOfWork, principal: Principal, *, minutes: int | None = None) -> str:
    lifetime = minutes or int(os.environ.get(TOKEN_MINUTES_ENV, "60"))
    now = datetime.now(UTC)
    claims: dict[str, Any] = {
        "sub": principal.username,
        "role": principal.role.value,
        "region": principal.region_code,
        "person": principal.person_id,
        "iat": now,
        "exp": now + timedelta(minutes=lifetime),
    }
    return jwt.encode(claims, token_secret(uow), algorithm=ALGORITHM)


def principal_from_token(uow: UnitOfWork, token: str) -> Principal:
    """The token's user, re-read from the database so that a disabled user is refused."""
    try:
        claims = jwt.decode(
            token, token_secret(uow), algorithms=[ALGORITHM], options={"require": ["exp", "sub"]}
        )
    except jwt.PyJWTError as exc:
        raise Unauthenticated(f"invalid token: {exc}") from None
    with uow:
        user = uow.session.scalar(select(User).where(User.username == claims["sub"]))
        if user is None or not user.active:
            raise Unauthenticated("the token's user no longer exists or is disabled")
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
