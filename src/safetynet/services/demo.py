"""Demo records for ``make run``: users of every role, employers, persons, enrollments,
declarations (one corrected), flexible and resident payments, a year-end crediting.

Idempotent: a database that already has the demo admin is left as it is. The demo users'
passwords are published (README, this file), so they are marked ``demo``: a production server
(``SAFETYNET_ENV=production``) refuses to start while any of them is enabled, and refuses their
sign-in and tokens.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from safetynet.domain.access import SYSTEM
from safetynet.policy.rules.identity import make_resident_ids
from safetynet.services import accounts, declarations, registry, users
from safetynet.services.benefits.demo import seed_benefits_story
from safetynet.services.demo_office import seed_office_story
from safetynet.services.portal_demo import seed_portal_story
from safetynet.services.uow import UnitOfWork
from safetynet.store.access import User

_USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


@dataclass(frozen=True)
class DemoUser:
    username: str
    password: str
    role: str
    scope: str


@dataclass
class DemoInfo:
    created: bool
    users: list[DemoUser] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        out = [f"  {u.username:<14} {u.password:<24} {u.role:<14} {u.scope}" for u in self.users]
        return [
            "Demo users (username, password, role, scope) - published passwords, refused in "
            "production (SAFETYNET_ENV=production):",
            *out,
            *self.notes,
        ]


DEMO_USERS = (
    DemoUser("admin", "demo-admin-pass", "admin", "everything"),
    DemoUser("operator-bj", "demo-operator-pass", "operator", "region 110000 Beijing"),
    DemoUser("operator-bj2", "demo-operator-pass", "operator", "region 110000 Beijing (maker)"),
    DemoUser("operator-sc", "demo-operator-pass", "operator", "region 510000 Sichuan"),
    DemoUser("auditor", "demo-auditor-pass", "auditor", "read-only, audit log"),
    DemoUser("citizen", "demo-citizen-pass", "citizen", "own record (Wang Fang)"),
    DemoUser("policy-maker", "demo-policy-maker-pass", "policy_officer", "proposes law values"),
    DemoUser(
        "policy-checker", "demo-policy-checker-pass", "policy_officer", "approves others' values"
    ),
    DemoUser("analyst", "demo-analyst-pass", "analyst", "projections, batch summaries"),
)


def credit_code(region: int, serial: int) -> str:
    """A valid unified social credit code (enterprise, market regulator) for demo employers."""
    org_body = f"MA{serial:06d}"
    values = [int(c) if c.isdigit() else ord(c) - 55 for c in org_body]
    check = 11 - sum(v * w for v, w in zip(values, (3, 7, 9, 10, 5, 8, 4, 2), strict=True)) % 11
    org = org_body + ("X" if check == 10 else "0" if check == 11 else str(check))
    body = f"91{region:06d}{org}"
    total = sum(_USCC_ALPHABET.index(c) * pow(3, i, 31) for i, c in enumerate(body))
    return body + _USCC_ALPHABET[(31 - total % 31) % 31]


def seed_demo(target: sessionmaker[Session] | Engine | UnitOfWork) -> DemoInfo:
    """Create the demo records once; returns what to print (users with passwords)."""
    if isinstance(target, UnitOfWork):
        uow = target
    elif isinstance(target, sessionmaker):
        uow = UnitOfWork(target)
    else:
        uow = UnitOfWork(sessionmaker(target, expire_on_commit=False))
    info = DemoInfo(created=False, users=list(DEMO_USERS))
    with uow:
        seeded = uow.session.scalar(select(User.id).where(User.username == "admin"))
    if seeded is not None:
        info.notes.append("(demo records already present)")
        info.notes.extend(seed_benefits_story(uow))
        info.notes.extend(seed_office_story(uow))
        info.notes.extend(seed_portal_story(uow))
        return info
    info.created = True
    actor = SYSTEM
    employer = registry.register_employer(
        uow,
        actor,
        credit_code=credit_code(110105, 1),
        name="Chaoyang Demo Technology Co.",
        risk_class=1,
        region="110105",
        reason="demo",
    )
    factory = registry.register_employer(
        uow,
        actor,
        credit_code=credit_code(510100, 2),
        name="Chengdu Demo Machinery Works",
        risk_class=5,
        region="510100",
        reason="demo",
    )
    ids = make_resident_ids(
        np.array([110105, 110108, 110105, 510100, 510100, 110105]),
        np.array(
            ["1968-04-12", "1975-09-03", "1990-01-20", "1985-06-30", "1962-11-11", "1980-02-29"],
            dtype="datetime64[D]",
        ),
        np.array([21, 42, 13, 35, 64, 17]),
    )
    names = ["Li Wei", "Wang Fang", "Zhang Min", "Chen Jie", "Liu Yang", "Zhao Lei"]
    persons = [
        registry.register_person(
            uow,
            actor,
            id_number=str(number),
            name=name,
            hukou_type="rural" if name == "Liu Yang" else "urban",
            reason="demo",
        )
        for number, name in zip(ids, names, strict=True)
    ]
    li, wang, zhang, chen, liu, zhao = persons
    for person, company in ((li, employer), (wang, employer), (zhang, employer), (chen, factory)):
        registry.start_employment(
            uow,
            actor,
            person_id=person.id,
            employer_id=company.id,
            start_month="2025-01",
            reason="demo",
        )
    wages = {li.id_number: "12000", wang.id_number: "8500.50", zhang.id_number: "6000"}
    for month in ("2025-01", "2025-02", "2025-03", "2025-04", "2025-05", "2025-06"):
        rows = [{"id_number": n, "monthly_wage": w} for n, w in wages.items()]
        declarations.submit(
            uow,
            actor,
            employer_id=employer.id,
            month=month,
            version=1,
            frame=declarations.rows_frame(rows),
            source="demo",
        )
        declarations.submit(
            uow,
            actor,
            employer_id=factory.id,
            month=month,
            version=1,
            source="demo",
            frame=declarations.rows_frame([{"id_number": chen.id_number, "monthly_wage": "7000"}]),
        )
    corrected = [{"id_number": n, "monthly_wage": w} for n, w in wages.items()]
    corrected[0]["monthly_wage"] = "13000"
    declarations.submit(
        uow,
        actor,
        employer_id=employer.id,
        month="2025-03",
        version=2,
        frame=declarations.rows_frame(corrected),
        source="demo",
    )
    registry.enroll(
        uow,
        actor,
        person_id=zhao.id,
        worker_type="flexible",
        region="110105",
        start_month="2025-07",
        reason="demo",
    )
    for month in ("2025-07", "2025-08", "2025-09"):
        accounts.pay_flexible(uow, actor, person_id=zhao.id, month=month, monthly_base="8000")
    registry.enroll(
        uow,
        actor,
        person_id=liu.id,
        worker_type="resident",
        region="510100",
        start_month="2024-01",
        reason="demo",
    )
    accounts.pay_resident(
        uow, actor, person_id=liu.id, year=2025, pension_grade=500, medical_premium="400"
    )
    accounts.credit_year(uow, actor, year=2025)
    users.create_user(
        uow, actor, username="admin", password="demo-admin-pass", role="admin", demo=True
    )
    users.create_user(
        uow,
        actor,
        username="operator-bj",
        password="demo-operator-pass",
        role="operator",
        region="110000",
        demo=True,
    )
    users.create_user(
        uow,
        actor,
        username="operator-sc",
        password="demo-operator-pass",
        role="operator",
        region="510000",
        demo=True,
    )
    users.create_user(
        uow, actor, username="auditor", password="demo-auditor-pass", role="auditor", demo=True
    )
    users.create_user(
        uow,
        actor,
        username="citizen",
        password="demo-citizen-pass",
        role="citizen",
        person_id=wang.id,
        demo=True,
    )
    for maker_or_checker in ("policy-maker", "policy-checker"):
        users.create_user(
            uow,
            actor,
            username=maker_or_checker,
            password=f"demo-{maker_or_checker}-pass",
            role="policy_officer",
            demo=True,
        )
    info.notes.append(
        f"Demo records: 2 employers, {len(persons)} persons, declarations 2025-01..06 "
        "(2025-03 corrected), a flexible worker, a rural resident, 2025 interest credited."
    )
    info.notes.extend(seed_benefits_story(uow))
    info.notes.extend(seed_office_story(uow))
    info.notes.extend(seed_portal_story(uow))
    return info
