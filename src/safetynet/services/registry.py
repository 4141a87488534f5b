"""Registry use cases: persons, households, employers, employment spells and enrollment."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from safetynet.domain.access import Principal, Role
from safetynet.domain.errors import Conflict, Forbidden, InvalidInput, NotFound
from safetynet.domain.identity import mask_id
from safetynet.domain.schemes import (
    EXCLUSIVE_WITH,
    EnrollmentStatus,
    HukouType,
    Scheme,
    WorkerType,
    schemes_for,
)
from safetynet.policy.periods import format_month, parse_month
from safetynet.services import audit, validation
from safetynet.services.uow import UnitOfWork
from safetynet.store.base import utcnow
from safetynet.store.registry import (
    Employer,
    EmploymentSpell,
    Enrollment,
    Household,
    Person,
    Region,
)

HUKOU_TYPES = tuple(h.value for h in HukouType)
MIN_PENSION_AGE_YEARS = 16
"""Adults from 16 join the pension schemes (国发〔2014〕8号, SIL art. 10)."""


def person_snapshot(person: Person) -> dict[str, Any]:
    """The person as the audit log keeps it: the ID number masked."""
    return {
        "id_number": mask_id(person.id_number),
        "name": person.name,
        "sex": person.sex,
        "birth_date": person.birth_date.isoformat(),
        "hukou_region": person.hukou_region_code,
        "hukou_type": person.hukou_type,
        "household_id": person.household_id,
        "region": person.region_code,
    }


def _enrollment_snapshot(enrollment: Enrollment) -> dict[str, Any]:
    return {
        "person_id": enrollment.person_id,
        "scheme": enrollment.scheme,
        "worker_type": enrollment.worker_type,
        "status": enrollment.status,
        "region": enrollment.region_code,
        "employer_id": enrollment.employer_id,
        "start_month": enrollment.start_month,
        "end_month": enrollment.end_month,
    }


def _previous_month(month: str) -> str:
    return format_month(parse_month(month) - 1)


# --- persons ----------------------------------------------------------------------------------


def register_person(
    uow: UnitOfWork,
    actor: Principal,
    *,
    id_number: str,
    name: str,
    hukou_type: str,
    hukou_region: str | None = None,
    region: str | None = None,
    household_id: int | None = None,
    sex: str | None = None,
    birth_date: date | None = None,
    reason: str = "",
) -> Person:
    """Register a person once per identity number; sex and birth date come from the number."""
    actor.require_write()
    parsed = validation.resident_id(id_number)
    person_name = validation.name(name)
    hukou = validation.choice(hukou_type, HUKOU_TYPES, "hukou_type")
    hukou_code = (
        validation.region(hukou_region, "hukou_region") if hukou_region else (parsed.region_code)
    )
    region_code = validation.region(region, "region") if region else hukou_code
    if sex is not None and sex != parsed.sex:
        raise InvalidInput.one("sex", f"does not match the identity number ({parsed.sex})")
    if birth_date is not None and birth_date != parsed.birth_date:
        raise InvalidInput.one("birth_date", "does not match the identity number")
    actor.require_region(region_code)
    with uow:
        session = uow.session
        existing = session.scalar(select(Person).where(Person.id_number == parsed.number))
        if existing is not None:
            raise Conflict(
                f"identity number {mask_id(parsed.number)} is already registered "
                f"as person {existing.id}",
                field="id_number",
                code="id_registered",
                person=existing.id,
            )
        if household_id is not None and session.get(Household, household_id) is None:
            raise InvalidInput.one("household_id", f"household {household_id} does not exist")
        person = Person(
            id_number=parsed.number,
            name=person_name,
            sex=parsed.sex,
            birth_date=parsed.birth_date,
            hukou_region_code=hukou_code,
            hukou_type=hukou,
            household_id=household_id,
            region_code=region_code,
        )
        session.add(person)
        try:
            session.flush()
        except IntegrityError:
            raise Conflict(
                f"identity number {mask_id(parsed.number)} is already registered",
                field="id_number",
                code="id_registered",
            ) from None
        audit.record(
            session,
            actor,
            "person.register",
            "person",
            person.id,
            region_code=region_code,
            after=person_snapshot(person),
            reason=reason,
        )
        uow.commit()
        return person


CORRECTABLE = ("id_number", "name", "hukou_region", "hukou_type", "household_id", "region")


def correct_person(
    uow: UnitOfWork, actor: Principal, person_id: int, changes: dict[str, Any], *, reason: str
) -> Person:
    """Correct registered facts, with the reason; the audit row keeps before and after."""
    actor.require_write()
    if not reason.strip():
        raise InvalidInput.one("reason", "a correction needs a reason")
    unknown = sorted(set(changes) - set(CORRECTABLE))
    if unknown:
        raise InvalidInput.one(
            unknown[0], "cannot be corrected (correctable: " + ", ".join(CORRECTABLE) + ")"
        )
    if not changes:
        raise InvalidInput.one("changes", "nothing to correct")
    with uow:
        session = uow.session
        person = _person(uow, actor, person_id)
        before = person_snapshot(person)
        if "id_number" in changes:
            parsed = validation.resident_id(changes["id_number"])
            taken = session.scalar(select(Person.id).where(Person.id_number == parsed.number))
            if taken is not None and taken != person.id:
                raise Conflict(
                    f"identity number {mask_id(parsed.number)} belongs to person {taken}",
                    field="id_number",
                )
            person.id_number, person.sex, person.birth_date = (
                parsed.number,
                parsed.sex,
                parsed.birth_date,
            )
        if "name" in changes:
            person.name = validation.name(changes["name"])
        if "hukou_type" in changes:
            person.hukou_type = validation.choice(changes["hukou_type"], HUKOU_TYPES, "hukou_type")
        if "hukou_region" in changes:
            person.hukou_region_code = validation.region(changes["hukou_region"], "hukou_region")
        if "region" in changes:
            new_region = validation.region(changes["region"], "region")
            actor.require_region(new_region)
            person.region_code = new_region
        if "household_id" in changes:
            household = changes["household_id"]
            if household is not None and session.get(Household, int(household)) is None:
                raise InvalidInput.one("household_id", f"household {household} does not exist")
            person.household_id = None if household is None else int(household)
        person.updated_at = utcnow()
        session.flush()
        audit.record(
            session,
            actor,
            "person.correct",
            "person",
            person.id,
            region_code=person.region_code,
            before=before,
            after=person_snapshot(person),
            reason=reason,
        )
        uow.commit()
        return person


def _person(uow: UnitOfWork, actor: Principal, person_id: int) -> Person:
    person = uow.session.get(Person, person_id)
    if person is None:
        raise NotFound("person", person_id)
    actor.require_person(person.id, person.region_code)
    return person


def get_person(uow: UnitOfWork, actor: Principal, person_id: int) -> Person:
    with uow:
        return _person(uow, actor, person_id)


def find_person(uow: UnitOfWork, actor: Principal, id_number: str) -> Person:
    parsed = validation.resident_id(id_number)
    with uow:
        person = uow.session.scalar(select(Person).where(Person.id_number == parsed.number))
        hidden = (
            person is not None and actor.role is Role.CITIZEN and (actor.person_id != person.id)
        )
        if person is None or hidden:  # citizens do not learn whether others are registered
            raise NotFound("person with identity number", mask_id(parsed.number))
        actor.require_person(person.id, person.region_code)
        return person


def _persons_scope(actor: Principal, region: str | None) -> list[Any]:
    """Where-clauses limiting persons to the actor's scope (and an optional region)."""
    clauses: list[Any] = []
    if actor.role is Role.CITIZEN:
        clauses.append(Person.id == (actor.person_id or -1))
    bounds = actor.region_bounds
    if bounds is not None:
        clauses.append(Person.region_code.between(*bounds))
    if region:
        code = validation.region(region)
        if bounds is not None and not bounds[0] <= code <= bounds[1]:
            raise Forbidden(
                f"region {region} is outside your scope", code="out_of_scope", region=region
            )
        clauses.append(Person.region_code == code)
    return clauses


