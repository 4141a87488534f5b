"""The other layers as awards paid by the same payroll: unemployment benefit, work-injury
allowances, dibao, the childcare subsidy and the two disability subsidies.

Each claim is decided by the rules engine from the record and the claim's facts; an eligible
claim becomes a proposed award (another operator approves it) carrying the explanation and
legal references; an ineligible one is refused with the reason.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from safetynet.domain.access import Principal
from safetynet.domain.benefits import AwardKind
from safetynet.domain.errors import Conflict, InvalidInput
from safetynet.domain.schemes import Scheme
from safetynet.policy.catalogue import CalcResult
from safetynet.policy.money import decimal_to_fen, parse_yuan
from safetynet.services import validation
from safetynet.services.benefits.awards import AwardSpec, propose_all
from safetynet.services.benefits.common import (
    add_months,
    birth_month,
    explanation,
    person_in_scope,
    references_of,
    rule,
)
from safetynet.services.law import effective_law
from safetynet.services.uow import UnitOfWork
from safetynet.store.benefits import Award
from safetynet.store.contributions import ContributionRecord
from safetynet.store.registry import Enrollment, Person

AREAS = ("urban", "rural")
DISABILITY_TYPES = (
    "physical",
    "visual",
    "hearing",
    "speech",
    "multiple",
    "intellectual",
    "mental",
)
HOUSEHOLD_STATUSES = ("none", "low_income", "dibao")


def _yuan(value: object, field: str, *, required: bool = True) -> str | None:
    """An amount in yuan as exact text for the rules engine (None when absent and optional)."""
    if value is None or value == "":
        if required:
            raise InvalidInput.one(field, "is required")
        return None
    amount = parse_yuan(value)
    if isinstance(amount, str):
        raise InvalidInput.one(field, amount)
    if amount < 0:
        raise InvalidInput.one(field, "must not be negative")
    return str(amount)


def _latest_enrollment(uow: UnitOfWork, person_id: int, scheme: Scheme) -> Enrollment:
    enrollment = uow.session.scalar(
        select(Enrollment)
        .where(Enrollment.person_id == person_id, Enrollment.scheme == scheme.value)
        .order_by(Enrollment.id.desc())
        .limit(1)
    )
    if enrollment is None:
        raise Conflict(f"person {person_id} was never insured in {scheme.value}", "person_id")
    return enrollment


def _spec(
    person: Person,
    kind: AwardKind,
    region: int,
    start: str,
    monthly_fen: int,
    results: tuple[CalcResult, ...],
    *,
    end: str | None = None,
) -> AwardSpec:
    return AwardSpec(
        person_id=person.id,
        kind=kind,
        region_code=region,
        start_month=start,
        end_month=end,
        amount_fen=monthly_fen,
        inputs={r.name: r.inputs for r in results},
        explanation=explanation(*results),
        references=references_of(*results),
    )


def claim_unemployment(
    uow: UnitOfWork,
    actor: Principal,
    *,
    person_id: int,
    month: str,
    involuntary: bool = True,
    monthly_amount: str | None = None,
) -> Award:
    """Unemployment benefit from ``month`` for the months the contribution record allows."""
    actor.require_write()
    period = validation.month(month)
    amount = _yuan(monthly_amount, "monthly_amount", required=False)
    with uow:
        person = person_in_scope(uow, actor, person_id)
        law = effective_law(uow.session)
        enrollment = _latest_enrollment(uow, person.id, Scheme.UNEMPLOYMENT)
        # a month counts when its unemployment contributions, reversals netted, remain
        paid = func.sum(
            func.coalesce(ContributionRecord.unemployment_employer_fen, 0)
            + func.coalesce(ContributionRecord.unemployment_employee_fen, 0)
        )
        contributed = (
            select(ContributionRecord.month)
            .where(ContributionRecord.person_id == person.id, ContributionRecord.month <= period)
            .group_by(ContributionRecord.month)
            .having(paid > 0)
        )
        months = uow.session.scalar(select(func.count()).select_from(contributed.subquery()))
    inputs: dict[str, Any] = {
        "month": period,
        "region": f"{enrollment.region_code:06d}",
        "contribution_months": int(months or 0),
        "involuntary": involuntary,
    }
    if amount is not None:
        inputs["monthly_amount"] = amount
    result = rule("unemployment_benefit", inputs, law.params)
    if not result.values["eligible"]:
        raise Conflict(
            f"not eligible for unemployment benefit: {months} contribution months"
            + ("" if involuntary else ", and the job was left voluntarily"),
            field="person_id",
        )
    duration = int(result.values["max_benefit_months"])
    spec = _spec(
        person,
        AwardKind.UNEMPLOYMENT,
        enrollment.region_code,
        period,
        decimal_to_fen(result.values["monthly_benefit"]),
        (result,),
        end=add_months(period, duration - 1),
    )
    return propose_all(uow, actor, [spec])[0]


def claim_work_injury(
    uow: UnitOfWork,
    actor: Principal,
    *,
    person_id: int,
    month: str,
    grade: int,
    monthly_wage: str,
    minimum_wage: str | None = None,
) -> list[Award]:
    """The fund's work-injury benefits after a disability assessment: the one-off allowance (a
    one-month award) and, for grades 1-4, the monthly allowance. Grades 5-6 are paid by the
    employer and are not proposed here."""
    actor.require_write()
    period = validation.month(month)
    inputs: dict[str, Any] = {
        "month": period,
        "grade": grade,
        "monthly_wage": _yuan(monthly_wage, "monthly_wage"),
    }
    floor = _yuan(minimum_wage, "minimum_wage", required=False)
    if floor is not None:
        inputs["minimum_wage"] = floor
    with uow:
        person = person_in_scope(uow, actor, person_id)
        law = effective_law(uow.session)
        enrollment = _latest_enrollment(uow, person.id, Scheme.WORK_INJURY)
    result = rule("work_injury", inputs, law.params)
    specs = [
        _spec(
            person,
            AwardKind.INJURY_LUMP_SUM,
            enrollment.region_code,
            period,
            decimal_to_fen(result.values["one_off_disability_allowance"]),
            (result,),
            end=period,
        )
    ]
    if result.values["monthly_allowance_payer"] == "fund":
        specs.append(
            _spec(
                person,
                AwardKind.INJURY_MONTHLY,
                enrollment.region_code,
                period,
                decimal_to_fen(result.values["monthly_disability_allowance"]),
                (result,),
            )
        )
    return propose_all(uow, actor, specs)


def apply_dibao(
    uow: UnitOfWork,
    actor: Principal,
    *,
    person_id: int,
    month: str,
    area: str,
    household_size: int,
    household_monthly_income: str,
    local_dibao_line: str | None = None,
) -> Award:
    """Dibao for the applicant's household: the monthly top-up of its income to the line."""
    actor.require_write()
    period = validation.month(month)
    if not 1 <= household_size <= 30:
        raise InvalidInput.one("household_size", "must be between 1 and 30")
    inputs: dict[str, Any] = {
        "month": period,
        "area": validation.choice(area, AREAS, "area"),
        "household_size": household_size,
        "household_monthly_income": _yuan(household_monthly_income, "household_monthly_income"),
    }
    line = _yuan(local_dibao_line, "local_dibao_line", required=False)
    if line is not None:
        inputs["local_dibao_line"] = line
    with uow:
        person = person_in_scope(uow, actor, person_id)
        law = effective_law(uow.session)
    inputs["region"] = f"{person.region_code:06d}"
    result = rule("dibao", inputs, law.params)
    top_up = decimal_to_fen(result.values["monthly_top_up"])
    if not result.values["eligible"] or top_up <= 0:
        raise Conflict(
            f"not eligible for dibao: household income {inputs['household_monthly_income']} is "
            f"not below the household line {result.values['household_line']}",
            field="household_monthly_income",
        )
    spec = _spec(person, AwardKind.DIBAO, person.region_code, period, top_up, (result,))
    return propose_all(uow, actor, [spec])[0]


