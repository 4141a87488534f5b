"""The governance flow from the command line on a demo database: a policy officer proposes,
approving one's own is refused, a second officer approves; calc, history, export and the
true-up follow."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from safetynet.cli.main import app
from safetynet.policy.parameters import load_parameters

RATE = "contribution.pension_employer_rate"


@pytest.fixture
def run(database_url: str, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv("SAFETYNET_DATABASE_URL", database_url)
    runner = CliRunner()

    def invoke(*args: str, user: str | None = None, code: int = 0) -> Any:
        if user is None:
            monkeypatch.delenv("SAFETYNET_USER", raising=False)
        else:
            monkeypatch.setenv("SAFETYNET_USER", user)
        result = runner.invoke(app, list(args))
        assert result.exit_code == code, (args, result.output, result.stderr)
        return result

    return invoke


def _calc(run: Any, *extra: str) -> dict[str, Any]:
    inputs = '{"monthly_wage": "10000", "region": "110105", "month": "2025-03"}'
    return dict(json.loads(run("calc", "contribution", "--json", inputs, *extra).stdout))


def test_governance_and_true_up_on_the_demo_database(run: Any, tmp_path: Path) -> None:
    seeded = run("db", "seed-demo").stdout
    assert "policy-maker" in seeded and "demo-policy-checker-pass" in seeded
    assert _calc(run)["law_version"] == 0
    proposed = json.loads(
        run(
            "params",
            "propose",
            RATE,
            "--region",
            "110000",
            "--from",
            "2025-01-01",
            "--value",
            "0.17",
            "--source",
            "北京市测试通知",
            "--number",
            "京测〔2025〕1号",
            "--grade",
            "B",
            "--url",
            "https://example.gov.cn/notice",
            "--json",
            user="policy-maker",
        ).stdout
    )
    assert proposed["status"] == "proposed"
    refused = run("params", "approve", str(proposed["id"]), user="policy-maker", code=2)
    assert "maker-checker" in refused.stderr
    approved = run("params", "approve", str(proposed["id"]), user="policy-checker").stdout
    assert "law version 1" in approved
    result = _calc(run)
    assert result["law_version"] == 1 and float(result["result"]["pension_employer"]) == 1700
    assert "law_version" not in _calc(run, "--packaged")
    before = _calc(run, "--law-version", "0")
    assert before["law_version"] == 0 and float(before["result"]["pension_employer"]) == 1600
    assert _calc(run, "--recorded-at", "2000-01-01")["law_version"] == 0
    missing = run("calc", "contribution", "--law-version", "9", code=2)
    assert "law version 9 not found" in missing.stderr
    shown = json.loads(run("params", "show", RATE).stdout)
    assert shown["law_version"] == 1 and shown["values"][-1]["value"] == 0.17

    history = json.loads(run("params", "history", RATE, user="policy-maker").stdout)
    assert [v["status"] for v in history["values"]] == ["approved"]
    run("params", "export", "--out", str(tmp_path / "overlay"), user="policy-checker")
    exported = load_parameters(tmp_path / "overlay")
    assert float(exported.at(RATE, "2025-03-01", 110000)) == 0.17

    report = tmp_path / "true-up.csv"
    first = json.loads(
        run(
            "contributions",
            "true-up",
            "--region",
            "110000",
            "--from",
            "2025-01",
            "--to",
            "2025-06",
            "--report",
            str(report),
            user="operator-bj",
        ).stdout
    )
    totals = first["totals_fen"]
    assert first["posted"] and first["law_version"] == 1 and first["lines"] > 0
    assert totals["delta_pension_employer_fen"] > 0
    assert totals["due_fen"] - totals["collected_fen"] == (
        totals["employer_delta_fen"] + totals["employee_delta_fen"]
    )
    assert report.read_text(encoding="utf-8").startswith("line,person_id")
    second = json.loads(
        run(
            "contributions",
            "true-up",
            "--region",
            "110000",
            "--from",
            "2025-01",
            "--to",
            "2025-06",
            user="operator-bj",
        ).stdout
    )
    assert not second["posted"] and second["lines"] == 0
    bad = run(
        "contributions",
        "true-up",
        "--region",
        "110000",
        "--from",
        "2025-01",
        "--report",
        "x.pdf",
        code=2,
    )
    assert "--report" in bad.stderr
    wrong = run(
        "params",
        "propose",
        RATE,
        "--region",
        "110000",
        "--from",
        "2025-01-01",
        "--value",
        "x",
        "--source",
        "s",
        "--grade",
        "A",
        user="policy-maker",
        code=2,
    )
    assert "value" in wrong.stderr
