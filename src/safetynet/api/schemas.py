"""Request and response bodies. Money goes out as yuan strings with two decimals (exact);
periods as ``YYYY-MM``; region codes as 6-digit strings; identity numbers as registered."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from safetynet.domain.regions import format_region
from safetynet.policy.money import fen_to_decimal
from safetynet.store.access import AuditEntry, User
from safetynet.store.contributions import AccountEntry, Declaration
from safetynet.store.registry import Employer, EmploymentSpell, Enrollment, Household, Person

T = TypeVar("T")


def yuan(fen: int) -> str:
    return str(fen_to_decimal(fen))


class Page(BaseModel, Generic[T]):
    """A page of a keyset-paginated list: pass ``next_after`` as ``after`` for the next."""

    items: list[T]
    next_after: int | None


class Count(BaseModel):
    count: int


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


# --- requests -------------------------------------------------------------------------------


class PersonIn(Strict):
    id_number: str = Field(description="18-character resident identity number")
    name: str
    hukou_type: str = Field(description="urban or rural")
    hukou_region: str | None = Field(None, description="defaults to the number's address code")
    region: str | None = Field(None, description="region of record; defaults to hukou region")
    household_id: int | None = None
    sex: str | None = Field(None, description="checked against the number if given")
    birth_date: date | None = Field(None, description="checked against the number if given")
    reason: str = ""


class PersonCorrection(Strict):
    changes: dict[str, Any] = Field(
        description="fields to correct: id_number, name, hukou_region, hukou_type, "
        "household_id, region"
    )
    reason: str


class PersonLookup(Strict):
    id_number: str


class HouseholdIn(Strict):
    region: str
    hukou_type: str
    address: str = ""


class EmployerIn(Strict):
    credit_code: str = Field(description="unified social credit code (GB 32100)")
    name: str
    risk_class: int = Field(description="work-injury industry risk class 1-8")
    region: str | None = Field(None, description="defaults to the code's division")
    reason: str = ""


class EmploymentIn(Strict):
    person_id: int
    employer_id: int
    start_month: str
    reason: str = ""


class EmploymentEnd(Strict):
    end_month: str
    reason: str = ""


class EnrollmentIn(Strict):
    person_id: int
    worker_type: str = Field(description="flexible or resident (employees: via employment)")
    region: str
    start_month: str
    schemes: list[str] | None = None
    reason: str = ""


class EnrollmentStatusIn(Strict):
    status: str = Field(description="active, suspended or ended")
    month: str
    reason: str


class DeclarationRowIn(Strict):
    id_number: str
    monthly_wage: str | int | float = Field(description="yuan, at most two decimals")
    name: str = Field("", description="checked against the registry if given")


class DeclarationIn(Strict):
    month: str
    version: int = Field(1, description="1, then 2, 3, ... for each correction")
    rows: list[DeclarationRowIn]


class FlexibleIn(Strict):
    person_id: int
    month: str
    monthly_base: str


class ResidentIn(Strict):
    person_id: int
    year: int
    pension_grade: int | None = None
    medical_premium: str | None = None


class CreditYearIn(Strict):
    year: int


class UserIn(Strict):
    username: str
    password: str
    role: str
    region: str | None = None
    person_id: int | None = None


class PasswordChangeIn(Strict):
    current_password: str = Field(max_length=256)
    new_password: str = Field(max_length=256)


class PasswordResetIn(Strict):
    new_password: str = Field(max_length=256)
    reason: str = Field(default="", max_length=500)


class UserStatusIn(Strict):
    reason: str = Field(default="", max_length=500)


class ChainOut(BaseModel):
    intact: bool
    rows: int
    head_seq: int
    head_hash: str
    broken_at_seq: int | None
    broken_row_id: int | None
    problem: str | None


# --- responses ------------------------------------------------------------------------------


class Token(BaseModel):
    access_token: str
    token_type: str = "bearer"


class PersonOut(BaseModel):
    id: int
    id_number: str
    name: str
    sex: str
    birth_date: date
    hukou_region: str
    hukou_type: str
    household_id: int | None
    region: str
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, p: Person) -> PersonOut:
        return cls(
            id=p.id,
            id_number=p.id_number,
            name=p.name,
            sex=p.sex,
            birth_date=p.birth_date,
            hukou_region=format_region(p.hukou_region_code),
            hukou_type=p.hukou_type,
            household_id=p.household_id,
            region=format_region(p.region_code),
            created_at=p.created_at,
            updated_at=p.updated_at,
        )


class HouseholdOut(BaseModel):
    id: int
    region: str
    hukou_type: str
    address: str

    @classmethod
    def of(cls, h: Household) -> HouseholdOut:
        return cls(
            id=h.id, region=format_region(h.region_code), hukou_type=h.hukou_type, address=h.address
        )


class EmployerOut(BaseModel):
    id: int
    credit_code: str
    name: str
    region: str
    risk_class: int
    created_at: datetime

    @classmethod
    def of(cls, e: Employer) -> EmployerOut:
        return cls(
            id=e.id,
            credit_code=e.credit_code,
            name=e.name,
            region=format_region(e.region_code),
            risk_class=e.risk_class,
            created_at=e.created_at,
        )


class EmploymentOut(BaseModel):
    id: int
    person_id: int
    employer_id: int
    region: str
    start_month: str
    end_month: str | None

    @classmethod
    def of(cls, s: EmploymentSpell) -> EmploymentOut:
        return cls(
            id=s.id,
            person_id=s.person_id,
            employer_id=s.employer_id,
            region=format_region(s.region_code),
            start_month=s.start_month,
            end_month=s.end_month,
        )


class EnrollmentOut(BaseModel):
    id: int
    person_id: int
    scheme: str
    worker_type: str
    status: str
    region: str
    employer_id: int | None
    start_month: str
    end_month: str | None

    @classmethod
    def of(cls, e: Enrollment) -> EnrollmentOut:
        return cls(
            id=e.id,
            person_id=e.person_id,
            scheme=e.scheme,
            worker_type=e.worker_type,
            status=e.status,
            region=format_region(e.region_code),
            employer_id=e.employer_id,
            start_month=e.start_month,
            end_month=e.end_month,
        )


class EmploymentStarted(BaseModel):
    employment: EmploymentOut
    enrollments: list[EnrollmentOut]


class DeclarationOut(BaseModel):
    id: int
    employer_id: int
    month: str
    version: int
    status: str
    region: str
    rows: int
    base_total: str
    employer_total: str
    employee_total: str
    source: str
    submitted_by: str
    submitted_at: datetime
    supersedes_id: int | None
    law_version: int | None = None
    """The version of the effective law the amounts were computed under."""

    @classmethod
    def of(cls, d: Declaration) -> DeclarationOut:
        return cls(
            id=d.id,
            employer_id=d.employer_id,
            month=d.month,
            version=d.version,
            status=d.status,
            region=format_region(d.region_code),
            rows=d.row_count,
            base_total=yuan(d.base_total_fen),
            employer_total=yuan(d.employer_total_fen),
            employee_total=yuan(d.employee_total_fen),
            source=d.source,
            submitted_by=d.submitted_by,
            submitted_at=d.submitted_at,
            supersedes_id=d.supersedes_id,
            law_version=d.law_version,
        )


class ProvisionalValue(BaseModel):
    """A parameter value applied provisionally, and why (see docs/rules.md)."""

    parameter: str
    region: str
    effective_from: str
    value: Any
    kinds: list[str]
    reason: str


class DeclarationResult(BaseModel):
    posted: bool = Field(description="false when this exact declaration was already posted")
    dry_run: bool = False
    rows: int
    reversed_rows: int
    employer_total: str
    employee_total: str
    declaration: DeclarationOut | None
    provisional: bool = Field(
        False, description="some amounts rest on provisional values (carried forward, stand-ins)"
    )
    provisional_rows: int = 0
    provisional_parameters: list[ProvisionalValue] = []


class EntryOut(BaseModel):
    id: int
    account: str
    kind: str
    amount: str
    month: str
    year: int
    region: str
    contribution_id: int | None
    reverses_id: int | None
    note: str
    created_at: datetime

    @classmethod
    def of(cls, e: AccountEntry) -> EntryOut:
        return cls(
            id=e.id,
            account=e.account,
            kind=e.kind,
            amount=yuan(e.amount_fen),
            month=e.month,
            year=e.year,
            region=format_region(e.region_code),
            contribution_id=e.contribution_id,
            reverses_id=e.reverses_id,
            note=e.note,
            created_at=e.created_at,
        )


class PostingOut(BaseModel):
    contribution_id: int
    month: str
    base: str
    amounts: dict[str, str]
    account_entries: list[EntryOut]
    provisional: bool = Field(
        False, description="the amounts rest on provisional values (carried forward, stand-ins)"
    )
    provisional_parameters: list[ProvisionalValue] = []


class CreditRunOut(BaseModel):
    year: int
    credited: int
    already_credited: int
    interest: str


class MonthOut(BaseModel):
    month: str
    worker_type: str
    region: str
    amounts: dict[str, str]


class StatementOut(BaseModel):
    person: PersonOut
    enrollments: list[EnrollmentOut]
    history: list[MonthOut]
    months_counted: int
    years_counted: float
    balances: dict[str, str]
    average_contribution_index: float | None
    retirement: dict[str, Any]
    pension_estimate: dict[str, Any] | None
    estimate_basis: str
    estimate_problem: str | None


class AuditOut(BaseModel):
    id: int
    at: datetime
    actor: str
    role: str
    action: str
    entity: str
    entity_id: str
    region: str | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    reason: str
    seq: int
    row_hash: str

    @classmethod
    def of(cls, a: AuditEntry) -> AuditOut:
        return cls(
            id=a.id,
            at=a.at,
            actor=a.actor,
            role=a.role,
            action=a.action,
            entity=a.entity,
            entity_id=a.entity_id,
            region=format_region(a.region_code) if a.region_code is not None else None,
            before=a.before,
            after=a.after,
            reason=a.reason,
            seq=a.seq,
            row_hash=a.row_hash,
        )


class UserOut(BaseModel):
    id: int
    username: str
    role: str
    region: str | None
    person_id: int | None
    active: bool

    @classmethod
    def of(cls, u: User) -> UserOut:
        return cls(
            id=u.id,
            username=u.username,
            role=u.role,
            region=format_region(u.region_code) if u.region_code is not None else None,
            person_id=u.person_id,
            active=u.active,
        )


class Me(BaseModel):
    username: str
    role: str
    region: str | None
    person_id: int | None
