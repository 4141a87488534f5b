"""Citizens' own applications: the childcare subsidy for a child of their household and the
annual existence verification (生存认证) of their pension.

A citizen cannot write the record; an application goes through the benefit services as the
online counter ``online:<username>``, an intake principal scoped to the region of the person
concerned. The childcare application becomes a proposed award in the operators' maker-checker
queue (an operator approves or rejects it); the existence verification is recorded on the
pension awards with its audit row, as at the counter.
"""

from __future__ import annotations

from sqlalchemy import select

from safetynet.domain.access import Principal, Role
from safetynet.domain.errors import Forbidden, NotFound
from safetynet.policy.periods import format_month
from safetynet.services.benefits import layers, life_events
from safetynet.services.uow import UnitOfWork
from safetynet.services.validation import current_month
from safetynet.store.benefits import Award
from safetynet.store.registry import Person


def _citizen(uow: UnitOfWork, actor: Principal) -> Person:
    if actor.role is not Role.CITIZEN or actor.person_id is None:
        raise Forbidden("only a citizen applies online, for their own household")
    with uow:
        person = uow.session.get(Person, actor.person_id)
        if person is None:
            raise NotFound("person", actor.person_id)
        return person


def online_counter(actor: Principal, region_code: int) -> Principal:
    """The principal an online application acts as: the citizen's counter in that region."""
    return Principal(f"online:{actor.username}", Role.OPERATOR, region_code=region_code)


def household_members(uow: UnitOfWork, actor: Principal) -> list[Person]:
    """The other persons of the citizen's household (the children they may apply for)."""
    me = _citizen(uow, actor)
    if me.household_id is None:
        return []
    with uow:
        return list(
            uow.session.scalars(
                select(Person)
                .where(Person.household_id == me.household_id, Person.id != me.id)
                .order_by(Person.birth_date.desc())
            )
        )


def apply_childcare(uow: UnitOfWork, actor: Principal, *, child_person_id: int) -> Award:
    """Propose the childcare subsidy for a child of the citizen's household."""
    me = _citizen(uow, actor)
    with uow:
        child = uow.session.get(Person, child_person_id)
    if child is None or me.household_id is None or child.household_id != me.household_id:
        raise Forbidden("you may apply only for a child registered in your household")
    return layers.apply_childcare(
        uow, online_counter(actor, child.region_code), child_person_id=child.id
    )


def verify_existence(uow: UnitOfWork, actor: Principal) -> list[Award]:
    """Record the citizen's existence verification for this month on their pension awards."""
    me = _citizen(uow, actor)
    return life_events.verify_existence(
        uow,
        online_counter(actor, me.region_code),
        person_id=me.id,
        month=format_month(current_month()),
    )
