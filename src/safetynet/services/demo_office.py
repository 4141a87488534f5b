"""The back office's part of the demo (``make run``): a second Beijing operator, whose proposed
retirement pension waits in the maker-checker queue for ``operator-bj`` to approve, and persons
registered under Chinese names, to search for as operators do.

Runs through the same services as the API, once (a database with ``operator-bj2`` is left as it is).
"""

from __future__ import annotations

import numpy as np
from sqlalchemy import select

from safetynet.domain.access import SYSTEM, Principal, Role
from safetynet.policy.rules.identity import make_resident_ids
from safetynet.services import registry, users
from safetynet.services.benefits import awards
from safetynet.services.uow import UnitOfWork
from safetynet.store.access import User

SECOND_OPERATOR = "operator-bj2"
SECOND_PASSWORD = "demo-operator-pass"
CHINESE_NAMES = (
    ("王秀英", "1972-03-08", False),
    ("张伟", "1986-11-23", True),
    ("李娜", "1993-07-14", False),
    ("刘洋", "1979-01-30", True),
)


def _id_number(birth: str, serial: int, male: bool) -> str:
    return str(
        make_resident_ids(
            np.array([110105]),
            np.array([birth], dtype="datetime64[D]"),
            np.array([serial * 2 + (1 if male else 0)]),
        )[0]
    )


def seed_office_story(uow: UnitOfWork) -> list[str]:
    """Play the story once; returns lines to print."""
    with uow:
        if uow.session.scalar(select(User.id).where(User.username == SECOND_OPERATOR)):
            return []
    users.create_user(
        uow,
        SYSTEM,
        username=SECOND_OPERATOR,
        password=SECOND_PASSWORD,
        role="operator",
        region="110000",
        demo=True,
    )
    for serial, (name, birth, male) in enumerate(CHINESE_NAMES, start=401):
        registry.register_person(
            uow,
            SYSTEM,
            id_number=_id_number(birth, serial, male),
            name=name,
            hukou_type="urban",
            reason="demo",
        )
    retiree = registry.register_person(
        uow,
        SYSTEM,
        id_number=_id_number("1965-02-11", 420, True),
        name="赵建国",
        hukou_type="urban",
        reason="demo",
    )
    registry.enroll(
        uow,
        SYSTEM,
        person_id=retiree.id,
        worker_type="flexible",
        region="110105",
        start_month="2020-01",
        reason="demo",
    )
    maker = Principal(SECOND_OPERATOR, Role.OPERATOR, region_code=110000)
    award = awards.propose_retirement(
        uow, maker, person_id=retiree.id, deemed_months=300, average_index=1.0
    )
    return [
        f"  赵建国 (person {retiree.id}): retirement award {award.id} proposed by "
        f"{SECOND_OPERATOR}, waiting for operator-bj to approve it at /awards",
        "  persons with Chinese names to search for at /persons: "
        + ", ".join(n for n, _, _ in CHINESE_NAMES),
    ]