def apply_childcare(uow: UnitOfWork, actor: Principal, *, child_person_id: int) -> Award:
    """The childcare subsidy for a registered child under 3, from the first eligible month to
    the month of the 3rd birthday (months since 2025-01 paid as arrears once approved)."""
    actor.require_write()
    with uow:
        child = person_in_scope(uow, actor, child_person_id)
        law = effective_law(uow.session)
    span = rule("childcare_subsidy", {"child_birth_month": birth_month(child)}, law.params)
    if not span.values["eligible_months"]:
        raise Conflict(
            f"person {child.id} (born {birth_month(child)}) has no eligible month",
            field="child_person_id",
        )
    first = str(span.values["first_eligible_month"])
    monthly = rule(
        "childcare_subsidy", {"child_birth_month": birth_month(child), "month": first}, law.params
    )
    spec = _spec(
        child,
        AwardKind.CHILDCARE,
        child.region_code,
        first,
        decimal_to_fen(monthly.values["due_for_month"]),
        (span, monthly),
        end=str(span.values["last_eligible_month"]),
    )
    return propose_all(uow, actor, [spec])[0]


def apply_disability(
    uow: UnitOfWork,
    actor: Principal,
    *,
    person_id: int,
    month: str,
    disability_grade: int,
    disability_type: str,
    household_status: str,
    local_living_subsidy: str | None = None,
    local_nursing_subsidy: str | None = None,
) -> list[Award]:
    """The living subsidy (dibao or low-income households) and the nursing subsidy (severe
    disability) the person qualifies for, each as an award."""
    actor.require_write()
    period = validation.month(month)
    inputs: dict[str, Any] = {
        "month": period,
        "disability_grade": disability_grade,
        "disability_type": validation.choice(disability_type, DISABILITY_TYPES, "disability_type"),
        "household_status": validation.choice(
            household_status, HOUSEHOLD_STATUSES, "household_status"
        ),
    }
    for name, raw in (
        ("local_living_subsidy", local_living_subsidy),
        ("local_nursing_subsidy", local_nursing_subsidy),
    ):
        value = _yuan(raw, name, required=False)
        if value is not None:
            inputs[name] = value
    with uow:
        person = person_in_scope(uow, actor, person_id)
        law = effective_law(uow.session)
    inputs["region"] = f"{person.region_code:06d}"
    result = rule("disability_subsidies", inputs, law.params)
    specs = []
    for eligible, amount, kind in (
        ("living_subsidy_eligible", "living_subsidy", AwardKind.DISABILITY_LIVING),
        ("nursing_subsidy_eligible", "nursing_subsidy", AwardKind.DISABILITY_NURSING),
    ):
        if result.values[eligible]:
            specs.append(
                _spec(
                    person,
                    kind,
                    person.region_code,
                    period,
                    decimal_to_fen(result.values[amount]),
                    (result,),
                )
            )
    if not specs:
        raise Conflict("not eligible for either disability subsidy", field="disability_grade")
    return propose_all(uow, actor, specs)
