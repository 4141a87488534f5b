"""Life events: a death ends payments, and the annual existence verification (生存认证)
suspends the awards of those not verified, to be reinstated with arrears once they are.

After a death, payment stops from the following month: each live award ends with the month of
death, what was already paid for later months becomes an overpayment to recover, and the death
benefits of the law (funeral grant, survivors' pension) are looked up in the parameters; where
their amount is unknown the outcome says so rather than pay a made-up amount.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from safetynet.domain.access import Principal, Role
from safetynet.domain.benefits import (
    PENSIONS,
    SUSPENDED_UNVERIFIED,
    VERIFICATION_INTERVAL_MONTHS,
    AwardAction,
    AwardStatus,
)
from safetynet.domain.errors import Conflict, InvalidInput, NotFound
from safetynet.domain.regions import subtree_bounds
from safetynet.policy.errors import ParameterLookupError
from safetynet.policy.money import to_fen
from safetynet.policy.parameters import ParameterSet
from safetynet.policy.periods import format_month, month_of, month_start, parse_month
from safetynet.services import audit, validation
from safetynet.services.benefits.awards import close_award
from safetynet.services.benefits.common import live_awards, move_award, person_in_scope
from safetynet.services.law import effective_law
from safetynet.services.scope import visible
from safetynet.services.uow import UnitOfWork
from safetynet.store.base import utcnow
from safetynet.store.benefits import Award, LifeEvent, Overpayment

DEATH_BENEFITS = ("benefits.funeral_grant", "benefits.survivor_lump_sum")


def _death_benefit(params: ParameterSet, name: str, month: int, region: int) -> dict[str, Any]:
    """A death benefit's amount, or ``unknown`` with the parameter's explanation."""
    try:
        value = params.at(name, month_start(np.array([month])), region)
    except ParameterLookupError as exc:
        return {"parameter": name, "status": "unknown", "amount_fen": None, "why": str(exc)}
    return {"parameter": name, "status": "known", "amount_fen": int(to_fen(value)[0])}


def report_death(
    uow: UnitOfWork, actor: Principal, *, person_id: int, death_date: date | str, reason: str = ""
) -> LifeEvent:
    """Record a death once: end the person's awards, compute the overpayment to recover and
    the death benefits."""
    actor.require_write()
    try:
        day = death_date if isinstance(death_date, date) else date.fromisoformat(str(death_date))
    except ValueError:
        raise InvalidInput.one("death_date", f"expected YYYY-MM-DD, got {death_date!r}") from None
    if day > utcnow().date():
        raise InvalidInput.one("death_date", f"{day} is in the future")
    month = format_month(month_of(day))
    with uow:
        session = uow.session
        person = person_in_scope(uow, actor, person_id)
        actor.require_region(person.region_code)
        if day < person.birth_date:
            raise InvalidInput.one("death_date", "is before the birth date")
        if session.scalar(
            select(LifeEvent.id).where(LifeEvent.person_id == person.id, LifeEvent.kind == "death")
        ):
            raise Conflict(
                f"the death of person {person.id} is already recorded", field="person_id"
            )
        ended: list[dict[str, Any]] = []
        for award in live_awards(uow, person.id):
            if award.status == AwardStatus.PROPOSED.value:
                move_award(uow, actor, award, AwardAction.REJECT, reason="death reported")
                continue
            overpaid = close_award(
                uow,
                actor,
                award,
                min(award.end_month or month, month),
                f"death in {month}: paid for later months",
            )
            ended.append({"award_id": award.id, "kind": award.kind, "overpaid_fen": overpaid})
        law = effective_law(session)
        benefits = (
            [
                _death_benefit(law.params, name, parse_month(month), person.region_code)
                for name in DEATH_BENEFITS
            ]
            if ended
            else []
        )
        event = LifeEvent(
            person_id=person.id,
            kind="death",
            event_date=day,
            region_code=person.region_code,
            outcome={
                "payments_stop_after": month,
                "awards": ended,
                "overpayment_fen": sum(a["overpaid_fen"] for a in ended),
                "death_benefits": benefits,
                "references": ["SIL art. 17"],
                "law_version": law.version,
            },
            reported_by=actor.username,
        )
        session.add(event)
        try:
            session.flush()
        except IntegrityError:
            raise Conflict(f"the death of person {person.id} is already recorded") from None
        audit.record(
            session,
            actor,
            "person.death",
            "life_event",
            event.id,
            region_code=person.region_code,
            after=event.outcome,
            reason=reason,
        )
        uow.commit()
        return event


def get_death(uow: UnitOfWork, actor: Principal, person_id: int) -> LifeEvent:
    with uow:
        person_in_scope(uow, actor, person_id)
        event = uow.session.scalar(
            select(LifeEvent).where(LifeEvent.person_id == person_id, LifeEvent.kind == "death")
        )
        if event is None:
            raise NotFound("death report of person", person_id)
        return event


def overpayments(uow: UnitOfWork, actor: Principal, person_id: int) -> list[Overpayment]:
    with uow:
        person_in_scope(uow, actor, person_id)
        return list(
            uow.session.scalars(
                select(Overpayment)
                .join(Award, Award.id == Overpayment.award_id)
                .where(
                    Overpayment.person_id == person_id,
                    visible(actor, Award.region_code, Overpayment.person_id),
                )
                .order_by(Overpayment.id)
            )
        )


def verify_existence(
    uow: UnitOfWork, actor: Principal, *, person_id: int, month: str
) -> list[Award]:
    """Record the person's existence verification in ``month``: their pension awards count as
    verified, and those suspended for want of it are reinstated (the next payroll pays the
    suspended months as arrears)."""
    actor.require_write()
    period = validation.month(month)
    with uow:
        person = person_in_scope(uow, actor, person_id)
        if uow.session.scalar(
            select(LifeEvent.id).where(LifeEvent.person_id == person.id, LifeEvent.kind == "death")
        ):
            raise Conflict(f"person {person.id} is recorded as deceased", field="person_id")
        awards = [a for a in live_awards(uow, person.id) if a.kind in PENSIONS]
        if not awards:
            raise Conflict(f"person {person.id} has no pension award to verify", field="person_id")
        for award in awards:
            if award.status == AwardStatus.SUSPENDED.value:
                if award.suspended_reason != SUSPENDED_UNVERIFIED:
                    continue
                move_award(
                    uow,
                    actor,
                    award,
                    AwardAction.REINSTATE,
                    reason=f"verified in {period}",
                    verified_month=period,
                    suspended_reason="",
                    recompute_from=award.start_month,
                )
            elif award.status == AwardStatus.ACTIVE.value:
                before = award.verified_month
                award.verified_month = period
                audit.record(
                    uow.session,
                    actor,
                    "award.verify",
                    "award",
                    award.id,
                    region_code=award.region_code,
                    before={"verified_month": before},
                    after={"verified_month": period},
                )
        uow.commit()
        return awards


def suspend_unverified(uow: UnitOfWork, actor: Principal, *, region: str, month: str) -> list[int]:
    """Suspend the region's active pension awards whose last verification is a year or more
    before ``month``; returns their ids. Running it again suspends nobody twice."""
    actor.require_role(Role.OPERATOR, Role.ADMIN)
    region_code = validation.region(region)
    actor.require_region(region_code)
    period = validation.month(month, allow_future=True)
    overdue = format_month(parse_month(period) - VERIFICATION_INTERVAL_MONTHS)
    with uow:
        session = uow.session
        awards = list(
            session.scalars(
                select(Award)
                .where(
                    Award.region_code.between(*subtree_bounds(region_code)),
                    Award.status == AwardStatus.ACTIVE.value,
                    Award.kind.in_([k.value for k in PENSIONS]),
                    Award.verified_month <= overdue,
                )
                .order_by(Award.id)
            )
        )
        now = utcnow()
        for award in awards:
            award.status = AwardStatus.SUSPENDED.value
            award.suspended_reason = SUSPENDED_UNVERIFIED
            award.updated_at = now
        session.flush()
        audit.append(
            session,
            [
                audit.content(
                    actor.username,
                    actor.role.value,
                    "award.suspend",
                    "award",
                    a.id,
                    region_code=a.region_code,
                    before={"status": AwardStatus.ACTIVE.value},
                    after={"status": AwardStatus.SUSPENDED.value, "reason": SUSPENDED_UNVERIFIED},
                    reason=f"existence not verified since {a.verified_month}",
                    at=now,
                )
                for a in awards
            ],
        )
        uow.commit()
        return [a.id for a in awards]
