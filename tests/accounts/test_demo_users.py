"""The demo users: marked as such by the seed, their published passwords pass the policy and
work on a laptop, and a production server refuses to start with them (SQLite; the seed is the
same code on PostgreSQL)."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, select

from safetynet.services.auth import authenticate
from safetynet.services.demo import DEMO_USERS, seed_demo
from safetynet.services.startup import startup_problems
from safetynet.services.uow import UnitOfWork
from safetynet.store.access import User


def test_demo_users_are_marked_and_refused_in_production(
    engine: Engine, uow: UnitOfWork, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not database_url.startswith("sqlite"):
        pytest.skip("the demo seed runs once, on SQLite")
    info = seed_demo(engine)
    assert "refused in production" in info.lines()[0]
    with uow:
        marked = {u.username: u.demo for u in uow.session.scalars(select(User))}
    assert set(marked.values()) == {True}  # every user the seed makes, office story included
    assert {u.username for u in DEMO_USERS} <= set(marked)
    for demo_user in DEMO_USERS:
        assert authenticate(uow, demo_user.username, demo_user.password, None)
    monkeypatch.setenv("SAFETYNET_ENV", "production")
    monkeypatch.setenv("SAFETYNET_JWT_SECRET", "p" * 40)
    (problem,) = startup_problems(uow)
    assert problem.startswith("demo users are present (")
    assert all(name in problem for name in marked)
