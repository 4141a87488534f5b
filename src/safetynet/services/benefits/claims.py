"""Medical claims: settled once through the layers (basic insurance, residents' critical-illness
insurance, medical assistance) by the rules engine's ``medical_reimbursement``.

Each settlement stores the person's year-to-date state after it (deductible met, fund paid
against the ceilings, admissions); the next claim of the year starts from it. A claim carries
the facility's reference: submitting it again returns the first settlement. Claims of a person
and year are numbered, so two settlements racing on the same state cannot both commit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from safetynet.domain.access import Principal
from safetynet.domain.benefits import AwardKind, AwardStatus
from safetynet.domain.errors import Conflict, InvalidInput, NotFound
from safetynet.domain.schemes import Scheme
from safetynet.policy.money import decimal_to_fen, fen_to_decimal, parse_yuan
from safetynet.policy.periods import format_month, month_of
from safetynet.services import audit, validation
from safetynet.services.benefits.common import (
    active_enrollment,
    explanation,
    live_awards,
    person_in_scope,
    rule,
)
from safetynet.services.law import effective_law
from safetynet.services.uow import UnitOfWork
from safetynet.store.base import utcnow
from safetynet.store.benefits import MedicalClaim

SETTINGS = ("outpatient", "inpatient")
TIERS = ("community", "tier1", "tier2", "tier3")
ASSISTANCE_CATEGORIES = ("none", "low_income", "dibao", "tekun")
YEAR_TO_DATE = (
    "outpatient_deductible_met",
    "outpatient_basic_paid",
    "inpatient_admissions",
    "inpatient_basic_paid",
    "critical_illness_cost_counted",
    "critical_illness_paid",
    "medical_assistance_paid",
)
MAX_CLAIM_YUAN = 10_000_000


@dataclass
class Settlement:
    claim: MedicalClaim
    duplicate: bool


def _money(value: object, field: str, *, allow_zero: bool) -> int:
    amount = parse_yuan(value)
    if isinstance(amount, str):
        raise InvalidInput.one(field, amount)
    if amount < 0 or (amount == 0 and not allow_zero):
        raise InvalidInput.one(field, "must not be negative" if allow_zero else "must be positive")
    if amount > MAX_CLAIM_YUAN:
        raise InvalidInput.one(field, f"{amount} is above {MAX_CLAIM_YUAN}")
    return decimal_to_fen(amount)


def _state_inputs(state: dict[str, Any]) -> dict[str, Any]:
    return {k: state[k] for k in YEAR_TO_DATE if k in state}


def _state_outputs(values: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in YEAR_TO_DATE:
        value = values.get(name)
        out[name] = str(value) if isinstance(value, Decimal) else value
    return out


def submit_claim(
    uow: UnitOfWork,
    actor: Principal,
    *,
    person_id: int,
    reference: str,
    service_date: date | str,
    setting: str,
    tier: str,
    policy_cost: str,
    other_cost: str = "0",
    assistance_category: str | None = None,
    deductible: str | None = None,
    assistance_annual_limit: str | None = None,
) -> Settlement:
    """Settle a claim for an insured person; the same reference is settled once."""
    actor.require_write()
    ref = str(reference or "").strip()
    if not ref or len(ref) > 64:
        raise InvalidInput.one("reference", "is required (at most 64 characters)")
    try:
        day = (
            service_date
            if isinstance(service_date, date)
            else date.fromisoformat(str(service_date))
        )
    except ValueError:
        raise InvalidInput.one(
            "service_date", f"expected YYYY-MM-DD, got {service_date!r}"
        ) from None
    if day > utcnow().date():
        raise InvalidInput.one("service_date", f"{day} is in the future")
    chosen_setting = validation.choice(setting, SETTINGS, "setting")
    chosen_tier = validation.choice(tier, TIERS, "tier")
    category = (
        validation.choice(assistance_category, ASSISTANCE_CATEGORIES, "assistance_category")
        if assistance_category is not None
        else None
    )
    policy_fen = _money(policy_cost, "policy_cost", allow_zero=False)
    other_fen = _money(other_cost, "other_cost", allow_zero=True)
    month = format_month(month_of(day))
    with uow:
        session = uow.session
        person = person_in_scope(uow, actor, person_id)
        existing = session.scalar(
            select(MedicalClaim).where(
                MedicalClaim.person_id == person.id, MedicalClaim.reference == ref
            )
        )
        if existing is not None:
            return Settlement(existing, duplicate=True)
        enrollment = active_enrollment(
            uow, person.id, (Scheme.EMPLOYEE_MEDICAL.value, Scheme.RESIDENT_MEDICAL.value), month
        )
        if enrollment is None:
            raise Conflict(
                f"person {person.id} is not insured for medical care in {month}",
                field="person_id",
            )
        actor.require_region(enrollment.region_code)
        scheme = "employee" if enrollment.scheme == Scheme.EMPLOYEE_MEDICAL.value else "resident"
        if category is None:
            on_dibao = any(
                a.status == AwardStatus.ACTIVE.value
                for a in live_awards(uow, person.id, AwardKind.DIBAO.value)
            )
            category = "dibao" if on_dibao else "none"
        previous = session.scalar(
            select(MedicalClaim)
            .where(MedicalClaim.person_id == person.id, MedicalClaim.year == day.year)
            .order_by(MedicalClaim.sequence.desc())
            .limit(1)
        )
        inputs: dict[str, Any] = {
            "region": f"{enrollment.region_code:06d}",
            "month": month,
            "scheme": scheme,
            "policy_cost": [str(fen_to_decimal(policy_fen))],
            "setting": [chosen_setting],
            "tier": [chosen_tier],
            "assistance_category": category,
            **(_state_inputs(previous.year_to_date) if previous is not None else {}),
        }
        if deductible is not None:
            inputs["deductible"] = deductible
        if assistance_annual_limit is not None:
            inputs["assistance_annual_limit"] = assistance_annual_limit
        law = effective_law(session)
        result = rule("medical_reimbursement", inputs, law.params)
        values = result.values
        claim = MedicalClaim(
            person_id=person.id,
            reference=ref,
            region_code=enrollment.region_code,
            scheme=scheme,
            service_date=day,
            year=day.year,
            sequence=(previous.sequence + 1) if previous is not None else 1,
            setting=chosen_setting,
            tier=chosen_tier,
            assistance_category=category,
            policy_cost_fen=policy_fen,
            other_cost_fen=other_fen,
            basic_fen=decimal_to_fen(values["basic_fund"][0]),
            critical_illness_fen=decimal_to_fen(values["critical_illness"][0]),
            assistance_fen=decimal_to_fen(values["medical_assistance"][0]),
            out_of_pocket_fen=decimal_to_fen(values["out_of_pocket"][0]) + other_fen,
            year_to_date=_state_outputs(values),
            explanation=explanation(result),
            settled_by=actor.username,
            law_version=law.version,
        )
        session.add(claim)
        try:
            session.flush()
        except IntegrityError:
            raise Conflict(
                f"another claim of person {person.id} was settled at the same time; resubmit",
                field="reference",
            ) from None
        audit.record(
            session,
            actor,
            "claim.settle",
            "medical_claim",
            claim.id,
            region_code=claim.region_code,
            after={
                "person_id": person.id,
                "reference": ref,
                "policy_cost_fen": policy_fen,
                "basic_fen": claim.basic_fen,
                "critical_illness_fen": claim.critical_illness_fen,
                "assistance_fen": claim.assistance_fen,
                "out_of_pocket_fen": claim.out_of_pocket_fen,
                "law_version": law.version,
            },
        )
        uow.commit()
        return Settlement(claim, duplicate=False)


def get_claim(uow: UnitOfWork, actor: Principal, claim_id: int) -> MedicalClaim:
    with uow:
        claim = uow.session.get(MedicalClaim, claim_id)
        if claim is None:
            raise NotFound("medical claim", claim_id)
        actor.require_person(claim.person_id, claim.region_code)
        return claim


def claims_of(uow: UnitOfWork, actor: Principal, person_id: int) -> list[MedicalClaim]:
    with uow:
        person_in_scope(uow, actor, person_id)
        return list(
            uow.session.scalars(
                select(MedicalClaim)
                .where(MedicalClaim.person_id == person_id)
                .order_by(MedicalClaim.year, MedicalClaim.sequence)
            )
        )
