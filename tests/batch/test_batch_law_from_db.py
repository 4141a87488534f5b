"""Batch jobs given ``--parameters-from-db`` compute under the database's effective law, and
the job context carries the overlay to other processes as plain data."""

from __future__ import annotations

import json
import pickle
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from safetynet.batch.jobs import JobContext
from safetynet.cli.main import app
from safetynet.domain.access import Principal, Role
from safetynet.policy.catalogue import calc
from safetynet.services import law
from safetynet.services import parameters as governance
from safetynet.services.uow import UnitOfWork

RATE = "contribution.pension_employer_rate"


def _approve_rate(uow: UnitOfWork) -> None:
    proposal = governance.Proposal(
        parameter=RATE,
        region="national",
        effective="2025-12-01",
        value="0.17",
        source="测试文件",
        grade="B",
    )
    value = governance.propose(uow, Principal("m", Role.POLICY_OFFICER), proposal)
    governance.approve(uow, Principal("c", Role.POLICY_OFFICER), value.id)


def test_the_context_carries_the_overlay_as_plain_data(uow: UnitOfWork) -> None:
    _approve_rate(uow)
    with uow:
        mapping = law.overlay_mapping(uow.session)
        expected = law.effective_law(uow.session).params
    context = pickle.loads(pickle.dumps(JobContext(0, law_overlay=mapping)))
    assert mapping["version"] == 1 and json.dumps(mapping)
    assert float(context.params.at(RATE, "2025-12-01", 110105)) == 0.17
    assert float(expected.at(RATE, "2025-12-01", 110105)) == 0.17


def test_batch_contributions_from_the_database(
    uow: UnitOfWork,
    database_url: str,
    population: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _approve_rate(uow)
    monkeypatch.setenv("SAFETYNET_DATABASE_URL", database_url)
    out = tmp_path / "out"
    args = [
        "batch",
        "contributions",
        "--population",
        str(population),
        "--month",
        "2025-12",
        "--out",
        str(out),
        "--no-progress",
        "--parameters-from-db",
    ]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    rows = pl.read_parquet(out / "rows/*.parquet")
    people = pl.read_parquet(population / "**/*.parquet", hive_partitioning=True)
    with uow:
        params = law.effective_law(uow.session).params
    for person in rows.sample(5, seed=2).join(people, on="person_id").iter_rows(named=True):
        one = calc(
            "contribution",
            {
                "monthly_wage": str(Decimal(person["monthly_wage_fen"]) / 100),
                "region": f"{person['region']:06d}",
                "month": "2025-12",
                "worker_type": person["worker_type"],
                "risk_class": person["risk_class"],
            },
            parameters=params,
        )
        assert one["total"] == Decimal(person["total_fen"]) / 100


def test_parameters_from_db_needs_a_database(
    population: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SAFETYNET_DATABASE_URL", raising=False)
    monkeypatch.chdir(tmp_path)
    args = [
        "batch",
        "contributions",
        "--population",
        str(population),
        "--month",
        "2025-12",
        "--out",
        str(tmp_path / "o"),
        "--parameters-from-db",
    ]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2 and "no database configured" in result.output
    projected = CliRunner().invoke(app, ["project", "--parameters-from-db", "--out", "p"])
    assert projected.exit_code == 2 and "no database configured" in projected.output
