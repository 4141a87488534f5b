"""The server's start: a bad secret refuses in every mode; production refuses a missing
secret, enabled demo users and a secret in the database, each with one line."""

from __future__ import annotations

from pathlib import Path

import jwt
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from safetynet.api.app import create_app
from safetynet.services import users
from safetynet.services.signing_secret import ConfigurationError, token_secret
from safetynet.services.startup import StartupRefused, startup_problems
from safetynet.services.uow import UnitOfWork
from safetynet.store.access import Setting

from .conftest import PASSWORD, Accounts

GOOD = "s" * 40


def test_development_without_a_secret_uses_one_per_process(uow: UnitOfWork) -> None:
    assert startup_problems(uow) == []
    assert token_secret() == token_secret() and len(token_secret()) >= 32


def test_the_secret_from_the_environment_or_a_file(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("SAFETYNET_JWT_SECRET", GOOD)
    assert token_secret() == GOOD
    monkeypatch.delenv("SAFETYNET_JWT_SECRET")
    path = tmp_path / "secret"
    path.write_text("f" * 48 + "\n")
    monkeypatch.setenv("SAFETYNET_JWT_SECRET_FILE", str(path))
    assert token_secret() == "f" * 48


@pytest.mark.parametrize(
    ("env", "file_text", "reason"),
    [
        ({"SAFETYNET_JWT_SECRET": "short"}, None, "is 5 characters; it must be at least 32"),
        ({"SAFETYNET_JWT_SECRET": GOOD}, GOOD, "not both"),
        ({}, "tiny", "is 4 characters"),
        ({}, "", "is empty"),
        ({"SAFETYNET_ENV": "prod"}, None, "SAFETYNET_ENV must be one of"),
    ],
)
def test_a_bad_secret_refuses_to_start_in_any_mode(
    uow: UnitOfWork,
    engine: Engine,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    env: dict[str, str],
    file_text: str | None,
    reason: str,
) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    if file_text is not None:
        (tmp_path / "secret").write_text(file_text)
        monkeypatch.setenv("SAFETYNET_JWT_SECRET_FILE", str(tmp_path / "secret"))
    problems = startup_problems(uow)
    assert len(problems) == 1 and reason in problems[0] and "\n" not in problems[0]
    with pytest.raises(StartupRefused):
        create_app(engine)


def test_an_unreadable_secret_file(uow: UnitOfWork, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SAFETYNET_JWT_SECRET_FILE", "/nonexistent/secret")
    assert "cannot be read" in startup_problems(uow)[0]
    with pytest.raises(ConfigurationError):
        token_secret()


def test_production_refuses_each_reason_on_its_own_line(
    uow: UnitOfWork, accounts: Accounts, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SAFETYNET_ENV", "production")
    assert startup_problems(uow) == [
        "production needs SAFETYNET_JWT_SECRET or SAFETYNET_JWT_SECRET_FILE (32+ characters)"
    ]
    with pytest.raises(ConfigurationError, match="production needs"):
        token_secret()
    monkeypatch.setenv("SAFETYNET_JWT_SECRET", GOOD)
    assert startup_problems(uow) == []
    admin = accounts.add("admin", role="admin", demo=True)
    accounts.add("boss", role="admin")
    with uow:
        uow.session.add(Setting(key="jwt_secret", value="kept in clear"))
        uow.commit()
    problems = startup_problems(uow)
    assert len(problems) == 2
    assert problems[0].startswith("demo users are present (admin)")
    assert problems[1].startswith("a secret is stored in the database (settings: jwt_secret)")
    users.set_active(uow, users.principal_of(admin), "admin", active=False)
    with uow:
        uow.session.query(Setting).delete()
        uow.commit()
    assert startup_problems(uow) == []


def test_a_short_secret_no_longer_means_500_on_every_login(
    engine: Engine, accounts: Accounts, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The reported case: the server started with a short secret and every sign-in was a 500.
    Now it does not start; with a good secret, sign-in works and tokens carry that secret."""
    accounts.add("op-bj")
    monkeypatch.setenv("SAFETYNET_JWT_SECRET", "too-short")
    with pytest.raises(StartupRefused, match="at least 32"):
        create_app(engine)
    monkeypatch.setenv("SAFETYNET_JWT_SECRET", GOOD)
    with TestClient(create_app(engine)) as client:
        response = client.post(
            "/api/v1/auth/token", data={"username": "op-bj", "password": PASSWORD}
        )
    assert response.status_code == 200
    claims = jwt.decode(response.json()["access_token"], GOOD, algorithms=["HS256"])
    assert claims["sub"] == "op-bj"
