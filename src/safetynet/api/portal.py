"""Citizen portal resources: activation codes and activation, the pension outlook with its
what-if, the statement PDF and its public verification, and a citizen's own applications."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, File, Query, Response, UploadFile, status
from pydantic import BaseModel, Field

from safetynet.api.benefits import AwardOut
from safetynet.api.deps import Actor, Uow
from safetynet.api.schemas import yuan
from safetynet.domain.errors import InvalidInput
from safetynet.domain.identity import mask_id
from safetynet.services import activation, applications, my_pension, statement_pdf

router = APIRouter(prefix="/api/v1", tags=["portal"])
MAX_PDF_BYTES = 10 * 1024 * 1024


class CodeIn(BaseModel):
    hours: int = Field(activation.CODE_HOURS, description="validity in hours (1-720)")


class CodeOut(BaseModel):
    person_id: int
    code: str = Field(description="shown once: hand it to the person")
    expires_at: datetime


class ActivateIn(BaseModel):
    id_number: str
    code: str
    username: str
    password: str


class ActivatedOut(BaseModel):
    username: str
    person_id: int


class OutlookOut(BaseModel):
    person_id: int
    category: str
    statutory: dict[str, Any]
    retirement_month: str
    choosable_from: str
    choosable_to: str
    months_on_record: int
    index_on_record: float | None
    account_balance: str
    future_months: int
    future_base: str | None
    future_index: float | None
    contribution_months: int | None
    average_index: float | None
    account_balance_at_retirement: str | None
    account_years: list[dict[str, Any]]
    pension: dict[str, Any] | None
    minimum: dict[str, Any]
    options: list[dict[str, Any]]
    assumptions: list[dict[str, Any]]
    missing: list[dict[str, str]]
    provisional: bool
    provisional_values: list[dict[str, Any]]
    explanation: list[dict[str, Any]]

    @classmethod
    def of(cls, o: my_pension.Outlook) -> OutlookOut:
        return cls(
            person_id=o.person_id,
            category=o.category,
            statutory=o.statutory,
            retirement_month=o.retirement_month,
            choosable_from=o.choosable_from,
            choosable_to=o.choosable_to,
            months_on_record=o.months_on_record,
            index_on_record=o.index_on_record,
            account_balance=yuan(o.balance_fen),
            future_months=o.future_months,
            future_base=yuan(o.future_base_fen) if o.future_base_fen is not None else None,
            future_index=o.future_index,
            contribution_months=o.contribution_months,
            average_index=o.average_index,
            account_balance_at_retirement=(
                yuan(o.balance_at_retirement_fen)
                if o.balance_at_retirement_fen is not None
                else None
            ),
            account_years=[
                {k: v for k, v in y.items() if k != "parameters"} for y in o.account_years
            ],
            pension=o.pension,
            minimum=o.minimum,
            options=o.options,
            assumptions=o.assumptions,
            missing=o.missing,
            provisional=o.provisional,
            provisional_values=o.provisional_values,
            explanation=o.explanation,
        )


class VerificationOut(BaseModel):
    genuine: bool
    code: str
    issued_at: datetime
    as_of_month: str
    holder: str
    sha256: str
    unchanged: bool | None

    @classmethod
    def of(cls, v: statement_pdf.Verification) -> VerificationOut:
        return cls(
            genuine=True,
            code=v.code,
            issued_at=v.issued_at,
            as_of_month=v.as_of_month,
            holder=v.holder,
            sha256=v.sha256,
            unchanged=v.unchanged,
        )


class MemberOut(BaseModel):
    person_id: int
    name: str
    id_number: str
    birth_date: str


class ChildcareIn(BaseModel):
    child_person_id: int


@router.post(
    "/persons/{person_id}/activation-code",
    status_code=status.HTTP_201_CREATED,
    response_model=CodeOut,
)
def issue_activation_code(person_id: int, body: CodeIn, uow: Uow, actor: Actor) -> CodeOut:
    """Issue a one-time activation code for the person (replaces an open one)."""
    issued = activation.issue_code(uow, actor, person_id, hours=body.hours)
    return CodeOut(person_id=issued.person_id, code=issued.code, expires_at=issued.expires_at)


@router.post("/auth/activate", response_model=ActivatedOut)
def activate(body: ActivateIn, uow: Uow) -> ActivatedOut:
    """Set a citizen's password with their identity number and activation code."""
    user = activation.activate(uow, **body.model_dump())
    assert user.person_id is not None
    return ActivatedOut(username=user.username, person_id=user.person_id)


@router.get("/persons/{person_id}/pension-outlook", response_model=OutlookOut)
def pension_outlook(
    person_id: int,
    uow: Uow,
    actor: Actor,
    retirement_month: str | None = None,
    monthly_wage: str | None = None,
    average_index: Annotated[float | None, Query(ge=0.6, le=3.0)] = None,
    category: str | None = None,
    crediting_rate: Annotated[
        float | None, Query(ge=0, le=0.1, description="assumed rate for unpublished years")
    ] = None,
) -> OutlookOut:
    """When the person can retire and their pension if they keep contributing (what-if: another
    retirement month in the window, wage, index or category)."""
    what = my_pension.WhatIf(
        retirement_month, monthly_wage, average_index, category, crediting_rate
    )
    return OutlookOut.of(my_pension.outlook(uow, actor, person_id, what))


@router.get(
    "/persons/{person_id}/statement.pdf",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}}},
)
def statement_file(person_id: int, uow: Uow, actor: Actor) -> Response:
    """The personal rights record as a PDF, with its verification code."""
    issued = statement_pdf.issue(uow, actor, person_id)
    return Response(
        issued.content,
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="statement-{issued.code}.pdf"',
            "X-Verification-Code": issued.code,
        },
    )


@router.get("/verify/{code}", response_model=VerificationOut)
def verify(code: str, uow: Uow) -> VerificationOut:
    """Confirm that a statement with this code was issued (no sign-in needed)."""
    return VerificationOut.of(statement_pdf.verify(uow, code))


@router.post("/verify/{code}", response_model=VerificationOut)
async def verify_file(
    code: str, uow: Uow, file: Annotated[UploadFile, File(description="the PDF received")]
) -> VerificationOut:
    """Confirm that the PDF received is the one issued under this code, unchanged."""
    content = await file.read(MAX_PDF_BYTES + 1)
    if len(content) > MAX_PDF_BYTES:
        raise InvalidInput.one("file", "larger than 10 MB: not a statement")
    return VerificationOut.of(statement_pdf.verify(uow, code, content))


@router.get("/me/household", response_model=list[MemberOut])
def household(uow: Uow, actor: Actor) -> list[MemberOut]:
    """The other members of the signed-in citizen's household."""
    return [
        MemberOut(
            person_id=p.id,
            name=p.name,
            id_number=mask_id(p.id_number),
            birth_date=p.birth_date.isoformat(),
        )
        for p in applications.household_members(uow, actor)
    ]


@router.post(
    "/me/applications/childcare", status_code=status.HTTP_201_CREATED, response_model=AwardOut
)
def apply_childcare(body: ChildcareIn, uow: Uow, actor: Actor) -> AwardOut:
    """Apply for the childcare subsidy of a child of one's household (an operator approves)."""
    return AwardOut.of(
        applications.apply_childcare(uow, actor, child_person_id=body.child_person_id)
    )


@router.post("/me/applications/existence", response_model=list[AwardOut])
def verify_existence(uow: Uow, actor: Actor) -> list[AwardOut]:
    """Record this month's existence verification (生存认证) of one's pension."""
    return [AwardOut.of(a) for a in applications.verify_existence(uow, actor)]
