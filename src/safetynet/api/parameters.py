"""Parameter governance over HTTP: ``/api/v1/parameters`` (propose, approve, reject,
withdraw, list, history, export) and the true-up action ``/api/v1/contributions/true-up``."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, status
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from safetynet.api.deps import Actor, Uow
from safetynet.api.schemas import yuan
from safetynet.services import parameters as governance
from safetynet.services import true_up
from safetynet.services.law import effective_law

router = APIRouter(prefix="/api/v1", tags=["parameter governance"])
Limit = Annotated[int, Query(ge=1, le=500)]


class ProposalIn(BaseModel):
    """A dated, sourced value for one parameter in one region."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    parameter: str = Field(description="dotted name, e.g. contribution.base_floor")
    region: str = Field(description="'national' or a 6-digit GB/T 2260 code")
    effective: str = Field(alias="from", description="effective date YYYY-MM-DD")
    value: float | str | dict[str, float] = Field(
        description="a number (or decimal text), or a table {key: number}"
    )
    unit: str | None = Field(default=None, description="defaults to the parameter's unit")
    source: str = Field(description="title of the source document")
    source_number: str | None = Field(default=None, description="document number (文号)")
    url: str | None = None
    article: str | None = None
    grade: str = Field(description="A official, B corroborated, C uncertain")
    note: str | None = None


class ReasonIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str


class TrueUpIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    region: str
    from_month: str
    to_month: str | None = None
    dry_run: bool = False


@router.get("/parameters")
def list_values(
    uow: Uow,
    actor: Actor,
    status_: Annotated[str | None, Query(alias="status")] = None,
    parameter: str | None = None,
    after: int | None = None,
    limit: Limit = 100,
) -> dict[str, Any]:
    """Proposed, approved, rejected, withdrawn and superseded values, in the order proposed,
    with the law version now in force."""
    rows = governance.list_values(
        uow, actor, status=status_, parameter=parameter, after_id=after, limit=limit
    )
    with uow:
        version = effective_law(uow.session).version
    return {
        "law_version": version,
        "items": [governance.describe(v) for v in rows],
        "next_after": rows[-1].id if len(rows) == limit else None,
    }


@router.post("/parameters", status_code=status.HTTP_201_CREATED)
def propose(body: ProposalIn, uow: Uow, actor: Actor) -> dict[str, Any]:
    """Propose a value (policy officers); it takes effect once a second officer approves."""
    fields = body.model_dump()
    value = governance.propose(uow, actor, governance.Proposal(**fields))
    return governance.describe(value)


@router.post("/parameters/{value_id}/approve")
def approve(value_id: int, uow: Uow, actor: Actor) -> dict[str, Any]:
    """Approve a proposal (never one's own: 403); the law moves to the next version."""
    return governance.describe(governance.approve(uow, actor, value_id))


@router.post("/parameters/{value_id}/reject")
def reject(value_id: int, body: ReasonIn, uow: Uow, actor: Actor) -> dict[str, Any]:
    return governance.describe(governance.reject(uow, actor, value_id, body.reason))


@router.post("/parameters/{value_id}/withdraw")
def withdraw(value_id: int, body: ReasonIn, uow: Uow, actor: Actor) -> dict[str, Any]:
    """Withdraw a proposal or an approved value (kept in the history)."""
    return governance.describe(governance.withdraw(uow, actor, value_id, body.reason))


@router.get("/parameters/history/{name}")
def history(name: str, uow: Uow, actor: Actor) -> dict[str, Any]:
    """Every value ever proposed for a parameter and the law versions that changed it."""
    return governance.history(uow, actor, name)


@router.get("/parameters/export")
def export(uow: Uow, actor: Actor) -> dict[str, Any]:
    """The approved overlay as parameter files in the package's format (path -> YAML)."""
    return {"files": governance.export(uow, actor)}


@router.post(
    "/contributions/true-up",
    responses={200: {"content": {"text/csv": {}, "application/vnd.ms-excel": {}}}},
)
def run_true_up(
    body: TrueUpIn,
    uow: Uow,
    actor: Actor,
    format_: Annotated[Literal["json", "csv", "xlsx"], Query(alias="format")] = "json",
) -> Any:
    """Settle the months of a region under the law in force (idempotent); the report as JSON,
    CSV or Excel."""
    report = true_up.true_up(
        uow,
        actor,
        region=body.region,
        from_month=body.from_month,
        to_month=body.to_month,
        dry_run=body.dry_run,
    )
    name = f"true-up-{report.region_code:06d}-{report.from_month}-{report.to_month}"
    if format_ == "csv":
        return Response(
            true_up.report_csv(report),
            media_type="text/csv",
            headers={"Content-Disposition": f'attachment; filename="{name}.csv"'},
        )
    if format_ == "xlsx":
        return Response(
            true_up.report_xlsx(report),
            media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            headers={"Content-Disposition": f'attachment; filename="{name}.xlsx"'},
        )
    return {
        "posted": report.posted,
        "run_id": report.run_id,
        "region": f"{report.region_code:06d}",
        "from_month": report.from_month,
        "to_month": report.to_month,
        "law_version": report.law_version,
        "awards_marked": report.awards_marked,
        "totals": {k: yuan(v) if k.endswith("_fen") else v for k, v in report.totals.items()},
        "lines": [
            {k: yuan(v) if k.endswith("_fen") else v for k, v in row.items()}
            for row in report.lines.to_dicts()
        ],
    }