def list_persons(
    uow: UnitOfWork,
    actor: Principal,
    *,
    after_id: int | None = None,
    limit: int = 50,
    region: str | None = None,
) -> list[Person]:
    """Persons in id order after ``after_id`` (keyset), within the actor's scope."""
    query = select(Person).where(*_persons_scope(actor, region)).order_by(Person.id).limit(limit)
    if after_id is not None:
        query = query.where(Person.id > after_id)
    with uow:
        return list(uow.session.scalars(query))


SEARCH_DIGITS = re.compile(r"^[0-9]{4,17}[0-9Xx]?$")


def search_persons(
    uow: UnitOfWork,
    actor: Principal,
    query: str,
    *,
    after_id: int | None = None,
    limit: int = 20,
) -> list[Person]:
    """Persons matching ``query`` within the actor's scope, in id order after ``after_id``.

    A full identity number matches exactly; 4 to 17 digits (a last ``X`` allowed) match the end
    of the identity number; anything else matches the start of the name (Chinese names are
    searched as written: the full name or its surname). Each form uses an index on PostgreSQL
    (``reverse(id_number)`` and ``name`` with pattern operators, migration 0006)."""
    text_query = " ".join(query.split())
    if not text_query:
        raise InvalidInput.one("q", "is required")
    if len(text_query) > 50:
        raise InvalidInput.one("q", "is longer than 50 characters")
    clauses = _persons_scope(actor, None)
    digits = text_query.upper()
    if len(digits) == 18 and SEARCH_DIGITS.match(digits[1:]):
        clauses.append(Person.id_number == validation.resident_id(digits, "q").number)
    elif SEARCH_DIGITS.match(digits):
        if uow.dialect == "postgresql":
            clauses.append(_starts_with(func.reverse(Person.id_number), digits[::-1]))
        else:
            clauses.append(Person.id_number.like("%" + digits))
    else:
        clauses.append(_starts_with(Person.name, text_query))
    if after_id is not None:
        clauses.append(Person.id > after_id)
    statement = select(Person).where(*clauses).order_by(Person.id).limit(limit)
    with uow:
        return list(uow.session.scalars(statement))


