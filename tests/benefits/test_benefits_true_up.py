"""True-up: months computed under an earlier law are settled under the approved value, to the
fen, once."""

from __future__ import annotations

import io
from typing import Any

import polars as pl
import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

import safetynet
from safetynet.domain.access import Principal, Role
from safetynet.domain.errors import Conflict, Forbidden, InvalidInput
from safetynet.policy.money import decimal_to_fen
from safetynet.services import declarations, law, registry, true_up
from safetynet.services import parameters as governance
from safetynet.services.benefits import awards
from safetynet.services.uow import UnitOfWork
from safetynet.store.access import AuditEntry
from safetynet.store.benefits import Award, Overpayment, PaymentLine
from safetynet.store.contributions import AMOUNT_COLUMNS, AccountEntry, ContributionRecord
from safetynet.store.parameters import TrueUpLine

MAKER = Principal("policy-maker", Role.POLICY_OFFICER)
CHECKER = Principal("policy-checker", Role.POLICY_OFFICER)
ADMIN = Principal("admin-test", Role.ADMIN)


def approve(uow: UnitOfWork, parameter: str, region: str, effective: str, value: str) -> None:
    proposal = governance.Proposal(
        parameter=parameter,
        region=region,
        effective=effective,
        value=value,
        source="test notice",
        source_number="测试〔2026〕1号",
        grade="A",
    )
    governance.approve(uow, CHECKER, governance.propose(uow, MAKER, proposal).id)


def _declare(
    uow: UnitOfWork,
    employer: Any,
    people: list[Any],
    wages: list[str],
    month: str,
    version: int = 1,
) -> None:
    declarations.submit(
        uow,
        ADMIN,
        employer_id=employer.id,
        month=month,
        version=version,
        frame=declarations.rows_frame(
            [
                {"id_number": p.id_number, "monthly_wage": w}
                for p, w in zip(people, wages, strict=True)
            ]
        ),
    )


def _net(uow: UnitOfWork, person_id: int, month: str) -> dict[str, int]:
    with uow:
        row = uow.session.execute(
            select(*[func.sum(getattr(ContributionRecord, c)) for c in AMOUNT_COLUMNS]).where(
                ContributionRecord.person_id == person_id, ContributionRecord.month == month
            )
        ).one()
    return dict(zip(AMOUNT_COLUMNS, (int(v or 0) for v in row), strict=True))


def _due(params: Any, wage: str, month: str, worker_type: str = "employee") -> dict[str, Any]:
    return safetynet.calc(
        "contribution",
        {
            "monthly_wage": wage,
            "region": "110105",
            "month": month,
            "risk_class": 2,
            "worker_type": worker_type,
        },
        parameters=params,
    ).values


def test_true_up_reconciles_to_the_fen_and_a_second_run_posts_nothing(
    uow: UnitOfWork, records: Any, who: Any
) -> None:
    employer = records.employer(region=110105, risk_class=2)
    people = records.employees(employer, 2)
    for month in ("2025-08", "2025-09"):
        _declare(uow, employer, people, ["5000", "10000"], month)
    flexible = records.person()
    registry.enroll(
        uow,
        who.admin,
        person_id=flexible.id,
        worker_type="flexible",
        region="110105",
        start_month="2025-07",
    )
    from safetynet.services import accounts

    accounts.pay_flexible(
        uow, who.admin, person_id=flexible.id, month="2025-08", monthly_base="5000"
    )
    before = {p: _net(uow, p.id, "2025-08") for p in people}
    approve(uow, "contribution.base_floor", "110000", "2025-07-01", "7300")
    preview = true_up.true_up(
        uow, who.beijing, region="110000", from_month="2025-07", to_month="2025-12", dry_run=True
    )
    assert not preview.posted and preview.lines.height == 3
    report = true_up.true_up(
        uow, who.beijing, region="110000", from_month="2025-07", to_month="2025-12"
    )
    assert report.posted and report.law_version == 1 and report.lines.height == 3
    with uow:
        params = law.effective_law(uow.session).params
    for month in ("2025-08", "2025-09"):
        due = _due(params, "5000", month)
        assert _net(uow, people[0].id, month)["base_fen"] == 730_000
        employer_due = decimal_to_fen(due["employer_total"])
        net = _net(uow, people[0].id, month)
        assert sum(v for k, v in net.items() if "_employer_" in k) == employer_due
    assert _net(uow, people[1].id, "2025-08") == before[people[1]]
    flexible_due = _due(params, "5000", "2025-08", "flexible")
    flexible_net = _net(uow, flexible.id, "2025-08")
    assert flexible_net["pension_employee_fen"] == decimal_to_fen(flexible_due["pension_employee"])
    totals = report.totals
    assert totals["due_fen"] - totals["collected_fen"] == (
        totals["employer_delta_fen"] + totals["employee_delta_fen"]
    )
    assert totals["delta_base_fen"] == 3 * (730_000 - 716_200)
    with uow:
        credits = uow.session.scalar(
            select(func.sum(AccountEntry.amount_fen)).where(AccountEntry.kind == "true_up")
        )
        audited = uow.session.scalar(
            select(func.count())
            .select_from(AuditEntry)
            .where(AuditEntry.action == "contribution.true_up")
        )
    assert credits == totals["delta_pension_account_fen"] and audited == 1

    again = true_up.true_up(
        uow, who.beijing, region="110000", from_month="2025-07", to_month="2025-12"
    )
    assert not again.posted and again.lines.height == 0

    with uow, pytest.raises(IntegrityError):  # the database, not a check, refuses a repeat
        line = uow.session.scalars(select(TrueUpLine).limit(1)).one()
        uow.session.add(
            TrueUpLine(
                **{
                    c: getattr(line, c)
                    for c in (
                        "run_id",
                        "person_id",
                        "month",
                        "payer_id",
                        "law_version",
                        "region_code",
                        "worker_type",
                        "collected_fen",
                        "due_fen",
                        "employer_delta_fen",
                        "employee_delta_fen",
                        "account_delta_fen",
                    )
                }
            )
        )
        uow.session.flush()


