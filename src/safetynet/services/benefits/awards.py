"""Retirement: eligibility, the award from the rules engine, and maker-checker approval.

Every award, whatever the benefit, is proposed by one operator and approved by another; the
proposal stores the rules engine's explanation with its legal references.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from safetynet.domain.access import Principal, Role
from safetynet.domain.benefits import AwardAction, AwardKind, AwardStatus
from safetynet.domain.errors import Conflict, Forbidden, InvalidInput
from safetynet.domain.schemes import Account, Scheme
from safetynet.policy.catalogue import CalcResult
from safetynet.policy.money import decimal_to_fen, fen_to_decimal
from safetynet.policy.periods import format_month, month_start, parse_month
from safetynet.policy.regions import NATIONAL
from safetynet.services import audit, validation
from safetynet.services.accounts import balances
from safetynet.services.benefits.common import (
    active_enrollment,
    award_in_scope,
    award_snapshot,
    birth_month,
    explanation,
    live_awards,
    move_award,
    person_in_scope,
    references_of,
    rule,
)
from safetynet.services.benefits.payroll import paid_through
from safetynet.services.benefits.transfers import claim_region
from safetynet.services.law import effective_law
from safetynet.services.statement import Statement, statement
from safetynet.services.true_up import recovered_after
from safetynet.services.uow import UnitOfWork
from safetynet.store.benefits import Award, Overpayment
from safetynet.store.contributions import ContributionRecord
from safetynet.store.registry import Person

CATEGORIES = ("male", "female_55", "female_50")


@dataclass
class Eligibility:
    """The decision on a retirement claim, with what the person can do when short."""

    person_id: int
    kind: AwardKind
    region_code: int
    start_month: str
    eligible: bool
    amount_fen: int | None
    reasons: list[str] = field(default_factory=list)
    options: list[str] = field(default_factory=list)
    facts: dict[str, Any] = field(default_factory=dict)
    inputs: dict[str, Any] = field(default_factory=dict)
    explanation: list[dict[str, Any]] = field(default_factory=list)
    references: list[str] = field(default_factory=list)
    account_balance_fen: int | None = None


def _pension_region(uow: UnitOfWork, person: Person, scheme: Scheme, month: str) -> int:
    enrollment = active_enrollment(uow, person.id, (scheme.value,), month)
    return enrollment.region_code if enrollment is not None else person.region_code


def _employee(
    uow: UnitOfWork,
    record: Statement,
    person: Person,
    retirement_month: str | None,
    category: str | None,
    deemed_months: int,
    average_index: float | None,
) -> Eligibility:
    params = effective_law(uow.session).params
    chosen = category or ("male" if person.sex == "male" else "female_50")
    if chosen not in CATEGORIES:
        raise InvalidInput.one("category", f"expected one of {', '.join(CATEGORIES)}")
    if deemed_months < 0 or deemed_months > 600:
        raise InvalidInput.one("deemed_months", "must be between 0 and 600")
    if average_index is not None and not 0.6 <= average_index <= 3.0:
        raise InvalidInput.one("average_index", "must be between 0.6 and 3.0")
    age = rule("retirement_age", {"birth_month": birth_month(person), "category": chosen}, params)
    month = retirement_month or str(age.values["retirement_month"])
    reasons: list[str] = []
    if parse_month(month) < parse_month(age.values["earliest_retirement_month"]):
        reasons.append(
            f"{month} is before the earliest flexible retirement month "
            f"{age.values['earliest_retirement_month']} (statutory "
            f"{age.values['retirement_month']}, age {age.values['statutory_age']})"
        )
    if parse_month(month) > parse_month(age.values["latest_retirement_month"]):
        reasons.append(
            f"{month} is after the latest flexible retirement month "
            f"{age.values['latest_retirement_month']}"
        )
    months = record.months_counted + deemed_months
    region, place = claim_region(uow, person, month)
    balance = max(record.balances_fen.get(Account.EMPLOYEE_PENSION.value, 0), 0)
    index = average_index if average_index is not None else record.average_index
    inputs = {
        "region": f"{region:06d}",
        "birth_month": birth_month(person),
        "retirement_month": month,
        "contribution_months": months,
        "avg_contribution_index": index,
        "account_balance": str(fen_to_decimal(balance)),
        "deemed_months": deemed_months,
    }
    results: list[CalcResult] = [age] if place is None else [age, place]
    amount: int | None = None
    options: list[str] = []
    if months == 0:
        reasons.append("no employee-pension contribution months on record")
    elif index is None:
        reasons.append(
            "the average contribution index is unknown (no contribution on record with a "
            "known calculation base): give average_index"
        )
    else:
        pension = rule("employee_pension", inputs, params)
        results.append(pension)
        amount = decimal_to_fen(pension.values["total"])
        if not pension.values["eligible"]:
            short = int(pension.values["shortfall_months"])
            reasons.append(
                f"{months} contribution months, {pension.values['min_contribution_months']} "
                f"needed in {month[:4]}: {short} months short"
            )
            options = [
                f"continue contributing for {short} more months (SIL art. 16)",
                f"pay the {short} missing months in one go (NPC2024 measures art. 2)",
                "transfer to the residents' pension scheme (SIL art. 16)",
            ]
    return Eligibility(
        person_id=person.id,
        kind=AwardKind.EMPLOYEE_PENSION,
        region_code=region,
        start_month=month,
        eligible=not reasons,
        amount_fen=amount,
        reasons=reasons,
        options=options,
        facts={
            "category": chosen,
            "claim_place_step": place.values["claim_step"] if place is not None else None,
            "statutory_retirement_month": age.values["retirement_month"],
            "statutory_age": age.values["statutory_age"],
            "earliest_retirement_month": age.values["earliest_retirement_month"],
            "latest_retirement_month": age.values["latest_retirement_month"],
            "contribution_months": months,
            "deemed_months": deemed_months,
            "average_contribution_index": index,
            "average_index_given": average_index is not None,
            "account_balance_fen": balance,
        },
        inputs=inputs,
        explanation=explanation(*results),
        references=references_of(*results),
    )


def _resident_years(uow: UnitOfWork, person_id: int) -> int:
    """Calendar years with a net residents' pension contribution on record."""
    rows = uow.session.execute(
        select(ContributionRecord.month, func.sum(ContributionRecord.resident_pension_fen))
        .where(ContributionRecord.person_id == person_id)
        .group_by(ContributionRecord.month)
    ).all()
    return len({month[:4] for month, total in rows if total and total > 0})


