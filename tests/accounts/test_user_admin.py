"""Password change and reset, disable and enable, and what they do to tokens (SQLite and
PostgreSQL)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from safetynet.domain.access import Principal, Role
from safetynet.domain.errors import (
    Conflict,
    Forbidden,
    InvalidInput,
    TooManyAttempts,
    Unauthenticated,
)
from safetynet.services import users
from safetynet.services.auth import authenticate
from safetynet.services.uow import UnitOfWork
from safetynet.store.access import AuditEntry, LoginThrottle

from .conftest import ADMIN, PASSWORD, Accounts

NEW = "another long phrase"


def _actions(uow: UnitOfWork) -> list[str]:
    with uow:
        return list(uow.session.scalars(select(AuditEntry.action).order_by(AuditEntry.seq)))


def test_create_user_applies_the_policy(uow: UnitOfWork) -> None:
    with pytest.raises(InvalidInput, match="password: must be at least 12"):
        users.create_user(uow, ADMIN, username="boss", password="password", role="admin")
    with pytest.raises(InvalidInput, match="password: is too common"):
        users.create_user(uow, ADMIN, username="boss", password="Password1234!", role="admin")
    with pytest.raises(InvalidInput, match="username"):
        users.create_user(uow, ADMIN, username="bo\x00ss", password=PASSWORD, role="admin")
    user = users.create_user(uow, ADMIN, username="boss", password=PASSWORD, role="admin")
    assert user.active and not user.demo and user.credentials_version == 0


def test_change_password_checks_the_current_one_and_ends_old_tokens(
    uow: UnitOfWork, accounts: Accounts
) -> None:
    accounts.add("op-bj")
    me = authenticate(uow, "op-bj", PASSWORD, None)
    token = users.issue_token(uow, me)
    assert users.principal_from_token(uow, token) == me
    with pytest.raises(Forbidden, match="current password"):
        users.change_password(uow, me, current_password="wrong one!!", new_password=NEW)
    with pytest.raises(InvalidInput, match="new_password: is too common"):
        users.change_password(uow, me, current_password=PASSWORD, new_password="qwerty123456")
    users.change_password(uow, me, current_password=PASSWORD, new_password=NEW)
    with pytest.raises(Unauthenticated, match="password changed"):
        users.principal_from_token(uow, token)
    with pytest.raises(Unauthenticated):
        authenticate(uow, "op-bj", PASSWORD, None)
    assert authenticate(uow, "op-bj", NEW, None) == me
    assert "user.password_change_refused" in _actions(uow)
    assert "user.password_change" in _actions(uow)


def test_wrong_current_passwords_are_throttled(uow: UnitOfWork, accounts: Accounts) -> None:
    accounts.add("op-bj")
    me = Principal("op-bj", Role.OPERATOR, 110000)
    for _ in range(5):
        with pytest.raises(Forbidden):
            users.change_password(uow, me, current_password="guess guess", new_password=NEW)
    with pytest.raises(TooManyAttempts):
        users.change_password(uow, me, current_password=PASSWORD, new_password=NEW)


def test_admin_reset_lifts_the_lock_and_ends_old_tokens(
    uow: UnitOfWork, accounts: Accounts
) -> None:
    user = accounts.add("op-bj")
    token = users.issue_token(uow, users.principal_of(user))
    for _ in range(5):
        with pytest.raises(Unauthenticated):
            authenticate(uow, "op-bj", "not it at all", None)
    with pytest.raises(Forbidden):
        users.reset_password(uow, Principal("op", Role.OPERATOR, 110000), user.id, new_password=NEW)
    with pytest.raises(InvalidInput):
        users.reset_password(uow, ADMIN, user.id, new_password="password")
    users.reset_password(uow, ADMIN, "op-bj", new_password=NEW, reason="forgot it")
    with uow:
        assert uow.session.get(LoginThrottle, "user:op-bj") is None
    with pytest.raises(Unauthenticated):
        users.principal_from_token(uow, token)
    assert authenticate(uow, "op-bj", NEW, None).username == "op-bj"


def test_disable_and_enable(uow: UnitOfWork, accounts: Accounts) -> None:
    user = accounts.add("op-bj")
    token = users.issue_token(uow, users.principal_of(user))
    disabled = users.set_active(uow, ADMIN, user.id, active=False, reason="left the agency")
    assert not disabled.active
    with pytest.raises(Unauthenticated):
        users.principal_from_token(uow, token)
    with pytest.raises(Unauthenticated):
        authenticate(uow, "op-bj", PASSWORD, None)
    with pytest.raises(Unauthenticated, match="disabled"):
        users.acting_user(uow, "op-bj")
    users.set_active(uow, ADMIN, "op-bj", active=True)
    assert users.principal_from_token(uow, token).username == "op-bj"
    assert _actions(uow)[-3:] == ["user.disable", "auth.login_failed", "user.enable"]


def test_the_last_enabled_admin_stays(uow: UnitOfWork, accounts: Accounts) -> None:
    only = accounts.add("boss", role="admin")
    with pytest.raises(Conflict, match="last enabled administrator"):
        users.set_active(uow, ADMIN, only.id, active=False)
    accounts.add("deputy", role="admin")
    assert not users.set_active(uow, ADMIN, only.id, active=False).active


def test_acting_user_refuses_unknown_and_demo_in_production(
    uow: UnitOfWork, accounts: Accounts, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(Unauthenticated, match="does not exist"):
        users.acting_user(uow, "nobody")
    accounts.add("admin", role="admin", demo=True)
    assert users.acting_user(uow, "admin").role is Role.ADMIN
    monkeypatch.setenv("SAFETYNET_ENV", "production")
    with pytest.raises(Unauthenticated, match="demo"):
        users.acting_user(uow, "admin")
