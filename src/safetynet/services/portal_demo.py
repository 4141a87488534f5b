"""The portal's part of the demo for ``make run``: the analyst user, and a grandchild in the
demo citizen Wang Fang's household, for whom she can apply for the childcare subsidy online.

Idempotent: what exists is left as it is.
"""

from __future__ import annotations

import numpy as np
from sqlalchemy import select

from safetynet.domain.access import SYSTEM
from safetynet.policy.rules.identity import make_resident_ids
from safetynet.services import registry, users
from safetynet.services.uow import UnitOfWork
from safetynet.store.access import User
from safetynet.store.registry import Person

ANALYST = ("analyst", "demo-analyst-pass")
CHILD = ("Wang Xiaoyu", "2025-03-08", 404)


def seed_portal_story(uow: UnitOfWork) -> list[str]:
    """Create the analyst and the demo citizen's household once; returns lines to print."""
    notes = []
    with uow:
        analyst = uow.session.scalar(select(User.id).where(User.username == ANALYST[0]))
        citizen = uow.session.scalar(select(User).where(User.username == "citizen"))
        child = uow.session.scalar(select(Person.id).where(Person.name == CHILD[0]))
    if analyst is None:
        users.create_user(
            uow, SYSTEM, username=ANALYST[0], password=ANALYST[1], role="analyst", demo=True
        )
    if citizen is not None and citizen.person_id is not None and child is None:
        parent = registry.get_person(uow, SYSTEM, citizen.person_id)
        household = registry.create_household(
            uow, SYSTEM, region=f"{parent.region_code:06d}", hukou_type=parent.hukou_type
        )
        registry.correct_person(
            uow, SYSTEM, parent.id, {"household_id": household.id}, reason="demo household"
        )
        number = make_resident_ids(
            np.array([parent.region_code]),
            np.array([CHILD[1]], dtype="datetime64[D]"),
            np.array([CHILD[2] * 2]),
        )[0]
        registry.register_person(
            uow,
            SYSTEM,
            id_number=str(number),
            name=CHILD[0],
            hukou_type=parent.hukou_type,
            household_id=household.id,
            reason="demo",
        )
        notes.append(
            f"  portal: {CHILD[0]} (born {CHILD[1]}) in the citizen's household, for an "
            "online childcare application"
        )
    return notes
