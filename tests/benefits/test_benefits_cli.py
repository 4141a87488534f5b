"""The benefits CLI over a database: propose as one user, approve as another, pay, read the
payment file and the statement; bad input exits with 2 naming the field."""

from __future__ import annotations

import json
from typing import Any

import pytest
from tests.benefits.conftest import ADMIN
from typer.testing import CliRunner

from safetynet.cli.main import app
from safetynet.domain.access import Principal, Role
from safetynet.services import registry
from safetynet.store.access import User


def test_cli_retires_pays_and_explains(
    database_url: str,
    records: Any,
    uow: Any,
    password_hash: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SAFETYNET_DATABASE_URL", database_url)
    person = records.person(birth="1964-03-10")
    registry.enroll(
        uow,
        ADMIN,
        person_id=person.id,
        worker_type="flexible",
        region="110105",
        start_month="2020-01",
    )
    checker = Principal("cli-checker", Role.OPERATOR, region_code=110000)
    with uow:
        uow.session.add(
            User(
                username=checker.username,
                password_hash=password_hash,
                role="operator",
                region_code=110000,
            )
        )
        uow.commit()
    runner = CliRunner()

    def run(*args: str, user: str | None = None) -> Any:
        if user:
            monkeypatch.setenv("SAFETYNET_USER", user)
        else:
            monkeypatch.delenv("SAFETYNET_USER", raising=False)
        return runner.invoke(app, ["benefits", *args])

    proposed = run(
        "propose-retirement", str(person.id), "--deemed-months", "240", "--average-index", "1.0"
    )
    assert proposed.exit_code == 0, proposed.output
    award = json.loads(proposed.stdout)
    assert run("approve", str(award["id"])).exit_code == 2  # the proposer may not approve
    approved = run("approve", str(award["id"]), user="cli-checker")
    assert approved.exit_code == 0, approved.output
    paid = run("payroll", "--region", "110000", "--month", "2026-11")
    assert paid.exit_code == 0, paid.output
    run_id = json.loads(paid.stdout)["id"]
    csv_text = run("payment-file", str(run_id)).stdout
    assert csv_text.strip().splitlines()[-1].startswith("TOTAL,")
    explained = json.loads(run("award", str(award["id"])).stdout)
    assert explained["explanation"] and "GF2005-38" in explained["references"]
    statement = json.loads(run("statement", str(person.id)).stdout)
    assert statement["payments"][-1]["for_month"] == "2026-11"
    bad = run("payroll", "--region", "12", "--month", "2026-11")
    assert bad.exit_code == 2 and "region" in bad.output
