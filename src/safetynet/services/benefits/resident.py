"""The residents' pension's government subsidy: credited to the personal account once per
person and year for the grade the resident paid (REFERENCE §3; the award at 60 is proposed by
:func:`safetynet.services.benefits.awards.propose_retirement` with ``scheme="resident"``)."""

from __future__ import annotations

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from safetynet.domain.access import Principal
from safetynet.domain.benefits import SUBSIDY_ENTRY
from safetynet.domain.errors import Conflict
from safetynet.domain.schemes import Account
from safetynet.policy.money import to_fen
from safetynet.policy.parameters import ParameterSet
from safetynet.policy.periods import month_start, parse_month
from safetynet.services import audit, validation
from safetynet.services.benefits.common import person_in_scope
from safetynet.services.law import effective_law
from safetynet.services.uow import UnitOfWork
from safetynet.store.contributions import AccountEntry, ContributionRecord
from safetynet.store.registry import Person

GRADE_KEYS = tuple(str(g) for g in range(1, 13))


def _subsidy_fen(params: ParameterSet, paid_fen: int, year: int, region: int) -> tuple[str, int]:
    """The grade paid and its subsidy; a payment matching no grade is refused."""
    days = month_start(np.full(len(GRADE_KEYS), parse_month(f"{year}-01")))
    regions = np.full(len(GRADE_KEYS), region)
    keys = np.array(GRADE_KEYS)
    grades = to_fen(params["resident.contribution_grades"].table_at(days, regions, keys))
    matches = np.flatnonzero(grades == paid_fen)
    if not len(matches):
        raise Conflict(f"the {year} payment of {paid_fen / 100:.2f} yuan matches no grade")
    grade = GRADE_KEYS[int(matches[0])]
    subsidy = params["resident.contribution_subsidy"].table_at(
        days[:1], regions[:1], np.array([grade])
    )
    return grade, int(to_fen(subsidy)[0])


def credit_subsidy(uow: UnitOfWork, actor: Principal, *, person_id: int, year: int) -> AccountEntry:
    """Credit the local government's subsidy for the year's residents' pension contribution."""
    actor.require_write()
    paid_year = validation.year(year)
    with uow:
        session = uow.session
        person = person_in_scope(uow, actor, person_id)
        session.scalar(select(Person).where(Person.id == person.id).with_for_update())
        paid = session.execute(
            select(
                func.coalesce(func.sum(ContributionRecord.resident_pension_fen), 0),
                func.max(ContributionRecord.region_code),
            ).where(
                ContributionRecord.person_id == person.id,
                ContributionRecord.month == f"{paid_year}-01",
                ContributionRecord.worker_type == "resident",
            )
        ).one()
        if not paid[0]:
            raise Conflict(f"person {person.id} paid no residents' pension for {paid_year}")
        region = int(paid[1])
        actor.require_region(region)
        already = session.scalar(
            select(func.count())
            .select_from(AccountEntry)
            .where(
                AccountEntry.person_id == person.id,
                AccountEntry.account == Account.RESIDENT_PENSION.value,
                AccountEntry.kind == SUBSIDY_ENTRY,
                AccountEntry.year == paid_year,
            )
        )
        if already:
            raise Conflict(f"the {paid_year} subsidy of person {person.id} is already credited")
        grade, amount = _subsidy_fen(effective_law(session).params, int(paid[0]), paid_year, region)
        entry = AccountEntry(
            person_id=person.id,
            account=Account.RESIDENT_PENSION.value,
            kind=SUBSIDY_ENTRY,
            amount_fen=amount,
            month=f"{paid_year}-01",
            year=paid_year,
            region_code=region,
            note=f"government subsidy {paid_year}, grade {grade} (GF2014-8)",
        )
        session.add(entry)
        try:
            session.flush()
        except IntegrityError:  # the database's guarantee, when a credit raced this one
            raise Conflict(
                f"the {paid_year} subsidy of person {person.id} is already credited"
            ) from None
        audit.record(
            session,
            actor,
            "account.subsidy",
            "account_entry",
            entry.id,
            region_code=region,
            after={"person_id": person.id, "year": paid_year, "grade": grade, "amount_fen": amount},
        )
        uow.commit()
        return entry