def test_a_correction_after_a_true_up_reverses_it_too(
    uow: UnitOfWork, records: Any, who: Any
) -> None:
    employer = records.employer(region=110105, risk_class=2)
    people = records.employees(employer, 1)
    _declare(uow, employer, people, ["5000"], "2025-08")
    approve(uow, "contribution.base_floor", "110000", "2025-07-01", "7300")
    true_up.true_up(uow, who.admin, region="110000", from_month="2025-08", to_month="2025-08")
    _declare(uow, employer, people, ["6000"], "2025-08", version=2)
    assert _net(uow, people[0].id, "2025-08")["base_fen"] == 730_000
    report = true_up.true_up(
        uow, who.admin, region="110000", from_month="2025-08", to_month="2025-08"
    )
    assert not report.posted


def test_report_files_carry_every_line_and_the_control_totals(
    uow: UnitOfWork, records: Any, who: Any
) -> None:
    employer = records.employer(region=110105, risk_class=2)
    _declare(uow, employer, records.employees(employer, 2), ["5000", "5100"], "2025-08")
    approve(uow, "contribution.base_floor", "110000", "2025-07-01", "7300")
    report = true_up.true_up(
        uow, who.admin, region="110105", from_month="2025-08", to_month="2025-08"
    )
    text = true_up.report_csv(report)
    lines = text.strip().splitlines()
    assert lines[0].startswith("line,person_id,month,payer") and len(report.lines) == 2
    assert f"total,due_fen,{report.totals['due_fen']}" in lines
    book = load_workbook(io.BytesIO(true_up.report_xlsx(report)))
    assert book["lines"].max_row == 3
    totals = {r[0]: r[1] for r in book["totals"].iter_rows(values_only=True)}
    assert totals["collected_fen"] == report.totals["collected_fen"]


def test_true_up_errors_name_the_field(uow: UnitOfWork, who: Any) -> None:
    cases = [
        ({"region": "11000x", "from_month": "2025-07"}, "region"),
        ({"region": "110000", "from_month": "2025-13"}, "from_month"),
        ({"region": "110000", "from_month": "2025-07", "to_month": "2025-06"}, "to_month"),
        ({"region": "110000", "from_month": "2099-01"}, "from_month"),
    ]
    for arguments, field in cases:
        with pytest.raises(InvalidInput) as caught:
            true_up.true_up(uow, who.admin, **arguments)
        assert caught.value.problems[0].field == field
    with pytest.raises(Forbidden):
        true_up.true_up(uow, who.sichuan, region="110000", from_month="2025-07")
    with pytest.raises(Forbidden):
        true_up.true_up(uow, who.auditor, region="110000", from_month="2025-07")


