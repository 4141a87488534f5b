"""Money resources: declarations (JSON or file), own contributions, accounts, statements."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, File, Form, Query, Request, UploadFile, status
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from safetynet.api.deps import Actor, Uow
from safetynet.api.problems import PROBLEM_JSON, PROBLEM_SCHEMA, domain_problem
from safetynet.api.schemas import (
    CreditRunOut,
    CreditYearIn,
    DeclarationIn,
    DeclarationOut,
    DeclarationResult,
    EnrollmentOut,
    EntryOut,
    FlexibleIn,
    MonthOut,
    Page,
    PersonOut,
    PostingOut,
    ProvisionalValue,
    ResidentIn,
    StatementOut,
    yuan,
)
from safetynet.api.uploads import UploadSlots, spooled
from safetynet.domain.access import Principal
from safetynet.domain.errors import InvalidInput
from safetynet.domain.regions import format_region
from safetynet.services import accounts, audit, declarations
from safetynet.services.declaration_files import problems_csv
from safetynet.services.statement import Statement
from safetynet.services.statement import statement as build_statement
from safetynet.services.uow import UnitOfWork
from safetynet.store.contributions import AMOUNT_COLUMNS

router = APIRouter(prefix="/api/v1", tags=["contributions and accounts"])
After = Annotated[int | None, Query(description="keyset: the last id of the previous page")]
Limit = Annotated[int, Query(ge=1, le=500)]


def _result(outcome: declarations.DeclarationOutcome, dry_run: bool) -> DeclarationResult:
    return DeclarationResult(
        posted=outcome.posted,
        dry_run=dry_run,
        rows=outcome.rows,
        reversed_rows=outcome.reversed_rows,
        employer_total=yuan(outcome.employer_total_fen),
        employee_total=yuan(outcome.employee_total_fen),
        declaration=DeclarationOut.of(outcome.declaration) if outcome.declaration else None,
        provisional=outcome.provisional,
        provisional_rows=outcome.provisional_rows,
        provisional_parameters=[ProvisionalValue(**p) for p in outcome.provisional_parameters],
    )


@router.post(
    "/employers/{employer_id}/declarations",
    response_model=DeclarationResult,
    responses={201: {"description": "posted"}, 200: {"description": "already posted"}},
)
def declare(
    employer_id: int,
    body: DeclarationIn,
    uow: Uow,
    actor: Actor,
    response: Response,
    dry_run: bool = False,
) -> DeclarationResult:
    """Post a monthly declaration; the same (employer, month, version) never posts twice, a
    correction is the next version (reversal + new entries)."""
    frame = declarations.rows_frame([r.model_dump() for r in body.rows])
    outcome = declarations.submit(
        uow,
        actor,
        employer_id=employer_id,
        month=body.month,
        version=body.version,
        frame=frame,
        source="api",
        dry_run=dry_run,
    )
    response.status_code = 201 if outcome.posted else 200
    return _result(outcome, dry_run)


@router.post(
    "/employers/{employer_id}/declarations/file",
    response_model=DeclarationResult,
    responses={
        422: {
            "description": "row-level problems (problem+json, or CSV with report=csv)",
            "content": {
                PROBLEM_JSON: {"schema": PROBLEM_SCHEMA},
                "text/csv": {"schema": {"type": "string"}},
            },
        },
    },
)
async def declare_file(
    request: Request,
    employer_id: int,
    uow: Uow,
    actor: Actor,
    response: Response,
    file: Annotated[UploadFile, File(description="CSV or Excel (.xlsx) declaration")],
    month: Annotated[str, Form()],
    version: Annotated[int, Form()] = 1,
    dry_run: Annotated[bool, Form()] = False,
    report: Annotated[str, Query(pattern="^(json|csv)$")] = "json",
) -> Response | DeclarationResult:
    """Bulk declaration from a file: every row validated first, then all or nothing. With
    ``report=csv`` a rejected file's error report comes back as a downloadable CSV."""
    slots: UploadSlots = request.app.state.upload_slots
    try:
        with slots.slot():
            outcome = await run_in_threadpool(
                _declare_upload,
                uow,
                actor,
                file,
                employer_id=employer_id,
                month=month,
                version=version,
                dry_run=dry_run,
            )
    except InvalidInput as exc:
        if report == "csv":
            error_report = problems_csv(exc.problems)
            audit.record_download(
                uow,
                actor,
                what="declaration error report",
                entity="employer",
                entity_id=employer_id,
                region_code=None,
                content_bytes=error_report.encode("utf-8"),
            )
            return Response(
                error_report,
                status_code=422,
                media_type="text/csv",
                headers={"Content-Disposition": 'attachment; filename="declaration-errors.csv"'},
            )
        return domain_problem(exc)
    response.status_code = 201 if outcome.posted else 200
    return _result(outcome, dry_run)


