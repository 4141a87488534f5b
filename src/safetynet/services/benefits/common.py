"""Helpers shared by the benefit services: loading in scope, snapshots, months."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from safetynet.domain.access import Principal
from safetynet.domain.benefits import AwardAction, AwardStatus, next_award_status
from safetynet.domain.errors import InvalidInput, NotFound
from safetynet.policy.catalogue import CalcResult, calc, catalogue
from safetynet.policy.parameters import ParameterSet
from safetynet.policy.periods import format_month, parse_month
from safetynet.services import audit
from safetynet.services.uow import UnitOfWork
from safetynet.store.base import utcnow
from safetynet.store.benefits import Award
from safetynet.store.registry import Enrollment, Person


def person_in_scope(uow: UnitOfWork, actor: Principal, person_id: int) -> Person:
    person = uow.session.get(Person, person_id)
    if person is None:
        raise NotFound("person", person_id)
    actor.require_person(person.id, person.region_code)
    return person


def award_in_scope(uow: UnitOfWork, actor: Principal, award_id: int) -> Award:
    award = uow.session.get(Award, award_id)
    if award is None:
        raise NotFound("award", award_id)
    actor.require_person(award.person_id, award.region_code)
    return award


def award_snapshot(award: Award) -> dict[str, Any]:
    return {
        "person_id": award.person_id,
        "kind": award.kind,
        "status": award.status,
        "region": award.region_code,
        "start_month": award.start_month,
        "end_month": award.end_month,
        "amount_fen": award.amount_fen,
        "verified_month": award.verified_month,
        "suspended_reason": award.suspended_reason,
    }


def move_award(
    uow: UnitOfWork,
    actor: Principal,
    award: Award,
    action: AwardAction,
    *,
    reason: str = "",
    **changes: Any,
) -> None:
    """Apply one state-machine transition with its field changes and audit row."""
    before = award_snapshot(award)
    award.status = next_award_status(award.id, award.status, action).value
    for name, value in changes.items():
        setattr(award, name, value)
    award.updated_at = utcnow()
    uow.session.flush()
    audit.record(
        uow.session,
        actor,
        f"award.{action.value}",
        "award",
        award.id,
        region_code=award.region_code,
        before=before,
        after=award_snapshot(award),
        reason=reason,
    )


def active_enrollment(
    uow: UnitOfWork, person_id: int, schemes: tuple[str, ...], month: str
) -> Enrollment | None:
    """The person's enrollment in one of ``schemes`` covering ``month``."""
    rows = uow.session.scalars(
        select(Enrollment)
        .where(
            Enrollment.person_id == person_id,
            Enrollment.scheme.in_(schemes),
            Enrollment.start_month <= month,
            Enrollment.status != "ended",
        )
        .order_by(Enrollment.id.desc())
    )
    for enrollment in rows:
        if enrollment.end_month is None or enrollment.end_month >= month:
            return enrollment
    return None


def live_awards(uow: UnitOfWork, person_id: int, kind: str | None = None) -> list[Award]:
    """The person's awards that are proposed, active or suspended."""
    query = select(Award).where(
        Award.person_id == person_id,
        Award.status.in_(
            (AwardStatus.PROPOSED.value, AwardStatus.ACTIVE.value, AwardStatus.SUSPENDED.value)
        ),
    )
    if kind is not None:
        query = query.where(Award.kind == kind)
    return list(uow.session.scalars(query.order_by(Award.id)))


def months_between(first: str, last: str) -> int:
    """Months from ``first`` to ``last`` inclusive."""
    return parse_month(last) - parse_month(first) + 1


def add_months(month: str, count: int) -> str:
    return format_month(parse_month(month) + count)


def birth_month(person: Person) -> str:
    return f"{person.birth_date.year:04d}-{person.birth_date.month:02d}"


def rule(name: str, inputs: dict[str, Any], params: ParameterSet) -> CalcResult:
    """One case of the rules engine under the law ``params`` (the database's effective law)
    with its explanation; a rule not yet in the catalogue is reported as such rather than
    guessed."""
    if name not in catalogue():
        raise InvalidInput.one("rule", f"the rules engine has no calculation {name!r} yet")
    return calc(name, inputs, explain=True, parameters=params)


def explanation(*results: CalcResult) -> list[dict[str, Any]]:
    """The traces of one decision's calculations, each headed by its name and inputs."""
    steps: list[dict[str, Any]] = []
    for result in results:
        steps.append({"calculation": result.name, "inputs": _plain(result.inputs)})
        steps.extend(_plain(result.trace or []))
    return steps


def references_of(*results: CalcResult) -> list[str]:
    found: list[str] = []
    known = catalogue()
    for result in results:
        for ref in known[result.name].references:
            if ref not in found:
                found.append(ref)
    return found


def _plain(value: Any) -> Any:
    """JSON-storable: Decimals as strings, numpy scalars as Python numbers."""
    as_json = CalcResult("", {"v": value}).as_json()["result"]["v"]
    return as_json