def _resident(uow: UnitOfWork, person: Person, start_month: str | None) -> Eligibility:
    params = effective_law(uow.session).params
    birth = parse_month(birth_month(person))
    at_sixty = month_start(np.array([birth + 60 * 12]))
    age_years = int(params.at("resident.pension_age", at_sixty, NATIONAL)[0])
    month = start_month or format_month(birth + age_years * 12)
    index = parse_month(month)
    region = _pension_region(uow, person, Scheme.RESIDENT_PENSION, month)
    day = month_start(np.array([index]))
    minimum = int(params.at("resident.pension_min_contribution_years", day, region)[0])
    years = _resident_years(uow, person.id)
    reasons = []
    if index - birth < age_years * 12:
        reasons.append(f"under {age_years} in {month}")
    if years < minimum:
        reasons.append(f"{years} contribution years, {minimum} needed: {minimum - years} short")
    balance = max(balances(uow, person.id).get(Account.RESIDENT_PENSION.value, 0), 0)
    inputs = {
        "region": f"{region:06d}",
        "month": month,
        "account_balance": str(fen_to_decimal(balance)),
    }
    pension = rule("resident_pension", inputs, params)
    return Eligibility(
        person_id=person.id,
        kind=AwardKind.RESIDENT_PENSION,
        region_code=region,
        start_month=month,
        eligible=not reasons,
        amount_fen=decimal_to_fen(pension.values["total"]),
        reasons=reasons,
        options=["continue contributing each year until the minimum"] if years < minimum else [],
        facts={"contribution_years": years, "min_contribution_years": minimum, "age": age_years},
        inputs=inputs,
        explanation=explanation(pension),
        references=references_of(pension),
        account_balance_fen=balance,
    )


def check_retirement(
    uow: UnitOfWork,
    actor: Principal,
    *,
    person_id: int,
    scheme: str = "employee",
    retirement_month: str | None = None,
    category: str | None = None,
    deemed_months: int = 0,
    average_index: float | None = None,
) -> Eligibility:
    """Is the person entitled to a pension in ``retirement_month`` (default: the statutory
    month), and how much? Reads only."""
    scheme = validation.choice(scheme, ("employee", "resident"), "scheme")
    month = (
        validation.month(retirement_month, "retirement_month", allow_future=True)
        if retirement_month
        else None
    )
    with uow:
        person = person_in_scope(uow, actor, person_id)
    if scheme == "employee":
        record = statement(uow, actor, person.id)
        with uow:
            return _employee(uow, record, person, month, category, deemed_months, average_index)
    with uow:
        return _resident(uow, person, month)


