"""Parameter governance: propose, maker-checker approval, the effective law every service
uses, history, withdrawal and supersession; the export in the package's own format."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

import safetynet
from safetynet.domain.access import Principal, Role
from safetynet.domain.errors import Conflict, Forbidden, InvalidInput, NotFound
from safetynet.policy.money import decimal_to_fen
from safetynet.policy.parameters import load_parameters
from safetynet.services import accounts, declarations, law, registry
from safetynet.services import parameters as governance
from safetynet.services.uow import UnitOfWork
from safetynet.store.access import AuditEntry
from safetynet.store.contributions import Declaration

MAKER = Principal("policy-maker", Role.POLICY_OFFICER)
CHECKER = Principal("policy-checker", Role.POLICY_OFFICER)
FLOOR = "contribution.base_floor"


def beijing_floor(value: str = "7300", effective: str = "2025-07-01", **kw: Any) -> Any:
    fields: dict[str, Any] = {
        "parameter": FLOOR,
        "region": "110000",
        "effective": effective,
        "value": value,
        "source": "关于统一2025年度各项社会保险缴费工资基数上下限的通知",
        "source_number": "京人社发〔2025〕11号",
        "url": "https://rsj.beijing.gov.cn/",
        "grade": "A",
    }
    fields.update(kw)
    return governance.Proposal(**fields)


def approved(uow: UnitOfWork, proposal: Any) -> Any:
    value = governance.propose(uow, MAKER, proposal)
    return governance.approve(uow, CHECKER, value.id)


def _floor_now(uow: UnitOfWork, month: str = "2025-08") -> float:
    with uow:
        params = law.effective_law(uow.session).params
    return float(params.at(FLOOR, f"{month}-01", 110105))


def test_a_value_takes_effect_only_once_a_second_officer_approves_it(
    uow: UnitOfWork, records: Any, who: Any
) -> None:
    value = governance.propose(uow, MAKER, beijing_floor())
    assert value.status == "proposed" and _floor_now(uow) == 7162
    with pytest.raises(Forbidden, match="maker-checker"):
        governance.approve(uow, MAKER, value.id)
    with pytest.raises(Forbidden):
        governance.approve(uow, who.beijing, value.id)
    done = governance.approve(uow, CHECKER, value.id)
    assert (done.status, done.approved_version, done.decided_by) == (
        "approved",
        1,
        CHECKER.username,
    )
    assert _floor_now(uow) == 7300 and _floor_now(uow, "2025-06") == 6326
    with pytest.raises(Conflict, match="approved, not proposed"):
        governance.approve(uow, CHECKER, value.id)
    with uow:
        actions = list(
            uow.session.scalars(
                select(AuditEntry.action)
                .where(AuditEntry.entity == "parameter_value")
                .order_by(AuditEntry.id)
            )
        )
    assert actions == ["parameter.propose", "parameter.approve"]


def test_the_next_declaration_and_flexible_payment_use_the_approved_value(
    uow: UnitOfWork, records: Any, who: Any
) -> None:
    employer = records.employer()
    people = records.employees(employer, 1)
    approved(uow, beijing_floor())
    outcome = declarations.submit(
        uow,
        who.admin,
        employer_id=employer.id,
        month="2025-08",
        version=1,
        frame=declarations.rows_frame([{"id_number": people[0].id_number, "monthly_wage": "5000"}]),
    )
    assert outcome.declaration is not None and outcome.declaration.law_version == 1
    with uow:
        base = uow.session.scalar(select(func.sum(Declaration.base_total_fen)))
    assert base == 730_000
    person = records.person()
    registry.enroll(
        uow,
        who.admin,
        person_id=person.id,
        worker_type="flexible",
        region="110105",
        start_month="2025-07",
    )
    posting = accounts.pay_flexible(
        uow, who.beijing, person_id=person.id, month="2025-08", monthly_base="5000"
    )
    assert posting.record.base_fen == 730_000 and posting.record.law_version == 1
    assert posting.record.wage_fen == 500_000


def test_supersede_and_withdraw_keep_the_history_and_reproduce_the_law_as_it_was(
    uow: UnitOfWork,
) -> None:
    first = approved(uow, beijing_floor("7300"))
    second = approved(uow, beijing_floor("7400", note="corrected figure"))
    assert _floor_now(uow) == 7400
    withdrawn = governance.withdraw(uow, CHECKER, second.id, "published in error")
    assert withdrawn.retired_version == 3 and _floor_now(uow) == 7162
    history = governance.history(uow, CHECKER, FLOOR)
    statuses = {v["id"]: v["status"] for v in history["values"]}
    assert statuses == {first.id: "superseded", second.id: "withdrawn"}
    assert [v["action"] for v in history["versions"]] == ["approve", "approve", "withdraw"]
    assert history["law_version"] == 3
    with uow:
        as_of = {
            v: float(law.law_as_of(uow.session, version=v).params.at(FLOOR, "2025-08-01", 110000))
            for v in range(4)
        }
        recorded = law.law_as_of(uow.session, recorded_at=second.decided_at)
        with pytest.raises(NotFound):
            law.law_as_of(uow.session, version=4)
    assert as_of == {0: 7162, 1: 7300, 2: 7400, 3: 7162}
    assert recorded.version == 2
    with pytest.raises(Conflict, match="withdrawn"):
        governance.withdraw(uow, CHECKER, second.id, "again")


def test_reject_needs_a_reason_and_a_second_officer(uow: UnitOfWork) -> None:
    value = governance.propose(uow, MAKER, beijing_floor())
    with pytest.raises(InvalidInput) as caught:
        governance.reject(uow, CHECKER, value.id, "  ")
    assert caught.value.problems[0].field == "reason"
    with pytest.raises(Forbidden):
        governance.reject(uow, MAKER, value.id, "mine")
    rejected = governance.reject(uow, CHECKER, value.id, "the notice is for 2024")
    assert (rejected.status, rejected.reason) == ("rejected", "the notice is for 2024")
    assert _floor_now(uow) == 7162
    with pytest.raises(NotFound):
        governance.approve(uow, CHECKER, 999_999)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"parameter": "contribution.no_such"}, "parameter"),
        ({"region": "11000"}, "region"),
        ({"region": "119999"}, "region"),
        ({"effective": "2025-13-01"}, "effective"),
        ({"value": "abc"}, "value"),
        ({"value": "-1"}, "value"),
        ({"value": '{"a": 1}'}, "value"),
        ({"unit": "ratio"}, "unit"),
        ({"grade": "D"}, "grade"),
        ({"source": " "}, "source"),
        ({"url": "ftp://x"}, "url"),
    ],
)
def test_a_bad_proposal_names_the_field_and_records_nothing(
    uow: UnitOfWork, change: dict[str, str], field: str
) -> None:
    with pytest.raises(InvalidInput) as caught:
        governance.propose(uow, MAKER, beijing_floor(**change))
    assert caught.value.problems[0].field == field
    assert governance.list_values(uow, MAKER) == []


def test_only_policy_officers_propose(uow: UnitOfWork, who: Any) -> None:
    for actor in (who.beijing, who.auditor, who.citizen(1)):
        with pytest.raises(Forbidden):
            governance.propose(uow, actor, beijing_floor())
    with pytest.raises(Forbidden, match="personal records"):
        MAKER.require_region(110105)


def test_export_loads_with_the_package_loader(uow: UnitOfWork, tmp_path: Path) -> None:
    approved(uow, beijing_floor("7300"))
    approved(
        uow,
        beijing_floor(
            "0.15",
            parameter="contribution.pension_employer_rate",
            effective="2026-01-01",
            source_number="京人社发〔2026〕1号",
        ),
    )
    files = governance.export(uow, CHECKER)
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    exported = load_parameters(tmp_path)
    assert float(exported.at(FLOOR, "2025-08-01", 110000)) == 7300
    assert float(exported.at("contribution.pension_employer_rate", "2026-02-01", 110000)) == 0.15
    reference = exported[FLOOR].series[110000].entries[0].source
    assert exported.references[reference].number == "京人社发〔2025〕11号"


def test_the_law_is_cached_until_the_version_moves(uow: UnitOfWork) -> None:
    with uow:
        packaged = law.effective_law(uow.session)
    approved(uow, beijing_floor())
    with uow:
        first = law.effective_law(uow.session)
        again = law.effective_law(uow.session)
    assert packaged.version == 0 and first.version == 1
    assert again.params is first.params and first.params is not packaged.params
    one = safetynet.calc(
        "contribution",
        {"monthly_wage": "5000", "region": "110105", "month": "2025-08"},
        parameters=first.params,
    )
    assert decimal_to_fen(one["base"]) == 730_000


def test_policy_officers_list_no_personal_records(uow: UnitOfWork, records: Any) -> None:
    employer = records.employer()
    records.employees(employer, 1)
    assert registry.list_persons(uow, MAKER) == []
