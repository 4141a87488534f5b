"""Registry resources: persons, households, employers, employment and enrollments."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status

from safetynet.api.deps import Actor, Uow
from safetynet.api.schemas import (
    Count,
    EmployerIn,
    EmployerOut,
    EmploymentEnd,
    EmploymentIn,
    EmploymentOut,
    EmploymentStarted,
    EnrollmentIn,
    EnrollmentOut,
    EnrollmentStatusIn,
    HouseholdIn,
    HouseholdOut,
    Page,
    PersonCorrection,
    PersonIn,
    PersonLookup,
    PersonOut,
)
from safetynet.services import registry

router = APIRouter(prefix="/api/v1", tags=["registry"])
After = Annotated[int | None, Query(description="keyset: the last id of the previous page")]
Limit = Annotated[int, Query(ge=1, le=500)]


@router.post("/persons", status_code=status.HTTP_201_CREATED, response_model=PersonOut)
def register_person(body: PersonIn, uow: Uow, actor: Actor) -> PersonOut:
    """Register a person (once per identity number)."""
    return PersonOut.of(registry.register_person(uow, actor, **body.model_dump()))


@router.get("/persons", response_model=Page[PersonOut])
def list_persons(
    uow: Uow, actor: Actor, after: After = None, limit: Limit = 50, region: str | None = None
) -> Page[PersonOut]:
    rows = registry.list_persons(uow, actor, after_id=after, limit=limit, region=region)
    return Page(
        items=[PersonOut.of(p) for p in rows],
        next_after=rows[-1].id if len(rows) == limit else None,
    )


@router.get("/persons/count", response_model=Count)
def count_persons(uow: Uow, actor: Actor, region: str | None = None) -> Count:
    return Count(count=registry.count_persons(uow, actor, region=region))


@router.post("/persons/lookup", response_model=PersonOut)
def lookup_person(body: PersonLookup, uow: Uow, actor: Actor) -> PersonOut:
    """Find a person by identity number (in the body, so it stays out of URLs and logs)."""
    return PersonOut.of(registry.find_person(uow, actor, body.id_number))


@router.get("/persons/{person_id}", response_model=PersonOut)
def get_person(person_id: int, uow: Uow, actor: Actor) -> PersonOut:
    return PersonOut.of(registry.get_person(uow, actor, person_id))


@router.patch("/persons/{person_id}", response_model=PersonOut)
def correct_person(person_id: int, body: PersonCorrection, uow: Uow, actor: Actor) -> PersonOut:
    """Correct registered facts; the audit log keeps before, after and the reason."""
    return PersonOut.of(
        registry.correct_person(uow, actor, person_id, body.changes, reason=body.reason)
    )


@router.get("/persons/{person_id}/enrollments", response_model=list[EnrollmentOut])
def person_enrollments(person_id: int, uow: Uow, actor: Actor) -> list[EnrollmentOut]:
    return [EnrollmentOut.of(e) for e in registry.list_enrollments(uow, actor, person_id)]


@router.get("/persons/{person_id}/employment", response_model=list[EmploymentOut])
def person_employment(person_id: int, uow: Uow, actor: Actor) -> list[EmploymentOut]:
    return [EmploymentOut.of(s) for s in registry.list_employment(uow, actor, person_id)]


@router.post("/households", status_code=status.HTTP_201_CREATED, response_model=HouseholdOut)
def create_household(body: HouseholdIn, uow: Uow, actor: Actor) -> HouseholdOut:
    return HouseholdOut.of(registry.create_household(uow, actor, **body.model_dump()))


@router.post("/employers", status_code=status.HTTP_201_CREATED, response_model=EmployerOut)
def register_employer(body: EmployerIn, uow: Uow, actor: Actor) -> EmployerOut:
    return EmployerOut.of(registry.register_employer(uow, actor, **body.model_dump()))


@router.get("/employers", response_model=Page[EmployerOut])
def list_employers(
    uow: Uow, actor: Actor, after: After = None, limit: Limit = 50
) -> Page[EmployerOut]:
    rows = registry.list_employers(uow, actor, after_id=after, limit=limit)
    return Page(
        items=[EmployerOut.of(e) for e in rows],
        next_after=rows[-1].id if len(rows) == limit else None,
    )


@router.get("/employers/count", response_model=Count)
def count_employers(uow: Uow, actor: Actor) -> Count:
    return Count(count=registry.count_employers(uow, actor))


@router.get("/employers/{employer_id}", response_model=EmployerOut)
def get_employer(employer_id: int, uow: Uow, actor: Actor) -> EmployerOut:
    return EmployerOut.of(registry.get_employer(uow, actor, employer_id))


@router.post("/employment", status_code=status.HTTP_201_CREATED, response_model=EmploymentStarted)
def start_employment(body: EmploymentIn, uow: Uow, actor: Actor) -> EmploymentStarted:
    """Record a job; enrolls the person in the employee schemes at the employer's region."""
    spell, enrollments = registry.start_employment(uow, actor, **body.model_dump())
    return EmploymentStarted(
        employment=EmploymentOut.of(spell), enrollments=[EnrollmentOut.of(e) for e in enrollments]
    )


@router.post("/employment/{spell_id}/end", response_model=EmploymentOut)
def end_employment(spell_id: int, body: EmploymentEnd, uow: Uow, actor: Actor) -> EmploymentOut:
    return EmploymentOut.of(
        registry.end_employment(uow, actor, spell_id=spell_id, **body.model_dump())
    )


@router.post(
    "/enrollments", status_code=status.HTTP_201_CREATED, response_model=list[EnrollmentOut]
)
def enroll(body: EnrollmentIn, uow: Uow, actor: Actor) -> list[EnrollmentOut]:
    """Enroll a flexible worker or a resident in the schemes the law gives them."""
    return [EnrollmentOut.of(e) for e in registry.enroll(uow, actor, **body.model_dump())]


@router.post("/enrollments/{enrollment_id}/status", response_model=EnrollmentOut)
def change_enrollment(
    enrollment_id: int, body: EnrollmentStatusIn, uow: Uow, actor: Actor
) -> EnrollmentOut:
    """Suspend, resume or end a membership."""
    return EnrollmentOut.of(
        registry.change_enrollment(uow, actor, enrollment_id=enrollment_id, **body.model_dump())
    )
