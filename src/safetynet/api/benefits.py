"""Benefit resources: retirement and awards (maker-checker), the payroll with its payment and
bank-return files, deaths and existence verification, medical claims, and a person's benefit
statement. Money goes out as yuan strings with two decimals."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, File, Query, Response, UploadFile, status
from pydantic import BaseModel, Field

from safetynet.api.deps import Actor, Uow
from safetynet.api.schemas import yuan
from safetynet.domain.errors import InvalidInput
from safetynet.domain.regions import format_region
from safetynet.services.benefits import (
    awards,
    claims,
    layers,
    life_events,
    payroll,
    resident,
    transfers,
)
from safetynet.store.benefits import (
    Award,
    LifeEvent,
    MedicalClaim,
    PaymentLine,
    PayrollRun,
    PensionTransfer,
)

router = APIRouter(prefix="/api/v1/benefits", tags=["benefits"])
MAX_RETURN_FILE_BYTES = 100 * 1024 * 1024


class RetirementIn(BaseModel):
    person_id: int
    scheme: str = Field("employee", description="employee or resident")
    retirement_month: str | None = Field(None, description="YYYY-MM; default the statutory one")
    category: str | None = Field(None, description="male, female_55 or female_50")
    deemed_months: int = Field(0, description="deemed contribution months (视同缴费)")
    average_index: float | None = Field(
        None, description="average contribution index, where the record cannot give it"
    )


class EligibilityOut(BaseModel):
    person_id: int
    kind: str
    region: str
    start_month: str
    eligible: bool
    monthly_amount: str | None
    reasons: list[str]
    options: list[str]
    facts: dict[str, Any]
    explanation: list[dict[str, Any]]
    references: list[str]


class AwardOut(BaseModel):
    id: int
    person_id: int
    kind: str
    status: str
    region: str
    start_month: str
    end_month: str | None
    monthly_amount: str
    verified_month: str | None
    suspended_reason: str
    proposed_by: str
    approved_by: str | None
    references: list[str]
    explanation: list[dict[str, Any]] | None = None

    @classmethod
    def of(cls, award: Award, *, explain: bool = False) -> AwardOut:
        return cls(
            id=award.id,
            person_id=award.person_id,
            kind=award.kind,
            status=award.status,
            region=format_region(award.region_code),
            start_month=award.start_month,
            end_month=award.end_month,
            monthly_amount=yuan(award.amount_fen),
            verified_month=award.verified_month,
            suspended_reason=award.suspended_reason,
            proposed_by=award.proposed_by,
            approved_by=award.approved_by,
            references=list(award.references),
            explanation=list(award.explanation) if explain else None,
        )


class ReasonIn(BaseModel):
    reason: str


class PayrollIn(BaseModel):
    region: str
    month: str
    chunk_size: int = 2000


class RunOut(BaseModel):
    id: int
    region: str
    month: str
    status: str
    lines: int
    awards: int
    total: str
    regular: str
    arrears: str
    unknown_amounts: int
    new_lines: int | None = None
    resumed: bool | None = None

    @classmethod
    def of(cls, run: PayrollRun, outcome: payroll.PayrollOutcome | None = None) -> RunOut:
        return cls(
            id=run.id,
            region=format_region(run.region_code),
            month=run.month,
            status=run.status,
            lines=run.line_count,
            awards=run.award_count,
            total=yuan(run.total_fen),
            regular=yuan(run.regular_fen),
            arrears=yuan(run.arrears_fen),
            unknown_amounts=run.unknown_count,
            new_lines=outcome.new_lines if outcome else None,
            resumed=outcome.resumed if outcome else None,
        )


class LineOut(BaseModel):
    id: int
    run_id: int
    award_id: int
    person_id: int
    kind: str
    for_month: str
    pay_month: str
    amount: str
    status: str
    bank_note: str

    @classmethod
    def of(cls, line: PaymentLine) -> LineOut:
        return cls(
            id=line.id,
            run_id=line.run_id,
            award_id=line.award_id,
            person_id=line.person_id,
            kind=line.kind,
            for_month=line.for_month,
            pay_month=line.pay_month,
            amount=yuan(line.amount_fen),
            status=line.status,
            bank_note=line.bank_note,
        )


class ReconciliationOut(BaseModel):
    run_id: int
    paid: int
    paid_amount: str
    failed: int
    failed_amount: str
    outstanding: int
    changed: int


class RetroactiveIn(BaseModel):
    region: str
    from_month: str
    reason: str


class DeathIn(BaseModel):
    death_date: date
    reason: str = ""


class LifeEventOut(BaseModel):
    id: int
    person_id: int
    kind: str
    event_date: date
    outcome: dict[str, Any]

    @classmethod
    def of(cls, event: LifeEvent) -> LifeEventOut:
        return cls(
            id=event.id,
            person_id=event.person_id,
            kind=event.kind,
            event_date=event.event_date,
            outcome=dict(event.outcome),
        )


class MonthIn(BaseModel):
    month: str


class RegionMonthIn(BaseModel):
    region: str
    month: str


class ClaimIn(BaseModel):
    person_id: int
    reference: str = Field(description="the facility's claim number (settled once)")
    service_date: date
    setting: str = Field(description="outpatient or inpatient")
    tier: str = Field(description="community, tier1, tier2 or tier3")
    policy_cost: str = Field(description="policy-range cost in yuan")
    other_cost: str = "0"
    assistance_category: str | None = Field(
        None,
        description="none, low_income, dibao or tekun; default: dibao for an active "
        "dibao award, else none",
    )
    deductible: str | None = None
    assistance_annual_limit: str | None = None


class ClaimOut(BaseModel):
    id: int
    person_id: int
    reference: str
    region: str
    scheme: str
    service_date: date
    year: int
    sequence: int
    policy_cost: str
    other_cost: str
    basic_fund: str
    critical_illness: str
    medical_assistance: str
    out_of_pocket: str
    year_to_date: dict[str, Any]
    duplicate: bool = False
    explanation: list[dict[str, Any]] | None = None

    @classmethod
    def of(cls, claim: MedicalClaim, *, duplicate: bool = False, explain: bool = False) -> ClaimOut:
        return cls(
            id=claim.id,
            person_id=claim.person_id,
            reference=claim.reference,
            region=format_region(claim.region_code),
            scheme=claim.scheme,
            service_date=claim.service_date,
            year=claim.year,
            sequence=claim.sequence,
            policy_cost=yuan(claim.policy_cost_fen),
            other_cost=yuan(claim.other_cost_fen),
            basic_fund=yuan(claim.basic_fen),
            critical_illness=yuan(claim.critical_illness_fen),
            medical_assistance=yuan(claim.assistance_fen),
            out_of_pocket=yuan(claim.out_of_pocket_fen),
            year_to_date=dict(claim.year_to_date),
            duplicate=duplicate,
            explanation=list(claim.explanation) if explain else None,
        )


class BenefitStatementOut(BaseModel):
    person_id: int
    awards: list[AwardOut]
    payments: list[LineOut]
    paid_total: str
    overpayments: list[dict[str, Any]]
    medical_claims: list[ClaimOut]


# --- retirement and awards ----------------------------------------------------------------------


@router.post("/retirement/check", response_model=EligibilityOut)
def check_retirement(body: RetirementIn, uow: Uow, actor: Actor) -> EligibilityOut:
    """Eligibility and amount at the chosen (or statutory) month, explained; changes nothing."""
    decision = awards.check_retirement(uow, actor, **body.model_dump())
    return EligibilityOut(
        person_id=decision.person_id,
        kind=decision.kind.value,
        region=format_region(decision.region_code),
        start_month=decision.start_month,
        eligible=decision.eligible,
        monthly_amount=yuan(decision.amount_fen) if decision.amount_fen is not None else None,
        reasons=decision.reasons,
        options=decision.options,
        facts=decision.facts,
        explanation=decision.explanation,
        references=decision.references,
    )


@router.post("/retirement", status_code=status.HTTP_201_CREATED, response_model=AwardOut)
def propose_retirement(body: RetirementIn, uow: Uow, actor: Actor) -> AwardOut:
    """The maker's step: propose the pension award; another operator approves it."""
    return AwardOut.of(awards.propose_retirement(uow, actor, **body.model_dump()), explain=True)


