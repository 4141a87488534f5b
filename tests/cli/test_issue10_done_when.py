"""Issue 10, done when: on a fresh demo database a Beijing declaration for 2026-08 computes with
provisional values and says so; a policy officer's 2026 floor, once approved by a second one,
is used by calc, the API and the next declaration; the true-up settles the earlier months."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from safetynet.api.app import create_app
from safetynet.domain.access import Principal, Role
from safetynet.services import declarations, true_up
from safetynet.services import parameters as governance
from safetynet.services.demo import seed_demo
from safetynet.services.uow import UnitOfWork
from safetynet.store.registry import Employer, EmploymentSpell, Person

ADMIN = Principal("admin", Role.ADMIN)
MAKER = Principal("policy-maker", Role.POLICY_OFFICER)
CHECKER = Principal("policy-checker", Role.POLICY_OFFICER)
INPUTS = {"monthly_wage": "6000", "region": "110105", "month": "2026-08"}


def _declare(
    uow: UnitOfWork, employer: int, ids: list[str], month: str
) -> declarations.DeclarationOutcome:
    rows = [{"id_number": i, "monthly_wage": "6000"} for i in ids]
    return declarations.submit(
        uow,
        ADMIN,
        employer_id=employer,
        month=month,
        version=1,
        frame=declarations.rows_frame(rows),
    )


def test_the_2026_beijing_floor_from_proposal_to_true_up(engine: Engine, uow: UnitOfWork) -> None:
    seed_demo(engine)
    with uow:
        employer = uow.session.scalars(
            select(Employer).where(Employer.region_code.between(110000, 119999))
        ).first()
        assert employer is not None
        ids = list(
            uow.session.scalars(
                select(Person.id_number)
                .join(EmploymentSpell, EmploymentSpell.person_id == Person.id)
                .where(
                    EmploymentSpell.employer_id == employer.id, EmploymentSpell.end_month.is_(None)
                )
            )
        )
    august = _declare(uow, employer.id, ids, "2026-08")
    assert august.declaration is not None and august.declaration.law_version == 0
    with TestClient(create_app(engine)) as http:
        before = http.post("/api/v1/calc/contribution", json=INPUTS).json()
        assert before["result"]["provisional"] is True and before["result"]["base"] == "7162.00"
        proposal = governance.Proposal(
            parameter="contribution.base_floor",
            region="110000",
            effective="2026-07-01",
            value="7400",
            source="北京市2026年度社会保险缴费基数上下限通知",
            grade="A",
        )
        value = governance.propose(uow, MAKER, proposal)
        governance.approve(uow, CHECKER, value.id)
        after = http.post("/api/v1/calc/contribution", json=INPUTS).json()
    assert after["law_version"] == 1 and after["result"]["base"] == "7400.00"
    september = _declare(uow, employer.id, ids, "2026-09")
    assert september.declaration is not None and september.declaration.law_version == 1
    assert september.declaration.base_total_fen == 740_000 * len(ids)
    settled = true_up.true_up(uow, ADMIN, region="110000", from_month="2026-07", to_month="2026-09")
    assert settled.posted and settled.lines.height == len(ids)
    assert settled.totals["employer_delta_fen"] == (
        september.employer_total_fen - august.employer_total_fen
    )
    again = true_up.true_up(uow, ADMIN, region="110000", from_month="2026-07", to_month="2026-09")
    assert not again.posted