def _declare_upload(
    uow: UnitOfWork,
    actor: Principal,
    file: UploadFile,
    *,
    employer_id: int,
    month: str,
    version: int,
    dry_run: bool,
) -> declarations.DeclarationOutcome:
    """Spool the upload to disk and post it (in a worker thread: parsing a large file must not
    hold up the server's other requests)."""
    name = file.filename or ""
    with spooled(file.file, Path(name).suffix[:10]) as path:
        return declarations.submit_file(
            uow,
            actor,
            employer_id=employer_id,
            month=month,
            version=version,
            content=path,
            filename=name,
            dry_run=dry_run,
        )


@router.get("/declarations", response_model=Page[DeclarationOut])
def list_declarations(
    uow: Uow,
    actor: Actor,
    employer_id: int | None = None,
    after: After = None,
    limit: Limit = 50,
) -> Page[DeclarationOut]:
    rows = declarations.list_declarations(
        uow, actor, employer_id=employer_id, after_id=after, limit=limit
    )
    return Page(
        items=[DeclarationOut.of(d) for d in rows],
        next_after=rows[-1].id if len(rows) == limit else None,
    )


@router.get("/declarations/{declaration_id}", response_model=DeclarationOut)
def get_declaration(declaration_id: int, uow: Uow, actor: Actor) -> DeclarationOut:
    return DeclarationOut.of(declarations.get_declaration(uow, actor, declaration_id))


def posting_out(posting: accounts.Posting) -> PostingOut:
    record = posting.record
    amounts = {
        c.removesuffix("_fen"): yuan(getattr(record, c))
        for c in AMOUNT_COLUMNS
        if c != "base_fen" and getattr(record, c)
    }
    return PostingOut(
        contribution_id=record.id,
        month=record.month,
        base=yuan(record.base_fen),
        amounts=amounts,
        account_entries=[EntryOut.of(e) for e in posting.entries],
        provisional=posting.provisional,
        provisional_parameters=[ProvisionalValue(**p) for p in posting.provisional_parameters],
    )


@router.post(
    "/contributions/flexible", status_code=status.HTTP_201_CREATED, response_model=PostingOut
)
def pay_flexible(body: FlexibleIn, uow: Uow, actor: Actor) -> PostingOut:
    """A flexible worker's month on the chosen base (once per person and month)."""
    return posting_out(accounts.pay_flexible(uow, actor, **body.model_dump()))


@router.post(
    "/contributions/resident", status_code=status.HTTP_201_CREATED, response_model=PostingOut
)
def pay_resident(body: ResidentIn, uow: Uow, actor: Actor) -> PostingOut:
    """A resident's annual pension grade and/or medical premium (once per scheme and year)."""
    return posting_out(accounts.pay_resident(uow, actor, **body.model_dump()))


@router.post("/accounts/credit-year", response_model=CreditRunOut)
def credit_year(body: CreditYearIn, uow: Uow, actor: Actor) -> CreditRunOut:
    """Year-end interest for every account in scope; re-running credits nobody twice."""
    run = accounts.credit_year(uow, actor, year=body.year)
    return CreditRunOut(
        year=run.year,
        credited=run.credited,
        already_credited=run.already,
        interest=yuan(run.interest_fen),
    )


@router.get("/persons/{person_id}/account-entries", response_model=Page[EntryOut])
def account_entries(
    person_id: int, uow: Uow, actor: Actor, after: After = None, limit: Limit = 100
) -> Page[EntryOut]:
    rows = accounts.list_entries(uow, actor, person_id, after_id=after, limit=limit)
    return Page(
        items=[EntryOut.of(e) for e in rows], next_after=rows[-1].id if len(rows) == limit else None
    )


@router.get("/persons/{person_id}/statement", response_model=StatementOut)
def statement(
    person_id: int,
    uow: Uow,
    actor: Actor,
    category: Annotated[str | None, Query(description="male, female_55 or female_50")] = None,
) -> StatementOut:
    """Contribution history, years counted, balances and the pension estimate explained."""
    return statement_out(build_statement(uow, actor, person_id, category=category))


def statement_out(s: Statement) -> StatementOut:
    return StatementOut(
        person=PersonOut.of(s.person),
        enrollments=[EnrollmentOut.of(e) for e in s.enrollments],
        history=[
            MonthOut(
                month=m.month,
                worker_type=m.worker_type,
                region=format_region(m.region_code),
                amounts={c.removesuffix("_fen"): yuan(v) for c, v in m.amounts_fen.items() if v},
            )
            for m in s.history
        ],
        months_counted=s.months_counted,
        years_counted=s.years_counted,
        balances={k: yuan(v) for k, v in s.balances_fen.items()},
        average_contribution_index=s.average_index,
        retirement=s.retirement,
        pension_estimate=s.estimate,
        estimate_basis=s.estimate_basis,
        estimate_problem=s.estimate_problem,
    )