@router.post("/awards/{award_id}/approve", response_model=AwardOut)
def approve_award(award_id: int, uow: Uow, actor: Actor) -> AwardOut:
    return AwardOut.of(awards.approve(uow, actor, award_id))


@router.post("/awards/{award_id}/reject", response_model=AwardOut)
def reject_award(award_id: int, body: ReasonIn, uow: Uow, actor: Actor) -> AwardOut:
    return AwardOut.of(awards.reject(uow, actor, award_id, reason=body.reason))


class EndIn(BaseModel):
    last_month: str = Field(description="last month paid, YYYY-MM")
    reason: str


@router.post("/awards/{award_id}/end", response_model=AwardOut)
def end_award(award_id: int, body: EndIn, uow: Uow, actor: Actor) -> AwardOut:
    """End an award after its last month; later payments become an overpayment."""
    return AwardOut.of(
        awards.end_award(uow, actor, award_id, last_month=body.last_month, reason=body.reason)
    )


@router.get("/awards", response_model=list[AwardOut])
def list_awards(
    uow: Uow,
    actor: Actor,
    person_id: int | None = None,
    status: str | None = None,
    after: int | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> list[AwardOut]:
    rows = awards.list_awards(
        uow, actor, person_id=person_id, status=status, after_id=after, limit=limit
    )
    return [AwardOut.of(a) for a in rows]


@router.get("/awards/{award_id}", response_model=AwardOut)
def get_award(award_id: int, uow: Uow, actor: Actor) -> AwardOut:
    """The award with the explanation of its amount and its legal references."""
    return AwardOut.of(awards.get_award(uow, actor, award_id), explain=True)


@router.post("/awards/{award_id}/pay", response_model=RunOut)
def pay_award(award_id: int, body: MonthIn, uow: Uow, actor: Actor) -> RunOut:
    """Off-cycle payment of one active award up to the month (refused unless active)."""
    outcome = payroll.pay_award(uow, actor, award_id, month=body.month)
    return RunOut.of(outcome.run, outcome)


@router.get("/awards/{award_id}/payments", response_model=list[LineOut])
def award_payments(award_id: int, uow: Uow, actor: Actor) -> list[LineOut]:
    return [LineOut.of(line) for line in payroll.lines_of(uow, actor, award_id=award_id)]


# --- the other layers: unemployment, work injury, assistance ---------------------------------


class UnemploymentIn(BaseModel):
    person_id: int
    month: str = Field(description="month of the job loss, YYYY-MM")
    involuntary: bool = True
    monthly_amount: str | None = Field(None, description="the province's monthly benefit")


class WorkInjuryIn(BaseModel):
    person_id: int
    month: str = Field(description="month of the disability assessment")
    grade: int = Field(description="disability grade 1 (most severe) to 10")
    monthly_wage: str
    minimum_wage: str | None = None


class DibaoIn(BaseModel):
    person_id: int = Field(description="the applicant, for the household")
    month: str
    area: str = Field(description="urban or rural")
    household_size: int
    household_monthly_income: str
    local_dibao_line: str | None = None


class ChildcareIn(BaseModel):
    child_person_id: int


class DisabilityIn(BaseModel):
    person_id: int
    month: str
    disability_grade: int
    disability_type: str
    household_status: str = Field(description="none, low_income or dibao")
    local_living_subsidy: str | None = None
    local_nursing_subsidy: str | None = None


@router.post("/unemployment", status_code=status.HTTP_201_CREATED, response_model=AwardOut)
def claim_unemployment(body: UnemploymentIn, uow: Uow, actor: Actor) -> AwardOut:
    """Propose the unemployment benefit the contribution record allows (duration, amount)."""
    return AwardOut.of(layers.claim_unemployment(uow, actor, **body.model_dump()), explain=True)


@router.post("/work-injury", status_code=status.HTTP_201_CREATED, response_model=list[AwardOut])
def claim_work_injury(body: WorkInjuryIn, uow: Uow, actor: Actor) -> list[AwardOut]:
    """Propose the one-off and (grades 1-4) monthly disability allowances of the fund."""
    rows = layers.claim_work_injury(uow, actor, **body.model_dump())
    return [AwardOut.of(a, explain=True) for a in rows]


@router.post("/dibao", status_code=status.HTTP_201_CREATED, response_model=AwardOut)
def apply_dibao(body: DibaoIn, uow: Uow, actor: Actor) -> AwardOut:
    """Propose the household's monthly dibao top-up."""
    return AwardOut.of(layers.apply_dibao(uow, actor, **body.model_dump()), explain=True)


@router.post("/childcare", status_code=status.HTTP_201_CREATED, response_model=AwardOut)
def apply_childcare(body: ChildcareIn, uow: Uow, actor: Actor) -> AwardOut:
    """Propose the childcare subsidy for a registered child under 3."""
    return AwardOut.of(layers.apply_childcare(uow, actor, **body.model_dump()), explain=True)


@router.post("/disability", status_code=status.HTTP_201_CREATED, response_model=list[AwardOut])
def apply_disability(body: DisabilityIn, uow: Uow, actor: Actor) -> list[AwardOut]:
    """Propose the disability living and/or nursing subsidy."""
    rows = layers.apply_disability(uow, actor, **body.model_dump())
    return [AwardOut.of(a, explain=True) for a in rows]


# --- transfers and the residents' subsidy ------------------------------------------------------


class TransferIn(BaseModel):
    person_id: int
    to_region: str
    month: str


class TransferOut(BaseModel):
    id: int
    person_id: int
    from_region: str
    to_region: str
    status: str
    account: str
    pooled: str
    contribution_months: int
    explanation: list[dict[str, Any]]

    @classmethod
    def of(cls, t: PensionTransfer) -> TransferOut:
        return cls(
            id=t.id,
            person_id=t.person_id,
            from_region=format_region(t.from_region_code),
            to_region=format_region(t.to_region_code),
            status=t.status,
            account=yuan(t.account_fen),
            pooled=yuan(t.pooled_fen),
            contribution_months=t.months,
            explanation=list(t.explanation),
        )


class SubsidyIn(BaseModel):
    person_id: int
    year: int


@router.post("/transfers", status_code=status.HTTP_201_CREATED, response_model=TransferOut)
def request_transfer(body: TransferIn, uow: Uow, actor: Actor) -> TransferOut:
    """The sending province records what moves: the account and 12 % of the bases."""
    return TransferOut.of(transfers.request_transfer(uow, actor, **body.model_dump()))


@router.post("/transfers/{transfer_id}/complete", response_model=TransferOut)
def complete_transfer(transfer_id: int, uow: Uow, actor: Actor) -> TransferOut:
    """The receiving province takes over: the account moves between regions in the ledger."""
    return TransferOut.of(transfers.complete_transfer(uow, actor, transfer_id))


@router.post("/transfers/{transfer_id}/cancel", response_model=TransferOut)
def cancel_transfer(transfer_id: int, body: ReasonIn, uow: Uow, actor: Actor) -> TransferOut:
    return TransferOut.of(transfers.cancel_transfer(uow, actor, transfer_id, reason=body.reason))


@router.get("/transfers/{transfer_id}", response_model=TransferOut)
def get_transfer(transfer_id: int, uow: Uow, actor: Actor) -> TransferOut:
    return TransferOut.of(transfers.get_transfer(uow, actor, transfer_id))


@router.get("/persons/{person_id}/claim-place")
def claim_place(person_id: int, month: str, uow: Uow, actor: Actor) -> dict[str, Any]:
    """Where the pension would be claimed in ``month`` under the 10-year rule, explained."""
    return transfers.claim_place(uow, actor, person_id=person_id, month=month).as_json()


@router.post("/resident/subsidy", status_code=status.HTTP_201_CREATED)
def credit_subsidy(body: SubsidyIn, uow: Uow, actor: Actor) -> dict[str, Any]:
    """Credit the government subsidy for the year's residents' pension grade."""
    entry = resident.credit_subsidy(uow, actor, person_id=body.person_id, year=body.year)
    return {
        "entry_id": entry.id,
        "year": entry.year,
        "amount": yuan(entry.amount_fen),
        "note": entry.note,
    }


# --- payroll ------------------------------------------------------------------------------------


@router.post("/payroll", response_model=RunOut)
def run_payroll(body: PayrollIn, uow: Uow, actor: Actor) -> RunOut:
    """Pay a region's month: idempotent, and a crashed run resumes where it stopped."""
    outcome = payroll.run_payroll(
        uow, actor, region=body.region, month=body.month, chunk_size=body.chunk_size
    )
    return RunOut.of(outcome.run, outcome)


@router.get("/payroll", response_model=list[RunOut])
def list_runs(uow: Uow, actor: Actor) -> list[RunOut]:
    return [RunOut.of(r) for r in payroll.list_runs(uow, actor)]


@router.get("/payroll/{run_id}", response_model=RunOut)
def get_run(run_id: int, uow: Uow, actor: Actor) -> RunOut:
    return RunOut.of(payroll.get_run(uow, actor, run_id))


@router.get("/payroll/{run_id}/lines", response_model=list[LineOut])
def run_lines(run_id: int, uow: Uow, actor: Actor) -> list[LineOut]:
    return [LineOut.of(line) for line in payroll.lines_of(uow, actor, run_id=run_id)]


@router.get(
    "/payroll/{run_id}/payment-file",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}}}},
)
def payment_file(run_id: int, uow: Uow, actor: Actor) -> Response:
    """The bank's CSV: one row per line and the control-total trailer."""
    return Response(
        payroll.payment_file(uow, actor, run_id),
        media_type="text/csv",
        headers={"Content-Disposition": f'attachment; filename="payroll-{run_id}.csv"'},
    )


