"""The operators' CLI: the same flows as the API, JSON out, exit status 2 on bad input."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from safetynet.cli.records import register_record_commands
from safetynet.services.demo import credit_code

app = typer.Typer()


@app.callback()
def root() -> None:
    """safetynet (records commands only)."""


register_record_commands(app)


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


def test_registry_declaration_and_statement_flow(run: Any, tmp_path: Path) -> None:
    run("db", "upgrade")
    employer = json.loads(
        run(
            "employer",
            "register",
            "--credit-code",
            credit_code(110105, 7),
            "--name",
            "CLI Co.",
            "--risk-class",
            "3",
        ).stdout
    )
    person = json.loads(
        run(
            "person",
            "register",
            "--id-number",
            "11010519491231002X",
            "--name",
            "Sample Person",
            "--hukou-type",
            "urban",
        ).stdout
    )
    assert person["sex"] == "female" and employer["region"] == "110105"
    started = json.loads(
        run(
            "employment",
            "start",
            "--person",
            str(person["id"]),
            "--employer",
            str(employer["id"]),
            "--month",
            "2025-01",
        ).stdout
    )
    assert len(started["enrollments"]) == 4
    declaration = tmp_path / "august.csv"
    declaration.write_text("id_number,monthly_wage\n11010519491231002X,9000\n")
    args = ("declare", str(declaration), "--employer", str(employer["id"]), "--month", "2025-08")
    posted = json.loads(run(*args).stdout)
    assert posted["posted"] is True and posted["rows"] == 1
    assert json.loads(run(*args).stdout)["posted"] is False
    statement = json.loads(run("person", "statement", str(person["id"])).stdout)
    assert statement["months_counted"] == 1 and statement["balances"] == {
        "employee_pension": "720.00"
    }
    audit = json.loads(run("audit", "--entity", "declaration").stdout)
    assert audit[0]["action"] == "declaration.post" and audit[0]["actor"].startswith("console:")


def test_bad_input_exits_2_naming_the_field_and_writes_the_report(run: Any, tmp_path: Path) -> None:
    failed = run(
        "person",
        "register",
        "--id-number",
        "110105194912310021",
        "--name",
        "X",
        "--hukou-type",
        "urban",
        code=2,
    )
    assert "id_number" in failed.stderr and "Traceback" not in failed.output
    failed = run(
        "employer",
        "register",
        "--credit-code",
        credit_code(110105, 8),
        "--name",
        "X",
        "--risk-class",
        "9",
        code=2,
    )
    assert "risk_class" in failed.stderr
    employer = json.loads(
        run(
            "employer",
            "register",
            "--credit-code",
            credit_code(110105, 9),
            "--name",
            "X",
            "--risk-class",
            "1",
        ).stdout
    )
    bad = tmp_path / "bad.csv"
    bad.write_text("id_number,monthly_wage\n11010519491231002X,-3\nnonsense,abc\n")
    report = tmp_path / "errors.csv"
    failed = run(
        "declare",
        str(bad),
        "--employer",
        str(employer["id"]),
        "--month",
        "2025-08",
        "--report",
        str(report),
        code=2,
    )
    assert "row 1: monthly_wage" in failed.stderr
    assert report.read_text().splitlines()[0] == "row,field,problem"
    assert len(report.read_text().splitlines()) == 4
    missing = run(
        "declare", str(tmp_path / "none.csv"), "--employer", "1", "--month", "2025-08", code=2
    )
    assert "does not exist" in missing.stderr


def test_acting_as_a_scoped_user(run: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    run(
        "user",
        "create",
        "--username",
        "op-sc",
        "--role",
        "operator",
        "--region",
        "510000",
        "--password-stdin",
        stdin="a long password\n",
    )
    monkeypatch.setenv("SAFETYNET_USER", "op-sc")
    refused = run(
        "person",
        "register",
        "--id-number",
        "11010519491231002X",
        "--name",
        "X",
        "--hukou-type",
        "urban",
        code=2,
    )
    assert "outside your scope" in refused.stderr
    monkeypatch.setenv("SAFETYNET_USER", "nobody")
    assert "does not exist" in run("person", "list", code=2).stderr