def _starts_with(column: Any, prefix: str) -> Any:
    """``column LIKE 'prefix%'`` with the prefix's own wildcards escaped."""
    escaped = prefix.replace("!", "!!").replace("%", "!%").replace("_", "!_")
    return column.like(escaped + "%", escape="!")


def region_names(uow: UnitOfWork) -> dict[int, str]:
    """Every region's name by its code (GB/T 2260 reference data, the same for every user)."""
    with uow:
        return {int(c): str(n) for c, n in uow.session.execute(select(Region.code, Region.name))}


def count_persons(uow: UnitOfWork, actor: Principal, *, region: str | None = None) -> int:
    query = select(func.count()).select_from(Person).where(*_persons_scope(actor, region))
    with uow:
        return int(uow.session.scalar(query) or 0)


def create_household(
    uow: UnitOfWork, actor: Principal, *, region: str, hukou_type: str, address: str = ""
) -> Household:
    actor.require_write()
    code = validation.region(region)
    hukou = validation.choice(hukou_type, HUKOU_TYPES, "hukou_type")
    actor.require_region(code)
    with uow:
        household = Household(region_code=code, hukou_type=hukou, address=address.strip())
        uow.session.add(household)
        uow.session.flush()
        audit.record(
            uow.session,
            actor,
            "household.create",
            "household",
            household.id,
            region_code=code,
            after={"region": code, "hukou_type": hukou, "address": household.address},
        )
        uow.commit()
        return household


# --- employers --------------------------------------------------------------------------------


