"""Activation codes: issued by an operator in scope, hashed, expiring, single-use, locked after
wrong tries, audited without the code; the citizen's account is created or its password reset."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update
from tests.portal.conftest import ADMIN, BEIJING, SICHUAN, Portal

from safetynet.domain.errors import Conflict, Forbidden, InvalidInput, Unauthenticated
from safetynet.services import activation, auth, users
from safetynet.services.uow import UnitOfWork
from safetynet.store.access import AuditEntry, User
from safetynet.store.base import utcnow
from safetynet.store.portal import ActivationCode

NEW_PASSWORD = "a-new-pass-123"


def _activate(uow: UnitOfWork, portal: Portal, code: str, username: str = "wang") -> User:
    return activation.activate(
        uow,
        id_number=portal.worker.id_number,
        code=code,
        username=username,
        password=NEW_PASSWORD,
    )


def test_a_code_sets_the_password_once_and_is_audited_without_the_code(
    uow: UnitOfWork, portal: Portal
) -> None:
    issued = activation.issue_code(uow, BEIJING, portal.worker.id)
    user = _activate(uow, portal, issued.code.lower().replace("-", " "))
    assert (user.username, user.role, user.person_id) == ("wang", "citizen", portal.worker.id)
    assert auth.authenticate(uow, "wang", NEW_PASSWORD, None).person_id == portal.worker.id
    with pytest.raises(Unauthenticated):
        _activate(uow, portal, issued.code, username="wang2")
    with uow:
        row = uow.session.scalars(select(ActivationCode)).one()
        log = list(uow.session.scalars(select(AuditEntry).order_by(AuditEntry.id)))
    assert row.status == "used" and issued.code.replace("-", "") not in row.code_hash
    actions = [(e.action, e.actor) for e in log if e.action.startswith(("activation", "user.a"))]
    assert actions == [("activation.issue", "op-bj"), ("user.activate", "wang")]
    assert all(issued.code not in str(e.after) for e in log)


def test_only_operators_in_scope_issue_codes(uow: UnitOfWork, portal: Portal) -> None:
    with pytest.raises(Forbidden):
        activation.issue_code(uow, SICHUAN, portal.worker.id)
    with pytest.raises(Forbidden):
        activation.issue_code(uow, portal.citizen(portal.worker), portal.worker.id)
    with pytest.raises(InvalidInput) as bad:
        activation.issue_code(uow, BEIJING, portal.worker.id, hours=0)
    assert bad.value.problems[0].field == "hours"


def test_a_new_code_replaces_the_open_one(uow: UnitOfWork, portal: Portal) -> None:
    first = activation.issue_code(uow, BEIJING, portal.worker.id)
    second = activation.issue_code(uow, BEIJING, portal.worker.id)
    with pytest.raises(Unauthenticated):
        _activate(uow, portal, first.code)
    assert _activate(uow, portal, second.code).username == "wang"


def test_wrong_codes_lock_the_code(uow: UnitOfWork, portal: Portal) -> None:
    issued = activation.issue_code(uow, BEIJING, portal.worker.id)
    for _ in range(activation.MAX_ATTEMPTS):
        with pytest.raises(Unauthenticated):
            _activate(uow, portal, "ZZZZZ-ZZZZZ")
    with pytest.raises(Unauthenticated):
        _activate(uow, portal, issued.code)
    with uow:
        assert uow.session.scalars(select(ActivationCode.status)).one() == "locked"


def test_an_expired_code_is_refused(uow: UnitOfWork, portal: Portal) -> None:
    issued = activation.issue_code(uow, BEIJING, portal.worker.id)
    with uow:
        uow.session.execute(
            update(ActivationCode).values(expires_at=utcnow() - timedelta(minutes=1))
        )
        uow.commit()
    with pytest.raises(Unauthenticated):
        _activate(uow, portal, issued.code)


def test_unknown_persons_and_bad_input_are_refused_naming_the_field(
    uow: UnitOfWork, portal: Portal, records: object
) -> None:
    issued = activation.issue_code(uow, BEIJING, portal.worker.id)
    with pytest.raises(Unauthenticated):
        activation.activate(
            uow,
            id_number=portal.other.id_number,
            code=issued.code,
            username="x",
            password=NEW_PASSWORD,
        )
    with pytest.raises(InvalidInput) as bad:
        activation.activate(
            uow, id_number="123", code=issued.code, username="x", password=NEW_PASSWORD
        )
    assert bad.value.problems[0].field == "id_number"
    with pytest.raises(InvalidInput) as short:
        activation.activate(
            uow,
            id_number=portal.worker.id_number,
            code=issued.code,
            username="x",
            password="short",
        )
    assert short.value.problems[0].field == "password"


def test_a_taken_username_is_a_conflict_and_the_code_stays_usable(
    uow: UnitOfWork, portal: Portal
) -> None:
    users.create_user(uow, ADMIN, username="taken", password=NEW_PASSWORD, role="auditor")
    issued = activation.issue_code(uow, BEIJING, portal.worker.id)
    with pytest.raises(Conflict) as taken:
        _activate(uow, portal, issued.code, username="taken")
    assert taken.value.field == "username"
    assert _activate(uow, portal, issued.code, username="free").username == "free"


def test_an_existing_citizen_account_gets_the_new_password(uow: UnitOfWork, portal: Portal) -> None:
    users.create_user(
        uow,
        ADMIN,
        username="old",
        password="old-password-1x",
        role="citizen",
        person_id=portal.worker.id,
    )
    issued = activation.issue_code(uow, BEIJING, portal.worker.id)
    assert _activate(uow, portal, issued.code, username="ignored").username == "old"
    assert auth.authenticate(uow, "old", NEW_PASSWORD, None).person_id == portal.worker.id
    with pytest.raises(Unauthenticated):
        auth.authenticate(uow, "old", "old-password-1x", None)
