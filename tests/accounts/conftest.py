"""Fixtures of the account tests: users with a password hashed once per session."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher

from safetynet.domain.access import Principal, Role
from safetynet.services import auth
from safetynet.services.uow import UnitOfWork
from safetynet.store.access import User

PASSWORD = "a long enough phrase"
ADMIN = Principal("root-admin", Role.ADMIN)


CHEAP_ARGON2 = PasswordHash((Argon2Hasher(time_cost=1, memory_cost=1024, parallelism=1),))
"""Argon2 at test cost: the same code path, a thousandth of the work (the benchmark uses the
production parameters)."""


@pytest.fixture(scope="session")
def password_hash() -> str:
    return CHEAP_ARGON2.hash(PASSWORD)


@pytest.fixture(autouse=True)
def cheap_argon2(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(auth, "hasher", CHEAP_ARGON2)
    auth._dummy_hash.cache_clear()
    yield
    auth._dummy_hash.cache_clear()


@pytest.fixture(autouse=True)
def development_mode(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("SAFETYNET_ENV", "SAFETYNET_JWT_SECRET", "SAFETYNET_JWT_SECRET_FILE"):
        monkeypatch.delenv(name, raising=False)


class Accounts:
    """Adds users directly (the password hashed once per session)."""

    def __init__(self, uow: UnitOfWork, password_hash: str) -> None:
        self.uow, self.password_hash = uow, password_hash

    def add(self, username: str, role: str = "operator", **fields: Any) -> User:
        if role == "operator":
            fields.setdefault("region_code", 110000)
        with self.uow:
            user = User(username=username, password_hash=self.password_hash, role=role, **fields)
            self.uow.session.add(user)
            self.uow.commit()
            return user


@pytest.fixture
def accounts(uow: UnitOfWork, password_hash: str) -> Accounts:
    return Accounts(uow, password_hash)