def register_employer(
    uow: UnitOfWork,
    actor: Principal,
    *,
    credit_code: str,
    name: str,
    risk_class: int,
    region: str | None = None,
    reason: str = "",
) -> Employer:
    """Register an employer once per unified social credit code."""
    actor.require_write()
    code, division = validation.credit_code(credit_code)
    employer_name = " ".join(str(name or "").split())
    if not employer_name:
        raise InvalidInput.one("name", "is required")
    if isinstance(risk_class, bool) or not isinstance(risk_class, int) or not 1 <= risk_class <= 8:
        raise InvalidInput.one("risk_class", f"must be a whole number 1-8, got {risk_class!r}")
    region_code = validation.region(region) if region else division
    actor.require_region(region_code)
    with uow:
        session = uow.session
        existing = session.scalar(select(Employer.id).where(Employer.credit_code == code))
        if existing is not None:
            raise Conflict(
                f"credit code {code} is already registered as employer {existing}",
                field="credit_code",
            )
        employer = Employer(
            credit_code=code, name=employer_name, region_code=region_code, risk_class=risk_class
        )
        session.add(employer)
        try:
            session.flush()
        except IntegrityError:
            raise Conflict(
                f"credit code {code} is already registered", "credit_code", code="credit_registered"
            ) from None
        audit.record(
            session,
            actor,
            "employer.register",
            "employer",
            employer.id,
            region_code=region_code,
            reason=reason,
            after={
                "credit_code": code,
                "name": employer_name,
                "region": region_code,
                "risk_class": risk_class,
            },
        )
        uow.commit()
        return employer


def _employer(uow: UnitOfWork, actor: Principal, employer_id: int) -> Employer:
    employer = uow.session.get(Employer, employer_id)
    if employer is None:
        raise NotFound("employer", employer_id)
    if actor.role is Role.CITIZEN:
        raise Forbidden("citizens may only see their own record", code="own_record_only")
    actor.require_region(employer.region_code)
    return employer


def get_employer(uow: UnitOfWork, actor: Principal, employer_id: int) -> Employer:
    with uow:
        return _employer(uow, actor, employer_id)


def _employers_scope(actor: Principal) -> list[Any]:
    if actor.role is Role.CITIZEN:
        raise Forbidden("citizens may only see their own record", code="own_record_only")
    bounds = actor.region_bounds
    return [Employer.region_code.between(*bounds)] if bounds is not None else []


def list_employers(
    uow: UnitOfWork, actor: Principal, *, after_id: int | None = None, limit: int = 50
) -> list[Employer]:
    query = select(Employer).where(*_employers_scope(actor)).order_by(Employer.id).limit(limit)
    if after_id is not None:
        query = query.where(Employer.id > after_id)
    with uow:
        return list(uow.session.scalars(query))


def count_employers(uow: UnitOfWork, actor: Principal) -> int:
    query = select(func.count()).select_from(Employer).where(*_employers_scope(actor))
    with uow:
        return int(uow.session.scalar(query) or 0)


# --- employment and enrollment ----------------------------------------------------------------


def _current_enrollments(uow: UnitOfWork, person_id: int) -> dict[str, Enrollment]:
    rows = uow.session.scalars(
        select(Enrollment).where(
            Enrollment.person_id == person_id, Enrollment.status != EnrollmentStatus.ENDED
        )
    )
    return {row.scheme: row for row in rows}


def _end(
    uow: UnitOfWork, actor: Principal, enrollment: Enrollment, end_month: str, reason: str
) -> None:
    before = _enrollment_snapshot(enrollment)
    enrollment.status = EnrollmentStatus.ENDED
    enrollment.end_month = max(end_month, enrollment.start_month)
    enrollment.updated_at = utcnow()
    uow.session.flush()
    audit.record(
        uow.session,
        actor,
        "enrollment.end",
        "enrollment",
        enrollment.id,
        region_code=enrollment.region_code,
        before=before,
        after=_enrollment_snapshot(enrollment),
        reason=reason,
    )


