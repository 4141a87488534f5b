"""Signing in: lockout with backoff per account and per address, constant-time refusals, the
audit rows of every attempt, and control characters refused (SQLite and PostgreSQL)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, select

from safetynet.domain.access import Principal, Role
from safetynet.domain.errors import Forbidden, InvalidInput, TooManyAttempts, Unauthenticated
from safetynet.services import auth
from safetynet.services.auth import LockoutPolicy, authenticate, purge_throttle
from safetynet.services.uow import UnitOfWork
from safetynet.store.access import AuditEntry, LoginThrottle
from safetynet.store.base import utcnow
from safetynet.store.db import session_factory

from .conftest import ADMIN, PASSWORD, Accounts

ADDRESS = "203.0.113.7"


def _fail(uow: UnitOfWork, username: str, times: int, address: str = ADDRESS, **kw: Any) -> None:
    for _ in range(times):
        with pytest.raises(Unauthenticated):
            authenticate(uow, username, "not the password", address, **kw)


def test_success_gives_the_principal_and_is_audited(uow: UnitOfWork, accounts: Accounts) -> None:
    accounts.add("op-bj")
    principal = authenticate(uow, " op-bj ", PASSWORD, ADDRESS)
    assert (principal.username, principal.role.value, principal.region_code) == (
        "op-bj",
        "operator",
        110000,
    )
    with uow:
        row = uow.session.scalars(select(AuditEntry)).one()
    assert (row.action, row.actor, row.role, row.after) == (
        "auth.login",
        "op-bj",
        "operator",
        {"client": ADDRESS},
    )


def test_every_failure_is_audited_with_its_reason(uow: UnitOfWork, accounts: Accounts) -> None:
    accounts.add("op-bj")
    accounts.add("gone", active=False)
    for name, password, reason in [
        ("op-bj", "wrong password!", "wrong password"),
        ("nobody", PASSWORD, "unknown user"),
        ("gone", PASSWORD, "user disabled"),
    ]:
        with pytest.raises(Unauthenticated, match="wrong username or password"):
            authenticate(uow, name, password, ADDRESS)
        with uow:
            row = uow.session.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc())).first()
        assert row is not None
        assert (row.action, row.actor, row.reason) == ("auth.login_failed", name, reason)


def test_lockout_with_backoff_refuses_even_the_right_password(
    uow: UnitOfWork, accounts: Accounts
) -> None:
    """The reported attack: 900 wrong passwords, then the right one worked. Now the sixth
    attempt in a row is refused for a doubling delay, right password or not."""
    accounts.add("op-bj")
    start = utcnow()
    _fail(uow, "op-bj", 5, now=start)
    with pytest.raises(TooManyAttempts) as locked:
        authenticate(uow, "op-bj", PASSWORD, ADDRESS, now=start)
    assert (locked.value.code, locked.value.retry_after) == ("too_many_attempts", 1)
    later = start + timedelta(seconds=2)
    _fail(uow, "op-bj", 1, now=later)  # sixth failure: 2 s
    with pytest.raises(TooManyAttempts) as again:
        authenticate(uow, "op-bj", PASSWORD, ADDRESS, now=later + timedelta(seconds=1))
    assert again.value.retry_after == 1
    assert authenticate(uow, "op-bj", PASSWORD, ADDRESS, now=later + timedelta(seconds=3))
    with uow:  # success clears the account's count
        assert uow.session.get(LoginThrottle, "user:op-bj") is None


def test_the_delay_doubles_up_to_its_cap() -> None:
    policy = LockoutPolicy()
    delays = [policy.delay("user:x", n) for n in range(1, 20)]
    assert delays[:4] == [0, 0, 0, 0]
    assert delays[4:9] == [1, 2, 4, 8, 16]
    assert max(delays) == policy.max_delay_seconds == 900
    assert policy.delay("addr:1.2.3.4", 49) == 0 and policy.delay("addr:1.2.3.4", 50) == 1


def test_unknown_users_are_locked_alike(uow: UnitOfWork) -> None:
    """No difference between a known and an unknown name, in answer or in lockout."""
    start = utcnow()
    _fail(uow, "nobody", 5, now=start)
    with pytest.raises(TooManyAttempts):
        authenticate(uow, "nobody", PASSWORD, ADDRESS, now=start)


def test_the_client_address_is_locked_across_usernames(uow: UnitOfWork, accounts: Accounts) -> None:
    accounts.add("op-bj")
    policy = LockoutPolicy(account_free_failures=100, address_free_failures=3)
    start = utcnow()
    for name in ("a1", "a2", "a3"):
        _fail(uow, name, 1, policy=policy, now=start)
    with pytest.raises(TooManyAttempts):
        authenticate(uow, "op-bj", PASSWORD, ADDRESS, policy=policy, now=start)
    assert authenticate(uow, "op-bj", PASSWORD, "198.51.100.1", policy=policy, now=start)


def test_old_failures_are_forgotten(uow: UnitOfWork, accounts: Accounts) -> None:
    accounts.add("op-bj")
    start = utcnow() - timedelta(hours=3)
    _fail(uow, "op-bj", 4, now=start)
    _fail(uow, "op-bj", 1, now=start + timedelta(hours=2))
    with uow:
        row = uow.session.get(LoginThrottle, "user:op-bj")
        assert row is not None and row.failures == 1 and row.locked_until is None


def test_the_failure_that_locks_is_audited_with_the_lock(uow: UnitOfWork) -> None:
    start = utcnow()
    _fail(uow, "nobody", 5, now=start)
    with uow:
        last = uow.session.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc())).first()
        count = len(uow.session.scalars(select(AuditEntry)).all())
    assert last is not None and "locked_until" in (last.after or {})
    with pytest.raises(TooManyAttempts):
        authenticate(uow, "nobody", PASSWORD, ADDRESS, now=start)
    with uow:  # attempts refused while locked are logged, not audited
        assert len(uow.session.scalars(select(AuditEntry)).all()) == count


@pytest.mark.parametrize(
    ("username", "password", "field"),
    [
        ("op\x00bj", PASSWORD, "username"),
        ("op-bj", "pass\x00word", "password"),
        ("op-bj\r\n", PASSWORD, "username"),
        ("op-bj", "x" * 10_000, "password"),
    ],
)
def test_control_characters_and_overlong_input_are_refused(
    uow: UnitOfWork, username: str, password: str, field: str
) -> None:
    with pytest.raises(InvalidInput) as refused:
        authenticate(uow, username, password, ADDRESS)
    assert refused.value.problems[0].field == field


def test_an_overlong_username_is_an_unknown_user(uow: UnitOfWork) -> None:
    with pytest.raises(Unauthenticated) as refused:
        authenticate(uow, "u" * 5000, PASSWORD, ADDRESS)
    assert refused.value.code == "wrong_credentials"


def test_unknown_users_cost_one_argon2_verification(
    uow: UnitOfWork, accounts: Accounts, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Constant time by construction: every attempt verifies one Argon2 hash with the same
    parameters, a dummy one for unknown or disabled users (timings: benchmarks/bench_login)."""
    accounts.add("op-bj")
    accounts.add("gone", active=False)
    verified: list[str] = []
    real_verify = auth.hasher.verify

    def counting(password: str, stored: str) -> bool:
        verified.append(stored)
        return real_verify(password, stored)

    monkeypatch.setattr(auth.hasher, "verify", counting)
    for name in ("op-bj", "nobody", "gone"):
        with pytest.raises(Unauthenticated):
            authenticate(uow, name, "not the password", ADDRESS)
    assert len(verified) == 3
    parameters = {stored.rsplit("$", 2)[0] for stored in verified}
    assert len(parameters) == 1  # same algorithm, version, memory, time and parallelism


