"""Registry use cases: persons, employers, employment and enrollment, with their audit rows."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from safetynet.domain.errors import Conflict, Forbidden, InvalidInput
from safetynet.services import registry
from safetynet.services.uow import UnitOfWork
from safetynet.store.access import AuditEntry
from safetynet.store.registry import Enrollment


def _audit(uow: UnitOfWork, action: str) -> list[AuditEntry]:
    with uow:
        return list(uow.session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


def test_register_person_derives_sex_and_birth_and_audits_masked(
    uow: UnitOfWork, records: Any, who: Any
) -> None:
    number = records.id_number(region=110105, birth="1975-09-03", male=False)
    person = registry.register_person(
        uow, who.beijing, id_number=number.lower(), name="  Wang   Fang ", hukou_type="urban"
    )
    assert (person.sex, person.birth_date.isoformat(), person.name) == (
        "female",
        "1975-09-03",
        "Wang Fang",
    )
    assert person.id_number == number.upper() and person.region_code == 110105
    [row] = _audit(uow, "person.register")
    assert row.actor == "op-bj" and row.after is not None
    assert row.after["id_number"] == number[:6] + "********" + number[-4:]


def test_duplicate_registration_is_refused_on_the_id_number(
    uow: UnitOfWork, records: Any, who: Any
) -> None:
    person = records.person()
    with pytest.raises(Conflict) as caught:
        registry.register_person(
            uow, who.admin, id_number=person.id_number, name="Again", hukou_type="rural"
        )
    assert caught.value.field == "id_number"
    assert registry.count_persons(uow, who.admin) == 1


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"id_number": "11010519491231002"}, "id_number"),
        ({"id_number": "110105194912310021"}, "id_number"),
        ({"id_number": "11010519491231002X", "hukou_type": "city"}, "hukou_type"),
        ({"id_number": "11010519491231002X", "hukou_region": "999999"}, "hukou_region"),
        ({"id_number": "11010519491231002X", "name": "  "}, "name"),
        ({"id_number": "11010519491231002X", "sex": "male"}, "sex"),
    ],
)
def test_bad_person_input_names_the_field(
    uow: UnitOfWork, who: Any, changes: dict[str, str], field: str
) -> None:
    data = {"name": "X", "hukou_type": "urban", **changes}
    with pytest.raises(InvalidInput) as caught:
        registry.register_person(uow, who.admin, **data)  # type: ignore[arg-type]
    assert caught.value.problems[0].field == field
    assert registry.count_persons(uow, who.admin) == 0


def test_correction_keeps_before_and_after_and_needs_a_reason(
    uow: UnitOfWork, records: Any, who: Any
) -> None:
    person = records.person(name="Li Wie")
    with pytest.raises(InvalidInput):
        registry.correct_person(uow, who.admin, person.id, {"name": "Li Wei"}, reason=" ")
    corrected = registry.correct_person(
        uow, who.admin, person.id, {"name": "Li Wei"}, reason="typing error at the counter"
    )
    assert corrected.name == "Li Wei"
    [row] = _audit(uow, "person.correct")
    assert row.before is not None and row.after is not None
    assert (row.before["name"], row.after["name"], row.reason) == (
        "Li Wie",
        "Li Wei",
        "typing error at the counter",
    )
    other = records.person()
    with pytest.raises(Conflict):
        registry.correct_person(
            uow, who.admin, person.id, {"id_number": other.id_number}, reason="mix-up"
        )


def test_operator_scope_and_read_only_roles(uow: UnitOfWork, records: Any, who: Any) -> None:
    with pytest.raises(Forbidden):
        registry.register_person(
            uow, who.sichuan, id_number=records.id_number(110105), name="X", hukou_type="urban"
        )
    with pytest.raises(Forbidden):
        registry.register_person(
            uow, who.auditor, id_number=records.id_number(), name="X", hukou_type="urban"
        )
    records.person(region=110105)
    records.person(region=510100)
    assert registry.count_persons(uow, who.sichuan) == 1
    assert [p.region_code for p in registry.list_persons(uow, who.beijing)] == [110105]
    with pytest.raises(Forbidden):
        registry.list_persons(uow, who.sichuan, region="110105")


def test_persons_page_by_keyset(uow: UnitOfWork, records: Any, who: Any) -> None:
    ids = [records.person().id for _ in range(5)]
    first = registry.list_persons(uow, who.admin, limit=2)
    second = registry.list_persons(uow, who.admin, limit=2, after_id=first[-1].id)
    rest = registry.list_persons(uow, who.admin, limit=2, after_id=second[-1].id)
    assert [p.id for p in first + second + rest] == ids


def test_employer_registration(uow: UnitOfWork, records: Any, who: Any) -> None:
    employer = records.employer(region=510100, risk_class=5)
    assert employer.region_code == 510100
    with pytest.raises(Conflict):
        registry.register_employer(
            uow, who.admin, credit_code=employer.credit_code, name="Dup", risk_class=1
        )
    for code, risk, field in [
        ("91350100M000100Y44", 1, "credit_code"),
        ("91350100M000100Y43", 9, "risk_class"),
    ]:
        with pytest.raises(InvalidInput) as caught:
            registry.register_employer(uow, who.admin, credit_code=code, name="X", risk_class=risk)
        assert caught.value.problems[0].field == field


def test_employment_enrolls_the_employee_schemes_and_its_end_ends_them(
    uow: UnitOfWork, records: Any, who: Any
) -> None:
    employer = records.employer()
    person = records.person()
    spell, enrollments = registry.start_employment(
        uow, who.admin, person_id=person.id, employer_id=employer.id, start_month="2024-03"
    )
    assert sorted(e.scheme for e in enrollments) == [
        "employee_medical",
        "employee_pension",
        "unemployment",
        "work_injury",
    ]
    with pytest.raises(Conflict):
        registry.start_employment(
            uow,
            who.admin,
            person_id=person.id,
            employer_id=records.employer().id,
            start_month="2024-05",
        )
    registry.end_employment(uow, who.admin, spell_id=spell.id, end_month="2025-06")
    statuses = {e.status for e in registry.list_enrollments(uow, who.admin, person.id)}
    assert statuses == {"ended"}
    with pytest.raises(Conflict):
        registry.end_employment(uow, who.admin, spell_id=spell.id, end_month="2025-07")


def test_schemes_follow_the_law(uow: UnitOfWork, records: Any, who: Any) -> None:
    person = records.person()
    resident = registry.enroll(
        uow,
        who.admin,
        person_id=person.id,
        worker_type="resident",
        region="110105",
        start_month="2023-01",
    )
    assert {e.scheme for e in resident} == {"resident_pension", "resident_medical"}
    flexible = registry.enroll(
        uow,
        who.admin,
        person_id=person.id,
        worker_type="flexible",
        region="110105",
        start_month="2024-01",
    )
    assert {e.scheme for e in flexible} == {"employee_pension", "employee_medical"}
    current = {
        e.scheme: e.status
        for e in registry.list_enrollments(uow, who.admin, person.id)
        if e.status != "ended"
    }
    assert current == {"employee_pension": "active", "employee_medical": "active"}
    with pytest.raises(Conflict):
        registry.enroll(
            uow,
            who.admin,
            person_id=person.id,
            worker_type="resident",
            region="110105",
            start_month="2024-06",
        )
    registry.start_employment(
        uow,
        who.admin,
        person_id=person.id,
        employer_id=records.employer().id,
        start_month="2024-07",
    )
    with uow:
        active = list(
            uow.session.scalars(
                select(Enrollment).where(
                    Enrollment.person_id == person.id, Enrollment.status == "active"
                )
            )
        )
    assert {e.worker_type for e in active} == {"employee"} and len(active) == 4


def test_children_are_not_enrolled_in_pension(uow: UnitOfWork, records: Any, who: Any) -> None:
    child = records.person(birth="2015-01-01")
    with pytest.raises(InvalidInput) as caught:
        registry.enroll(
            uow,
            who.admin,
            person_id=child.id,
            worker_type="resident",
            region="110105",
            start_month="2025-01",
        )
    assert caught.value.problems[0].field == "start_month"
    medical = registry.enroll(
        uow,
        who.admin,
        person_id=child.id,
        worker_type="resident",
        region="110105",
        start_month="2025-01",
        schemes=["resident_medical"],
    )
    assert [e.scheme for e in medical] == ["resident_medical"]


def test_suspend_resume_end(uow: UnitOfWork, records: Any, who: Any) -> None:
    person = records.person()
    [pension, _] = registry.enroll(
        uow,
        who.admin,
        person_id=person.id,
        worker_type="flexible",
        region="110105",
        start_month="2025-01",
    )
    steps = [("suspended", "2025-03"), ("active", "2025-05"), ("ended", "2025-09")]
    for status, month in steps:
        changed = registry.change_enrollment(
            uow, who.admin, enrollment_id=pension.id, status=status, month=month, reason="test"
        )
        assert changed.status == status
    with pytest.raises(Conflict):
        registry.change_enrollment(
            uow,
            who.admin,
            enrollment_id=pension.id,
            status="active",
            month="2025-10",
            reason="test",
        )
    with uow:
        actions = uow.session.scalar(
            select(func.count())
            .select_from(AuditEntry)
            .where(AuditEntry.entity == "enrollment", AuditEntry.entity_id == str(pension.id))
        )
    assert actions == 4


def test_future_start_month_is_refused(uow: UnitOfWork, records: Any, who: Any) -> None:
    with pytest.raises(InvalidInput) as caught:
        registry.start_employment(
            uow,
            who.admin,
            person_id=records.person().id,
            employer_id=records.employer().id,
            start_month="2199-01",
        )
    assert "future" in caught.value.problems[0].problem
