"""Citizen accounts from one-time activation codes.

An operator issues a code for a registered person (at the counter, by post); the person sets
their password with their identity number and the code. Only the code's Argon2 hash is kept;
a code expires after ``CODE_HOURS``, serves once, and locks after ``MAX_ATTEMPTS`` wrong tries.
Issuing a new code replaces the open one; the database allows one open code per person. The
same path resets a forgotten password: an existing citizen account of the person keeps its
username and gets the new password.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update

from safetynet.domain.access import Principal, Role
from safetynet.domain.errors import Conflict, InvalidInput, Unauthenticated
from safetynet.domain.identity import mask_id
from safetynet.services import audit, auth, users, validation
from safetynet.services.benefits.common import person_in_scope
from safetynet.services.uow import UnitOfWork
from safetynet.store.access import User
from safetynet.store.base import utcnow
from safetynet.store.portal import ActivationCode
from safetynet.store.registry import Person

CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
"""No 0/O, 1/I/L: a code is read aloud and typed from paper."""
CODE_LENGTH = 10
CODE_HOURS = 72
MAX_ATTEMPTS = 5
WRONG = "identity number or activation code is wrong, expired or already used"


@dataclass(frozen=True)
class IssuedCode:
    person_id: int
    code: str
    """Shown once, to be handed to the person; never stored."""
    expires_at: datetime


def _normalise(code: str) -> str:
    return "".join(c for c in code.upper() if c.isalnum())


def format_code(code: str) -> str:
    """``ABCDE-FGHJK``: easier to read out and to type."""
    return f"{code[:5]}-{code[5:]}"


def issue_code(
    uow: UnitOfWork, actor: Principal, person_id: int, *, hours: int = CODE_HOURS
) -> IssuedCode:
    """A new activation code for the person (operators of the person's region, admins)."""
    actor.require_write()
    if not 1 <= hours <= 24 * 30:
        raise InvalidInput.one("hours", "must be between 1 and 720")
    code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    with uow:
        person = person_in_scope(uow, actor, person_id)
        uow.session.execute(
            update(ActivationCode)
            .where(ActivationCode.person_id == person.id, ActivationCode.status == "open")
            .values(status="replaced")
        )
        row = ActivationCode(
            person_id=person.id,
            code_hash=users.hash_password(code),
            status="open",
            failed_attempts=0,
            issued_by=actor.username,
            expires_at=utcnow() + timedelta(hours=hours),
        )
        uow.session.add(row)
        uow.session.flush()
        audit.record(
            uow.session,
            actor,
            "activation.issue",
            "person",
            person.id,
            region_code=person.region_code,
            after={"code_id": row.id, "expires_at": row.expires_at.isoformat()},
        )
        uow.commit()
        return IssuedCode(person.id, format_code(code), row.expires_at)


def _check_password(username: str, password: str) -> str:
    name = username.strip()
    if not name or len(name) > 100 or any(c.isspace() for c in name):
        raise InvalidInput.one("username", "must be 1-100 characters without spaces")
    users.check_password(password, name)
    return name


def _open_code(uow: UnitOfWork, person: Person | None) -> ActivationCode:
    if person is None:
        raise Unauthenticated(WRONG)
    row = uow.session.scalar(
        select(ActivationCode).where(
            ActivationCode.person_id == person.id, ActivationCode.status == "open"
        )
    )
    if row is None or row.expires_at <= utcnow():
        raise Unauthenticated(WRONG)
    return row


def _refuse(uow: UnitOfWork, row: ActivationCode) -> None:
    """Count a wrong code (in its own transaction) and lock the code at the limit."""
    attempts = row.failed_attempts + 1
    uow.session.execute(
        update(ActivationCode)
        .where(ActivationCode.id == row.id)
        .values(failed_attempts=attempts, status="locked" if attempts >= MAX_ATTEMPTS else "open")
    )
    uow.commit()
    raise Unauthenticated(WRONG)


def activate(uow: UnitOfWork, *, id_number: str, code: str, username: str, password: str) -> User:
    """Set the person's password with their identity number and open activation code; returns
    the citizen user (created, or the existing one with the new password)."""
    parsed = validation.resident_id(id_number)
    name = _check_password(username, password)
    with uow:
        session = uow.session
        person = session.scalar(select(Person).where(Person.id_number == parsed.number))
        row = _open_code(uow, person)
        assert person is not None
        if not users.verify_password(_normalise(code), row.code_hash):
            _refuse(uow, row)
        claimed = session.execute(
            update(ActivationCode)
            .where(ActivationCode.id == row.id, ActivationCode.status == "open")
            .values(status="used", used_at=utcnow())
        )
        if claimed.rowcount != 1:  # type: ignore[attr-defined]
            raise Unauthenticated(WRONG)
        user = session.scalar(
            select(User).where(User.person_id == person.id, User.role == Role.CITIZEN.value)
        )
        action = "user.reset_password"
        if user is None:
            if session.scalar(select(User.id).where(User.username == name)) is not None:
                raise Conflict(f"user {name} already exists; choose another", field="username")
            user = User(username=name, role=Role.CITIZEN.value, person_id=person.id)
            session.add(user)
            action = "user.activate"
        user.password_hash = users.hash_password(password)
        user.credentials_version = (user.credentials_version or 0) + 1  # older tokens stop
        user.active = True
        auth.clear_account(session, user.username)
        session.flush()
        actor = Principal(user.username, Role.CITIZEN, person_id=person.id)
        audit.record(
            session,
            actor,
            action,
            "user",
            user.id,
            region_code=person.region_code,
            after={"username": user.username, "person": mask_id(person.id_number)},
        )
        uow.commit()
        return user
