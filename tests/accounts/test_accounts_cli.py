"""Accounts and audit from the command line: the CLI refuses a disabled or unknown
SAFETYNET_USER, manages passwords and users, audits refusals, verifies the chain (exit 1 when
broken), prints the role setup, and ``serve`` refuses to start in production with reasons."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select, text
from typer.testing import CliRunner

from safetynet.cli.main import app
from safetynet.services.uow import UnitOfWork
from safetynet.store.access import AuditEntry

from .conftest import Accounts


@pytest.fixture
def run(database_url: str, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv("SAFETYNET_DATABASE_URL", database_url)
    monkeypatch.delenv("SAFETYNET_USER", raising=False)
    runner = CliRunner()

    def invoke(*args: str, code: int = 0, stdin: str | None = None) -> Any:
        result = runner.invoke(app, list(args), input=stdin)
        assert result.exit_code == code, (args, result.output, result.stderr)
        return result

    return invoke


def test_the_cli_refuses_a_disabled_or_unknown_user(
    run: Any, accounts: Accounts, monkeypatch: pytest.MonkeyPatch
) -> None:
    accounts.add("boss", role="admin")
    accounts.add("op-bj")
    monkeypatch.setenv("SAFETYNET_USER", "op-bj")
    assert run("person", "list").stdout.strip() == "[]"
    monkeypatch.setenv("SAFETYNET_USER", "boss")
    run("user", "disable", "op-bj", "--reason", "left the agency")
    monkeypatch.setenv("SAFETYNET_USER", "op-bj")
    refused = run("person", "list", code=2)
    assert refused.stderr.strip() == "error: user op-bj is disabled"
    monkeypatch.setenv("SAFETYNET_USER", "ghost")
    assert "user ghost does not exist" in run("person", "list", code=2).stderr
    monkeypatch.setenv("SAFETYNET_USER", "boss")
    run("user", "enable", "op-bj")
    monkeypatch.setenv("SAFETYNET_USER", "op-bj")
    run("person", "list")


def test_passwords_from_the_cli(
    run: Any, accounts: Accounts, uow: UnitOfWork, monkeypatch: pytest.MonkeyPatch
) -> None:
    weak = run(
        "user",
        "create",
        "--username",
        "root2",
        "--role",
        "admin",
        "--password-stdin",
        stdin="password\n",
        code=2,
    )
    assert "password: must be at least 12 characters" in weak.stderr
    accounts.add("op-bj")
    run("user", "reset-password", "op-bj", "--password-stdin", stdin="set by the console\n")
    monkeypatch.setenv("SAFETYNET_USER", "op-bj")
    wrong = run(
        "user", "change-password", "--password-stdin", stdin="nope\nnew long phrase\n", code=2
    )
    assert "the current password is wrong" in wrong.stderr
    run(
        "user",
        "change-password",
        "--password-stdin",
        stdin="set by the console\nmy own long phrase\n",
    )
    with uow:
        actions = list(uow.session.scalars(select(AuditEntry.action).order_by(AuditEntry.seq)))
    assert actions == [
        "user.password_reset",
        "user.password_change_refused",
        "access.refused",
        "user.password_change",
    ]


def test_purge_throttle_from_the_cli(run: Any) -> None:
    assert run("user", "purge-throttle").stdout.strip() == "deleted 0 stale sign-in counts"


def test_a_cli_refusal_is_audited(
    run: Any, accounts: Accounts, uow: UnitOfWork, monkeypatch: pytest.MonkeyPatch
) -> None:
    accounts.add("op-sc", region_code=510000)
    monkeypatch.setenv("SAFETYNET_USER", "op-sc")
    monkeypatch.setattr("sys.argv", ["/usr/bin/safetynet", "audit", "--entity", "user"])
    run("audit", "--entity", "user", code=2)
    with uow:
        row = uow.session.scalars(
            select(AuditEntry).where(AuditEntry.action == "access.refused")
        ).one()
    assert (row.actor, row.entity_id) == ("op-sc", "cli")
    assert row.after == {"command": "safetynet audit --entity user"}


def test_audit_verify_exits_1_at_the_first_broken_link(
    run: Any, accounts: Accounts, uow: UnitOfWork
) -> None:
    accounts.add("op-bj")
    run("user", "disable", "op-bj")
    run("user", "enable", "op-bj")
    intact = run("audit", "verify").stdout
    assert intact.startswith("audit chain intact: 2 rows, head 2:")
    anchor = intact.rsplit("head ", 1)[1].strip()
    run("audit", "verify", "--anchor", anchor)
    run("audit", "verify", "--anchor", "2:xyz", code=2)
    with uow:
        uow.session.execute(text("UPDATE audit_log SET reason = 'quiet' WHERE seq = 1"))
        uow.commit()
    broken = run("audit", "verify", code=1)
    assert broken.stderr.startswith("audit chain broken at seq 1")
    assert "the row was changed" in broken.stderr
    listed = run("audit", "--entity", "user").stdout
    assert '"action": "user.disable"' in listed


def test_db_roles_prints_the_grants(run: Any) -> None:
    sql = run("db", "roles", "--app-role", "safetynet_app", "--print", "--schema", "records").stdout
    assert 'GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA "records"' in sql
    assert 'REVOKE UPDATE, DELETE, TRUNCATE ON "records".audit_log FROM "safetynet_app"' in sql
    bad = run("db", "roles", "--app-role", "x; DROP TABLE users", "--print", code=2)
    assert "must be lower-case letters" in bad.stderr


def test_serve_refuses_to_start_in_production(
    run: Any, accounts: Accounts, monkeypatch: pytest.MonkeyPatch
) -> None:
    accounts.add("admin", role="admin", demo=True)
    monkeypatch.setenv("SAFETYNET_ENV", "production")
    refused = run("serve", code=2)
    lines = refused.stderr.strip().splitlines()
    assert lines[0] == (
        "error: the server does not start: production needs SAFETYNET_JWT_SECRET or "
        "SAFETYNET_JWT_SECRET_FILE (32+ characters)"
    )
    assert lines[1].startswith("error: the server does not start: demo users are present (admin)")
    monkeypatch.setenv("SAFETYNET_ENV", "development")
    monkeypatch.setenv("SAFETYNET_JWT_SECRET", "short")
    short = run("serve", code=2)
    assert "SAFETYNET_JWT_SECRET is 5 characters; it must be at least 32" in short.stderr