def propose_retirement(
    uow: UnitOfWork,
    actor: Principal,
    *,
    person_id: int,
    scheme: str = "employee",
    retirement_month: str | None = None,
    category: str | None = None,
    deemed_months: int = 0,
    average_index: float | None = None,
) -> Award:
    """The maker's step: propose the pension award the rules engine computes."""
    actor.require_write()
    decision = check_retirement(
        uow,
        actor,
        person_id=person_id,
        scheme=scheme,
        retirement_month=retirement_month,
        category=category,
        deemed_months=deemed_months,
        average_index=average_index,
    )
    if not decision.eligible or decision.amount_fen is None:
        raise Conflict("not eligible: " + "; ".join(decision.reasons), field="retirement_month")
    return propose(
        uow,
        actor,
        person_id=person_id,
        kind=decision.kind,
        region_code=decision.region_code,
        start_month=decision.start_month,
        amount_fen=decision.amount_fen,
        adjust_from_month=decision.start_month if scheme == "employee" else None,
        account_balance_fen=decision.account_balance_fen,
        inputs={**decision.inputs, "facts": decision.facts},
        explanation=decision.explanation,
        references=decision.references,
    )


@dataclass
class AwardSpec:
    """An award to propose, as a decision computed it."""

    person_id: int
    kind: AwardKind
    region_code: int
    start_month: str
    amount_fen: int
    inputs: dict[str, Any]
    explanation: list[dict[str, Any]]
    references: list[str]
    end_month: str | None = None
    adjust_from_month: str | None = None
    account_balance_fen: int | None = None


def propose(uow: UnitOfWork, actor: Principal, **spec: Any) -> Award:
    """Record one proposed award (see :func:`propose_all`)."""
    return propose_all(uow, actor, [AwardSpec(**spec)])[0]


def _refuse_months_already_awarded(uow: UnitOfWork, spec: AwardSpec) -> None:
    """A new award of a kind must start after the months an ended award of the same person and
    kind covered: the payroll pays each award what it is due less what was paid to that award,
    so an award re-made from an earlier month would pay those months a second time (what the
    ended award paid for months after its end is an overpayment to recover)."""
    covered = uow.session.scalar(
        select(func.max(Award.end_month)).where(
            Award.person_id == spec.person_id,
            Award.kind == spec.kind.value,
            Award.status == AwardStatus.ENDED.value,
        )
    )
    if covered is not None and spec.start_month <= covered:
        raise Conflict(
            f"person {spec.person_id}'s earlier {spec.kind.value} award covered the months to "
            f"{covered}: a new award must start after {covered}, not in {spec.start_month}",
            field="start_month",
            code="award_months_covered",
            kind=spec.kind.value,
            month=covered,
        )


def propose_all(uow: UnitOfWork, actor: Principal, specs: list[AwardSpec]) -> list[Award]:
    """Record proposed awards in one transaction (one live award per person and kind)."""
    actor.require_write()
    for spec in specs:
        actor.require_region(spec.region_code)
        if spec.amount_fen <= 0:
            raise Conflict(
                f"the computed {spec.kind.value} amount {fen_to_decimal(spec.amount_fen)} "
                "is not positive"
            )
    with uow:
        session = uow.session
        law_version = effective_law(session).version
        created = []
        for spec in specs:
            person_in_scope(uow, actor, spec.person_id)
            existing = live_awards(uow, spec.person_id, spec.kind.value)
            if existing:
                raise Conflict(
                    f"person {spec.person_id} already has {spec.kind.value} award "
                    f"{existing[0].id} ({existing[0].status})",
                    field="person_id",
                    code="live_award",
                    person=spec.person_id,
                    kind=spec.kind.value,
                )
            _refuse_months_already_awarded(uow, spec)
            award = Award(
                person_id=spec.person_id,
                kind=spec.kind.value,
                status=AwardStatus.PROPOSED.value,
                region_code=spec.region_code,
                start_month=spec.start_month,
                end_month=spec.end_month,
                amount_fen=spec.amount_fen,
                adjust_from_month=spec.adjust_from_month,
                account_balance_fen=spec.account_balance_fen,
                inputs=spec.inputs,
                explanation=spec.explanation,
                references=spec.references,
                proposed_by=actor.username,
                law_version=law_version,
            )
            session.add(award)
            try:
                session.flush()
            except IntegrityError:  # the database's guarantee, when a proposal raced this one
                raise Conflict(
                    f"person {spec.person_id} already has a live {spec.kind.value} award",
                    field="person_id",
                    code="live_award",
                    person=spec.person_id,
                    kind=spec.kind.value,
                ) from None
            audit.record(
                session,
                actor,
                "award.propose",
                "award",
                award.id,
                region_code=spec.region_code,
                after=award_snapshot(award),
            )
            created.append(award)
        uow.commit()
        return created