def _enroll_schemes(
    uow: UnitOfWork,
    actor: Principal,
    person: Person,
    worker_type: WorkerType,
    schemes: tuple[Scheme, ...],
    *,
    region_code: int,
    start_month: str,
    employer_id: int | None,
    reason: str,
) -> list[Enrollment]:
    """Open the schemes, first ending what the law replaces: a flexible membership gives way
    to the employer's, a residents' scheme to the employee scheme of the same branch."""
    current = _current_enrollments(uow, person.id)
    if worker_type is not WorkerType.EMPLOYEE:
        age = parse_month(start_month) - (person.birth_date.year * 12 + person.birth_date.month - 1)
        if age < MIN_PENSION_AGE_YEARS * 12 and any(
            s in (Scheme.EMPLOYEE_PENSION, Scheme.RESIDENT_PENSION) for s in schemes
        ):
            raise InvalidInput.one(
                "start_month", f"pension schemes start at age {MIN_PENSION_AGE_YEARS}"
            )
    created = []
    for scheme in schemes:
        existing = current.get(scheme)
        if existing is not None:
            replaceable = worker_type is WorkerType.EMPLOYEE and existing.worker_type == "flexible"
            if not replaceable:
                raise Conflict(
                    f"person {person.id} is already in {scheme} (enrollment {existing.id}, "
                    f"{existing.worker_type}, {existing.status})",
                    field="scheme",
                )
            _end(uow, actor, existing, _previous_month(start_month), "employment started")
        rival = current.get(EXCLUSIVE_WITH.get(scheme, scheme))
        if rival is not None and rival.scheme != scheme:
            if worker_type is WorkerType.RESIDENT:
                raise Conflict(
                    f"person {person.id} is in {rival.scheme}; the residents' scheme is for "
                    "people outside the employee scheme",
                    field="scheme",
                )
            _end(uow, actor, rival, _previous_month(start_month), f"moved to {scheme}")
        enrollment = Enrollment(
            person_id=person.id,
            scheme=scheme.value,
            worker_type=worker_type.value,
            status=EnrollmentStatus.ACTIVE.value,
            region_code=region_code,
            employer_id=employer_id,
            start_month=start_month,
        )
        uow.session.add(enrollment)
        uow.session.flush()
        audit.record(
            uow.session,
            actor,
            "enrollment.start",
            "enrollment",
            enrollment.id,
            region_code=region_code,
            after=_enrollment_snapshot(enrollment),
            reason=reason,
        )
        created.append(enrollment)
    return created


def start_employment(
    uow: UnitOfWork,
    actor: Principal,
    *,
    person_id: int,
    employer_id: int,
    start_month: str,
    reason: str = "",
) -> tuple[EmploymentSpell, list[Enrollment]]:
    """Record a job and enroll the person in the employee schemes at the employer's region."""
    actor.require_write()
    month = validation.month(start_month, "start_month")
    with uow:
        session = uow.session
        person = _person(uow, actor, person_id)
        employer = _employer(uow, actor, employer_id)
        open_spell = session.scalar(
            select(EmploymentSpell).where(
                EmploymentSpell.person_id == person.id, EmploymentSpell.end_month.is_(None)
            )
        )
        if open_spell is not None:
            raise Conflict(
                f"person {person.id} is still employed by employer {open_spell.employer_id} "
                f"(since {open_spell.start_month}); record the end of that job first",
                field="person_id",
            )
        spell = EmploymentSpell(
            person_id=person.id,
            employer_id=employer.id,
            region_code=employer.region_code,
            start_month=month,
        )
        session.add(spell)
        session.flush()
        audit.record(
            session,
            actor,
            "employment.start",
            "employment",
            spell.id,
            region_code=employer.region_code,
            reason=reason,
            after={"person_id": person.id, "employer_id": employer.id, "start_month": month},
        )
        enrollments = _enroll_schemes(
            uow,
            actor,
            person,
            WorkerType.EMPLOYEE,
            schemes_for(WorkerType.EMPLOYEE),
            region_code=employer.region_code,
            start_month=month,
            employer_id=employer.id,
            reason=reason or "employment started",
        )
        uow.commit()
        return spell, enrollments


def end_employment(
    uow: UnitOfWork, actor: Principal, *, spell_id: int, end_month: str, reason: str = ""
) -> EmploymentSpell:
    """Close the job and end the employee schemes it carried."""
    actor.require_write()
    month = validation.month(end_month, "end_month", allow_future=True)
    with uow:
        session = uow.session
        spell = session.get(EmploymentSpell, spell_id)
        if spell is None:
            raise NotFound("employment", spell_id)
        actor.require_region(spell.region_code)
        if spell.end_month is not None:
            raise Conflict(f"employment {spell.id} already ended in {spell.end_month}")
        if month < spell.start_month:
            raise InvalidInput.one("end_month", f"is before the start {spell.start_month}")
        spell.end_month = month
        session.flush()
        audit.record(
            session,
            actor,
            "employment.end",
            "employment",
            spell.id,
            region_code=spell.region_code,
            before={"end_month": None},
            after={"end_month": month},
            reason=reason,
        )
        for enrollment in _current_enrollments(uow, spell.person_id).values():
            if enrollment.employer_id == spell.employer_id:
                _end(uow, actor, enrollment, month, reason or "employment ended")
        uow.commit()
        return spell