def test_pension_arrears_go_to_the_next_payroll_and_overpayments_are_recorded(
    api: Any, people: Any, uow: UnitOfWork
) -> None:
    award = people.pensioner(birth="1964-03-10")
    people.payroll("2026-03")
    approve(uow, "pension.employee.adjustment_rate", "national", "2026-01-01", "0.02")
    report = true_up.true_up(uow, ADMIN, region="110000", from_month="2026-01", to_month="2026-03")
    assert report.awards_marked == [award["id"]]
    arrears = report.totals["pension_arrears_fen"]
    assert arrears > 0 and report.totals["pension_months"] == 3
    assert not true_up.true_up(
        uow, ADMIN, region="110000", from_month="2026-01", to_month="2026-03"
    ).posted
    run = people.payroll("2026-04")
    assert decimal_to_fen(run["arrears"]) == arrears

    approve(uow, "pension.employee.adjustment_rate", "national", "2026-01-01", "0.01")
    lower = true_up.true_up(uow, ADMIN, region="110000", from_month="2026-01", to_month="2026-04")
    with uow:
        owed = uow.session.scalar(select(func.sum(Overpayment.amount_fen)))
        marked = uow.session.get(Award, award["id"])
    assert owed == lower.totals["pension_overpaid_fen"] > 0
    assert marked is not None and marked.recompute_from is None
    assert not true_up.true_up(
        uow, ADMIN, region="110000", from_month="2026-01", to_month="2026-04"
    ).posted


def _paid(uow: UnitOfWork, award_id: int, month: str) -> int:
    with uow:
        return int(
            uow.session.scalar(
                select(func.sum(PaymentLine.amount_fen)).where(
                    PaymentLine.award_id == award_id, PaymentLine.for_month == month
                )
            )
            or 0
        )


def _owed(uow: UnitOfWork, award_id: int) -> int:
    with uow:
        return int(
            uow.session.scalar(
                select(func.sum(Overpayment.amount_fen)).where(Overpayment.award_id == award_id)
            )
            or 0
        )


@pytest.mark.parametrize("ended_first", [True, False], ids=["ended-first", "true-up-first"])
def test_a_month_paid_after_the_award_ended_is_recovered_once(
    api: Any, people: Any, uow: UnitOfWork, ended_first: bool
) -> None:
    # the award ends with January, so February and March were paid without entitlement: their
    # whole payment is to recover, once, whatever a true-up of the same months says
    award = people.pensioner(birth="1964-03-10")
    approve(uow, "pension.employee.adjustment_rate", "national", "2026-01-01", "0.02")
    people.payroll("2026-03")
    paid = {m: _paid(uow, award["id"], m) for m in ("2026-01", "2026-02", "2026-03")}
    assert all(paid.values())

    def end() -> None:
        awards.end_award(uow, ADMIN, award["id"], last_month="2026-01", reason="test: job found")

    if ended_first:
        end()
    approve(uow, "pension.employee.adjustment_rate", "national", "2026-01-01", "0.01")
    report = true_up.true_up(uow, ADMIN, region="110000", from_month="2026-01", to_month="2026-03")
    if not ended_first:
        end()
    january = report.lines.filter(pl.col("month") == "2026-01")["delta_fen"].sum()
    assert january < 0
    assert _owed(uow, award["id"]) == paid["2026-02"] + paid["2026-03"] - january


def test_a_concurrent_run_is_refused_by_the_unique_key(
    uow: UnitOfWork, records: Any, who: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    employer = records.employer(region=110105, risk_class=2)
    _declare(uow, employer, records.employees(employer, 2), ["5000", "5200"], "2025-08")
    approve(uow, "contribution.base_floor", "110000", "2025-07-01", "7300")
    original = true_up.pension_lines
    other = UnitOfWork(uow.session_factory)

    def the_other_run_posts_first(*args: Any) -> Any:
        monkeypatch.setattr(true_up, "pension_lines", original)
        true_up.true_up(other, ADMIN, region="110000", from_month="2025-08", to_month="2025-08")
        return original(*args)

    monkeypatch.setattr(true_up, "pension_lines", the_other_run_posts_first)
    with pytest.raises(Conflict, match="nothing was posted"):
        true_up.true_up(uow, ADMIN, region="110000", from_month="2025-08", to_month="2025-08")
    with uow:
        lines = uow.session.scalar(select(func.count()).select_from(TrueUpLine))
        runs = uow.session.scalar(
            select(func.count())
            .select_from(AuditEntry)
            .where(AuditEntry.action == "contribution.true_up")
        )
    assert (lines, runs) == (2, 1)