def approve(uow: UnitOfWork, actor: Principal, award_id: int) -> Award:
    """The checker's step: another operator than the proposer activates the award."""
    actor.require_write()
    with uow:
        award = award_in_scope(uow, actor, award_id)
        if award.proposed_by == actor.username:
            raise Forbidden(
                f"award {award.id} was proposed by you: another operator must approve",
                code="four_eyes",
                award=award.id,
            )
        move_award(
            uow,
            actor,
            award,
            AwardAction.APPROVE,
            approved_by=actor.username,
            # approving is an existence check (the person applied and was assessed): the
            # verification is due a year after the approval, not after the start month
            verified_month=max(award.start_month, format_month(validation.current_month())),
            recompute_from=award.start_month,
        )
        uow.commit()
        return award


def reject(uow: UnitOfWork, actor: Principal, award_id: int, *, reason: str) -> Award:
    actor.require_write()
    if not reason.strip():
        raise InvalidInput.one("reason", "a rejection needs a reason")
    with uow:
        award = award_in_scope(uow, actor, award_id)
        move_award(uow, actor, award, AwardAction.REJECT, reason=reason, approved_by=actor.username)
        uow.commit()
        return award


def close_award(
    uow: UnitOfWork, actor: Principal, award: Award, last_month: str, reason: str
) -> int:
    """End an active or suspended award after ``last_month``; what was paid for later months
    is recorded as an overpayment to recover, less what true-ups already recorded to recover
    from those months. Returns that amount (fen)."""
    overpaid = paid_through(uow, award.id, last_month) - recovered_after(uow, award.id, last_month)
    move_award(uow, actor, award, AwardAction.END, reason=reason, end_month=last_month)
    if overpaid > 0:
        uow.session.add(
            Overpayment(
                award_id=award.id,
                person_id=award.person_id,
                amount_fen=overpaid,
                from_month=format_month(parse_month(last_month) + 1),
                status="to_recover",
                reason=reason,
            )
        )
    return overpaid


def end_award(
    uow: UnitOfWork, actor: Principal, award_id: int, *, last_month: str, reason: str
) -> Award:
    """End an award with ``last_month`` as its last paid month (a job found, a household no
    longer below the line ...); what was paid for later months becomes an overpayment."""
    actor.require_write()
    period = validation.month(last_month, "last_month", allow_future=True)
    if not reason.strip():
        raise InvalidInput.one("reason", "ending an award needs a reason")
    with uow:
        award = award_in_scope(uow, actor, award_id)
        actor.require_region(award.region_code)
        if period < award.start_month:
            raise InvalidInput.one("last_month", f"is before the start month {award.start_month}")
        close_award(uow, actor, award, min(period, award.end_month or period), reason)
        uow.commit()
        return award


def get_award(uow: UnitOfWork, actor: Principal, award_id: int) -> Award:
    with uow:
        return award_in_scope(uow, actor, award_id)


def list_awards(
    uow: UnitOfWork,
    actor: Principal,
    *,
    person_id: int | None = None,
    status: str | None = None,
    after_id: int | None = None,
    limit: int = 50,
) -> list[Award]:
    """Awards in the actor's scope (a citizen: their own), in id order (keyset)."""
    query = select(Award).order_by(Award.id).limit(limit)
    if actor.role is Role.CITIZEN:
        if actor.person_id is None:
            return []
        query = query.where(Award.person_id == actor.person_id)
    bounds = actor.region_bounds
    if bounds is not None:
        query = query.where(Award.region_code.between(*bounds))
    if person_id is not None:
        query = query.where(Award.person_id == person_id)
    if status is not None:
        query = query.where(Award.status == status)
    if after_id is not None:
        query = query.where(Award.id > after_id)
    with uow:
        return list(uow.session.scalars(query))
