"""The demo region's benefit story for ``make run``: in Beijing two people retire (one operator
proposes, another approves), their overdue existence verification suspends and then reinstates
them, the payroll pays last month (with back pay) and this month, the bank returns its file, one
pensioner dies and the overpayment is recorded; a child gets the childcare subsidy, a household
dibao, an employee's medical claims are settled once, and a Sichuan worker moves to Beijing.

Runs through the same services as the API, once (a database with awards is left as it is).
"""

from __future__ import annotations

from datetime import date

import numpy as np
from sqlalchemy import func, select

from safetynet.domain.access import SYSTEM, Principal, Role
from safetynet.policy.periods import format_month
from safetynet.policy.rules.identity import make_resident_ids
from safetynet.services import registry, validation
from safetynet.services.benefits import awards, claims, layers, life_events, payroll, transfers
from safetynet.services.uow import UnitOfWork
from safetynet.store.benefits import Award
from safetynet.store.registry import Person

MAKER = Principal("operator-bj", Role.OPERATOR, region_code=110000)
SENDER = Principal("operator-sc", Role.OPERATOR, region_code=510000)
CHECKER = SYSTEM


def _person(uow: UnitOfWork, name: str, birth: str, serial: int, male: bool) -> Person:
    number = make_resident_ids(
        np.array([110105]),
        np.array([birth], dtype="datetime64[D]"),
        np.array([serial * 2 + (1 if male else 0)]),
    )[0]
    return registry.register_person(
        uow, SYSTEM, id_number=str(number), name=name, hukou_type="urban", reason="demo"
    )


def _by_name(uow: UnitOfWork, name: str) -> Person | None:
    with uow:
        return uow.session.scalar(select(Person).where(Person.name == name))


def seed_benefits_story(uow: UnitOfWork) -> list[str]:
    """Play the story once; returns lines to print."""
    with uow:
        if uow.session.scalar(select(func.count()).select_from(Award)):
            return ["(demo benefits already present)"]
    now = validation.current_month()
    this_month, last_month = format_month(now), format_month(now - 1)
    notes = []

    retirees = []
    for name, birth, serial, male, category in (
        ("Sun Hua", "1964-03-15", 301, True, "male"),
        ("Zhou Mei", "1974-05-20", 302, False, "female_50"),
    ):
        person = _person(uow, name, birth, serial, male)
        registry.enroll(
            uow,
            SYSTEM,
            person_id=person.id,
            worker_type="flexible",
            region="110105",
            start_month="2020-01",
            reason="demo",
        )
        award = awards.propose_retirement(
            uow,
            MAKER,
            person_id=person.id,
            category=category,
            deemed_months=300,
            average_index=1.0,
        )
        awards.approve(uow, CHECKER, award.id)
        retirees.append((person, award))
        notes.append(
            f"  {name} (person {person.id}) retires in {award.start_month}: award {award.id}, "
            f"{award.amount_fen / 100:.2f} a month "
            "(proposed by operator-bj, approved by the system admin)"
        )
    suspended = life_events.suspend_unverified(uow, MAKER, region="110000", month=this_month)
    for person, _ in retirees:
        life_events.verify_existence(uow, MAKER, person_id=person.id, month=this_month)
    notes.append(f"  existence overdue: awards {suspended} suspended, then verified and reinstated")

    child = _person(uow, "Sun Xiaobao", "2024-06-10", 303, True)
    childcare = layers.apply_childcare(uow, MAKER, child_person_id=child.id)
    awards.approve(uow, CHECKER, childcare.id)
    zhang = _by_name(uow, "Zhang Min")
    if zhang is not None:
        dibao = layers.apply_dibao(
            uow,
            MAKER,
            person_id=zhang.id,
            month="2025-06",
            area="urban",
            household_size=2,
            household_monthly_income="1000",
        )
        awards.approve(uow, CHECKER, dibao.id)
        notes.append(
            f"  Zhang Min's household gets dibao from 2025-06: {dibao.amount_fen / 100:.2f} a "
            "month (national average line as stand-in, no local line recorded)"
        )

    for month in (last_month, this_month):
        run = payroll.run_payroll(uow, MAKER, region="110000", month=month).run
        notes.append(
            f"  payroll {month}: run {run.id}, {run.line_count} lines, "
            f"{run.total_fen / 100:.2f} yuan ({run.arrears_fen / 100:.2f} arrears)"
        )
        if month == last_month:
            lines = payroll.lines_of(uow, MAKER, run_id=run.id)
            returned = "line_id,amount,status,note\n" + "".join(
                f"{x.id},{x.amount_fen / 100:.2f},paid,\n" for x in lines
            )
            payroll.reconcile(uow, MAKER, run.id, returned.encode())

    zhou = retirees[1][0]
    first_of_last = date(int(last_month[:4]), int(last_month[5:]), 1)
    death = life_events.report_death(
        uow, MAKER, person_id=zhou.id, death_date=first_of_last, reason="demo"
    )
    notes.append(
        f"  Zhou Mei dies on {first_of_last}: payments stop after {last_month}, "
        f"{death.outcome['overpayment_fen'] / 100:.2f} to recover; funeral grant and survivors' "
        "pension unknown (no sourced amount)"
    )

    wang = _by_name(uow, "Wang Fang")
    if wang is not None:
        first = claims.submit_claim(
            uow,
            MAKER,
            person_id=wang.id,
            reference="BJ-DEMO-1",
            service_date="2025-05-10",
            setting="outpatient",
            tier="community",
            policy_cost="5000",
        )
        claims.submit_claim(
            uow,
            MAKER,
            person_id=wang.id,
            reference="BJ-DEMO-1",
            service_date="2025-05-10",
            setting="outpatient",
            tier="community",
            policy_cost="5000",
        )
        notes.append(
            f"  Wang Fang's outpatient claim settled once: fund {first.claim.basic_fen / 100:.2f}"
        )
    chen = _by_name(uow, "Chen Jie")
    if chen is not None:
        moved = transfers.request_transfer(
            uow, SENDER, person_id=chen.id, to_region="110105", month=this_month
        )
        transfers.complete_transfer(uow, MAKER, moved.id)
        notes.append(
            f"  Chen Jie moves from Sichuan to Beijing: transfer {moved.id}, account "
            f"{moved.account_fen / 100:.2f}, pooled {moved.pooled_fen / 100:.2f}"
        )
    notes.append(
        "  read them: GET /api/v1/benefits/persons/{id}/statement, /benefits/awards/{id} (with "
        "the explanation), or safetynet benefits statement|award <id>"
    )
    return ["Demo benefits (Beijing):", *notes]