def test_a_demo_user_is_refused_in_production(
    uow: UnitOfWork, accounts: Accounts, monkeypatch: pytest.MonkeyPatch
) -> None:
    accounts.add("admin", role="admin", demo=True)
    assert authenticate(uow, "admin", PASSWORD, ADDRESS)
    monkeypatch.setenv("SAFETYNET_ENV", "production")
    with pytest.raises(Unauthenticated):
        authenticate(uow, "admin", PASSWORD, ADDRESS)


def test_concurrent_failures_are_all_counted(
    engine: Engine, accounts: Accounts, database_url: str
) -> None:
    """Twenty wrong passwords at once, each with its own connection: every one is counted
    (an atomic upsert), none is lost to a race."""
    accounts.add("op-bj")
    if database_url.startswith("sqlite"):
        pytest.skip("SQLite serialises writers; the race is PostgreSQL's")
    factory = session_factory(engine)
    policy = LockoutPolicy(account_free_failures=1000, address_free_failures=1000)

    def attempt(i: int) -> str:
        try:
            authenticate(UnitOfWork(factory), "op-bj", f"wrong {i}", f"10.0.0.{i}", policy=policy)
        except Unauthenticated:
            return "refused"
        return "signed in"

    with ThreadPoolExecutor(max_workers=10) as pool:
        outcomes = list(pool.map(attempt, range(20)))
    assert outcomes == ["refused"] * 20
    uow = UnitOfWork(factory)
    with uow:
        row = uow.session.get(LoginThrottle, "user:op-bj")
        assert row is not None and row.failures == 20


def test_stale_counts_are_purged(uow: UnitOfWork, accounts: Accounts) -> None:
    start = utcnow() - timedelta(hours=3)
    for name in ("spray-1", "spray-2"):
        _fail(uow, name, 1, now=start)
    _fail(uow, "recent", 1)
    with pytest.raises(Forbidden):
        purge_throttle(uow, Principal("op", Role.OPERATOR, 110000))
    assert purge_throttle(uow, ADMIN) == 2  # the address failed again since: it stays
    with uow:
        left = set(uow.session.scalars(select(LoginThrottle.key)))
    assert left == {"user:recent", f"addr:{ADDRESS}"}


def test_both_fields_are_named_when_both_are_bad(uow: UnitOfWork) -> None:
    with pytest.raises(InvalidInput) as refused:
        authenticate(uow, "a\x00b", "c\x00d", ADDRESS)
    assert [p.field for p in refused.value.problems] == ["username", "password"]