@router.post("/payroll/{run_id}/bank-return", response_model=ReconciliationOut)
async def bank_return(
    run_id: int,
    uow: Uow,
    actor: Actor,
    file: Annotated[UploadFile, File(description="CSV: line_id,amount,status,note")],
) -> ReconciliationOut:
    """Reconcile the bank's return file (all rows checked first, then all or nothing)."""
    content = await file.read(MAX_RETURN_FILE_BYTES + 1)
    if len(content) > MAX_RETURN_FILE_BYTES:
        raise InvalidInput.one("file", "is too large")
    result = payroll.reconcile(uow, actor, run_id, content)
    return ReconciliationOut(
        run_id=result.run_id,
        paid=result.paid,
        paid_amount=yuan(result.paid_fen),
        failed=result.failed,
        failed_amount=yuan(result.failed_fen),
        outstanding=result.outstanding,
        changed=result.changed,
    )


@router.post("/payroll/retroactive", response_model=dict[str, int])
def retroactive(body: RetroactiveIn, uow: Uow, actor: Actor) -> dict[str, int]:
    """Recompute the region's awards from a month on; the next payroll pays the arrears."""
    return {"awards_marked": payroll.retroactive_change(uow, actor, **body.model_dump())}


# --- life events --------------------------------------------------------------------------------


