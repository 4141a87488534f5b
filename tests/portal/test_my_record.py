"""The citizen page's record: contributions by month and year, the account by year, awards and
payments, the medical year, and the single scope rule; the activation-code command."""

from __future__ import annotations

from typing import Any

import pytest
import typer
from tests.portal.conftest import ADMIN, BEIJING, MONTHS, Portal
from typer.testing import CliRunner

from safetynet.cli.records import register_record_commands
from safetynet.domain.errors import Forbidden
from safetynet.services import accounts, my_record
from safetynet.services.uow import UnitOfWork


def test_the_record_by_month_year_and_account(uow: UnitOfWork, portal: Portal) -> None:
    accounts.credit_year(uow, ADMIN, year=2025)
    view = my_record.my_record(uow, portal.citizen(portal.worker), portal.worker.id)
    assert [m for m, _, _ in view.months] == list(MONTHS)
    assert {base for _, _, base in view.months} == {1_000_000}
    paid = sum(p for _, p, _ in view.months)
    assert view.years == [("2025", 6, paid)]
    (year,) = view.account_years
    assert year["year"] == 2025 and year["interest"] > 0
    assert year["balance"] == year["credits"] + year["interest"]
    assert (
        view.masked_id != portal.worker.id_number
        and view.masked_id[-4:] == (portal.worker.id_number[-4:])
    )
    assert view.awards == [] and view.payments == [] and view.medical is None


def test_the_record_has_one_scope_rule(uow: UnitOfWork, portal: Portal) -> None:
    with pytest.raises(Forbidden):
        my_record.my_record(uow, portal.citizen(portal.worker), portal.other.id)
    assert my_record.my_record(uow, BEIJING, portal.other.id).person.id == portal.other.id


def test_the_activation_code_command(
    uow: UnitOfWork, portal: Portal, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = typer.Typer()

    @app.callback()
    def root() -> None:
        """safetynet (records commands only)."""

    register_record_commands(app)
    monkeypatch.setenv("SAFETYNET_DATABASE_URL", database_url)
    monkeypatch.delenv("SAFETYNET_USER", raising=False)
    runner = CliRunner()
    result: Any = runner.invoke(app, ["user", "activation-code", "--person", str(portal.worker.id)])
    assert result.exit_code == 0, result.output
    assert f"person {portal.worker.id}: code " in result.output
    missing = runner.invoke(app, ["user", "activation-code", "--person", "999999"])
    assert missing.exit_code == 2 and "not found" in missing.output + missing.stderr
