"""A citizen's own applications: the childcare subsidy for a child of their household reaches
the operators' maker-checker queue; the existence verification is recorded and audited."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from tests.portal.conftest import BEIJING, SICHUAN, Portal

from safetynet.domain.errors import Conflict, Forbidden
from safetynet.policy.periods import format_month
from safetynet.services import applications
from safetynet.services.benefits import awards
from safetynet.services.uow import UnitOfWork
from safetynet.services.validation import current_month
from safetynet.store.access import AuditEntry
from safetynet.store.registry import Person


def test_a_childcare_application_reaches_the_operators_queue(
    uow: UnitOfWork, portal: Portal
) -> None:
    citizen = portal.citizen(portal.parent)
    assert [p.id for p in applications.household_members(uow, citizen)] == [portal.child.id]
    award = applications.apply_childcare(uow, citizen, child_person_id=portal.child.id)
    assert (award.kind, award.status, award.person_id) == ("childcare", "proposed", portal.child.id)
    assert award.proposed_by == f"online:{citizen.username}"
    queue = awards.list_awards(uow, BEIJING, status="proposed")
    assert award.id in [a.id for a in queue]
    assert award.id not in [a.id for a in awards.list_awards(uow, SICHUAN, status="proposed")]
    assert awards.approve(uow, BEIJING, award.id).status == "active"
    with pytest.raises(Conflict):
        applications.apply_childcare(uow, citizen, child_person_id=portal.child.id)


def test_only_a_child_of_ones_household(uow: UnitOfWork, portal: Portal) -> None:
    citizen = portal.citizen(portal.parent)
    for other in (portal.outsider_child.id, portal.worker.id, 999_999):
        with pytest.raises(Forbidden):
            applications.apply_childcare(uow, citizen, child_person_id=other)
    with pytest.raises(Forbidden):
        applications.apply_childcare(uow, BEIJING, child_person_id=portal.child.id)
    no_household = portal.citizen(portal.worker)
    assert applications.household_members(uow, no_household) == []
    with pytest.raises(Forbidden):
        applications.apply_childcare(uow, no_household, child_person_id=portal.child.id)


def test_a_pensioner_verifies_their_existence_online(
    uow: UnitOfWork, portal: Portal, pensioner: Person
) -> None:
    citizen = portal.citizen(pensioner)
    verified = applications.verify_existence(uow, citizen)
    month = format_month(current_month())
    assert [a.verified_month for a in verified] == [month]
    with uow:
        actors = uow.session.scalars(
            select(AuditEntry.actor).where(AuditEntry.action == "award.verify")
        ).all()
    assert f"online:{citizen.username}" in actors
    with pytest.raises(Conflict):
        applications.verify_existence(uow, portal.citizen(portal.worker))