@router.post(
    "/persons/{person_id}/death", status_code=status.HTTP_201_CREATED, response_model=LifeEventOut
)
def report_death(person_id: int, body: DeathIn, uow: Uow, actor: Actor) -> LifeEventOut:
    """Stop payments after the month of death, record the overpayment and death benefits."""
    return LifeEventOut.of(
        life_events.report_death(
            uow, actor, person_id=person_id, death_date=body.death_date, reason=body.reason
        )
    )


@router.get("/persons/{person_id}/death", response_model=LifeEventOut)
def get_death(person_id: int, uow: Uow, actor: Actor) -> LifeEventOut:
    return LifeEventOut.of(life_events.get_death(uow, actor, person_id))


@router.post("/persons/{person_id}/existence", response_model=list[AwardOut])
def verify_existence(person_id: int, body: MonthIn, uow: Uow, actor: Actor) -> list[AwardOut]:
    """Record the annual existence verification; suspended awards are reinstated."""
    rows = life_events.verify_existence(uow, actor, person_id=person_id, month=body.month)
    return [AwardOut.of(a) for a in rows]


@router.post("/existence/suspend-overdue", response_model=dict[str, list[int]])
def suspend_overdue(body: RegionMonthIn, uow: Uow, actor: Actor) -> dict[str, list[int]]:
    """Suspend the region's pension awards whose verification is a year overdue."""
    return {"suspended": life_events.suspend_unverified(uow, actor, **body.model_dump())}