def enroll(
    uow: UnitOfWork,
    actor: Principal,
    *,
    person_id: int,
    worker_type: str,
    region: str,
    start_month: str,
    schemes: list[str] | None = None,
    reason: str = "",
) -> list[Enrollment]:
    """Enroll a flexible worker or a resident; employees are enrolled by their employment."""
    actor.require_write()
    kind = WorkerType(
        validation.choice(
            worker_type, (WorkerType.FLEXIBLE.value, WorkerType.RESIDENT.value), "worker_type"
        )
    )
    allowed = schemes_for(kind)
    if schemes:
        chosen = tuple(
            Scheme(validation.choice(s, tuple(a.value for a in allowed), "schemes"))
            for s in schemes
        )
    else:
        chosen = allowed
    region_code = validation.region(region)
    month = validation.month(start_month, "start_month")
    actor.require_region(region_code)
    with uow:
        person = _person(uow, actor, person_id)
        created = _enroll_schemes(
            uow,
            actor,
            person,
            kind,
            chosen,
            region_code=region_code,
            start_month=month,
            employer_id=None,
            reason=reason,
        )
        uow.commit()
        return created


TRANSITIONS = {
    (EnrollmentStatus.ACTIVE, EnrollmentStatus.SUSPENDED),
    (EnrollmentStatus.SUSPENDED, EnrollmentStatus.ACTIVE),
    (EnrollmentStatus.ACTIVE, EnrollmentStatus.ENDED),
    (EnrollmentStatus.SUSPENDED, EnrollmentStatus.ENDED),
}


def change_enrollment(
    uow: UnitOfWork,
    actor: Principal,
    *,
    enrollment_id: int,
    status: str,
    month: str,
    reason: str,
) -> Enrollment:
    """Suspend, resume or end a membership."""
    actor.require_write()
    target = EnrollmentStatus(
        validation.choice(status, tuple(s.value for s in EnrollmentStatus), "status")
    )
    period = validation.month(month, "month", allow_future=True)
    if not reason.strip():
        raise InvalidInput.one("reason", "a status change needs a reason")
    with uow:
        enrollment = uow.session.get(Enrollment, enrollment_id)
        if enrollment is None:
            raise NotFound("enrollment", enrollment_id)
        actor.require_region(enrollment.region_code)
        current = EnrollmentStatus(enrollment.status)
        if (current, target) not in TRANSITIONS:
            raise Conflict(
                f"enrollment {enrollment.id} is {current}; cannot become {target}", field="status"
            )
        if target is EnrollmentStatus.ENDED:
            _end(uow, actor, enrollment, period, reason)
        else:
            before = _enrollment_snapshot(enrollment)
            enrollment.status = target.value
            enrollment.updated_at = utcnow()
            uow.session.flush()
            audit.record(
                uow.session,
                actor,
                f"enrollment.{target.value}",
                "enrollment",
                enrollment.id,
                region_code=enrollment.region_code,
                before=before,
                after={**_enrollment_snapshot(enrollment), "from_month": period},
                reason=reason,
            )
        uow.commit()
        return enrollment


def list_enrollments(uow: UnitOfWork, actor: Principal, person_id: int) -> list[Enrollment]:
    with uow:
        _person(uow, actor, person_id)
        return list(
            uow.session.scalars(
                select(Enrollment).where(Enrollment.person_id == person_id).order_by(Enrollment.id)
            )
        )


def list_employment(uow: UnitOfWork, actor: Principal, person_id: int) -> list[EmploymentSpell]:
    with uow:
        _person(uow, actor, person_id)
        return list(
            uow.session.scalars(
                select(EmploymentSpell)
                .where(EmploymentSpell.person_id == person_id)
                .order_by(EmploymentSpell.id)
            )
        )