# --- medical claims -----------------------------------------------------------------------------


@router.post(
    "/medical-claims",
    response_model=ClaimOut,
    responses={201: {"description": "settled"}, 200: {"description": "already settled"}},
)
def submit_claim(body: ClaimIn, uow: Uow, actor: Actor, response: Response) -> ClaimOut:
    """Settle a claim through basic insurance, critical illness and medical assistance."""
    settled = claims.submit_claim(uow, actor, **body.model_dump())
    response.status_code = 200 if settled.duplicate else 201
    return ClaimOut.of(settled.claim, duplicate=settled.duplicate, explain=True)


@router.get("/medical-claims/{claim_id}", response_model=ClaimOut)
def get_claim(claim_id: int, uow: Uow, actor: Actor) -> ClaimOut:
    return ClaimOut.of(claims.get_claim(uow, actor, claim_id), explain=True)


# --- statement ----------------------------------------------------------------------------------


@router.get("/persons/{person_id}/statement", response_model=BenefitStatementOut)
def benefit_statement(person_id: int, uow: Uow, actor: Actor) -> BenefitStatementOut:
    """A person's awards, payments, overpayments and medical claims."""
    person_awards = awards.list_awards(uow, actor, person_id=person_id, limit=500)
    lines = payroll.lines_of(uow, actor, person_id=person_id)
    debts = life_events.overpayments(uow, actor, person_id)
    settled = claims.claims_of(uow, actor, person_id)
    return BenefitStatementOut(
        person_id=person_id,
        awards=[AwardOut.of(a) for a in person_awards],
        payments=[LineOut.of(line) for line in lines],
        paid_total=yuan(sum(line.amount_fen for line in lines if line.status != "failed")),
        overpayments=[
            {
                "award_id": o.award_id,
                "amount": yuan(o.amount_fen),
                "from_month": o.from_month,
                "status": o.status,
                "reason": o.reason,
            }
            for o in debts
        ],
        medical_claims=[ClaimOut.of(c) for c in settled],
    )
